import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { linkIn } from './people.js';
import type { SmtpSink } from './smtp.js';

/** Where the browser tests leave their screenshots (the README shows a few of them, copied to docs/). */
export const SCREENSHOTS = fileURLToPath(new URL('../browser/screenshots/', import.meta.url));

export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * Signs a person in as they would: the console's sign-in form (with the page they meant to
 * open as `next`), the link read from the mail in the SMTP sink, its page, its button.
 */
export async function signInThroughConsole(
  browser: Browser,
  base: string,
  sink: SmtpSink,
  email: string,
  path = '/app/',
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  // A missing element fails the test within seconds instead of waiting for it forever.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  await page.getByLabel('Adresse e-mail professionnelle').fill(email);
  const before = sink.received.length;
  await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
  await expect.poll(() => page.getByText('Un lien de connexion vous a été envoyé').count()).toBe(1);
  const mails = await sink.waitFor(before + 1);
  const mail = mails.slice(before).find((m) => m.envelope.to.includes(email));
  expect(mail, `a sign-in mail to ${email}`).toBeTruthy();
  const link = linkIn(mail!);
  await page.goto(`${base}${link.pathname}${link.search}`);
  await Promise.all([page.waitForURL(`${base}${path}`), page.getByRole('button', { name: 'Me connecter' }).click()]);
  return { context, page };
}

/** axe finds no serious or critical violation on what the page shows now. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  // The mail inside a preview frame is the mail's own layout (checked by the mail tests); the
  // frame is sandboxed without scripts, so axe could not run in it anyway.
  const result = await new AxeBuilder({ page }).exclude('iframe.mail-frame').analyze();
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `axe on ${screen}`).toEqual([]);
}

/** The screen at desktop and phone widths, as PNG files named after it. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), fullPage: false });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: false });
  await page.setViewportSize(DESKTOP);
}

/** The p-th percentile (0–100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
