import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { milestoneMailsByHand } from '../helpers/app.js';
import { bounceFrom, returnMail } from '../helpers/bounces.js';
import { smsHoursOffsetMs } from '../helpers/clock.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import type { Received } from '../helpers/smtp.js';
import { collect } from '../../src/digests/store.js';
import { createDigestSweep } from '../../workers/digests.js';

const BIG = loadFixture('CMD-2026-000104');
const SMALL = loadFixture('CMD-2026-000101');
const PAIR = loadFixture('CMD-2026-000103');
const THIRD = loadFixture('CMD-2026-000102');
const ORDERS = [BIG, SMALL, PAIR, THIRD];
const MINUTE = 60_000;
const NBSP = '\u00a0';

type Order = typeof BIG;
const contact = (order: Order, id: string) => order.contacts.find((c) => c.id === id)!;

interface DigestRow {
  id: string;
  day: string;
  status: string;
  due_at: Date;
  problems: number;
}

describe('the RAC’s daily summary of delivery problems (PostgreSQL, Redis, SMTP)', () => {
  let p: Pipeline;
  let port: number;
  // The service clock, moved by the tests; it starts at 10:00 Paris on a working day.
  let offset = smsHoursOffsetMs();
  const now = () => new Date(Date.now() + offset);
  const moveTo = (at: Date) => {
    offset = at.getTime() - Date.now();
  };

  const rows = async <T>(query: ReturnType<typeof sql>) =>
    ((await p.deps.db.execute(query)) as unknown as { rows: T[] }).rows;
  const digestsOf = async (order: Order): Promise<DigestRow[]> =>
    (
      await rows<DigestRow>(sql`select d.id, d.day::text as day, d.status, d.due_at,
          (select count(*)::int from digest_problems x where x.digest_id = d.id) as problems
        from problem_digests d where d.project_ref = ${order.orderNumber} order by d.day`)
    ).map((row) => ({ ...row, due_at: new Date(row.due_at) }));
  const digestMails = (order: Order): Received[] =>
    p.smtp.received.filter((r) => r.mail?.subject?.startsWith(`Commande ${order.orderNumber}${NBSP}:`));

  /** Sends an accusé de réception to one contact and returns its id and envelope sender. */
  async function sendTo(order: Order, contactId: string) {
    const created = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: order.orderNumber, template: 'accuse-reception', recipients: { to: [{ contactId }] } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    await p.waitForStatus(id, ['sent']);
    const mail = await vi.waitFor(
      () => {
        const found = p.smtp.received.find((r) => r.mail?.headers.get('x-jalon-message-id') === id);
        if (!found) throw new Error('not received yet');
        return found;
      },
      { timeout: 10_000 },
    );
    return { id, returnPath: mail.envelope.from };
  }
  /** The contact's server refuses the mail after accepting it: « user unknown » (5.1.1). */
  async function bounce(order: Order, contactId: string) {
    const { id, returnPath } = await sendTo(order, contactId);
    const raw = bounceFrom('postfix-user-unknown', {
      returnPath,
      recipient: contact(order, contactId).email!,
      messageId: id,
    });
    expect(await returnMail(port, returnPath, raw)).toMatch(/^250/);
    await p.waitForStatus(id, ['bounced']);
    return id;
  }
  /** Waits until the order's collecting summary holds so many problems. */
  const collected = async (order: Order, problems: number) =>
    vi.waitFor(
      async () => {
        await p.settle();
        const open = (await digestsOf(order)).find((d) => d.status === 'pending');
        if (open?.problems !== problems) throw new Error(`summary holds ${open?.problems ?? 'nothing'}`);
        return open;
      },
      { timeout: 15_000, interval: 100 },
    );
  const mailed = (order: Order, count: number) =>
    vi.waitFor(
      () => {
        const mails = digestMails(order);
        if (mails.length < count) throw new Error(`${mails.length} summaries of ${order.orderNumber} so far`);
        return mails;
      },
      { timeout: 15_000, interval: 100 },
    );
  const jobPayloads = async () =>
    (await p.deps.digests.queue.queue.getJobs(['delayed', 'waiting', 'active', 'prioritized'])).map((job) => job.data);

  beforeAll(async () => {
    p = await createPipeline(
      'postgres',
      {
        BOUNCE_ADDRESS: 'bounces@operateur.example',
        BOUNCE_SIGNING_SECRET: 'bounce-signing-secret-for-the-tests',
        BOUNCE_SMTP_PORT: '0',
        BOUNCE_SMTP_HOST: '127.0.0.1',
        PUBLIC_BASE_URL: 'https://jalon.operateur.example',
        PROBLEM_DIGEST_DELAY_MINUTES: '20',
        PROBLEM_DIGEST_NEXT_DAY_HOUR: '8',
      },
      { now },
    );
    port = p.workers!.bounceListener!.port;
    for (const order of ORDERS) {
      await milestoneMailsByHand(p, order.agency);
      const put = await p.request(p.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${order.orderNumber}`,
        payload: order,
      });
      expect(put.statusCode, put.body).toBe(201);
    }
  });
  afterAll(async () => p?.close());

  it('collects two bounces of one order into one summary, mailed once to its RAC after the delay', async () => {
    const start = now();
    await bounce(BIG, 'ct-2');
    await bounce(BIG, 'ct-3');
    const digest = await collected(BIG, 2);
    // The wait starts at the first problem; the hard bounce and the suppression it causes are one problem.
    expect(digest.due_at.getTime() - start.getTime()).toBeGreaterThanOrEqual(20 * MINUTE);
    expect(digest.due_at.getTime() - start.getTime()).toBeLessThan(22 * MINUTE);
    expect(digest.day).toBe(DateTime.fromJSDate(digest.due_at, { zone: 'Europe/Paris' }).toISODate());
    // The job says which summary, nothing more.
    const job = await p.deps.digests.queue.queue.getJob(digest.id);
    expect(job?.data).toEqual({ digestId: digest.id });
    expect(await job?.isDelayed()).toBe(true);
    expect(digestMails(BIG)).toHaveLength(0);

    moveTo(new Date(digest.due_at.getTime() + MINUTE));
    const [mail] = await mailed(BIG, 1);
    const parsed = mail!.mail;
    expect(parsed.subject).toBe(`Commande ${BIG.orderNumber}${NBSP}: 2 messages non remis`);
    expect(mail!.envelope.to).toEqual([BIG.rac.email]);
    const text = parsed.text ?? '';
    for (const id of ['ct-2', 'ct-3']) {
      const c = contact(BIG, id);
      expect(text).toContain(
        `Destinataire${NBSP}: ${c.civility === 'Mme' ? 'Madame' : 'Monsieur'} ${c.lastName} — ${c.email}`,
      );
    }
    expect(text).toContain(`Bonjour ${BIG.rac.firstName},`);
    expect(text).toContain(`Motif${NBSP}: adresse inexistante (code 5.1.1)`);
    expect(text.match(/À faire\u00a0: corriger l’adresse\./g)).toHaveLength(2);
    expect(text).toContain(`«${NBSP}Accusé de réception${NBSP}», envoyé le `);
    expect(text).toContain(`https://jalon.operateur.example/app/projects/${BIG.orderNumber}`);
    expect(text).toContain('préparez-le à nouveau depuis la page de la commande');
    expect(text).toContain('les messages retenus repartent alors d’eux-mêmes');
    const html = String(parsed.html);
    expect(html).toContain(`href="https://jalon.operateur.example/app/projects/${BIG.orderNumber}"`);
    expect(html).toContain(contact(BIG, 'ct-2').email);
    expect(html).toContain('adresse inexistante');

    // Recorded in the order's history (just after the mail went), without the addresses.
    const sent = await vi.waitFor(
      async () => {
        const found = (await p.events(BIG.orderNumber)).filter((e) => e.type === 'problem_digest.sent');
        if (found.length === 0) throw new Error('not recorded yet');
        return found;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]?.data).toMatchObject({ digestId: digest.id, day: digest.day, problems: 2 });
    expect(JSON.stringify(sent[0]?.data)).not.toContain('@');
    expect((await digestsOf(BIG))[0]?.status).toBe('sent');
  });

  it('gives another order its own summary, a complaint included', async () => {
    await bounce(SMALL, 'ct-1');
    const { id, returnPath } = await sendTo(SMALL, 'ct-2');
    const raw = bounceFrom('arf-abuse', { returnPath, recipient: contact(SMALL, 'ct-2').email!, messageId: id });
    expect(await returnMail(port, 'bounces@operateur.example', raw)).toMatch(/^250/);
    const digest = await collected(SMALL, 2);
    expect(digestMails(SMALL)).toHaveLength(0);
    moveTo(new Date(digest.due_at.getTime() + MINUTE));
    const [mail] = await mailed(SMALL, 1);
    expect(mail!.mail.subject).toBe(`Commande ${SMALL.orderNumber}${NBSP}: 1 message non remis et 1 adresse bloquée`);
    expect(mail!.envelope.to).toEqual([SMALL.rac.email]);
    const text = mail!.mail.text ?? '';
    expect(text).toContain(`Madame Lambert — ${contact(SMALL, 'ct-1').email}`);
    expect(text).toContain(`Monsieur Garnier — ${contact(SMALL, 'ct-2').email}`);
    expect(text).toContain('signalé comme indésirable');
    expect(text).toContain('appeler le client avant de lui écrire de nouveau');
    // The first order was told already: nothing more for it.
    expect(digestMails(BIG)).toHaveLength(1);
  });

  it('puts a problem found after the day’s summary into the next day’s, at its morning hour', async () => {
    const [first] = await digestsOf(BIG);
    expect(first?.status).toBe('sent');
    await bounce(BIG, 'ct-4');
    const next = await collected(BIG, 1);
    const nextDay = DateTime.fromISO(first!.day, { zone: 'Europe/Paris' }).plus({ days: 1 });
    expect(next.day).toBe(nextDay.toISODate());
    expect(next.due_at.toISOString()).toBe(nextDay.set({ hour: 8 }).toJSDate().toISOString());
    // Not before its morning, whatever the sweep does meanwhile.
    moveTo(new Date(next.due_at.getTime() - 5 * MINUTE));
    await createDigestSweep(p.deps).runOnce();
    expect(digestMails(BIG)).toHaveLength(1);

    moveTo(new Date(next.due_at.getTime() + MINUTE));
    const mails = await mailed(BIG, 2);
    expect(mails[1]?.mail.subject).toBe(`Commande ${BIG.orderNumber}${NBSP}: 1 message non remis`);
    expect(mails[1]?.mail.text).toContain(contact(BIG, 'ct-4').email);
    expect(mails[1]?.mail.text).not.toContain(contact(BIG, 'ct-2').email);
    const days = (await digestsOf(BIG)).map((d) => d.day);
    expect(new Set(days).size).toBe(days.length);
  });

  it('repairs a job lost with a restart, and mails the summary exactly once', async () => {
    await bounce(PAIR, 'ct-1');
    const digest = await collected(PAIR, 1);
    // The workers stop, and Redis loses the job meanwhile.
    await p.workers!.close();
    p.workers = undefined;
    await p.deps.digests.queue.queue.remove(digest.id);
    expect(await p.deps.digests.queue.queue.getJobState(digest.id)).toBe('unknown');
    moveTo(new Date(digest.due_at.getTime() + 2 * MINUTE));
    await p.startWorkers();
    port = p.workers!.bounceListener!.port;
    const [mail] = await mailed(PAIR, 1);
    expect(mail!.mail.text).toContain(contact(PAIR, 'ct-1').email);

    // More triggers (the sweep again, a follow-up delivered twice) find it sent, and mail nothing.
    const sweep = createDigestSweep(p.deps);
    expect(await sweep.runOnce()).toBe(0);
    expect(await p.deps.digests.queue.enqueue({ id: digest.id, dueAt: digest.due_at })).toBe(true);
    await vi.waitFor(
      async () => {
        const state = await p.deps.digests.queue.queue.getJobState(digest.id);
        if (state !== 'unknown') throw new Error(`job is ${state}`);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(digestMails(PAIR)).toHaveLength(1);
    const sent = (await p.events(PAIR.orderNumber)).filter((e) => e.type === 'problem_digest.sent');
    expect(sent).toHaveLength(1);
  });

  it('skips an order whose RAC has no address, and says so in its history', async () => {
    await p.deps.db.execute(sql`update projects set rac_email = '' where ref = ${PAIR.orderNumber}`);
    await bounce(PAIR, 'ct-2');
    const digest = await collected(PAIR, 1);
    moveTo(new Date(digest.due_at.getTime() + MINUTE));
    await vi.waitFor(
      async () => {
        await p.settle();
        const types = (await p.events(PAIR.orderNumber)).map((e) => e.type);
        if (!types.includes('problem_digest.skipped')) throw new Error('not skipped yet');
      },
      { timeout: 15_000, interval: 100 },
    );
    const skipped = (await p.events(PAIR.orderNumber)).find((e) => e.type === 'problem_digest.skipped');
    expect(skipped?.data).toMatchObject({ digestId: digest.id, reason: 'no_rac_address' });
    expect(digestMails(PAIR)).toHaveLength(1);
  });

  it('tells the RAC of a mail its server refused while it was being sent', async () => {
    p.smtp.failNext(550);
    const created = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: {
        projectRef: THIRD.orderNumber,
        template: 'accuse-reception',
        recipients: { to: [{ contactId: 'ct-1' }] },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    await p.waitForStatus(created.json().id as string, ['failed']);
    const digest = await collected(THIRD, 1);
    moveTo(new Date(digest.due_at.getTime() + MINUTE));
    const [mail] = await mailed(THIRD, 1);
    expect(mail!.mail.subject).toBe(`Commande ${THIRD.orderNumber}${NBSP}: 1 message non remis`);
    expect(mail!.envelope.to).toEqual([THIRD.rac.email]);
    const text = mail!.mail.text ?? '';
    expect(text).toContain(`Un envoi de votre commande n°${NBSP}${THIRD.orderNumber}`);
    expect(text).toContain(`«${NBSP}Accusé de réception${NBSP}», envoi tenté le `);
    expect(text).toContain(`Monsieur Durand — ${contact(THIRD, 'ct-1').email}`);
    expect(text).toContain(`Motif${NBSP}: refusé par le serveur du destinataire`);
    expect(text).toContain('vérifier l’adresse avec le client et la corriger si besoin');
  });

  it('makes one summary and one mail of problems and senders racing each other', async () => {
    const timing = { delayMinutes: 20, nextDayHour: 8 };
    // Twelve people of one message (the order's message that failed), twelve events.
    const [message] = await rows<{ id: string }>(
      sql`select id from messages where project_ref = ${THIRD.orderNumber} and status = 'failed'`,
    );
    const problems = Array.from({ length: 12 }, (_, i) => ({
      eventId: 900_000_000 + i,
      projectRef: THIRD.orderNumber,
      messageId: message!.id,
      contactId: `ct-${i + 10}`,
      suppressionId: null,
      reason: 'unknown_address',
      remoteStatus: '5.1.1',
      at: now(),
    }));
    // Each problem twice, as a follow-up delivered again would, all at once on the pool.
    const triggers = await Promise.all([...problems, ...problems].map((x) => collect(p.deps.db, x, now(), timing)));
    const open = (await digestsOf(THIRD)).filter((d) => d.status === 'pending');
    expect(open).toHaveLength(1);
    expect(open[0]?.problems).toBe(12);
    expect(new Set(triggers.map((t) => t?.id))).toEqual(new Set([open[0]?.id]));

    moveTo(new Date(open[0]!.due_at.getTime() + MINUTE));
    const before = digestMails(THIRD).length;
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => p.deps.digests.sender.send(open[0]!.id)));
    await vi.waitFor(
      async () => {
        const [row] = (await digestsOf(THIRD)).filter((d) => d.id === open[0]?.id);
        if (row?.status !== 'sent') throw new Error(`summary is ${row?.status}`);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(outcomes.filter((o) => o === 'sent').length).toBeLessThanOrEqual(1);
    expect(digestMails(THIRD).length - before).toBe(1);
  });

  it('keeps every address and name out of job payloads and logs', async () => {
    for (const data of await jobPayloads()) expect(Object.keys(data as object)).toEqual(['digestId']);
    const logs = await p.logs();
    expect(logs).toContain('problem summary sent to the RAC');
    for (const order of ORDERS) {
      for (const c of order.contacts) {
        if (c.email) expect(logs.includes(c.email), c.email).toBe(false);
      }
      expect(logs.includes(order.rac.email)).toBe(false);
    }
  });
});
