import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRenderer, type Renderer } from '../../src/render/index.js';
import { IN_CI } from '../helpers/env.js';
import { EMAIL_TEMPLATES, mailMatrix, PERSONAL_MARK, SIZES, type MatrixCase } from '../helpers/mail-matrix.js';

/**
 * Every email template × every sample order × 1 to 237 sites, opened at phone width (375 px)
 * in headless Chromium: the RAC's personal message must start within the first 1,500 px, the
 * HTML must stay under 60 KB, and no rendered line may start with « : », « ; », « ! », « ? » or
 * « » » (a plain space before them, or after «, would allow it). Screenshots of the first
 * screens go to outbox/screenshots (ignored by git).
 */

const WIDTH = 375;
const PERSONAL_WITHIN_PX = 1500;
const MAX_HTML_BYTES = 60 * 1024;
const SHOTS = fileURLToPath(new URL('../../outbox/screenshots/', import.meta.url));

const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && !IN_CI) console.warn(`mail-layout.test.ts skipped: no ${CHROMIUM} (apt-get install chromium)`);

interface Measure {
  /** Top of the personal message, in CSS pixels from the top of the mail. */
  personalTop: number;
  height: number;
  /** Text where a line could start with punctuation. */
  breakable: string[];
}

/**
 * Runs in the page. A string, since the project's types have no DOM: the top of the text node
 * holding the mark, and every visible place where a plain space sits before « : ; ! ? » » or
 * after « « ».
 */
const IN_PAGE = `(mark) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let personalTop = -1;
  const breakable = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent || '';
    if (personalTop < 0 && text.includes(mark)) {
      const range = document.createRange();
      range.selectNodeContents(node);
      personalTop = range.getBoundingClientRect().top + window.scrollY;
    }
    const parent = node.parentElement;
    if (parent && getComputedStyle(parent).display === 'none') continue;
    for (const match of text.matchAll(/ [:;!?»]|« /g)) breakable.push(text.slice(Math.max(0, match.index - 20), match.index + 3));
  }
  return { personalTop, height: document.documentElement.scrollHeight, breakable };
}`;

async function measure(page: Page, item: MatrixCase): Promise<Measure> {
  // The layout must hold with images off too (the logo's alt is styled); here the logo loads.
  await page.setContent(item.result.html, { waitUntil: 'load' });
  return (await page.evaluate(`(${IN_PAGE})(${JSON.stringify(PERSONAL_MARK)})`)) as Measure;
}

describe.runIf(HAVE_CHROMIUM || IN_CI)('mail at phone width', () => {
  let browser: Browser;
  let page: Page;
  let renderer: Renderer;
  let cases: MatrixCase[];
  const measures = new Map<MatrixCase, Measure>();

  beforeAll(async () => {
    renderer = await createRenderer({
      templatesDir: 'templates',
      publicBaseUrl: 'https://jalon.orion-telecom.example',
    });
    cases = mailMatrix(renderer);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: WIDTH, height: 812 } });
    // Nothing leaves the machine: the logo is answered from templates/assets, anything else refused.
    await page.route('**/*', (route) => {
      const asset = /\/assets\/([a-z0-9._-]+)$/.exec(route.request().url())?.[1];
      return asset
        ? route.fulfill({ contentType: 'image/png', body: readFileSync(join('templates/assets', asset)) })
        : route.abort();
    });
    mkdirSync(SHOTS, { recursive: true });
    for (const item of cases) {
      measures.set(item, await measure(page, item));
      const name = `${item.key}-${item.order.replace('.json', '')}-${item.size}`;
      if (item.order.endsWith('105.json') || item.size === 237)
        await page.screenshot({
          path: join(SHOTS, `${name}.png`),
          fullPage: true,
          clip: { x: 0, y: 0, width: WIDTH, height: PERSONAL_WITHIN_PX },
        });
      if (item.size === 237 && item.order.endsWith('105.json'))
        await page.screenshot({ path: join(SHOTS, `${name}-full.png`), fullPage: true });
    }
    const worst = new Map<number, { top: number; bytes: number }>();
    for (const [item, found] of measures) {
      const current = worst.get(item.size) ?? { top: 0, bytes: 0 };
      worst.set(item.size, {
        top: Math.max(current.top, found.personalTop),
        bytes: Math.max(current.bytes, Buffer.byteLength(item.result.html)),
      });
    }
    for (const [size, { top, bytes }] of [...worst].sort((a, b) => a[0] - b[0]))
      console.log(
        `${size} sites: personal message at most at ${Math.round(top)} px, HTML at most ${(bytes / 1024).toFixed(1)} KB`,
      );
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await renderer?.close();
  });

  it('covers every template × order × size', () => {
    expect(cases.length).toBe(EMAIL_TEMPLATES.length * 5 * SIZES.length);
  });

  it(`shows the RAC's personal message within the first ${PERSONAL_WITHIN_PX} px at ${WIDTH} px wide`, () => {
    const late = [...measures]
      .filter(([, found]) => found.personalTop < 0 || found.personalTop > PERSONAL_WITHIN_PX)
      .map(([item, found]) => `${item.key} × ${item.order} × ${item.size}: ${Math.round(found.personalTop)} px`);
    expect(late).toEqual([]);
  });

  it(`keeps every HTML part under ${MAX_HTML_BYTES / 1024} KB`, () => {
    const heavy = cases
      .filter((item) => Buffer.byteLength(item.result.html) > MAX_HTML_BYTES)
      .map((item) => `${item.key} × ${item.order} × ${item.size}: ${Buffer.byteLength(item.result.html)} bytes`);
    expect(heavy).toEqual([]);
  });

  it('leaves no place where a line could start with « : », « ; », « ! », « ? » or « » »', () => {
    const loose = [...measures].flatMap(([item, found]) =>
      found.breakable.map((text) => `${item.key} × ${item.order} × ${item.size}: …${text}`),
    );
    expect(loose).toEqual([]);
    for (const item of cases)
      for (const line of item.result.text.split('\n'))
        expect(line, `${item.key} × ${item.order}`).not.toMatch(/^\s*[:;!?»]/);
  });
});
