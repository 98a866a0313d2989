import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/agencies/settings.js';
import { FIGURE_LABELS, PERCENT_FIGURES } from '../../src/stats/csv.js';
import { rebuildAggregates } from '../../src/stats/rebuild.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { loadFixture } from '../helpers/fixtures.js';
import { smsHoursOffsetMs } from '../helpers/clock.js';
import { createPipeline, type Pipeline, TWILIO_TOKEN } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/process.js';

/**
 * A scripted scenario (orders, drafts, sends, a cancellation, SMTP and SMS failures, Twilio
 * callbacks, milestones) played on the real pipeline. The test writes down what each step must
 * leave in the history; the expected timeline and figures are derived from that log by the
 * rules restated here, and compared exactly with what the API answers.
 */

const ZONE = 'Europe/Paris';
/** The service clock of the suite's pipeline (moved into the SMS hours). */
let clock: () => Date = () => new Date();
const today = () => DateTime.fromJSDate(clock()).setZone(ZONE).toISODate() ?? '';
const FROM = '2026-01-01';
const CALLBACK_URL = 'http://127.0.0.1:3000/v1/webhooks/twilio/status';

interface Logged {
  ref: string;
  type: string;
  actor: string;
  onBehalfOf: string | null;
  messageId?: string;
  template?: string;
  channel?: string;
  origin?: string;
  segments?: number;
}
interface Order {
  ref: string;
  agency: string;
  rac: string;
  racName: string;
  receivedAt: string;
  rlp?: string;
  rle?: string;
  ack?: string;
}

const COUNTER: Record<string, string> = {
  'message.drafted': 'drafted',
  'message.scheduled': 'scheduled',
  'message.sent': 'sent',
  'message.delivered': 'delivered',
  'message.failed': 'failed',
  'message.undelivered': 'failed',
  'message.bounced': 'bounced',
  'message.cancelled': 'cancelled',
};
const COUNTERS = ['drafted', 'scheduled', 'sent', 'delivered', 'failed', 'bounced', 'cancelled'];
const isSenderAction = (e: Logged, creation: boolean) =>
  ['message.drafted', 'message.scheduled', 'message.edited', 'message.rescheduled', 'message.cancelled'].includes(
    e.type,
  ) &&
  !['worker', 'twilio', 'automation'].includes(e.actor) &&
  (e.origin === 'api' || (e.origin === 'automation' && !creation));

const plusDays = (day: string, n: number) => DateTime.fromISO(day, { zone: ZONE }).plus({ days: n }).toISODate() ?? '';
const daysBetween = (a: string, b: string) => DateTime.fromISO(b).diff(DateTime.fromISO(a), 'days').days;
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);
const label = (dim: string, day: string) =>
  dim === 'month' ? day.slice(0, 7) : DateTime.fromISO(day, { zone: ZONE }).toFormat("kkkk-'W'WW");

/** What the report must say, derived from the log and the orders alone. */
const NO_SURVEYS = {
  surveysSent: 0,
  surveysAnswered: 0,
  surveyResponseRate: null,
  surveyAverageRating: null,
  surveyCsat: null,
};

function expected(log: Logged[], orders: Order[], groupBy: string[], agency?: string) {
  const withProjects = groupBy.every((d) => ['month', 'week', 'agency', 'rac'].includes(d));
  const orderOf = new Map(orders.map((o) => [o.ref, o]));
  const keyOf = (values: Record<string, string>) => JSON.stringify(groupBy.map((d) => values[d]));
  const rows = new Map<string, Record<string, unknown>>();
  const senders = new Map<string, Set<string>>();
  const row = (values: Record<string, string>) => {
    const key = keyOf(values);
    if (!rows.has(key)) {
      rows.set(key, {
        ...Object.fromEntries(groupBy.map((d) => [d, values[d]])),
        // Rows by RAC name them: no profile or person in this scenario, so as their orders say.
        ...(groupBy.includes('rac')
          ? {
              racName: orders.find((o) => o.rac === values.rac)!.racName,
              racAgency: orders.find((o) => o.rac === values.rac)!.agency,
            }
          : {}),
        ...Object.fromEntries(COUNTERS.map((c) => [c, 0])),
        smsSegments: 0,
        activeSenders: 0,
        ...(withProjects
          ? {
              projects: 0,
              ackSent: 0,
              rlpMet: 0,
              rlpLate: 0,
              rlpPending: 0,
              rleMet: 0,
              rleLate: 0,
              rlePending: 0,
              // This scenario sends no survey mail: the survey tests count surveys.
              ...NO_SURVEYS,
            }
          : {}),
      });
      senders.set(key, new Set());
    }
    return [rows.get(key)!, senders.get(key)!] as const;
  };
  const seen = new Set<string>();
  for (const e of log) {
    const order = orderOf.get(e.ref)!;
    if (agency && order.agency !== agency) continue;
    const creation = e.type === 'message.drafted' || (e.type === 'message.scheduled' && !seen.has(e.messageId!));
    if (e.messageId) seen.add(e.messageId);
    if (!COUNTER[e.type] && !isSenderAction(e, creation)) continue;
    const [r, s] = row({
      month: label('month', today()),
      week: label('week', today()),
      agency: order.agency,
      rac: order.rac,
      template: e.template!,
      channel: e.channel!,
    });
    if (COUNTER[e.type]) r[COUNTER[e.type]!] = (r[COUNTER[e.type]!] as number) + 1;
    if (e.type === 'message.sent' && e.channel === 'sms') r.smsSegments = (r.smsSegments as number) + e.segments!;
    if (isSenderAction(e, creation)) s.add(order.rac);
  }
  for (const [key, s] of senders) rows.get(key)!.activeSenders = s.size;
  if (withProjects) {
    const delays = new Map<string, number[]>();
    for (const o of orders.filter((o) => !agency || o.agency === agency)) {
      const [r] = row({
        month: label('month', o.receivedAt),
        week: label('week', o.receivedAt),
        agency: o.agency,
        rac: o.rac,
      });
      const add = (field: string) => (r[field] = (r[field] as number) + 1);
      add('projects');
      if (o.ack) {
        add('ackSent');
        delays.set(keyOf(r as Record<string, string>), [
          ...(delays.get(keyOf(r as Record<string, string>)) ?? []),
          daysBetween(o.receivedAt, o.ack),
        ]);
      }
      for (const [name, days, actual] of [
        ['rlp', 5, o.rlp],
        ['rle', 15, o.rle],
      ] as const) {
        const due = plusDays(o.receivedAt, days);
        add(actual ? (actual <= due ? `${name}Met` : `${name}Late`) : today() > due ? `${name}Late` : `${name}Pending`);
      }
    }
    for (const [key, r] of rows) {
      Object.assign(r, {
        ackMedianDays: median(delays.get(key) ?? []),
        ackShare: ratio(r.ackSent as number, r.projects as number),
        rlpMetShare: ratio(r.rlpMet as number, (r.rlpMet as number) + (r.rlpLate as number)),
        rleMetShare: ratio(r.rleMet as number, (r.rleMet as number) + (r.rleLate as number)),
      });
    }
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
}

describe.each(BACKENDS)('usage statistics and timeline of a scripted scenario on %s', (backend) => {
  let p: Pipeline;
  const log: Logged[] = [];
  const orders: Order[] = [];
  const keys: Record<string, string> = {};
  const A = loadFixture('CMD-2026-000101');
  const B = loadFixture('CMD-2026-000102');
  const C = {
    ...loadFixture('CMD-2026-000103'),
    agency: 'IDF1',
    rac: { ...loadFixture('CMD-2026-000103').rac, id: 'rac-idf' },
  };
  const D = { ...A, orderNumber: 'CMD-2026-000199', receivedAt: plusDays(today(), -2) };

  const api = (key: string, method: string, url: string, payload?: unknown) =>
    p.request(keys[key] ?? key, { method, url, ...(payload === undefined ? {} : { payload }) });
  const event = (ref: string, type: string, actor: string, extra: Partial<Logged> = {}) =>
    log.push({ ref, type, actor, onBehalfOf: null, ...extra });
  const create = async (key: string, payload: Record<string, unknown>) => {
    const response = await api(key, 'POST', '/v1/messages', payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string };
  };
  const view = async (id: string) => (await api('admin', 'GET', `/v1/messages/${id}`)).json();
  const draftOf = async (ref: string) =>
    (await p.deps.db.execute(
      sql`select id from messages where project_ref = ${ref} and origin = 'automation'`,
    )) as unknown as { rows: { id: string }[] };
  const callback = (sid: string, status: string, extra: Record<string, string> = {}) => {
    const params = { MessageSid: sid, MessageStatus: status, ...extra };
    return p.request(undefined, {
      method: 'POST',
      url: '/v1/webhooks/twilio/status',
      payload: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, CALLBACK_URL, params),
      },
    });
  };
  /** Logs what the worker leaves for one message that reached its end. */
  async function delivered(ref: string, id: string, m: Partial<Logged>, outcome: 'sent' | 'failed') {
    await p.waitForStatus(id, [outcome]);
    event(ref, 'message.sending', 'worker', m);
    event(ref, outcome === 'sent' ? 'message.sent' : 'message.failed', 'worker', {
      ...m,
      segments: (await view(id)).content.segments ?? 0,
    });
  }

  beforeAll(async () => {
    // Inside the SMS hours, whenever the suite runs: the scenario's SMS go at once.
    p = await createPipeline(backend, { CLOCK_OFFSET_MS: String(smsHoursOffsetMs()) });
    clock = p.deps.now;
    keys.admin = p.adminKey;
    for (const [name, input] of Object.entries({
      'portail AERM': { role: 'integration', agency: 'AERM' },
      'portail IDF1': { role: 'integration', agency: 'IDF1' },
      'rac roux': { role: 'rac', agency: 'AERM', racId: 'rac-roux' },
      'rac laurent': { role: 'rac', agency: 'AERM', racId: 'rac-laurent' },
      'manager AERM': { role: 'manager', agency: 'AERM' },
      'admin AERM': { role: 'admin', agency: 'AERM' },
    } as const)) {
      keys[name] = await p.key({ name, ...input });
    }
    // Welcome mails prepared as drafts; no other automation, so the scenario says all that happens.
    const settings = {
      ...DEFAULT_SETTINGS,
      automation: { ...DEFAULT_SETTINGS.automation, rleRecap: 'off', cloture: 'off' },
    } as const;
    await p.deps.settings.put('AERM', settings);
    await p.deps.settings.put('IDF1', settings);

    for (const [order, key] of [
      [A, 'portail AERM'],
      [B, 'portail AERM'],
      [C, 'portail IDF1'],
      [D, 'portail AERM'],
    ] as const) {
      expect((await api(key, 'PUT', `/v1/projects/${order.orderNumber}`, order)).statusCode).toBe(201);
      // Prepared by the workers once the order is stored.
      const draft = await waitFor(async () => (await draftOf(order.orderNumber)).rows[0]);
      orders.push({
        ref: order.orderNumber,
        agency: order.agency,
        rac: order.rac.id,
        racName: `${order.rac.firstName} ${order.rac.lastName}`,
        receivedAt: order.receivedAt,
      });
      event(order.orderNumber, 'project.created', key);
      event(order.orderNumber, 'message.drafted', 'automation', {
        onBehalfOf: order.rac.id,
        messageId: draft.id,
        template: 'accuse-reception',
        channel: 'email',
        origin: 'automation',
      });
    }
    const msg = (id: string, template: string, channel: string, origin = 'api') => ({
      messageId: id,
      template,
      channel,
      origin,
    });
    const [a, b, c] = [A, B, C].map((o) => o.orderNumber) as [string, string, string];

    // A: the RAC sends the prepared welcome mail, then an SMS reminder that Twilio reports delivered.
    const [draftA] = (await draftOf(a)).rows;
    expect((await api('rac roux', 'POST', `/v1/messages/${draftA!.id}/send`)).statusCode).toBe(200);
    event(a, 'message.scheduled', 'rac roux', msg(draftA!.id, 'accuse-reception', 'email', 'automation'));
    await delivered(a, draftA!.id, msg(draftA!.id, 'accuse-reception', 'email', 'automation'), 'sent');
    orders[0]!.ack = DateTime.fromISO((await view(draftA!.id)).sentAt)
      .setZone(ZONE)
      .toISODate()!;
    const smsData = {
      kind: 'service',
      windowStart: '2026-12-16T13:00:00+01:00',
      windowEnd: '2026-12-16T17:00:00+01:00',
    };
    const smsA = await create('rac roux', { projectRef: a, template: 'rappel-intervention', data: smsData });
    event(a, 'message.scheduled', 'rac roux', msg(smsA.id, 'rappel-intervention', 'sms'));
    await delivered(a, smsA.id, msg(smsA.id, 'rappel-intervention', 'sms'), 'sent');
    const sid = (await view(smsA.id)).providerId;
    expect((await callback(sid, 'sent')).json().result).toBe('applied');
    event(a, 'message.status_callback', 'twilio', {
      messageId: smsA.id,
      channel: 'sms',
      template: 'rappel-intervention',
    });
    expect((await callback(sid, 'delivered')).json().result).toBe('applied');
    event(a, 'message.delivered', 'twilio', msg(smsA.id, 'rappel-intervention', 'sms'));

    // A: the order portal schedules the RLE recap for later, then cancels it.
    const later = new Date(p.deps.now().getTime() + 3_600_000).toISOString();
    const recap = await create('portail AERM', { projectRef: a, template: 'rle-recap', sendAt: later });
    event(a, 'message.scheduled', 'portail AERM', { ...msg(recap.id, 'rle-recap', 'email'), onBehalfOf: 'rac-roux' });
    expect((await api('portail AERM', 'POST', `/v1/messages/${recap.id}/cancel`, {})).statusCode).toBe(200);
    event(a, 'message.cancelled', 'portail AERM', { ...msg(recap.id, 'rle-recap', 'email'), onBehalfOf: 'rac-roux' });

    // B: a survey reminder refused by the mail server, an SMS Twilio reports undelivered.
    p.smtp.failNext(550);
    const bounced = await create('portail AERM', { projectRef: b, template: 'relance-bilan' });
    event(b, 'message.scheduled', 'portail AERM', {
      ...msg(bounced.id, 'relance-bilan', 'email'),
      onBehalfOf: 'rac-laurent',
    });
    await delivered(b, bounced.id, { ...msg(bounced.id, 'relance-bilan', 'email') }, 'failed');
    const smsB = await create('portail AERM', {
      projectRef: b,
      template: 'rappel-intervention',
      data: { ...smsData, siteRef: B.sites[0]!.ref },
    });
    event(b, 'message.scheduled', 'portail AERM', {
      ...msg(smsB.id, 'rappel-intervention', 'sms'),
      onBehalfOf: 'rac-laurent',
    });
    await delivered(b, smsB.id, msg(smsB.id, 'rappel-intervention', 'sms'), 'sent');
    expect(
      (await callback((await view(smsB.id)).providerId, 'undelivered', { ErrorCode: '30005' })).json().result,
    ).toBe('applied');
    event(b, 'message.undelivered', 'twilio', msg(smsB.id, 'rappel-intervention', 'sms'));

    // B: the RAC edits then drops the prepared welcome mail, and drafts a closure mail.
    const [draftB] = (await draftOf(b)).rows;
    const edited = await api('rac laurent', 'PATCH', `/v1/messages/${draftB!.id}`, {
      blocks: { personalMessage: 'Bonjour !' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    event(b, 'message.edited', 'rac laurent', msg(draftB!.id, 'accuse-reception', 'email', 'automation'));
    expect((await api('rac laurent', 'POST', `/v1/messages/${draftB!.id}/cancel`, {})).statusCode).toBe(200);
    event(b, 'message.cancelled', 'rac laurent', msg(draftB!.id, 'accuse-reception', 'email', 'automation'));
    const closure = await create('rac laurent', { projectRef: b, template: 'cloture', draft: true });
    event(b, 'message.drafted', 'rac laurent', msg(closure.id, 'cloture', 'email'));

    // C (another agency): an admin sends the prepared welcome mail.
    const [draftC] = (await draftOf(c)).rows;
    expect((await api('admin', 'POST', `/v1/messages/${draftC!.id}/send`)).statusCode).toBe(200);
    event(c, 'message.scheduled', 'test admin', {
      ...msg(draftC!.id, 'accuse-reception', 'email', 'automation'),
      onBehalfOf: 'rac-idf',
    });
    await delivered(c, draftC!.id, msg(draftC!.id, 'accuse-reception', 'email', 'automation'), 'sent');
    orders[2]!.ack = DateTime.fromISO((await view(draftC!.id)).sentAt)
      .setZone(ZONE)
      .toISODate()!;

    // Milestones: A's RLP on time and RLE late, B's RLP late, C both on time; D is too recent to judge.
    for (const [ref, key, patch, order] of [
      [a, 'portail AERM', { rlp: { actual: '2026-03-05' }, rle: { actual: '2026-03-20' } }, orders[0]!],
      [b, 'portail AERM', { rlp: { actual: '2026-05-18' } }, orders[1]!],
      [c, 'portail IDF1', { rlp: { actual: '2026-09-10' }, rle: { actual: '2026-09-20' } }, orders[2]!],
    ] as const) {
      expect((await api(key, 'PATCH', `/v1/projects/${ref}/milestones`, patch)).statusCode).toBe(200);
      event(ref, 'milestones.updated', key);
      Object.assign(order, { rlp: patch.rlp.actual, ...('rle' in patch ? { rle: patch.rle.actual } : {}) });
    }
  }, 120_000);
  afterAll(async () => p?.close());

  it('shows each order its own timeline: every event in order, with actor, on whose behalf, channel and template', async () => {
    for (const order of orders) {
      const timeline = (await api('admin', 'GET', `/v1/projects/${order.ref}/history?limit=500`)).json();
      expect(timeline.nextCursor).toBeNull();
      expect(
        timeline.events
          // Renderings that follow the order's changes are asynchronous and tested in review.test.ts.
          .filter((e: Record<string, unknown>) => e.type !== 'message.rerendered')
          .map((e: Record<string, unknown>) => ({
            type: e.type,
            actor: e.actor,
            onBehalfOf: e.onBehalfOf,
            messageId: (e.message as { id: string } | null)?.id,
            template: e.template ?? undefined,
            channel: e.channel ?? undefined,
          })),
      ).toEqual(
        log
          .filter((e) => e.ref === order.ref)
          .map((e) => ({
            type: e.type,
            actor: e.actor,
            onBehalfOf: e.onBehalfOf,
            messageId: e.messageId,
            template: e.template,
            channel: e.channel,
          })),
      );
    }
  });

  it.each([['agency,rac,template,channel'], ['agency'], ['rac'], ['month'], ['week,agency'], ['']])(
    'counts exactly what the scenario did, grouped by "%s"',
    async (groupBy) => {
      const report = (await api('admin', 'GET', `/v1/stats/usage?from=${FROM}&groupBy=${groupBy}`)).json();
      const dims = groupBy ? groupBy.split(',') : [];
      expect(report.rows).toEqual(expected(log, orders, dims));
      expect(report.totals).toEqual(expected(log, orders, [])[0]);
    },
  );

  it('splits by status, and a manager sees their agency only', async () => {
    const report = (await api('manager AERM', 'GET', `/v1/stats/usage?from=${FROM}&groupBy=template,status`)).json();
    expect(report.agency).toBe('AERM');
    const byTemplate = expected(log, orders, ['template'], 'AERM');
    expect(report.rows).toEqual(
      byTemplate.flatMap((r) =>
        COUNTERS.filter((c) => (r[c] as number) > 0).map((status) => ({
          ...r,
          ...Object.fromEntries(COUNTERS.map((c) => [c, c === status ? r[c] : 0])),
          smsSegments: status === 'sent' ? r.smsSegments : 0,
          activeSenders: null,
          status,
        })),
      ),
    );
    for (const [key, query, status] of [
      ['manager AERM', '&agency=IDF1', 403],
      ['admin AERM', '&agency=IDF1', 403],
      ['admin AERM', '&agency=AERM', 200],
      ['rac roux', '', 403],
      ['portail AERM', '', 403],
    ] as const) {
      expect((await api(key, 'GET', `/v1/stats/usage?from=${FROM}${query}`)).statusCode, `${key} ${query}`).toBe(
        status,
      );
    }
    const idf = (await api('admin', 'GET', `/v1/stats/usage?from=${FROM}&groupBy=agency&agency=IDF1`)).json();
    expect(idf.rows).toEqual(expected(log, orders, ['agency'], 'IDF1'));
  });

  it('covers the last twelve calendar months by default', async () => {
    const report = (await api('manager AERM', 'GET', '/v1/stats/usage')).json();
    const now = DateTime.fromJSDate(clock()).setZone(ZONE);
    expect(report).toMatchObject({
      from: now.startOf('month').minus({ months: 11 }).toISODate(),
      to: today(),
      groupBy: ['month'],
    });
    expect(report.rows.at(-1)).toMatchObject({
      month: today().slice(0, 7),
      sent: expected(log, orders, [], 'AERM')[0]!.sent,
    });
    const bad = await api('admin', 'GET', '/v1/stats/usage?from=2026-03-01&to=2026-02-01&groupBy=month,fortnight');
    expect(bad.statusCode).toBe(400);
  });

  it('gives the same figures as CSV for a French spreadsheet: BOM, ";", decimal comma, shares in percent', async () => {
    const json = (await api('admin', 'GET', `/v1/stats/usage?from=${FROM}&groupBy=agency,rac`)).json();
    const response = await p.request(keys.admin, {
      method: 'GET',
      url: `/v1/stats/usage?from=${FROM}&groupBy=agency,rac`,
      headers: { accept: 'text/csv' },
    });
    expect(response.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const [title, header, ...lines] = parse(response.body.replace(/^\uFEFF/, ''), { delimiter: ';' }) as string[][];
    expect(title![0]).toMatch(/^Statistiques d’usage du 1er janvier 2026 au .+ — toutes agences$/);
    expect(header!.slice(0, 5)).toEqual(['Agence', 'RAC', 'Identifiant RAC', 'Brouillons', 'Programmés']);
    const number = (cell: string) => (cell === '' ? null : Number(cell.replace(',', '.')));
    const fieldOf = Object.fromEntries(Object.entries(FIGURE_LABELS).map(([field, title]) => [title, field]));
    const fields = header!.slice(3).map((title) => fieldOf[title]!);
    expect(new Set(fields)).toEqual(new Set(Object.keys(json.totals)));
    const parsed = lines.map((cells) => Object.fromEntries(fields.map((f, i) => [f, number(cells[i + 3]!)])));
    const inPercent = (f: string, value: unknown) =>
      PERCENT_FIGURES.has(f as never) && typeof value === 'number' ? Math.round(value * 1000) / 10 : value;
    expect(parsed).toEqual(
      [...json.rows, json.totals].map((r: Record<string, unknown>) =>
        Object.fromEntries(fields.map((f) => [f, inPercent(f, r[f])])),
      ),
    );
    expect(lines.map((cells) => cells.slice(0, 3))).toEqual([
      ...json.rows.map((r: { agency: string; rac: string; racName: string }) => [r.agency, r.racName, r.rac]),
      ['Total', '', ''],
    ]);
    for (const cells of lines) {
      for (const [i, f] of fields.entries())
        if (PERCENT_FIGURES.has(f as never)) expect(cells[i + 3]).toMatch(/^(\d+,\d)?$/);
    }
    const viaFormat = await api('admin', 'GET', `/v1/stats/usage?from=${FROM}&groupBy=agency,rac&format=csv`);
    expect(viaFormat.body).toBe(response.body);
  });

  it('keeps the incremental counters equal to a full recomputation from the history', async () => {
    const snapshot = async () =>
      (
        (await p.deps.db.execute(
          sql`select (select json_agg(u order by day, agency, rac_id, template, channel, shard)::text from usage_daily u) as usage,
                     (select json_agg(s order by project_ref)::text from project_stats s) as projects`,
        )) as unknown as { rows: unknown[] }
      ).rows;
    const before = await snapshot();
    await rebuildAggregates(p.deps.db);
    expect(await snapshot()).toEqual(before);
  });
});

describe.each(BACKENDS)('month and week totals of finished periods on %s', (backend) => {
  let t: TestApp;
  type Day = { day: string; rac: string; template: string; counts: number[] };
  const days: Day[] = [];
  const FIELDS = ['drafted', 'scheduled', 'sent', 'delivered', 'failed', 'cancelled', 'smsSegments'];

  beforeAll(async () => {
    t = await createTestApp(backend);
    // Three and a half months of made-up counters for one agency, as the history would have left them.
    for (let d = DateTime.fromISO('2025-01-01'); d.toISODate()! <= '2025-04-15'; d = d.plus({ days: 1 })) {
      for (const [i, rac] of ['rac-a', 'rac-b', 'rac-c'].entries()) {
        const seed = d.ordinal * 7 + i * 13;
        if (seed % 5 === 0) continue;
        const counts = [
          seed % 3,
          seed % 4,
          seed % 5,
          seed % 2,
          seed % 7 === 0 ? 1 : 0,
          seed % 11 === 0 ? 1 : 0,
          seed % 6,
          rac === 'rac-c' ? 0 : seed % 2,
        ];
        days.push({ day: d.toISODate()!, rac, template: i === 2 ? 'rappel-intervention' : 'accuse-reception', counts });
      }
    }
    for (const r of days) {
      await t.deps.db
        .execute(sql`insert into usage_daily (day, agency, rac_id, template, channel, drafted, scheduled, sent,
        delivered, failed, cancelled, sms_segments, sender_actions)
        values (${r.day}, 'ZZ01', ${r.rac}, ${r.template}, 'email', ${sql.join(
          r.counts.map((c) => sql`${c}`),
          sql`, `,
        )})`);
    }
  });
  afterAll(async () => t?.close());

  const report = async (query: string) => {
    const response = await t.request(t.adminKey, { method: 'GET', url: `/v1/stats/usage?agency=ZZ01&${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response
      .json()
      .rows.map((row: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(row).filter(([key]) => [...FIELDS, 'activeSenders', 'month', 'week', 'rac'].includes(key)),
        ),
      );
  };
  const sums = (from: string, to: string, keyOf: (d: Day) => Record<string, string>) => {
    const groups = new Map<string, Record<string, unknown>>();
    const senders = new Map<string, Set<string>>();
    for (const d of days.filter((d) => d.day >= from && d.day <= to)) {
      const key = keyOf(d);
      const id = JSON.stringify(key);
      const row = groups.get(id) ?? { ...key, ...Object.fromEntries(FIELDS.map((f) => [f, 0])) };
      FIELDS.forEach((f, i) => (row[f] = (row[f] as number) + d.counts[i]!));
      groups.set(id, row);
      if (d.counts[7]! > 0) senders.set(id, (senders.get(id) ?? new Set()).add(d.rac));
    }
    return [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, row]) => ({ ...row, activeSenders: senders.get(id)?.size ?? 0 }));
  };
  const week = (day: string) => DateTime.fromISO(day).toFormat("kkkk-'W'WW");

  it('reads finished months from the rollups, the rest day by day, with the same figures', async () => {
    const expected = sums('2025-01-10', '2025-04-15', (d) => ({ month: d.day.slice(0, 7), rac: d.rac }));
    expect(await report('from=2025-01-10&to=2025-04-15&groupBy=month,rac')).toEqual(expected);
    const buckets = async () =>
      (
        (await t.deps.db.execute(
          sql`select grain, day::text as day from usage_rollup_buckets order by grain, day`,
        )) as unknown as {
          rows: { grain: string; day: string }[];
        }
      ).rows;
    expect(await buckets()).toEqual([
      { grain: 'month', day: '2025-02-01' },
      { grain: 'month', day: '2025-03-01' },
    ]);
    expect(await report('from=2025-01-10&to=2025-04-15&groupBy=month,rac')).toEqual(expected);
    expect(await report('from=2025-01-10&to=2025-04-15&groupBy=week')).toEqual(
      sums('2025-01-10', '2025-04-15', (d) => ({ week: week(d.day) })),
    );
    expect((await buckets()).filter((b) => b.grain === 'week')).toHaveLength(13);
  });

  it('sums a bucket once when reports ask for it at the same time', async () => {
    const expected = sums('2025-01-01', '2025-03-31', () => ({}));
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => report('from=2025-01-01&to=2025-03-31&groupBy=')),
    );
    for (const answer of answers) expect(answer).toEqual(expected);
    const { rows } = (await t.deps.db.execute(
      sql`select grain, count(*)::int as n, count(distinct (agency, rac_id))::int as senders
        from usage_rollups where day = '2025-01-01' and grain like 'month%' group by grain order by grain`,
    )) as unknown as { rows: { grain: string; n: number; senders: number }[] };
    // Once by template and channel, once per RAC: one line for each of the month's senders.
    expect(rows).toEqual([
      { grain: 'month', n: 3, senders: rows[0]?.senders },
      { grain: 'month-rac', n: rows[0]?.senders, senders: rows[0]?.senders },
    ]);
  });
});
