import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgendaItem } from '../../src/interventions/list-schema.js';
import type { MessageSummary } from '../../src/messages/list-schema.js';
import type { ProjectSummary } from '../../src/projects/list-schema.js';
import type { ProjectInput } from '../../src/projects/schema.js';
import { MARKS_BACKFILL } from '../../src/projects/deadline-sql.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { loadFixtures } from '../helpers/fixtures.js';

/**
 * The lists of orders, messages and visits: filters, sorts, pages and scopes. Five orders of
 * agency AERM (rac-roux has two of them) and one of agency IDF.
 */

const AERM = loadFixtures();
const IDF: ProjectInput = {
  ...AERM[0]!,
  orderNumber: 'CMD-2026-000201',
  trackingNumber: 'SUIVI-000201',
  label: 'Déploiement Crèmerie Œuvre Commune',
  agency: 'IDF',
  client: { company: 'Crèmerie Œuvre Commune' },
  rac: { ...AERM[0]!.rac, id: 'rac-idf', firstName: 'Inès', lastName: 'Dufour' },
  sites: AERM[0]!.sites.map((site) => ({ ...site, city: 'Béziers' })),
};
const ALL = [...AERM, IDF];
const refs = (items: { ref?: string; projectRef?: string }[]) => items.map((i) => i.ref ?? i.projectRef).sort();

describe.each(BACKENDS)('lists on %s', (backend) => {
  let t: TestApp;
  const keys = { admin: '', managerAERM: '', managerIDF: '', roux: '', integrationAERM: '' };
  const get = async (key: string, url: string) => {
    const response = await t.request(key, { method: 'GET', url });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> & { items: never[] } };
  };
  const projects = async (key: string, query = '') => {
    const { status, body } = await get(key, `/v1/projects${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body as unknown as { items: ProjectSummary[]; nextCursor: string | null };
  };
  const messages = async (key: string, query = '') => {
    const { status, body } = await get(key, `/v1/messages${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body as unknown as { items: MessageSummary[]; nextCursor: string | null };
  };

  beforeAll(async () => {
    t = await createTestApp(backend);
    keys.admin = t.adminKey;
    keys.managerAERM = await t.key({ name: 'manager AERM', role: 'manager', agency: 'AERM' });
    keys.managerIDF = await t.key({ name: 'manager IDF', role: 'manager', agency: 'IDF' });
    keys.integrationAERM = await t.key({ name: 'portail AERM', role: 'integration', agency: 'AERM' });
    keys.roux = await t.key({ name: 'Baptiste Roux', role: 'rac', agency: 'AERM', racId: 'rac-roux' });
    for (const order of ALL) {
      const put = await t.request(t.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${order.orderNumber}`,
        payload: order,
      });
      expect(put.statusCode, put.body).toBe(201);
    }
    const profile = await t.request(t.adminKey, {
      method: 'PUT',
      url: '/v1/racs/rac-roux',
      payload: { displayName: 'Baptiste Roux (Montpellier)', agency: 'AERM' },
    });
    expect(profile.statusCode, profile.body).toBe(200);
  });
  afterAll(async () => t?.close());

  describe('GET /v1/projects', () => {
    it('shows each caller what it may see: all, its agency, or its own orders', async () => {
      expect(refs((await projects(keys.admin)).items)).toEqual(ALL.map((o) => o.orderNumber).sort());
      expect(refs((await projects(keys.managerAERM)).items)).toEqual(AERM.map((o) => o.orderNumber).sort());
      expect(refs((await projects(keys.integrationAERM)).items)).toEqual(AERM.map((o) => o.orderNumber).sort());
      expect(refs((await projects(keys.managerIDF)).items)).toEqual([IDF.orderNumber]);
      const own = ['CMD-2026-000101', 'CMD-2026-000105'];
      expect(refs((await projects(keys.roux)).items)).toEqual(own);
      expect(refs((await projects(keys.roux, '?rac=me')).items)).toEqual(own);
      expect(refs((await projects(keys.admin, '?rac=rac-roux')).items)).toEqual(own);
      expect(refs((await projects(keys.admin, '?agency=IDF')).items)).toEqual([IDF.orderNumber]);
    });

    it('refuses a filter outside the caller’s reach, and rac=me for a caller that acts for no RAC', async () => {
      const other = await get(keys.roux, '/v1/projects?rac=rac-laurent');
      expect(other.status).toBe(403);
      const agency = await get(keys.managerAERM, '/v1/projects?agency=IDF');
      expect(agency.status).toBe(403);
      const me = await get(keys.managerAERM, '/v1/projects?rac=me');
      expect(me.status).toBe(400);
      expect(me.body).toMatchObject({ error: { details: [{ path: 'querystring.rac' }] } });
      const limit = await get(keys.admin, '/v1/projects?limit=201');
      expect(limit.status).toBe(400);
      expect(JSON.stringify(limit.body)).toContain('limit');
      expect((await get(keys.admin, '/v1/projects?sort=colour')).status).toBe(400);
    });

    it('summarises each order: numbers, client, RAC by name, sites, deadlines', async () => {
      const { items } = await projects(keys.admin, '?q=CMD-2026-000105');
      expect(items).toHaveLength(1);
      const [summary] = items;
      const fixture = AERM.find((o) => o.orderNumber === 'CMD-2026-000105')!;
      expect(summary).toMatchObject({
        ref: fixture.orderNumber,
        orderNumber: fixture.orderNumber,
        trackingNumber: fixture.trackingNumber,
        label: fixture.label,
        client: { company: fixture.client.company },
        agency: 'AERM',
        rac: { id: 'rac-roux', displayName: 'Baptiste Roux (Montpellier)' },
        siteCount: fixture.sites.length,
        state: 'open',
        version: 1,
      });
      // The RLE was due 15 days after receipt and never held: late (the fixtures' dates are past).
      expect(summary?.deadlines.rle).toEqual({ due: '2026-03-17', actual: null, state: 'late' });
      // Without a profile, the RAC's name as the order gives it.
      const [idf] = (await projects(keys.admin, '?agency=IDF')).items;
      expect(idf?.rac).toEqual({ id: 'rac-idf', displayName: 'Inès Dufour' });
    });

    it('searches numbers, client, label and site city, whatever the case and accents', async () => {
      const search = async (q: string) => refs((await projects(keys.admin, `?q=${encodeURIComponent(q)}`)).items);
      expect(await search('fournil')).toEqual(['CMD-2026-000101']);
      expect(await search('suivi-000103')).toEqual(['CMD-2026-000103']);
      expect(await search('LAVANDE reunies')).toEqual(['CMD-2026-000104']);
      expect(await search('nimes')).toEqual(['CMD-2026-000102', 'CMD-2026-000105']);
      expect(await search('BEZIERS')).toEqual([IDF.orderNumber]);
      expect(await search('oeuvre')).toEqual([IDF.orderNumber]);
      expect(await search('Crémerie'.replace('é', 'è'))).toEqual([IDF.orderNumber]);
      // Wildcards are taken literally.
      expect(await search('%')).toEqual([]);
      expect(await search('_')).toEqual([]);
      // Within the caller's scope only.
      expect(refs((await projects(keys.managerAERM, '?q=beziers')).items)).toEqual([]);
    });

    it('pages through every order once, in the order asked, and refuses a cursor of another order', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: ProjectSummary[]; nextCursor: string | null } = await projects(
          keys.admin,
          `?sort=orderNumber&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.items.map((i) => i.ref));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(ALL.map((o) => o.orderNumber).sort());
      const reversed = await projects(keys.admin, '?sort=-orderNumber&limit=50');
      expect(reversed.items.map((i) => i.ref)).toEqual([...seen].reverse());
      expect(reversed.nextCursor).toBeNull();

      const first = await projects(keys.admin, '?sort=orderNumber&limit=2');
      const wrong = await get(keys.admin, `/v1/projects?sort=-updated&cursor=${first.nextCursor ?? ''}`);
      expect(wrong.status).toBe(400);
      expect(JSON.stringify(wrong.body)).toContain('querystring.cursor');
      expect((await get(keys.admin, '/v1/projects?cursor=bm9wZQ')).status).toBe(400);
    });

    it('lists the last changed first by default, and pages by change time too', async () => {
      const changed = AERM[2]!;
      await t.request(t.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${changed.orderNumber}`,
        payload: { ...changed, label: `${changed.label} (phase 2)` },
      });
      const { items } = await projects(keys.admin);
      expect(items[0]?.ref).toBe(changed.orderNumber);
      expect(items[0]?.version).toBe(2);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: ProjectSummary[]; nextCursor: string | null } = await projects(
          keys.admin,
          `?limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.items.map((i) => i.ref));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(items.map((i) => i.ref));
    });

    it('filters open and closed orders, and late ones by the same rule as each order’s deadlines', async () => {
      const closedRef = 'CMD-2026-000104';
      const onTime = 'CMD-2026-000101';
      const patch = async (ref: string, payload: unknown) => {
        const response = await t.request(t.adminKey, {
          method: 'PATCH',
          url: `/v1/projects/${ref}/milestones`,
          payload,
        });
        expect(response.statusCode, response.body).toBe(200);
      };
      await patch(closedRef, { deploymentEnd: { actual: '2026-03-16' } });
      // Every deadline of this order held on time.
      await patch(onTime, {
        clientContact: { actual: '2026-03-03' },
        rlpValidated: { actual: '2026-03-06' },
        rle: { actual: '2026-03-14' },
      });
      expect(refs((await projects(keys.admin, '?state=closed')).items)).toEqual([closedRef]);
      expect(refs((await projects(keys.admin, '?state=open')).items)).not.toContain(closedRef);

      const all = (await projects(keys.admin)).items;
      const late = refs((await projects(keys.admin, '?deadline=late')).items);
      const judged = all
        .filter((p) => Object.values(p.deadlines).some((d) => d.state === 'late'))
        .map((p) => p.ref)
        .sort();
      expect(late).toEqual(judged);
      expect(late).not.toContain(onTime);
      expect(late.length).toBe(ALL.length - 1);
      expect(all.find((p) => p.ref === onTime)?.deadlines.rlp).toEqual({
        due: '2026-03-07',
        actual: '2026-03-06',
        state: 'on_time',
      });

      // Nearest deadline still to hold first; an order with none left comes last.
      const byDeadline = (await projects(keys.admin, '?sort=deadline')).items.map((p) => p.ref);
      expect(byDeadline.at(-1)).toBe(onTime);
      expect(byDeadline[0]).toBe('CMD-2026-000104');
    });
    it('stores deadline marks that the migration of older orders computes alike', async () => {
      // Orders whose deadlines were held on time, late, by the validated RLP, or are not planned.
      const base = AERM[1]!;
      const variants: [string, ProjectInput['milestones']][] = [
        ['CMD-2026-000301', { clientContact: { planned: '2026-05-12', actual: '2026-05-14' } }],
        ['CMD-2026-000302', { rlpValidated: { actual: '2026-05-13' }, rle: { actual: '2026-05-30' } }],
        [
          'CMD-2026-000303',
          { rlp: { planned: '2026-05-20', actual: '2026-05-20' }, deploymentEnd: { actual: '2026-06-01' } },
        ],
        ['CMD-2026-000304', {}],
      ];
      for (const [orderNumber, milestones] of variants) {
        const put = await t.request(t.adminKey, {
          method: 'PUT',
          url: `/v1/projects/${orderNumber}`,
          payload: { ...base, orderNumber, milestones },
        });
        expect(put.statusCode, put.body).toBe(201);
      }
      const marks = async () =>
        (
          (await t.deps.db.execute(
            sql`select ref, deadline_next::text as next, deadline_missed as missed, ended_on::text as ended
                from projects order by ref`,
          )) as unknown as { rows: unknown[] }
        ).rows;
      const written = await marks();
      expect(written).toContainEqual({ ref: 'CMD-2026-000301', next: '2026-05-16', missed: true, ended: null });
      expect(written).toContainEqual({ ref: 'CMD-2026-000303', next: '2026-05-26', missed: true, ended: '2026-06-01' });
      expect(written).toContainEqual({ ref: 'CMD-2026-000304', next: '2026-05-16', missed: false, ended: null });
      await t.deps.db.execute(sql`update projects set deadline_next = null, deadline_missed = false, ended_on = null`);
      await t.deps.db.execute(sql.raw(MARKS_BACKFILL));
      expect(await marks()).toEqual(written);
      const migration = readFileSync(
        new URL('../../src/db/migrations/0015_deadline_marks.sql', import.meta.url),
        'utf8',
      );
      expect(migration).toContain(MARKS_BACKFILL);
      // The list judges them as each order's deadlines say.
      const late = (await projects(keys.admin, '?deadline=late&q=CMD-2026-0003')).items;
      expect(late.map((p) => p.ref).sort()).toEqual([
        'CMD-2026-000301',
        'CMD-2026-000302',
        'CMD-2026-000303',
        'CMD-2026-000304',
      ]);
      for (const order of late) expect(Object.values(order.deadlines).some((d) => d.state === 'late')).toBe(true);
      for (const ref of ['CMD-2026-000301', 'CMD-2026-000302', 'CMD-2026-000303', 'CMD-2026-000304']) {
        await t.deps.db.execute(sql`delete from projects where ref = ${ref}`);
      }
    });
  });

  describe('GET /v1/messages', () => {
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      const create = async (key: string, projectRef: string, template: string, extra: object = {}) => {
        const response = await t.request(key, {
          method: 'POST',
          url: '/v1/messages',
          payload: { projectRef, template, draft: true, replaceDraft: true, ...extra },
        });
        expect(response.statusCode, response.body).toBe(201);
        return (response.json() as { id: string }).id;
      };
      ids.rouxWelcome = await create(keys.roux, 'CMD-2026-000101', 'accuse-reception');
      ids.rouxSurvey = await create(keys.roux, 'CMD-2026-000105', 'relance-bilan');
      ids.laurentWelcome = await create(t.adminKey, 'CMD-2026-000102', 'accuse-reception');
      ids.idfWelcome = await create(t.adminKey, IDF.orderNumber, 'accuse-reception');
      ids.rouxFailed = await create(keys.roux, 'CMD-2026-000105', 'cloture');
      ids.rouxBounced = await create(keys.roux, 'CMD-2026-000101', 'relance-bilan');
      // What a worker and a bounce report leave behind.
      await t.deps.db.execute(
        sql`update messages set status = 'failed', last_error = 'Boîte pleine', failed_at = now() where id = ${ids.rouxFailed}`,
      );
      await t.deps.db.execute(
        sql`update messages set status = 'bounced', last_error = 'Adresse inconnue', failed_at = now() where id = ${ids.rouxBounced}`,
      );
    });
    const idsOf = (items: MessageSummary[]) => items.map((m) => m.id).sort();

    it('gives a RAC its drafts to review and its problems, and nobody else’s', async () => {
      const drafts = await messages(keys.roux, '?status=draft&rac=me');
      const mine = [ids.rouxWelcome, ids.rouxSurvey].sort();
      expect(idsOf(drafts.items).filter((id) => !Object.values(ids).includes(id) || mine.includes(id))).toEqual(
        idsOf(drafts.items),
      );
      expect(idsOf(drafts.items)).toEqual(expect.arrayContaining(mine));
      for (const item of drafts.items) {
        expect(item.status).toBe('draft');
        expect(['CMD-2026-000101', 'CMD-2026-000105']).toContain(item.projectRef);
      }
      const problems = await messages(keys.roux, '?problem=true');
      expect(idsOf(problems.items)).toEqual([ids.rouxFailed, ids.rouxBounced].sort());
      const bounced = problems.items.find((m) => m.id === ids.rouxBounced);
      expect(bounced?.problem).toEqual({ status: 'bounced', reason: 'Adresse inconnue' });
      expect(problems.items.find((m) => m.id === ids.rouxFailed)?.problem).toEqual({
        status: 'failed',
        reason: 'Boîte pleine',
      });
      expect((await get(keys.roux, '/v1/messages?rac=rac-laurent')).status).toBe(403);
      expect((await get(keys.managerAERM, '/v1/messages?rac=me')).status).toBe(400);
    });

    it('summarises without contents: no body, no address', async () => {
      const { items } = await messages(keys.admin, `?projectRef=${IDF.orderNumber}`);
      expect(items.map((m) => m.id)).toEqual([ids.idfWelcome]);
      const [summary] = items;
      expect(summary).toMatchObject({
        projectRef: IDF.orderNumber,
        orderNumber: IDF.orderNumber,
        agency: 'IDF',
        rac: { id: 'rac-idf' },
        template: 'accuse-reception',
        channel: 'email',
        status: 'draft',
        revision: 1,
        problem: null,
        origin: 'api',
      });
      expect(summary?.subject).toContain(IDF.orderNumber);
      expect(summary?.recipientCount).toBeGreaterThanOrEqual(2);
      expect(summary?.renderedAt).toEqual(expect.any(String));
      const body = JSON.stringify(items);
      for (const contact of IDF.contacts) if (contact.email) expect(body).not.toContain(contact.email);
      expect(body).not.toContain('<html');
      expect(Object.keys(summary ?? {})).not.toEqual(expect.arrayContaining(['html', 'text', 'to', 'cc', 'blocks']));
    });

    it('filters by status list, template, channel, order, due time, agency', async () => {
      const visible = async (key: string, query: string) => idsOf((await messages(key, query)).items);
      expect(await visible(keys.managerAERM, '')).not.toContain(ids.idfWelcome);
      expect(await visible(keys.managerIDF, '')).toEqual([ids.idfWelcome]);
      expect(await visible(keys.admin, '?status=failed,bounced')).toEqual([ids.rouxFailed, ids.rouxBounced].sort());
      expect(await visible(keys.admin, '?status=draft&problem=true')).toEqual([]);
      const welcome = await visible(keys.admin, '?template=accuse-reception&status=draft');
      expect(welcome).toEqual(expect.arrayContaining([ids.rouxWelcome, ids.laurentWelcome, ids.idfWelcome]));
      expect(await visible(keys.admin, '?channel=sms')).toEqual([]);
      expect(await visible(keys.admin, '?projectRef=CMD-2026-000105')).toEqual(
        expect.arrayContaining([ids.rouxSurvey, ids.rouxFailed]),
      );
      const tomorrow = DateTime.now().setZone('Europe/Paris').plus({ days: 1 }).toISODate() ?? '';
      const everything = await visible(keys.admin, '');
      expect(await visible(keys.admin, `?dueBefore=${tomorrow}`)).toEqual(everything);
      expect(await visible(keys.admin, `?dueAfter=${tomorrow}`)).toEqual([]);
      expect(await visible(keys.admin, `?dueAfter=${encodeURIComponent('2020-01-01T00:00:00+01:00')}`)).toEqual(
        everything,
      );
      expect(await visible(keys.admin, '?agency=IDF')).toEqual([ids.idfWelcome]);
      const unknown = await get(keys.admin, '/v1/messages?status=draft,lost');
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(unknown.body)).toContain('querystring.status');
      expect((await get(keys.admin, '/v1/messages?dueBefore=tomorrow')).status).toBe(400);
    });

    it('pages through every message once, in each order', async () => {
      const everything = (await messages(keys.admin, '?limit=200')).items.map((m) => m.id);
      for (const sort of ['-updated', 'sendAt', '-created']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { items: MessageSummary[]; nextCursor: string | null } = await messages(
            keys.admin,
            `?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          );
          seen.push(...page.items.map((m) => m.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen.length, sort).toBe(everything.length);
        expect(new Set(seen).size).toBe(everything.length);
      }
    });
  });

  describe('GET /v1/projects/{ref}/interventions', () => {
    it('lists an order’s visits with their messages, and shows one', async () => {
      const order = AERM[0]!;
      const day = DateTime.now()
        .setZone('Europe/Paris')
        .plus({ days: 20 })
        .set({ weekday: 3, hour: 9 })
        .startOf('hour');
      const visit = {
        siteRef: order.sites[0]!.ref,
        kind: 'access',
        windowStart: day.toISO(),
        windowEnd: day.plus({ hours: 4 }).toISO(),
      };
      for (const [id, start] of [
        ['visit-2', day.plus({ days: 7 })],
        ['visit-1', day],
      ] as const) {
        const booked = await t.request(t.adminKey, {
          method: 'PUT',
          url: `/v1/projects/${order.orderNumber}/interventions/${id}`,
          payload: { ...visit, windowStart: start.toISO(), windowEnd: start.plus({ hours: 4 }).toISO() },
        });
        expect(booked.statusCode, booked.body).toBe(201);
      }
      const listed = await get(keys.roux, `/v1/projects/${order.orderNumber}/interventions`);
      expect(listed.status, JSON.stringify(listed.body)).toBe(200);
      const items = listed.body.items as { id: string; reminders: { template: string; status: string }[] }[];
      expect(items.map((v) => v.id)).toEqual(['visit-1', 'visit-2']);
      expect(items[0]?.reminders.map((r) => r.template)).toEqual(
        expect.arrayContaining(['avis-intervention', 'rappel-intervention']),
      );
      const one = await get(keys.roux, `/v1/projects/${order.orderNumber}/interventions/visit-2`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: 'visit-2', projectRef: order.orderNumber, status: 'booked' });
      expect(one.body.windowStart).toBe(day.plus({ days: 7 }).toISO());
      expect((await get(keys.roux, `/v1/projects/${order.orderNumber}/interventions/visit-9`)).status).toBe(404);
      expect((await get(keys.managerIDF, `/v1/projects/${order.orderNumber}/interventions`)).status).toBe(403);
      const empty = await get(keys.admin, `/v1/projects/${IDF.orderNumber}/interventions`);
      expect(empty.body).toEqual({ items: [] });
    });
  });

  describe('GET /v1/interventions', () => {
    // Days of their own (the order's visits above are 20 and 27 days ahead): a Tuesday 40 days on.
    const day = DateTime.now().setZone('Europe/Paris').plus({ days: 40 }).set({ weekday: 2 }).startOf('day');
    const D = day.toISODate() ?? '';
    const NEXT = day.plus({ days: 1 }).toISODate() ?? '';
    const agenda = async (key: string, query: string) => {
      const { status, body } = await get(key, `/v1/interventions?${query}`);
      expect(status, JSON.stringify(body)).toBe(200);
      return body as unknown as { items: AgendaItem[]; nextCursor: string | null };
    };
    const ids = (items: AgendaItem[]) => items.map((v) => `${v.projectRef}/${v.id}`);

    beforeAll(async () => {
      // 00:30 on the next day, Paris time, is still the day before in UTC: it belongs to NEXT.
      const visits: [ProjectInput, string, DateTime][] = [
        [AERM[1]!, 'agenda-laurent', day.set({ hour: 14 })],
        [AERM[0]!, 'agenda-roux', day.set({ hour: 8 })],
        [IDF, 'agenda-idf', day.set({ hour: 10 })],
        [AERM[4]!, 'agenda-roux-night', day.plus({ days: 1 }).set({ minute: 30 })],
        [AERM[0]!, 'agenda-roux-cancelled', day.set({ hour: 8 })],
      ];
      for (const [order, id, start] of visits) {
        const booked = await t.request(t.adminKey, {
          method: 'PUT',
          url: `/v1/projects/${order.orderNumber}/interventions/${id}`,
          payload: {
            siteRef: order.sites[0]!.ref,
            kind: 'service',
            windowStart: start.toISO(),
            windowEnd: start.plus({ hours: 4 }).toISO(),
          },
        });
        expect(booked.statusCode, booked.body).toBe(201);
      }
      const cancelled = await t.request(t.adminKey, {
        method: 'DELETE',
        url: `/v1/projects/${AERM[0]!.orderNumber}/interventions/agenda-roux-cancelled`,
      });
      expect(cancelled.statusCode, cancelled.body).toBe(200);
    });

    it('lists the visits of Paris days in window order, with their order, site, contact and reminders', async () => {
      const { items, nextCursor } = await agenda(keys.admin, `from=${D}&to=${NEXT}`);
      expect(ids(items)).toEqual([
        `${AERM[0]!.orderNumber}/agenda-roux`,
        `${AERM[0]!.orderNumber}/agenda-roux-cancelled`,
        `${IDF.orderNumber}/agenda-idf`,
        `${AERM[1]!.orderNumber}/agenda-laurent`,
        `${AERM[4]!.orderNumber}/agenda-roux-night`,
      ]);
      expect(nextCursor).toBeNull();
      const first = items[0]!;
      expect(first).toMatchObject({
        orderNumber: AERM[0]!.orderNumber,
        agency: 'AERM',
        rac: { id: 'rac-roux', displayName: 'Baptiste Roux (Montpellier)' },
        client: { company: AERM[0]!.client.company },
        site: { name: AERM[0]!.sites[0]!.name, city: 'Montpellier' },
        status: 'booked',
        kind: 'service',
        windowStart: day.set({ hour: 8 }).toISO(),
      });
      expect(first.contact?.name).toContain(AERM[0]!.contacts[0]!.lastName);
      expect(first.reminders.map((r) => r.template)).toEqual(
        expect.arrayContaining(['avis-intervention', 'rappel-intervention']),
      );
      expect(first.reminders.find((r) => r.template === 'rappel-intervention')?.segments).toBeGreaterThan(0);
      // The night visit is on NEXT only, although its UTC date is D.
      expect(ids((await agenda(keys.admin, `from=${D}&to=${D}`)).items)).not.toContain(
        `${AERM[4]!.orderNumber}/agenda-roux-night`,
      );
      expect(ids((await agenda(keys.admin, `from=${NEXT}&to=${NEXT}`)).items)).toEqual([
        `${AERM[4]!.orderNumber}/agenda-roux-night`,
      ]);
      expect(ids((await agenda(keys.admin, `from=${D}&to=${NEXT}&status=cancelled`)).items)).toEqual([
        `${AERM[0]!.orderNumber}/agenda-roux-cancelled`,
      ]);
    });

    it('shows each caller its scope: every agency, its agency, or its own orders', async () => {
      const range = `from=${D}&to=${NEXT}&status=booked`;
      expect(ids((await agenda(keys.managerAERM, range)).items)).toEqual([
        `${AERM[0]!.orderNumber}/agenda-roux`,
        `${AERM[1]!.orderNumber}/agenda-laurent`,
        `${AERM[4]!.orderNumber}/agenda-roux-night`,
      ]);
      expect(ids((await agenda(keys.managerIDF, range)).items)).toEqual([`${IDF.orderNumber}/agenda-idf`]);
      expect(ids((await agenda(keys.roux, range)).items)).toEqual([
        `${AERM[0]!.orderNumber}/agenda-roux`,
        `${AERM[4]!.orderNumber}/agenda-roux-night`,
      ]);
      expect(ids((await agenda(keys.roux, `${range}&rac=me`)).items)).toHaveLength(2);
      expect(ids((await agenda(keys.admin, `${range}&agency=IDF`)).items)).toEqual([`${IDF.orderNumber}/agenda-idf`]);
      expect(ids((await agenda(keys.admin, `${range}&rac=rac-laurent`)).items)).toEqual([
        `${AERM[1]!.orderNumber}/agenda-laurent`,
      ]);
      expect((await get(keys.managerAERM, `/v1/interventions?agency=IDF`)).status).toBe(403);
      expect((await get(keys.roux, `/v1/interventions?rac=rac-laurent`)).status).toBe(403);
      expect((await get(keys.managerAERM, `/v1/interventions?rac=me`)).status).toBe(400);
    });

    it('pages by cursor without repeating or skipping a visit', async () => {
      const everything = ids((await agenda(keys.admin, `from=${D}&to=${NEXT}`)).items);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: AgendaItem[]; nextCursor: string | null } = await agenda(
          keys.admin,
          `from=${D}&to=${NEXT}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(everything);
    });

    it('refuses a bad day, a range ending before it starts, and a foreign cursor, naming the field', async () => {
      const cases: [string, string][] = [
        ['from=2026-02-30', 'querystring.from'],
        ['to=03/12/2026', 'querystring.to'],
        [`from=${NEXT}&to=${D}`, 'querystring.to'],
        ['status=done', 'querystring.status'],
        ['cursor=bm9wZQ', 'querystring.cursor'],
      ];
      for (const [query, path] of cases) {
        const { status, body } = await get(keys.admin, `/v1/interventions?${query}`);
        expect(status, query).toBe(400);
        expect(JSON.stringify(body), query).toContain(path);
      }
    });
  });
});
