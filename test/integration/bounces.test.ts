import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { milestoneMailsByHand } from '../helpers/app.js';
import { bounceFrom, returnMail } from '../helpers/bounces.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

const FIXTURE = loadFixture('CMD-2026-000104');
const contact = (id: string) => FIXTURE.contacts.find((c) => c.id === id)!;

describe('returned mail through the bounce listener (PostgreSQL)', () => {
  let p: Pipeline;
  let port: number;

  /** Sends an accusé de réception to one contact, and returns it with the envelope it went with. */
  async function sendTo(contactId: string) {
    const before = p.smtp.received.length;
    const created = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: FIXTURE.orderNumber, template: 'accuse-reception', recipients: { to: [{ contactId }] } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    await p.waitForStatus(id, ['sent']);
    const received = (await p.smtp.waitFor(before + 1)).find((r) => r.mail.headers.get('x-jalon-message-id') === id);
    return { id, envelope: received!.envelope };
  }
  const rows = async <T>(query: ReturnType<typeof sql>) =>
    ((await p.deps.db.execute(query)) as unknown as { rows: T[] }).rows;
  const status = async (id: string) =>
    (await rows<{ status: string }>(sql`select status from messages where id = ${id}`))[0]?.status;
  const reports = async () =>
    Number((await rows<{ n: number }>(sql`select count(*)::int as n from bounce_reports`))[0]?.n);

  beforeAll(async () => {
    p = await createPipeline('postgres', {
      BOUNCE_ADDRESS: 'bounces@operateur.example',
      BOUNCE_SMTP_PORT: '0',
      BOUNCE_SMTP_HOST: '127.0.0.1',
      BOUNCE_MAX_BYTES: '65536',
    });
    port = p.workers!.bounceListener!.port;
    await milestoneMailsByHand(p, FIXTURE.agency);
    const put = await p.request(p.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${FIXTURE.orderNumber}`,
      payload: FIXTURE,
    });
    expect(put.statusCode, put.body).toBe(201);
  });
  afterAll(async () => p?.close());

  it('sends every mail with its own return path on the bounce domain', async () => {
    const { id, envelope } = await sendTo('ct-1');
    expect(envelope.from).toBe(`bounces+${id}@operateur.example`);
    expect(envelope.to).toContain(contact('ct-1').email);
  });

  const DSNS = [
    ['postfix-user-unknown', 'ct-2', '5.1.1'],
    ['exchange-online-rejected', 'ct-3', '5.1.10'],
    ['gmail-no-such-user', 'ct-4', '5.1.1'],
  ] as const;

  it.each(DSNS)('a %s report turns the message bounced and says why', async (fixture, contactId, remote) => {
    const { id, envelope } = await sendTo(contactId);
    const recipient = contact(contactId).email!;
    const started = performance.now();
    const answer = await returnMail(
      port,
      envelope.from,
      bounceFrom(fixture, { returnPath: envelope.from, recipient, messageId: id }),
    );
    expect(answer).toMatch(/^250/);
    await p.waitForStatus(id, ['bounced'], 10_000);
    const elapsed = performance.now() - started;
    console.log(`${fixture}: DSN to bounced in ${elapsed.toFixed(1)} ms`);
    expect(elapsed).toBeLessThan(5_000);

    const events = (await p.events(FIXTURE.orderNumber)).filter((e) => e.data.messageId === id);
    const bounced = events.find((e) => e.type === 'message.bounced');
    expect(bounced?.data).toMatchObject({ remoteStatus: remote, recipient: contactId, copy: false, status: 'bounced' });
    // The remote server's words are kept, without the address they quote.
    expect(String(bounced?.data.diagnostic)).toMatch(/5\.1\.1|5\.1\.10/);
    expect(JSON.stringify(bounced?.data)).not.toContain(recipient);
    const stored = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json();
    expect(stored.status).toBe('bounced');
    expect(stored.lastError).toContain(remote);
    expect((await p.logs()).includes(recipient)).toBe(false);
  });

  it('counts a temporary failure without changing the status', async () => {
    const { id, envelope } = await sendTo('ct-5');
    const raw = bounceFrom('postfix-mailbox-full', {
      returnPath: envelope.from,
      recipient: contact('ct-5').email!,
      messageId: id,
    });
    expect(await returnMail(port, envelope.from, raw)).toMatch(/^250/);
    expect(await status(id)).toBe('sent');
    const soft = (await p.events(FIXTURE.orderNumber)).filter(
      (e) => e.data.messageId === id && e.type === 'message.soft_bounced',
    );
    expect(soft).toHaveLength(1);
    expect(soft[0]?.data).toMatchObject({ remoteStatus: '4.2.2', recipient: 'ct-5' });
  });

  it('keeps and counts a returned mail it cannot read, and changes nothing', async () => {
    const { id, envelope } = await sendTo('ct-1');
    const before = await reports();
    const raw = bounceFrom('vacation-reply', {
      returnPath: envelope.from,
      recipient: contact('ct-1').email!,
      messageId: id,
    });
    expect(await returnMail(port, envelope.from, raw)).toMatch(/^250/);
    expect(await reports()).toBe(before + 1);
    const [kept] = await rows<{ kind: string; raw: string }>(
      sql`select kind, raw from bounce_reports order by id desc limit 1`,
    );
    expect(kept?.kind).toBe('unknown');
    expect(kept?.raw).toContain('Je suis absent');
    expect(await status(id)).toBe('sent');
    const metrics = (await p.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/jalon_bounces_total\{kind="unknown",source="smtp"\} 1/);
    expect(metrics).toMatch(/jalon_bounces_total\{kind="hard",source="smtp"\} 3/);
  });

  it('refuses a malformed or oversized mail, and mail for another address, without effect', async () => {
    const { id, envelope } = await sendTo('ct-1');
    const before = await reports();
    await expect(returnMail(port, envelope.from, 'not a mail at all\u0000\u0001\r\n')).rejects.toMatchObject({
      responseCode: 550,
    });
    const big = bounceFrom('postfix-user-unknown', {
      returnPath: envelope.from,
      recipient: contact('ct-1').email!,
      messageId: id,
    }).replace('This is the mail system', `${'x'.repeat(76)}\r\n`.repeat(1_000));
    await expect(returnMail(port, envelope.from, big)).rejects.toMatchObject({ responseCode: 552 });
    await expect(returnMail(port, 'someone@operateur.example', 'From: a@b.example\r\n\r\nhi')).rejects.toMatchObject({
      responseCode: 550,
    });
    await expect(
      returnMail(port, `bounces+${id}@ailleurs.example`, 'From: a@b.example\r\n\r\nhi'),
    ).rejects.toMatchObject({
      responseCode: 550,
    });
    expect(await reports()).toBe(before);
    expect(await status(id)).toBe('sent');
    // The listener is still there for the next one.
    const ok = bounceFrom('postfix-user-unknown', {
      returnPath: envelope.from,
      recipient: contact('ct-1').email!,
      messageId: id,
    });
    expect(await returnMail(port, envelope.from, ok)).toMatch(/^250/);
    await p.waitForStatus(id, ['bounced']);
  });
});
