import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildAggregates } from '../../src/stats/rebuild.js';
import { milestoneMailsByHand } from '../helpers/app.js';
import { bounceFrom, returnMail } from '../helpers/bounces.js';
import { smsHoursOffsetMs } from '../helpers/clock.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

/**
 * The usage report as a person reads it: RACs by name, id and agency, shares as percentages in
 * the spreadsheet file, a file that says its period and scope, and returned mail counted as
 * such, by the same counters as every other figure and by the full recomputation alike.
 */

const MOREL = loadFixture('CMD-2026-000104'); // AERM, rac-morel, received 2026-01-05
const LAURENT = loadFixture('CMD-2026-000102'); // AERM, rac-laurent
const ROUX = loadFixture('CMD-2026-000101'); // AERM, rac-roux; no message: 1 order in 3 without its welcome mail
const LYON = {
  ...loadFixture('CMD-2026-000103'),
  agency: 'LYON',
  rac: { ...loadFixture('CMD-2026-000103').rac, id: 'rac-lyon' },
};
const PROFILE_NAME = 'François Morel-Dubois';

describe('a usage report a person can read, with bounces counted (PostgreSQL)', () => {
  let p: Pipeline;
  let today: string;
  let manager: string;

  const get = (key: string, url: string, headers: Record<string, string> = {}) =>
    p.request(key, { method: 'GET', url, headers });
  const report = async (query: string, key = p.adminKey) => {
    const response = await get(key, `/v1/stats/usage?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const csv = async (query: string, key = p.adminKey) => {
    const response = await get(key, `/v1/stats/usage?${query}`, { accept: 'text/csv' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    // A standard parser with its defaults: every record must have as many fields as the first.
    const records = parse(response.body.replace(/^\uFEFF/, ''), { delimiter: ';' }) as string[][];
    const fileName = /attachment; filename="([^"]+)"/.exec(String(response.headers['content-disposition']))?.[1];
    return { records, fileName };
  };
  /** Sends an accusé de réception to one contact; returns it with the return path it went with. */
  async function sendTo(order: typeof MOREL, contactId: string) {
    const before = p.smtp.received.length;
    const created = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: order.orderNumber, template: 'accuse-reception', recipients: { to: [{ contactId }] } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    await p.waitForStatus(id, ['sent']);
    const received = (await p.smtp.waitFor(before + 1)).find((r) => r.mail.headers.get('x-jalon-message-id') === id);
    return { id, returnPath: received!.envelope.from as string };
  }

  beforeAll(async () => {
    p = await createPipeline('postgres', {
      BOUNCE_ADDRESS: 'bounces@operateur.example',
      BOUNCE_SIGNING_SECRET: 'bounce-signing-secret-for-the-tests',
      BOUNCE_SMTP_PORT: '0',
      BOUNCE_SMTP_HOST: '127.0.0.1',
      CLOCK_OFFSET_MS: String(smsHoursOffsetMs()),
    });
    today = DateTime.fromJSDate(p.deps.now()).setZone('Europe/Paris').toISODate()!;
    manager = await p.key({ name: 'manager AERM', role: 'manager', agency: 'AERM' });
    for (const order of [MOREL, LAURENT, ROUX, LYON]) {
      await milestoneMailsByHand(p, order.agency);
      const put = await p.request(p.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${order.orderNumber}`,
        payload: order,
      });
      expect(put.statusCode, put.body).toBe(201);
    }
    // How François Morel signs: the name his colleagues know him by, over the order tool's.
    const profile = await p.request(p.adminKey, {
      method: 'PUT',
      url: '/v1/racs/rac-morel',
      payload: { displayName: PROFILE_NAME, agency: 'AERM' },
    });
    expect(profile.statusCode, profile.body).toBe(200);

    await sendTo(MOREL, 'ct-1');
    const returned = await sendTo(MOREL, 'ct-2');
    const recipient = MOREL.contacts.find((c) => c.id === 'ct-2')!.email!;
    const answer = await returnMail(
      p.workers!.bounceListener!.port,
      returned.returnPath,
      bounceFrom('postfix-user-unknown', { returnPath: returned.returnPath, recipient, messageId: returned.id }),
    );
    expect(answer).toMatch(/^250/);
    await p.waitForStatus(returned.id, ['bounced'], 10_000);
    await sendTo(LAURENT, 'ct-1');
    await sendTo(LYON, 'ct-1');
  }, 120_000);
  afterAll(async () => p?.close());

  it('names each RAC (display name and id) and the agency they work for', async () => {
    const byRac = await report(`from=2026-01-01&to=${today}&groupBy=rac`, manager);
    expect(byRac.agency).toBe('AERM');
    expect(
      byRac.rows.map((r: Record<string, unknown>) => [r.rac, r.racName, r.racAgency, Object.keys(r).slice(0, 3)]),
    ).toEqual([
      ['rac-laurent', 'Léa Laurent', 'AERM', ['rac', 'racName', 'racAgency']],
      ['rac-morel', PROFILE_NAME, 'AERM', ['rac', 'racName', 'racAgency']],
      ['rac-roux', 'Baptiste Roux', 'AERM', ['rac', 'racName', 'racAgency']],
    ]);
    const national = await report(`from=2026-01-01&to=${today}&groupBy=agency,rac`);
    expect(national.rows.map((r: Record<string, unknown>) => [r.agency, r.rac, r.racName, r.racAgency])).toEqual([
      ['AERM', 'rac-laurent', 'Léa Laurent', 'AERM'],
      ['AERM', 'rac-morel', PROFILE_NAME, 'AERM'],
      ['AERM', 'rac-roux', 'Baptiste Roux', 'AERM'],
      ['LYON', 'rac-lyon', 'Amélie Moreau', 'LYON'],
    ]);
    // Narrowed to one RAC, the report names them; rows not by RAC carry no RAC fields.
    const one = await report(`from=2026-01-01&to=${today}&groupBy=month&rac=rac-morel`);
    expect(one).toMatchObject({ rac: 'rac-morel', racName: PROFILE_NAME });
    expect(one.rows[0]).not.toHaveProperty('racName');
  });

  it('counts a returned mail as sent and bounced, not failed, per RAC and in total', async () => {
    const byRac = await report(`from=2026-01-01&to=${today}&groupBy=rac`, manager);
    const morel = byRac.rows.find((r: { rac: string }) => r.rac === 'rac-morel');
    expect(morel).toMatchObject({ sent: 2, bounced: 1, failed: 0, projects: 1, ackSent: 1, ackShare: 1 });
    expect(byRac.rows.find((r: { rac: string }) => r.rac === 'rac-laurent')).toMatchObject({ sent: 1, bounced: 0 });
    expect(byRac.totals).toMatchObject({ sent: 3, bounced: 1, failed: 0, projects: 3, ackSent: 2, ackShare: 0.6667 });
    const byStatus = await report(`from=2026-01-01&to=${today}&groupBy=status`, manager);
    expect(byStatus.rows.map((r: { status: string; bounced: number }) => [r.status, r.bounced])).toContainEqual([
      'bounced',
      1,
    ]);
  });

  it('writes a CSV that says its period and scope, names RACs and gives shares in percent, one decimal', async () => {
    const { records, fileName } = await csv(`from=2026-01-01&to=${today}&groupBy=rac`, manager);
    expect(fileName).toBe(`jalon-statistiques-2026-01-01_${today}-agence-aerm.csv`);
    const [title, header, ...lines] = records as [string[], string[], ...string[][]];
    expect(title[0]).toMatch(/^Statistiques d’usage du 1er janvier 2026 au \d{1,2}(er)? \p{L}+ 20\d\d — agence AERM$/u);
    expect(title.slice(1).every((cell) => cell === '')).toBe(true);
    expect(header.slice(0, 3)).toEqual(['RAC', 'Identifiant RAC', 'Agence du RAC']);
    const column = (name: string) => {
      const index = header.indexOf(name);
      expect(index, name).toBeGreaterThan(-1);
      return index;
    };
    const morel = lines.find((cells) => cells[1] === 'rac-morel')!;
    expect(morel.slice(0, 3)).toEqual([PROFILE_NAME, 'rac-morel', 'AERM']);
    expect(morel[column('Rejetés')]).toBe('1');
    expect(morel[column('Envoyés')]).toBe('2');
    expect(morel[column('Échecs')]).toBe('0');
    expect(morel[column('Part avec accusé de réception (%)')]).toBe('100,0');
    const total = lines.at(-1)!;
    expect(total[0]).toBe('Total');
    expect(total[column('Rejetés')]).toBe('1');
    expect(total[column('Part avec accusé de réception (%)')]).toBe('66,7');
    expect(lines.find((cells) => cells[1] === 'rac-roux')![column('Part avec accusé de réception (%)')]).toBe('0,0');
    // Every share column holds a percentage with one decimal, or nothing when there is nothing to divide.
    const shares = header.flatMap((name, index) => (name.endsWith('(%)') ? [index] : []));
    expect(shares.length).toBeGreaterThanOrEqual(5);
    for (const cells of lines) for (const index of shares) expect(cells[index]).toMatch(/^(\d{1,3},\d)?$/);
  });

  it('names the national scope and a fixed period in the file name and first line', async () => {
    const national = await csv('from=2026-01-01&to=2026-03-31&groupBy=agency,rac');
    expect(national.fileName).toBe('jalon-statistiques-2026-01-01_2026-03-31-national.csv');
    expect(national.records[0]![0]).toBe('Statistiques d’usage du 1er janvier 2026 au 31 mars 2026 — toutes agences');
    // By agency, the agency is a column of its own: no second one for the RAC's.
    expect(national.records[1]!.slice(0, 4)).toEqual(['Agence', 'RAC', 'Identifiant RAC', 'Brouillons']);
    const lyon = await csv('from=2026-01-01&to=2026-03-31&groupBy=month&agency=LYON');
    expect(lyon.fileName).toBe('jalon-statistiques-2026-01-01_2026-03-31-agence-lyon.csv');
    expect(lyon.records[0]![0]).toBe('Statistiques d’usage du 1er janvier 2026 au 31 mars 2026 — agence LYON');
  });

  it('gives the same figures after a full recomputation from the history', async () => {
    const query = `from=2026-01-01&to=${today}&groupBy=agency,rac,template`;
    const before = await report(query);
    const counters = async () =>
      (
        (await p.deps.db.execute(
          sql`select json_agg(u order by day, agency, rac_id, template, channel, shard)::text as usage from usage_daily u`,
        )) as unknown as { rows: unknown[] }
      ).rows;
    const stored = await counters();
    await rebuildAggregates(p.deps.db);
    expect(await counters()).toEqual(stored);
    expect(await report(query)).toEqual(before);
    expect(before.totals.bounced).toBe(1);
  });

  it('moves the bounces counted as failures by earlier versions into their own counter on migration', async () => {
    const counters = async () =>
      (
        (await p.deps.db.execute(
          sql`select json_agg(json_build_array(day, agency, rac_id, template, channel, shard, failed, bounced)
            order by day, agency, rac_id, template, channel, shard)::text as usage from usage_daily`,
        )) as unknown as { rows: unknown[] }
      ).rows;
    const now = await counters();
    // As an earlier version left them: returned mail added to the failures.
    await p.deps.db.execute(sql`update usage_daily set failed = failed + bounced, bounced = 0`);
    expect(await counters()).not.toEqual(now);
    await report(`from=2026-01-01&to=${today}&groupBy=month`);
    const buckets = async () =>
      (
        (await p.deps.db.execute(sql`select count(*)::int as n from usage_rollup_buckets`)) as unknown as {
          rows: { n: number }[];
        }
      ).rows[0]?.n;
    expect(await buckets()).toBeGreaterThan(0);
    const migration = readFileSync(
      new URL('../../src/db/migrations/0019_bounces_counted_apart.sql', import.meta.url),
      'utf8',
    );
    for (const statement of migration.split('--> statement-breakpoint')) await p.deps.db.execute(sql.raw(statement));
    expect(await counters()).toEqual(now);
    // Finished months are summed again from the days the next time a report needs them.
    expect(await buckets()).toBe(0);
  });
});
