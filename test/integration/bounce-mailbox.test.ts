import { sql } from 'drizzle-orm';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { milestoneMailsByHand } from '../helpers/app.js';
import { bounceFrom } from '../helpers/bounces.js';
import { type Dovecot, DOVECOT, HAVE_DOVECOT, startDovecot } from '../helpers/dovecot.js';
import { IN_CI } from '../helpers/env.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

const FIXTURE = loadFixture('CMD-2026-000104');
const contact = (id: string) => FIXTURE.contacts.find((c) => c.id === id)!;

// CI installs dovecot-imapd (.ci/run): there a missing server fails the suite instead.
if (!HAVE_DOVECOT && !IN_CI) console.warn(`${DOVECOT} is missing: the bounce mailbox tests are skipped`);

describe.skipIf(!HAVE_DOVECOT && !IN_CI)('returned mail read from a real IMAP mailbox (Dovecot, PostgreSQL)', () => {
  let imap: Dovecot;
  let p: Pipeline;

  /** A connection of the test's own, as the relay delivering to the mailbox would have. */
  async function withImap<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: imap.port,
      secure: false,
      auth: { user: imap.user, pass: imap.password },
      logger: false,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => {});
    }
  }
  const deliver = (raw: string) => withImap((client) => client.append('INBOX', raw));
  const count = (path: string) =>
    withImap(async (client) => {
      try {
        const found = await client.status(path, { messages: true });
        return found ? (found.messages ?? 0) : 0;
      } catch {
        return 0;
      }
    });
  const rows = async <T>(query: ReturnType<typeof sql>) =>
    ((await p.deps.db.execute(query)) as unknown as { rows: T[] }).rows;
  const status = async (id: string) =>
    (await rows<{ status: string }>(sql`select status from messages where id = ${id}`))[0]?.status;
  const create = (contactId: string) =>
    p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: FIXTURE.orderNumber, template: 'accuse-reception', recipients: { to: [{ contactId }] } },
    });
  async function sendTo(contactId: string) {
    const before = p.smtp.received.length;
    const created = await create(contactId);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    await p.waitForStatus(id, ['sent']);
    const received = (await p.smtp.waitFor(before + 1)).find((r) => r.mail.headers.get('x-jalon-message-id') === id);
    return { id, returnPath: received!.envelope.from as string, recipient: contact(contactId).email! };
  }
  const metrics = async () => (await p.app.inject({ method: 'GET', url: '/metrics' })).body;

  beforeAll(async () => {
    imap = await startDovecot();
    p = await createPipeline('postgres', {
      BOUNCE_ADDRESS: 'bounces@operateur.example',
      BOUNCE_SIGNING_SECRET: 'bounce-signing-secret-for-the-tests',
      BOUNCE_IMAP_URL: `imap://${imap.user}:${imap.password}@127.0.0.1:${imap.port}/INBOX`,
      // The longest wait between looks: IDLE says at once when mail arrives.
      BOUNCE_IMAP_INTERVAL_MS: '60000',
    });
    await milestoneMailsByHand(p, FIXTURE.agency);
    const put = await p.request(p.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${FIXTURE.orderNumber}`,
      payload: FIXTURE,
    });
    expect(put.statusCode, put.body).toBe(201);
  });
  afterAll(async () => {
    await p?.close();
    await imap?.close();
  });

  it('turns a message bounced and its address suppressed once, however often the report is in the mailbox', async () => {
    const sent = await sendTo('ct-2');
    const dsn = bounceFrom('postfix-user-unknown', { ...sent, messageId: sent.id });
    const started = performance.now();
    await deliver(dsn);
    await deliver(dsn);
    await p.waitForStatus(sent.id, ['bounced'], 10_000);
    await vi.waitFor(async () => expect(await count('Jalon/Traités')).toBe(2), { timeout: 10_000, interval: 50 });
    console.log(`bounce mailbox: DSN appended to both taken in ${(performance.now() - started).toFixed(0)} ms`);
    expect(await count('INBOX')).toBe(0);
    const bounced = (await p.events(FIXTURE.orderNumber)).filter(
      (e) => e.data.messageId === sent.id && e.type === 'message.bounced',
    );
    expect(bounced).toHaveLength(1);
    expect(bounced[0]?.data).toMatchObject({ remoteStatus: '5.1.1', recipient: 'ct-2' });
    await p.settle();
    const list = await p.request(p.adminKey, {
      method: 'GET',
      url: `/v1/suppressions?address=${encodeURIComponent(sent.recipient)}`,
    });
    expect(list.json().items).toMatchObject([{ reason: 'hard_bounce', active: true }]);
    expect(await metrics()).toMatch(/jalon_bounces_total\{kind="hard",source="imap"\} 1/);
    expect((await p.logs()).includes(sent.recipient)).toBe(false);
  });

  it('moves what it cannot act on (unknown format, forged or unsigned tag) aside, counted, with no effect', async () => {
    const sent = await sendTo('ct-3');
    const signature = sent.returnPath.slice(sent.returnPath.indexOf('.') + 1, sent.returnPath.indexOf('@'));
    const wrong = signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    await deliver(bounceFrom('vacation-reply', { ...sent, messageId: sent.id }));
    for (const forged of [`bounces+${sent.id}@operateur.example`, `bounces+${sent.id}.${wrong}@operateur.example`]) {
      await deliver(bounceFrom('exchange-online-rejected', { ...sent, returnPath: forged, messageId: sent.id }));
    }
    await vi.waitFor(async () => expect(await count('Jalon/Inconnus')).toBe(3), { timeout: 10_000, interval: 50 });
    expect(await count('INBOX')).toBe(0);
    expect(await status(sent.id)).toBe('sent');
    const kept = await rows<{ kind: string; message_id: string | null }>(
      sql`select kind, message_id from bounce_reports where source = 'imap' and kind = 'unknown'`,
    );
    // The auto-reply came to the signed address, so it names its message; the forged ones do not.
    expect(kept.map((r) => r.message_id).sort()).toEqual([sent.id, null, null]);
    expect(await metrics()).toMatch(/jalon_bounces_total\{kind="unknown",source="imap"\} 3/);

    // The genuine report, signed, works.
    await deliver(bounceFrom('exchange-online-rejected', { ...sent, messageId: sent.id }));
    await p.waitForStatus(sent.id, ['bounced'], 10_000);
  });

  it('reads on after the IMAP server restarts under it', async () => {
    const sent = await sendTo('ct-4');
    await imap.stop();
    await imap.start();
    await deliver(bounceFrom('gmail-no-such-user', { ...sent, messageId: sent.id }));
    await p.waitForStatus(sent.id, ['bounced'], 20_000);
    await vi.waitFor(async () => expect(await count('INBOX')).toBe(0), { timeout: 10_000, interval: 50 });
    expect(await metrics()).toMatch(/jalon_bounce_mailbox_failures_total\{stage="connection"\} [1-9]/);
  });
});
