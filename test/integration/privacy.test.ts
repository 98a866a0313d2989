import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodic } from '../../src/lib/periodic.js';
import { createRetention } from '../../src/privacy/retention.js';
import { ERASED, personalTokens, scrubHtml, scrubText } from '../../src/privacy/scrub.js';
import { BACKENDS } from '../helpers/db.js';
import { loadFixture } from '../helpers/fixtures.js';
import { smsHoursOffsetMs } from '../helpers/clock.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/process.js';

const DAY = 86_400_000;
const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

describe('finding a person in text', () => {
  const tokens = personalTokens({
    civility: 'Mme',
    firstName: 'Léa',
    lastName: "D'Arc",
    email: 'lea@x.example',
    mobile: '+33639930123',
  });

  it('knows every spelling of the number and the names', () => {
    expect(tokens.strong).toEqual(
      expect.arrayContaining(['+33639930123', '06 39 93 01 23', '0639930123', '06.39.93.01.23', '+33 6 39 93 01 23']),
    );
    expect(tokens.names).toEqual(expect.arrayContaining(["Léa D'Arc", "Mme D'Arc", 'Léa', 'D&#x27;Arc']));
  });

  it('erases whole words only, and leaves markup alone except addresses', () => {
    expect(scrubText('Bonjour Léa, Léandre vous appellera au 06 39 93 01 23.', tokens)).toBe(
      `Bonjour ${ERASED}, Léandre vous appellera au ${ERASED}.`,
    );
    const table = personalTokens({ lastName: 'Table', email: 'table@x.example' });
    expect(
      scrubHtml('<table><tr><td>M. Table <a href="mailto:table@x.example">écrire</a></td></tr></table>', table),
    ).toBe(`<table><tr><td>M. ${ERASED} <a href="mailto:${ERASED}">écrire</a></td></tr></table>`);
    expect(scrubHtml('<p>Mme D&#x27;Arc</p>', tokens)).toBe(`<p>${ERASED}</p>`);
  });
});

describe.each(BACKENDS)('erasure and retention on %s', (backend) => {
  let p: Pipeline;
  const keys: Record<string, string> = {};
  const A = loadFixture('CMD-2026-000101');
  const B = loadFixture('CMD-2026-000102');
  const C = loadFixture('CMD-2026-000103');
  const lea = A.contacts[0]!;
  const api = async (key: string, method: string, url: string, payload?: unknown, headers?: Record<string, string>) =>
    p.request(keys[key] ?? key, {
      method,
      url,
      ...(payload === undefined ? {} : { payload }),
      ...(headers ? { headers } : {}),
    });
  const send = async (key: string, payload: Record<string, unknown>, headers?: Record<string, string>) => {
    const response = await api(key, 'POST', '/v1/messages', payload, headers);
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  };
  const usage = async () =>
    (await api('admin', 'GET', '/v1/stats/usage?from=2026-01-01&groupBy=agency,rac,template')).json();

  beforeAll(async () => {
    // Inside the SMS hours, whenever the suite runs: the SMS of the scenario go at once.
    p = await createPipeline(backend, { CLOCK_OFFSET_MS: String(smsHoursOffsetMs()) });
    keys.admin = p.adminKey;
    keys.integration = await p.key({ name: 'portail AERM', role: 'integration', agency: 'AERM' });
    keys.integrationIDF = await p.key({ name: 'portail IDF1', role: 'integration', agency: 'IDF1' });
    keys.rac = await p.key({ name: 'rac roux', role: 'rac', agency: 'AERM', racId: A.rac.id });
    keys.manager = await p.key({ name: 'manager AERM', role: 'manager', agency: 'AERM' });
    for (const order of [A, B, C]) {
      expect((await api('integration', 'PUT', `/v1/projects/${order.orderNumber}`, order)).statusCode).toBe(201);
    }
    // The welcome drafts the workers prepare for each new order.
    for (const order of [A, B, C]) {
      await waitFor(async () =>
        rowsOf<{ n: number }>(
          await p.deps.db.execute(
            sql`select count(*)::int as n from messages where project_ref = ${order.orderNumber} and origin = 'automation'`,
          ),
        )[0]?.n === 1
          ? true
          : undefined,
      );
    }
    const ids = [
      await send('rac', {
        projectRef: A.orderNumber,
        template: 'accuse-reception',
        replaceDraft: true,
        blocks: { personalMessage: `Merci ${lea.firstName} !` },
      }),
      await send('rac', {
        projectRef: A.orderNumber,
        template: 'rappel-intervention',
        data: { kind: 'access', windowStart: '2026-12-15T08:00:00+01:00', windowEnd: '2026-12-15T12:00:00+01:00' },
      }),
      // To the other contact, quoting the erased one: only the quote goes. With the prepared welcome
      // draft, four messages name the contact.
      await send(
        'integration',
        {
          projectRef: A.orderNumber,
          template: 'rle-recap',
          recipients: { to: [{ contactId: 'ct-2' }] },
          blocks: { personalMessage: `Avec ${lea.firstName} ${lea.lastName} (${lea.email}).` },
        },
        { 'idempotency-key': 'rle-1' },
      ),
      await send('integration', { projectRef: B.orderNumber, template: 'accuse-reception', replaceDraft: true }),
    ];
    for (const id of ids) await p.waitForStatus(id, ['sent']);
    await send('integration', {
      projectRef: B.orderNumber,
      template: 'cloture',
      sendAt: new Date(p.deps.now().getTime() + 3_600_000).toISOString(),
    });
  }, 60_000);
  afterAll(async () => p?.close());

  it('lets admin and integration keys of the scope erase a contact, and no one else', async () => {
    const url = `/v1/projects/${A.orderNumber}/contacts/${lea.id}/erase`;
    for (const [key, status] of [
      ['rac', 403],
      ['manager', 403],
      ['integrationIDF', 403],
    ] as const) {
      expect((await api(key, 'POST', url)).statusCode, key).toBe(status);
    }
    expect((await api('integration', 'POST', `/v1/projects/${A.orderNumber}/contacts/ct-9/erase`)).statusCode).toBe(
      404,
    );
  });

  it("erases one contact's data everywhere, keeps messages, statuses and counts", async () => {
    // What came back from Léa: a survey answer in her own words, her link, a returned mail.
    const [mail] = rowsOf<{ id: string }>(
      await p.deps.db.execute(sql`select id from messages where project_ref = ${A.orderNumber} limit 1`),
    );
    const said = `Rappelez-moi au 06 39 93 01 23, ${lea.lastName}`;
    await p.deps.db.execute(sql`insert into surveys (project_ref, contact_id, agency, rac_id, message_id, sent_at,
      sent_day, rating, comment, answered_at) values (${A.orderNumber}, ${lea.id}, 'AERM', ${A.rac.id}, ${mail!.id},
      now(), current_date, 4, ${said}, now())`);
    await p.deps.db.execute(sql`insert into history_events (project_ref, type, actor, data) values (${A.orderNumber},
      'survey.answered', 'questionnaire', ${JSON.stringify({ contactId: lea.id, rating: 4, comment: said })}::jsonb)`);
    await p.deps.db.execute(sql`insert into survey_links (token_hash, project_ref, contact_id, message_id, created_at,
      expires_at) values ('hash-of-lea', ${A.orderNumber}, ${lea.id}, ${mail!.id}, now(), now() + interval '60 days')`);
    await p.deps.db.execute(sql`insert into bounce_reports (received_at, source, kind, message_id, recipients, raw)
      values (now(), 'smtp', 'hard', ${mail!.id}, ${JSON.stringify([
        { recipient: lea.email, verdict: 'hard', status: '5.1.1', diagnostic: `550 5.1.1 <${lea.email}> unknown` },
      ])}::jsonb, ${`Final-Recipient: rfc822; ${lea.email}`})`);
    const before = await usage();
    const statuses = async () =>
      rowsOf<{ id: string; status: string }>(await p.deps.db.execute(sql`select id, status from messages order by id`));
    const statusesBefore = await statuses();
    const response = await api('integration', 'POST', `/v1/projects/${A.orderNumber}/contacts/${lea.id}/erase`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      projectRef: A.orderNumber,
      contactId: lea.id,
      alreadyErased: false,
      messages: 4,
    });

    const project = (await api('admin', 'GET', `/v1/projects/${A.orderNumber}`)).json();
    expect(project.contacts[0]).toEqual({ id: lea.id, lastName: ERASED, role: lea.role });
    expect(project.contacts[1]).toEqual(A.contacts[1]);
    // Nowhere in the database, in any spelling; a whole-word search for the first name in the messages.
    for (const needle of [lea.email!, lea.mobile!, '06 39 93 01 23', lea.lastName]) {
      for (const table of [
        'contacts',
        'messages',
        'history_events',
        'interventions',
        'idempotency_keys',
        'surveys',
        'bounce_reports',
      ]) {
        const found = rowsOf<{ n: number }>(
          await p.deps.db.execute(
            sql`select count(*)::int as n from ${sql.identifier(table)} t where strpos(t::text, ${needle}) > 0`,
          ),
        );
        expect(found[0]?.n, `${needle} in ${table}`).toBe(0);
      }
    }
    const bodies = rowsOf<{ body: string }>(
      await p.deps.db.execute(
        sql`select concat(subject, html, text, sms_body, blocks::text, "to"::text) as body from messages where project_ref = ${A.orderNumber}`,
      ),
    );
    expect(bodies.filter((b) => /(?<!\p{L})Léa(?!\p{L})/u.test(b.body))).toEqual([]);
    const recap = bodies.find((b) => b.body.includes(`Avec ${ERASED} (${ERASED}).`));
    expect(recap, 'the quote in the other contact’s mail').toBeDefined();

    expect(await statuses()).toEqual(statusesBefore);
    expect(await usage()).toEqual(before);
    // The rating and the bounce's verdict stay for the figures; the link to answer goes.
    const [survey] = rowsOf<{ rating: number; comment: string | null }>(
      await p.deps.db.execute(sql`select rating, comment from surveys where contact_id = ${lea.id}`),
    );
    expect(survey).toEqual({ rating: 4, comment: null });
    const [report] = rowsOf<{ recipients: unknown; raw: string | null }>(
      await p.deps.db.execute(sql`select recipients, raw from bounce_reports where message_id = ${mail!.id}`),
    );
    expect(report).toEqual({
      recipients: [{ recipient: ERASED, verdict: 'hard', status: '5.1.1', diagnostic: null }],
      raw: null,
    });
    const links = rowsOf<{ n: number }>(
      await p.deps.db.execute(sql`select count(*)::int as n from survey_links where contact_id = ${lea.id}`),
    );
    expect(links[0]?.n).toBe(0);
    const timeline = (await api('rac', 'GET', `/v1/projects/${A.orderNumber}/history`)).json();
    const erased = timeline.events.at(-1);
    expect(erased).toMatchObject({
      type: 'contact.erased',
      actor: 'portail AERM',
      data: { contactId: lea.id, messages: 4 },
    });
    expect(JSON.stringify(timeline)).not.toMatch(/Lambert|l\.lambert|39930123/);
    expect(timeline.events.find((e: { message: { id: string } | null }) => e.message)?.recipients.to).toEqual([
      { address: ERASED, contactId: lea.id },
    ]);

    const again = await api('integration', 'POST', `/v1/projects/${A.orderNumber}/contacts/${lea.id}/erase`);
    expect(again.json()).toMatchObject({ alreadyErased: true, messages: 0 });
    const types = (await p.events(A.orderNumber)).map((e) => e.type);
    expect(types.filter((type) => type === 'contact.erased')).toHaveLength(1);
  });

  it('purges contents and contact details three years after the last activity, with an injected clock', async () => {
    expect(p.deps.config.RETENTION_DAYS).toBe(1095);
    const retention = (now: Date) =>
      createRetention({
        db: p.deps.db,
        logger: p.deps.logger,
        now: () => now,
        retentionDays: p.deps.config.RETENTION_DAYS,
      });
    // B's activity is moved 400 days back; A and C were active today.
    await p.deps.db.execute(
      sql`update history_events set at = at - interval '400 days' where project_ref = ${B.orderNumber}`,
    );
    await p.deps.db.execute(
      sql`update projects set updated_at = updated_at - interval '400 days' where ref = ${B.orderNumber}`,
    );
    // B's client answered the survey in words; a returned mail nobody could place came then too.
    const [mailB] = rowsOf<{ id: string }>(
      await p.deps.db.execute(sql`select id from messages where project_ref = ${B.orderNumber} limit 1`),
    );
    await p.deps.db.execute(sql`insert into surveys (project_ref, contact_id, agency, rac_id, message_id, sent_at,
      sent_day, rating, comment, answered_at) values (${B.orderNumber}, 'ct-1', 'AERM', ${B.rac.id}, ${mailB!.id},
      now() - interval '400 days', current_date - 400, 5, 'Merci à Julie, très réactive', now() - interval '400 days')`);
    await p.deps.db.execute(sql`insert into bounce_reports (received_at, source, kind, recipients, raw)
      values (now() - interval '400 days', 'smtp', 'unknown', '[]'::jsonb, 'From: someone@x.example')`);
    const before = await usage();
    const real = p.deps.now().getTime();
    expect(await retention(new Date(real + (1095 - 401) * DAY)).purge()).toEqual({
      projects: 0,
      messages: 0,
      contacts: 0,
    });
    // The welcome mail sent, and the prepared draft it replaced (cancelled, so finished too).
    expect(await retention(new Date(real + (1095 - 399) * DAY)).purge()).toEqual({
      projects: 1,
      messages: 2,
      contacts: 2,
    });

    const rows = rowsOf<{
      status: string;
      html: string | null;
      to: unknown;
      purged_at: Date | null;
      template_key: string;
    }>(
      await p.deps.db.execute(
        sql`select status, html, "to", purged_at, template_key from messages where project_ref = ${B.orderNumber} order by created_at`,
      ),
    );
    const sent = rows.find((r) => r.status === 'sent')!;
    expect(sent).toMatchObject({ html: null, to: [{ address: ERASED, contactId: 'ct-1' }] });
    expect(sent.purged_at).not.toBeNull();
    // Not finished yet: a draft and a scheduled mail keep what they will send.
    const pending = rows.filter((r) => r.status === 'draft' || r.status === 'scheduled');
    expect(pending.every((r) => r.html !== null && r.purged_at === null)).toBe(true);
    const project = (await api('admin', 'GET', `/v1/projects/${B.orderNumber}`)).json();
    expect(project.contacts.map((c: Record<string, unknown>) => Object.keys(c).sort())).toEqual([
      ['id', 'lastName', 'role'],
      ['id', 'lastName', 'role'],
    ]);
    expect((await api('admin', 'GET', `/v1/projects/${C.orderNumber}`)).json().contacts).toEqual(C.contacts);

    const comments = rowsOf<{ rating: number; comment: string | null }>(
      await p.deps.db.execute(sql`select rating, comment from surveys where project_ref = ${B.orderNumber}`),
    );
    expect(comments).toEqual([{ rating: 5, comment: null }]);
    const unmatched = rowsOf<{ n: number }>(
      await p.deps.db.execute(sql`select count(*)::int as n from bounce_reports where message_id is null`),
    );
    expect(unmatched[0]?.n).toBe(0);
    const purged = (await p.events(B.orderNumber)).filter((e) => e.type === 'retention.purged');
    expect(purged).toHaveLength(1);
    expect(purged[0]!.data).toMatchObject({ messages: 2, contacts: 2, retentionDays: 1095 });
    expect(JSON.stringify(purged[0]!.data)).not.toMatch(/@|\+33/);
    expect(await usage()).toEqual(before);
    expect(await retention(new Date(real + 2000 * DAY)).purge()).toMatchObject({ projects: 2 });
    expect(await retention(new Date(real + 2000 * DAY)).purge()).toEqual({ projects: 0, messages: 0, contacts: 0 });
    expect((await p.events(B.orderNumber)).filter((e) => e.type === 'retention.purged')).toHaveLength(1);
  });

  it('runs on schedule', async () => {
    await p.request(p.adminKey, {
      method: 'PUT',
      url: '/v1/projects/CMD-2026-000777',
      payload: { ...C, orderNumber: 'CMD-2026-000777' },
    });
    const { purge } = createRetention({
      db: p.deps.db,
      logger: p.deps.logger,
      now: () => new Date(p.deps.now().getTime() + 4000 * DAY),
      retentionDays: 1095,
    });
    const retention = periodic('retention purge', purge, p.deps.logger);
    retention.start(50);
    const deadline = Date.now() + 10_000;
    while (!(await p.events('CMD-2026-000777')).some((e) => e.type === 'retention.purged') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await retention.stop();
    expect((await p.events('CMD-2026-000777')).filter((e) => e.type === 'retention.purged')).toHaveLength(1);
  });
});
