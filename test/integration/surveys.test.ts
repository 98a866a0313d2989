import { and, eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages, milestones, surveyLinks, surveys } from '../../src/db/schema.js';
import type { ProjectInput } from '../../src/projects/schema.js';
import { parse } from 'csv-parse/sync';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import type { Received } from '../helpers/smtp.js';

const ORDER = loadFixture('CMD-2026-000102');
const OTHER = { ...loadFixture('CMD-2026-000104'), agency: 'AIDF' };
const TOKEN_LINK = /\/satisfaction\/([A-Za-z0-9_-]{43})(?:\?note=(\d))?/g;

/** Polls until `check` holds (the workers and their follow-ups run on their own). */
async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The survey links of a mail, text part and HTML part apart. */
function linksOf(mail: Received) {
  const read = (content: string) =>
    [...content.replaceAll('&#x3D;', '=').matchAll(TOKEN_LINK)].map((m) => ({ token: m[1]!, note: m[2] ?? null }));
  return { text: read(mail.mail.text ?? ''), html: read(String(mail.mail.html ?? '')) };
}

describe('the satisfaction survey, end to end (PostgreSQL, real SMTP server)', () => {
  let p: Pipeline;
  let base: string;
  const closures = new Map<string, Received>();

  const page = (path: string, remoteAddress = '127.0.0.1') => p.app.inject({ method: 'GET', url: path, remoteAddress });
  const post = (
    token: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
    remoteAddress = '127.0.0.1',
  ) =>
    p.app.inject({
      method: 'POST',
      url: `/satisfaction/${token}`,
      remoteAddress,
      payload: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, ...headers },
    });
  const send = async (project: ProjectInput, template: string, extra: Record<string, unknown> = {}) => {
    const response = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: project.orderNumber, template, ...extra },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  };
  const events = async (ref: string, type: string) => (await p.events(ref)).filter((e) => e.type === type);
  const survey = async (ref: string, contactId: string) =>
    (
      await p.deps.db
        .select()
        .from(surveys)
        .where(and(eq(surveys.projectRef, ref), eq(surveys.contactId, contactId)))
    )[0];
  const closureTo = (ref: string, to: string) => {
    const mail = [...closures.values()].find((m) => m.mail.subject?.includes(ref) && m.envelope.to.includes(to));
    if (!mail) throw new Error(`no closure mail of ${ref} to ${to}`);
    return mail;
  };
  const tokenOf = (ref: string, to: string) => linksOf(closureTo(ref, to)).text[0]!.token;

  beforeAll(async () => {
    p = await createPipeline('postgres', { FOLLOWUP_INTERVAL_MS: '50', SURVEY_PER_ADDRESS_PER_MINUTE: '40' });
    base = p.deps.config.PUBLIC_BASE_URL.replace(/\/+$/, '');
    for (const project of [ORDER, OTHER]) {
      const put = await p.request(p.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${project.orderNumber}`,
        payload: project,
      });
      expect(put.statusCode, put.body).toBe(201);
      await p.deps.settings.put(project.agency, {
        ...(await p.deps.settings.get(project.agency)),
        automation: { accuseReception: 'off', rleRecap: 'off', cloture: 'off', surveyReminderDays: 7 },
      });
    }
    await p.settle();
    await send(ORDER, 'cloture');
    await send(OTHER, 'cloture');
    await send(OTHER, 'cloture', { recipients: { to: [{ contactId: 'ct-2' }] } });
    for (const mail of await p.smtp.waitFor(3)) closures.set(mail.envelope.to.join(','), mail);
  });
  afterAll(async () => p?.close());

  it('sends each recipient five rating links of their own, in the text part and the HTML part', () => {
    const tokens = new Set<string>();
    expect(closures.size).toBe(3);
    for (const mail of closures.values()) {
      const { text, html } = linksOf(mail);
      expect(mail.mail.text).toContain('Comment évaluez-vous le déploiement de votre commande n°');
      expect(mail.mail.text).toMatch(/1 – très insatisfait\s*: http\S+note=1/);
      expect(mail.mail.text).toMatch(/5 – très satisfait\s*: http\S+note=5/);
      expect(text.map((l) => l.note)).toEqual(['1', '2', '3', '4', '5', null]);
      expect(html.map((l) => l.note)).toEqual(['1', '2', '3', '4', '5', null]);
      expect(new Set([...text, ...html].map((l) => l.token)).size).toBe(1);
      tokens.add(text[0]!.token);
      expect(String(mail.mail.html)).toContain('Répondre au questionnaire');
    }
    // One token per recipient, and none of them kept in clear.
    expect(tokens.size).toBe(3);
  });

  it('keeps only the hash of each token, and the stored mail shows no token', async () => {
    const token = tokenOf(ORDER.orderNumber, ORDER.contacts[0]!.email!);
    const dump = JSON.stringify(await p.deps.db.execute(sql`select * from survey_links`));
    expect(dump).not.toContain(token);
    // The closure mail: the order may hold other messages (a welcome draft made by its arrival).
    const stored = await p.deps.db
      .select()
      .from(messages)
      .where(and(eq(messages.projectRef, ORDER.orderNumber), eq(messages.templateKey, 'cloture')));
    expect(stored).toHaveLength(1);
    expect(stored[0]?.html).toContain('/satisfaction/lien-personnel?note');
    expect(JSON.stringify(stored)).not.toContain(token);
    const links = await p.deps.db.select().from(surveyLinks).where(eq(surveyLinks.projectRef, ORDER.orderNumber));
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ contactId: 'ct-1', messageId: stored[0]?.id });
    const days = (links[0]!.expiresAt.getTime() - links[0]!.createdAt.getTime()) / 86_400_000;
    expect(days).toBe(60);
  });

  it('a link scanner opening every link records no answer, only that the link was opened', async () => {
    const mail = closureTo(ORDER.orderNumber, ORDER.contacts[0]!.email!);
    for (const link of linksOf(mail).text) {
      const url = `/satisfaction/${link.token}${link.note ? `?note=${link.note}` : ''}`;
      const response = await page(url);
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('Envoyer');
      if (link.note) expect(response.body).toMatch(new RegExp(`value="${link.note}" required checked`));
    }
    await until(
      'the survey of the sent mail',
      () => survey(ORDER.orderNumber, 'ct-1'),
      (row) => row !== undefined,
    );
    expect((await survey(ORDER.orderNumber, 'ct-1'))?.rating).toBeNull();
    expect(await events(ORDER.orderNumber, 'survey.answered')).toHaveLength(0);
    expect(await events(ORDER.orderNumber, 'survey.opened')).toHaveLength(1);
  });

  it('shows the order number and the company, nothing personal, under a strict policy', async () => {
    const token = tokenOf(ORDER.orderNumber, ORDER.contacts[0]!.email!);
    const response = await page(`/satisfaction/${token}?note=4`);
    expect(response.body).toContain(ORDER.orderNumber);
    expect(response.body).toContain(ORDER.client.company);
    for (const contact of ORDER.contacts) {
      for (const value of [contact.lastName, contact.email, contact.mobile, contact.firstName]) {
        if (value) expect(response.body).not.toContain(value);
      }
    }
    expect(response.body).not.toContain(ORDER.rac.lastName);
    expect(response.body).not.toMatch(/<script/i);
    expect(response.body).not.toMatch(/(src|href)="https?:/);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('the form records one answer, sets the milestone, cancels the reminder and tells the RAC of a 2/5', async () => {
    const token = tokenOf(ORDER.orderNumber, ORDER.contacts[0]!.email!);
    const reminder = await send(ORDER, 'relance-bilan', {
      sendAt: DateTime.now().plus({ days: 7 }).toISO(),
    });
    expect(await p.waitForStatus(reminder, ['scheduled'])).toBe('scheduled');
    const before = p.smtp.received.length;

    const answered = await post(token, { note: '2', comment: 'Les délais annoncés n’ont pas été tenus.' });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.body).toContain('Merci pour votre réponse');
    expect((await survey(ORDER.orderNumber, 'ct-1'))?.rating).toBe(2);
    const [event] = await events(ORDER.orderNumber, 'survey.answered');
    expect(event?.data).toMatchObject({
      contactId: 'ct-1',
      rating: 2,
      comment: 'Les délais annoncés n’ont pas été tenus.',
    });
    const [milestone] = await p.deps.db
      .select()
      .from(milestones)
      .where(and(eq(milestones.projectRef, ORDER.orderNumber), eq(milestones.code, 'surveyAnswered')));
    expect(milestone?.actual).toBe(DateTime.now().setZone('Europe/Paris').toISODate());

    expect(await p.waitForStatus(reminder, ['cancelled'])).toBe('cancelled');
    const [alert] = (await p.smtp.waitFor(before + 1)).slice(before);
    expect(alert?.envelope.to).toEqual([ORDER.rac.email]);
    expect(alert?.mail.subject).toContain('2/5');
    expect(alert?.mail.text).toContain('Les délais annoncés n’ont pas été tenus.');
    expect(alert?.mail.text).toContain(ORDER.orderNumber);

    // The same answer sent again (a double click) records nothing more.
    expect((await post(token, { note: '2' })).statusCode).toBe(200);
    expect(await events(ORDER.orderNumber, 'survey.answered')).toHaveLength(1);
  });

  it('lets the client change the answer: one survey, the latest answer, the first comment kept', async () => {
    const token = tokenOf(ORDER.orderNumber, ORDER.contacts[0]!.email!);
    const again = await page(`/satisfaction/${token}`);
    expect(again.body).toContain('Vous avez répondu le');
    expect(again.body).toMatch(/value="2" required checked/);
    const before = p.smtp.received.length;
    expect((await post(token, { note: '4', comment: '' })).statusCode).toBe(200);
    const row = await survey(ORDER.orderNumber, 'ct-1');
    expect(row).toMatchObject({ rating: 4, comment: 'Les délais annoncés n’ont pas été tenus.' });
    const answers = await events(ORDER.orderNumber, 'survey.answered');
    expect(answers.map((e) => e.data.rating)).toEqual([2, 4]);
    expect(answers[1]?.data.previousRating).toBe(2);
    const rows = await p.deps.db.select().from(surveys).where(eq(surveys.projectRef, ORDER.orderNumber));
    expect(rows).toHaveLength(1);
    // A better rating tells the RAC nothing more.
    await p.settle();
    expect(p.smtp.received.length).toBe(before);
  });

  it('answers an unknown, a tampered and an expired link with a clear page', async () => {
    const token = tokenOf(OTHER.orderNumber, OTHER.contacts[0]!.email!);
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [tampered, 'x'.repeat(43), 'court', `${token}x`]) {
      const response = await page(`/satisfaction/${bad}?note=5`);
      expect(response.statusCode, bad).toBe(404);
      expect(response.body).toContain('Ce lien ne correspond à aucun questionnaire');
      expect((await post(bad, { note: '5' })).statusCode).toBe(404);
    }
    // Sixty days later (the link's end moved to the past, as time would).
    await p.deps.db
      .update(surveyLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(surveyLinks.projectRef, OTHER.orderNumber));
    const expired = await page(`/satisfaction/${token}?note=5`);
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('Ce questionnaire est clos');
    expect((await post(token, { note: '5' })).statusCode).toBe(410);
    expect(await survey(OTHER.orderNumber, 'ct-1')).toMatchObject({ rating: null });
    await p.deps.db
      .update(surveyLinks)
      .set({ expiresAt: new Date(Date.now() + 86_400_000) })
      .where(eq(surveyLinks.projectRef, OTHER.orderNumber));
  });

  it('refuses a form posted from another site, or without a rating', async () => {
    const token = tokenOf(OTHER.orderNumber, OTHER.contacts[1]!.email!);
    const foreign = await post(token, { note: '5' }, { origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    const unsaid = await post(token, { note: '5' }, { origin: '' });
    expect(unsaid.statusCode).toBe(403);
    const noRating = await post(token, { comment: 'rien' });
    expect(noRating.statusCode).toBe(400);
    expect(noRating.body).toContain('Choisissez une note de 1 à 5');
    expect((await post(token, { note: '9' })).statusCode).toBe(400);
    expect(await survey(OTHER.orderNumber, 'ct-2')).toMatchObject({ rating: null });
  });

  it('limits the requests of one address, and only that address', async () => {
    const token = tokenOf(OTHER.orderNumber, OTHER.contacts[1]!.email!);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await page(`/satisfaction/${token}`, '203.0.113.7')).statusCode);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const limited = await page(`/satisfaction/${token}`, '203.0.113.7');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toContain('Trop de demandes');
    expect((await page(`/satisfaction/${token}`, '203.0.113.8')).statusCode).toBe(200);
  });

  it('counts surveys sent and answered, response rate, average rating and CSAT exactly, a changed answer once', async () => {
    const from = '198.51.100.20';
    expect(
      (await post(tokenOf(OTHER.orderNumber, OTHER.contacts[0]!.email!), { note: '1' }, {}, from)).statusCode,
    ).toBe(200);
    const second = tokenOf(OTHER.orderNumber, OTHER.contacts[1]!.email!);
    expect((await post(second, { note: '5', comment: 'Parfait' }, {}, from)).statusCode).toBe(200);
    expect((await post(second, { note: '3' }, {}, from)).statusCode).toBe(200);

    // What the clients did, as the test knows it: one latest rating per order and contact.
    const sent = [
      { agency: ORDER.agency, rac: ORDER.rac.id, rating: 4 },
      { agency: OTHER.agency, rac: OTHER.rac.id, rating: 1 },
      { agency: OTHER.agency, rac: OTHER.rac.id, rating: 3 },
    ];
    const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);
    const figures = (list: typeof sent) => {
      const answered = list.filter((s) => s.rating !== null);
      const sum = answered.reduce((total, s) => total + s.rating, 0);
      return {
        surveysSent: list.length,
        surveysAnswered: answered.length,
        surveyResponseRate: share(answered.length, list.length),
        surveyAverageRating: answered.length ? Math.round((sum / answered.length) * 100) / 100 : null,
        surveyCsat: share(answered.filter((s) => s.rating >= 4).length, answered.length),
      };
    };
    const pick = (row: Record<string, unknown>) =>
      Object.fromEntries(Object.keys(figures([])).map((name) => [name, row[name]]));

    const report = (
      await p.request(p.adminKey, { method: 'GET', url: '/v1/stats/usage?groupBy=agency,rac' })
    ).json() as {
      rows: Record<string, unknown>[];
      totals: Record<string, unknown>;
    };
    const groups = [...new Set(sent.map((s) => `${s.agency}|${s.rac}`))].sort();
    expect(
      report.rows
        .filter((row) => Number(row.surveysSent) > 0)
        .map((row) => [`${String(row.agency)}|${String(row.rac)}`, pick(row)]),
    ).toEqual(groups.map((key) => [key, figures(sent.filter((s) => `${s.agency}|${s.rac}` === key))]));
    expect(pick(report.totals)).toEqual(figures(sent));
    expect(pick(report.totals)).toMatchObject({ surveyAverageRating: 2.67, surveyCsat: 0.3333 });
    const month = (await p.request(p.adminKey, { method: 'GET', url: '/v1/stats/usage?groupBy=month' })).json() as {
      rows: Record<string, unknown>[];
    };
    const thisMonth = DateTime.now().setZone('Europe/Paris').toFormat('yyyy-MM');
    expect(pick(month.rows.find((row) => row.month === thisMonth)!)).toEqual(figures(sent));

    // The same figures in the spreadsheet file, decimal comma and all.
    const csv = await p.request(p.adminKey, { method: 'GET', url: '/v1/stats/usage?groupBy=agency&format=csv' });
    // Its first line says what the file covers; the headings come next.
    const lines = parse(csv.body, { delimiter: ';', bom: true, columns: true, from_line: 2 }) as Record<
      string,
      string
    >[];
    const aidf = lines.find((line) => line.Agence === OTHER.agency)!;
    const expectedAidf = figures(sent.filter((s) => s.agency === OTHER.agency));
    expect(aidf['Questionnaires envoyés']).toBe(String(expectedAidf.surveysSent));
    expect(aidf['Questionnaires répondus']).toBe(String(expectedAidf.surveysAnswered));
    expect(aidf['Note moyenne (sur 5)']).toBe(String(expectedAidf.surveyAverageRating).replace('.', ','));
    expect(aidf['Part de notes 4 ou 5, CSAT (%)']).toBe((expectedAidf.surveyCsat! * 100).toFixed(1).replace('.', ','));
  });

  it('lists the answers with their comments for managers of the agency, as JSON and as CSV', async () => {
    const all = (await p.request(p.adminKey, { method: 'GET', url: '/v1/surveys' })).json() as {
      items: { orderNumber: string; contactId: string; rating: number; comment: string | null; agency: string }[];
    };
    expect(all.items.map((a) => [a.orderNumber, a.contactId, a.rating, a.comment]).sort()).toEqual(
      [
        [ORDER.orderNumber, 'ct-1', 4, 'Les délais annoncés n’ont pas été tenus.'],
        [OTHER.orderNumber, 'ct-1', 1, null],
        [OTHER.orderNumber, 'ct-2', 3, 'Parfait'],
      ].sort(),
    );
    const manager = await p.key({ name: 'manager AIDF', role: 'manager', agency: OTHER.agency });
    const theirs = (await p.request(manager, { method: 'GET', url: '/v1/surveys' })).json() as typeof all;
    expect(theirs.items.map((a) => a.agency)).toEqual([OTHER.agency, OTHER.agency]);
    expect((await p.request(manager, { method: 'GET', url: `/v1/surveys?agency=${ORDER.agency}` })).statusCode).toBe(
      403,
    );
    const rac = await p.key({ name: 'rac', role: 'rac', agency: ORDER.agency, racId: ORDER.rac.id });
    expect((await p.request(rac, { method: 'GET', url: '/v1/surveys' })).statusCode).toBe(403);

    const csv = await p.request(manager, { method: 'GET', url: '/v1/surveys', headers: { accept: 'text/csv' } });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    const lines = parse(csv.body, { delimiter: ';', bom: true, columns: true }) as Record<string, string>[];
    expect(lines.map((line) => [line.Commande, line.Contact, line.Note, line.Commentaire]).sort()).toEqual(
      theirs.items.map((a) => [a.orderNumber, a.contactId, String(a.rating), a.comment ?? '']).sort(),
    );
  });
});
