import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { and, eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { surveys } from '../../src/db/schema.js';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { IN_CI } from '../helpers/env.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

const available = existsSync(CHROMIUM);
if (!available && !IN_CI) console.warn(`${CHROMIUM} is missing: the browser tests are skipped`);

const ORDER = loadFixture('CMD-2026-000103');
const SHOTS = join(process.cwd(), 'outbox', 'screenshots');

describe.skipIf(!available && !IN_CI)('the survey page in a real browser, at phone width, on postgres', () => {
  let p: Pipeline;
  let browser: Browser;
  let origin: string;
  let link: URL;

  beforeAll(async () => {
    p = await createPipeline('postgres', { FOLLOWUP_INTERVAL_MS: '50' });
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    await p.deps.settings.put(ORDER.agency, {
      ...(await p.deps.settings.get(ORDER.agency)),
      automation: { accuseReception: 'off', rleRecap: 'off', cloture: 'off', surveyReminderDays: 7 },
    });
    const put = await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${ORDER.orderNumber}`, payload: ORDER });
    expect(put.statusCode, put.body).toBe(201);
    const sent = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: ORDER.orderNumber, template: 'cloture' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const [mail] = await p.smtp.waitFor(1);
    const found = /http\S+\/satisfaction\/[A-Za-z0-9_-]{43}\?note=4/.exec(mail?.mail.text ?? '');
    if (!found) throw new Error('no rating link in the closure mail');
    // The mail points at PUBLIC_BASE_URL; the browser goes to where this test's server listens.
    const mailed = new URL(found[0]);
    link = new URL(`${mailed.pathname}${mailed.search}`, origin);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await p?.close();
  });

  it('opens at 375 px with the mailed rating chosen, passes axe, and answers in one click', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, javaScriptEnabled: false });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });
    const response = await page.goto(link.toString());
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.locator('input[name="note"]:checked').getAttribute('value')).toBe('4');
    // Nothing wider than the phone: no sideways scrolling.
    // A string: the project's types have no DOM.
    const widths = await page.evaluate<number[]>('[document.documentElement.scrollWidth, window.innerWidth]');
    expect(widths[0]).toBeLessThanOrEqual(widths[1]!);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'satisfaction-375px.png'), fullPage: true });

    // Axe runs its script through the browser's debugging protocol, which the page's policy does not stop.
    const axeContext = await browser.newContext({ viewport: { width: 375, height: 812 } });
    const axePage = await axeContext.newPage();
    await axePage.goto(link.toString());
    const results = await new AxeBuilder({ page: axePage }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await axeContext.close();

    await page.getByLabel('Votre commentaire (facultatif)').fill('Équipe réactive, merci.');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Envoyer' }).click()]);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Merci pour votre réponse');
    const [row] = await p.deps.db
      .select()
      .from(surveys)
      .where(and(eq(surveys.projectRef, ORDER.orderNumber), eq(surveys.contactId, 'ct-1')));
    expect(row).toMatchObject({ rating: 4, comment: 'Équipe réactive, merci.' });
    // The policy blocked nothing the page needs (its style sheet, its logo, its form).
    expect(violations.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
    await context.close();
  });
});
