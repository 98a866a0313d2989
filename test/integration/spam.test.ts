import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEml, createRenderer, type EmailResult } from '../../src/render/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { loadFixture } from '../helpers/fixtures.js';
import { IN_CI } from '../helpers/env.js';
import { EMAIL_TEMPLATES, mailMatrix, SIZES } from '../helpers/mail-matrix.js';

/**
 * What a spam filter makes of each email template, as sent: rendered for a real sample order
 * through the API, built into a complete message by buildEml, scored by SpamAssassin with
 * local rules only (-L: no DNS or network tests, so the score depends on the message alone).
 */

const run = promisify(execFile);
const TEMPLATES = ['accuse-reception', 'rle-recap', 'avis-intervention', 'cloture', 'relance-bilan'];
const MAX_SCORE = 0;
/** Every template × sample order × 1 to 237 sites, with a personal message and the site list attached. */
const MATRIX_MAX_SCORE = 0.5;
const ADDRESS = 'projets@orion-telecom.example';
const fixture = loadFixture('CMD-2026-000102');
const site = fixture.sites[0]?.ref;

/**
 * Rules that mean the message is malformed rather than its wording unlucky: none may fire,
 * whatever their current score (scores change with rule updates; a broken structure doesn't).
 */
const STRUCTURAL = [
  /^MISSING_/, // MISSING_DATE, MISSING_MID, MISSING_HEADERS, MISSING_SUBJECT, MISSING_FROM, MISSING_MIME_HB_SEP…
  /^INVALID_(DATE|MSGID)/,
  /^EMPTY_MESSAGE$/,
  /^MIME_HTML_(ONLY|MOSTLY)/,
  /^HTML_MIME_NO_HTML_TAG$/,
  /^MIME_QP_LONG_LINE$/,
  /^MIME_BASE64_TEXT$/,
  /^MIME_HEADER_CTYPE_ONLY$/,
  /^MIME_BOUND_/,
  /^MPART_ALT_DIFF/,
  /^FROM_EXCESS_(BASE64|QP)$/,
  /^HTML_IMAGE_ONLY_/,
  /^HTML_IMAGE_RATIO_/,
  /^HTML_SHORT_LINK_IMG_/,
  /^HTML_TAG_BALANCE_/,
  /^HTML_EXTRA_CLOSE$/,
  /^TVD_/,
  /^DATE_IN_(FUTURE|PAST)_/,
  /^SUBJ_ALL_CAPS$/,
  /^BAD_ENC_HEADER$/,
  /^PP_MIME_FAKE_ASCII_TEXT$/,
  /^CTYPE_/,
];

// The spam test needs a binary, not a service: CI installs it, a developer machine may not have it.
const HAVE_SPAMASSASSIN = spawnSync('spamassassin', ['-V'], { encoding: 'utf8' }).status === 0;
if (!HAVE_SPAMASSASSIN && !IN_CI) {
  console.warn(
    'spam.test.ts skipped: the spamassassin binary is not installed (apt-get install spamassassin). ' +
      'It is required when CI is set.',
  );
}

interface Verdict {
  score: number;
  rules: string[];
  report: string;
}

/** Score and rules from X-Spam-Status, and the points table for the failure message. */
function parseVerdict(output: string): Verdict {
  const headers = output.slice(0, output.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, ' ');
  const status = /^X-Spam-Status: (.*)$/m.exec(headers)?.[1];
  if (!status) throw new Error(`no X-Spam-Status header in the spamassassin output:\n${output.slice(0, 2000)}`);
  const score = Number(/\bscore=(-?\d+(?:\.\d+)?)/.exec(status)?.[1]);
  // Folding may break the list after any comma: "tests=A,\n\tB,C autolearn=…".
  const rules = (/\btests=(.*?)(?:\s+\w+=|$)/.exec(status)?.[1] ?? '')
    .split(',')
    .map((rule) => rule.trim())
    .filter((rule) => rule !== '' && rule !== 'none');
  const table = /Content analysis details:[\s\S]*?\n\n/.exec(output)?.[0] ?? '';
  return { score, rules, report: table.trim() };
}

async function spamassassin(file: string): Promise<string> {
  // No Bayes: autolearning would make a run depend on the runs before it.
  const { stdout } = await run(
    'spamassassin',
    ['-L', '-t', '--cf=use_bayes 0', '--cf=bayes_auto_learn 0', '--cf=use_auto_whitelist 0', file],
    { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

const mailbox = (r: { address: string; name?: string }) => (r.name ? `"${r.name}" <${r.address}>` : r.address);

describe.runIf(HAVE_SPAMASSASSIN || IN_CI)('SpamAssassin scores of the email templates', () => {
  let t: TestApp;
  let dir: string;
  const verdicts = new Map<string, Verdict>();

  beforeAll(async () => {
    if (!HAVE_SPAMASSASSIN) {
      throw new Error('CI is set but the spamassassin binary is missing: install it (apt-get install spamassassin)');
    }
    dir = mkdtempSync(join(tmpdir(), 'jalon-spam-'));
    // Links as in production (the default, http://127.0.0.1:3000, fires WEIRD_PORT on the survey link).
    t = await createTestApp('postgres', { PUBLIC_BASE_URL: 'https://jalon.orion-telecom.example' });
    const put = await t.request(t.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${fixture.orderNumber}`,
      payload: fixture,
    });
    expect(put.statusCode, put.body).toBe(201);

    const files = await Promise.all(
      TEMPLATES.map(async (key) => {
        const response = await t.request(t.adminKey, {
          method: 'POST',
          url: '/v1/messages/preview',
          payload: {
            projectRef: fixture.orderNumber,
            template: key,
            ...(key === 'avis-intervention'
              ? {
                  data: {
                    kind: 'access',
                    siteRef: site,
                    windowStart: '2026-06-02T08:00:00+02:00',
                    windowEnd: '2026-06-02T12:00:00+02:00',
                  },
                }
              : {}),
          },
        });
        expect(response.statusCode, response.body).toBe(200);
        const preview = response.json() as EmailResult & {
          recipients: { to: { address: string; name?: string }[]; cc: { address: string; name?: string }[] };
        };
        const eml = await buildEml(preview, {
          from: mailbox({ name: preview.fromName, address: ADDRESS }),
          to: preview.recipients.to.map(mailbox),
          cc: preview.recipients.cc.map(mailbox),
          replyTo: fixture.rac.email,
          messageId: `<${randomUUID()}@orion-telecom.example>`,
          date: new Date(),
        });
        const file = join(dir, `${key}.eml`);
        writeFileSync(file, eml);
        return { key, file };
      }),
    );
    // One process per template, side by side: each takes a few seconds to load its rules.
    const outputs = await Promise.all(files.map(async ({ key, file }) => ({ key, output: await spamassassin(file) })));
    for (const { key, output } of outputs) {
      const verdict = parseVerdict(output);
      verdicts.set(key, verdict);
      console.log(`spamassassin ${key}: score ${verdict.score} (${verdict.rules.join(', ') || 'no rule'})`);
    }
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(TEMPLATES)(`%s scores at most ${MAX_SCORE}, with no structural rule`, (key) => {
    const verdict = verdicts.get(key);
    if (!verdict) throw new Error(`no verdict for ${key}`);
    expect(Number.isFinite(verdict.score), verdict.report).toBe(true);
    // The rules were loaded and saw the HTML part: a run without rules would score 0 too.
    expect(verdict.rules, verdict.report).toContain('HTML_MESSAGE');
    const structural = verdict.rules.filter((rule) => STRUCTURAL.some((pattern) => pattern.test(rule)));
    expect(structural, verdict.report).toEqual([]);
    expect(verdict.score, `${key}:\n${verdict.report}`).toBeLessThanOrEqual(MAX_SCORE);
  });

  it('the message given to SpamAssassin is complete: headers and both parts', async () => {
    const preview = t.deps.renderer.renderSample('relance-bilan');
    if (preview.channel !== 'email') throw new Error('relance-bilan is an email');
    const eml = (
      await buildEml(preview, {
        from: mailbox({ name: preview.fromName, address: ADDRESS }),
        to: ['client@example.com'],
        cc: [fixture.rac.email],
        replyTo: fixture.rac.email,
        messageId: '<m-1@orion-telecom.example>',
        date: new Date('2026-05-12T08:00:00Z'),
      })
    ).toString('utf8');
    const head = eml.slice(0, eml.indexOf('\r\n\r\n'));
    for (const header of ['From', 'To', 'Cc', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'MIME-Version']) {
      expect(head).toMatch(new RegExp(`^${header}: `, 'm'));
    }
    expect(head).toContain('Message-ID: <m-1@orion-telecom.example>');
    expect(head).toMatch(/^Content-Type: multipart\/alternative;/m);
    // Text part first: clients show the last part they understand.
    expect(eml.indexOf('Content-Type: text/plain')).toBeGreaterThan(0);
    expect(eml.indexOf('Content-Type: text/plain')).toBeLessThan(eml.indexOf('Content-Type: text/html'));
    expect(eml).not.toMatch(/^Content-Transfer-Encoding: base64/m);
  });
});

/** SpamAssassin on a whole mbox at once: one process loads its rules once for every message. */
async function spamassassinMbox(file: string): Promise<string> {
  const { stdout } = await run(
    'spamassassin',
    ['-L', '-t', '--mbox', '--cf=use_bayes 0', '--cf=bayes_auto_learn 0', '--cf=use_auto_whitelist 0', file],
    { timeout: 600_000, maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout;
}

describe.runIf(HAVE_SPAMASSASSIN || IN_CI)('SpamAssassin scores of every template × order × size', () => {
  let dir: string;
  const verdicts: { where: string; verdict: Verdict }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jalon-spam-matrix-'));
    const renderer = await createRenderer({
      templatesDir: 'templates',
      publicBaseUrl: 'https://jalon.orion-telecom.example',
    });
    const cases = mailMatrix(renderer);
    await renderer.close();
    const messages = await Promise.all(
      cases.map(async (item) => {
        const eml = await buildEml(item.result, {
          from: mailbox({ name: item.result.fromName, address: ADDRESS }),
          to: [item.project.contacts[0]?.email ?? 'client@example.org'],
          cc: [item.project.rac.email],
          replyTo: item.result.replyTo,
          messageId: `<${randomUUID()}@orion-telecom.example>`,
          date: new Date(),
        });
        // mbox: LF line ends, a From_ line before each message, body lines starting "From " quoted.
        const body = eml
          .toString('utf8')
          .replace(/\r\n/g, '\n')
          .replace(/^(>*From )/gm, '>$1');
        return {
          where: `${item.key} × ${item.order} × ${item.size}`,
          text: `From jalon@orion-telecom.example Tue Dec  1 08:00:00 2026\n${body}\n`,
        };
      }),
    );
    const file = join(dir, 'matrix.mbox');
    writeFileSync(file, messages.map((message) => message.text).join(''));
    const output = await spamassassinMbox(file);
    const outputs = output.split(/^From jalon@orion-telecom\.example .*\n/m).filter((part) => part.trim() !== '');
    expect(outputs).toHaveLength(messages.length);
    outputs.forEach((part, index) => verdicts.push({ where: messages[index]!.where, verdict: parseVerdict(part) }));
    const scores = verdicts.map((item) => item.verdict.score);
    console.log(
      `spamassassin matrix: ${verdicts.length} messages, scores ${Math.min(...scores)} to ${Math.max(...scores)}`,
    );
  }, 900_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`scores every message at most ${MATRIX_MAX_SCORE}, with no structural rule`, () => {
    expect(verdicts).toHaveLength(EMAIL_TEMPLATES.length * 5 * SIZES.length);
    const bad = verdicts
      .filter(
        ({ verdict }) =>
          !(verdict.score <= MATRIX_MAX_SCORE) ||
          // The rules ran and saw the HTML part.
          !verdict.rules.includes('HTML_MESSAGE') ||
          verdict.rules.some((rule) => STRUCTURAL.some((pattern) => pattern.test(rule))),
      )
      .map(({ where, verdict }) => `${where}: ${verdict.score} (${verdict.rules.join(', ')})`);
    expect(bad).toEqual([]);
  });
});
