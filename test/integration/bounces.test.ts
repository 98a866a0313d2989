import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { milestoneMailsByHand } from '../helpers/app.js';
import { bounceFrom, returnMail } from '../helpers/bounces.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { smsHoursOffsetMs } from '../helpers/clock.js';
import { DEFAULT_SETTINGS } from '../../src/agencies/settings.js';
import { addSuppression } from '../../src/suppressions/store.js';

const FIXTURE = loadFixture('CMD-2026-000104');
const SMALL = loadFixture('CMD-2026-000101');
const PAIR = loadFixture('CMD-2026-000103');
const contact = (id: string) => FIXTURE.contacts.find((c) => c.id === id)!;

describe('returned mail through the bounce listener (PostgreSQL)', () => {
  let p: Pipeline;
  let port: number;

  const create = (contactId: string, order = FIXTURE) =>
    p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: order.orderNumber, template: 'accuse-reception', recipients: { to: [{ contactId }] } },
    });
  /** Sends an accusé de réception to one contact, and returns it with the envelope it went with. */
  async function sendTo(contactId: string, order = FIXTURE) {
    const before = p.smtp.received.length;
    const created = await create(contactId, order);
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
  /** The active suppression of an address, once the follow-ups have made it. */
  const suppressionOf = async (address: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = await p.request(p.adminKey, {
        method: 'GET',
        url: `/v1/suppressions?address=${encodeURIComponent(address)}`,
      });
      expect(list.statusCode, list.body).toBe(200);
      const [found] = list.json().items as { id: string; reason: string; detail: string; active: boolean }[];
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no suppression of ${address} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const noSuppressionOf = async (address: string) => {
    await p.settle();
    const list = await p.request(p.adminKey, {
      method: 'GET',
      url: `/v1/suppressions?address=${encodeURIComponent(address)}`,
    });
    return (list.json().items as unknown[]).length === 0;
  };
  const reports = async () =>
    Number((await rows<{ n: number }>(sql`select count(*)::int as n from bounce_reports`))[0]?.n);

  beforeAll(async () => {
    p = await createPipeline('postgres', {
      BOUNCE_ADDRESS: 'bounces@operateur.example',
      BOUNCE_SIGNING_SECRET: 'bounce-signing-secret-for-the-tests',
      BOUNCE_SMTP_PORT: '0',
      BOUNCE_SMTP_HOST: '127.0.0.1',
      BOUNCE_MAX_BYTES: '65536',
      SUPPRESS_SOFT_BOUNCES: '2',
      INTERNAL_EMAIL_DOMAINS: 'operateur.example',
      // Inside the SMS hours, whenever the suite runs: an SMS sent "now" goes now.
      CLOCK_OFFSET_MS: String(smsHoursOffsetMs()),
    });
    port = p.workers!.bounceListener!.port;
    await milestoneMailsByHand(p, FIXTURE.agency);
    const put = await p.request(p.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${FIXTURE.orderNumber}`,
      payload: FIXTURE,
    });
    expect(put.statusCode, put.body).toBe(201);
    for (const order of [SMALL, PAIR]) {
      await milestoneMailsByHand(p, order.agency);
      const response = await p.request(p.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${order.orderNumber}`,
        payload: order,
      });
      expect(response.statusCode, response.body).toBe(201);
    }
  });
  afterAll(async () => p?.close());

  it('sends every mail with its own signed return path on the bounce domain', async () => {
    const { id, envelope } = await sendTo('ct-1');
    expect(envelope.from).toMatch(new RegExp(`^bounces\\+${id}\\.[a-z2-7]{10}@operateur\\.example$`));
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

    // The address is suppressed for a year, and the next message to it is refused, naming the
    // contact (the caller did not give the address) and why.
    const suppression = await suppressionOf(recipient);
    expect(suppression).toMatchObject({ reason: 'hard_bounce', detail: remote, active: true });
    const refused = await create(contactId);
    expect(refused.statusCode, refused.body).toBe(422);
    const error = refused.json().error;
    expect(error.code).toBe('recipient_suppressed');
    expect(error.message).toContain(`body.recipients.to.0: contact "${contactId}" is suppressed since`);
    expect(error.message).toContain(remote);
    expect(error.message).not.toContain(recipient);
    expect(error.details[0]).toMatchObject({ suppressionId: suppression.id, reason: 'hard_bounce' });
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
    // One temporary failure suppresses nothing; the second within the window does.
    expect(await noSuppressionOf(contact('ct-5').email!)).toBe(true);
    const second = await sendTo('ct-5');
    const again = bounceFrom('postfix-mailbox-full', {
      returnPath: second.envelope.from,
      recipient: contact('ct-5').email!,
      messageId: second.id,
    });
    expect(await returnMail(port, second.envelope.from, again)).toMatch(/^250/);
    expect(await suppressionOf(contact('ct-5').email!)).toMatchObject({ reason: 'soft_bounces', active: true });
    expect(await status(second.id)).toBe('sent');
  });

  it('suppresses an address whose owner complained, until lifted', async () => {
    const { id, envelope } = await sendTo('ct-2', SMALL);
    const recipient = SMALL.contacts.find((c) => c.id === 'ct-2')!.email!;
    const raw = bounceFrom('arf-abuse', { returnPath: envelope.from, recipient, messageId: id });
    // Feedback loops report to the registered address itself, untagged: the report quotes the signed return path.
    expect(await returnMail(port, 'bounces@operateur.example', raw)).toMatch(/^250/);
    const suppression = await suppressionOf(recipient);
    expect(suppression).toMatchObject({ reason: 'complaint', expiresAt: null, active: true });
    expect(await status(id)).toBe('sent');
    const events = (await p.events(SMALL.orderNumber)).map((e) => e.type);
    expect(events).toContain('message.complained');
    expect(events).toContain('suppression.added');
    expect((await create('ct-2', SMALL)).statusCode).toBe(422);
  });

  it('holds an automatic mail to a suppressed address, and lets it go once the suppression is lifted', async () => {
    const main = PAIR.contacts.find((c) => c.id === 'ct-1')!.email!;
    const { id, envelope } = await sendTo('ct-1', PAIR);
    const dsn = bounceFrom('postfix-user-unknown', { returnPath: envelope.from, recipient: main, messageId: id });
    expect(await returnMail(port, envelope.from, dsn)).toMatch(/^250/);
    const suppression = await suppressionOf(main);

    // The kick-off recap goes by itself when the RLE took place: to every contact, the suppressed one too.
    await p.deps.settings.put(PAIR.agency, {
      ...DEFAULT_SETTINGS,
      automation: { ...DEFAULT_SETTINGS.automation, accuseReception: 'off', rleRecap: 'send', cloture: 'off' },
    });
    const today = new Date().toISOString().slice(0, 10);
    const patched = await p.request(p.adminKey, {
      method: 'PATCH',
      url: `/v1/projects/${PAIR.orderNumber}/milestones`,
      payload: { rle: { actual: today } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    await p.settle();
    const [recap] = await rows<{ id: string; status: string; hold: { suppressionId: string; send: boolean } | null }>(
      sql`select id, status, hold from messages where project_ref = ${PAIR.orderNumber} and template_key = 'rle-recap'`,
    );
    expect(recap).toMatchObject({ status: 'draft', hold: { suppressionId: suppression.id, send: true } });
    const view = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${recap!.id}` })).json();
    expect(view.warnings.join(' ')).toContain('held: contact "ct-1" is suppressed (hard_bounce)');
    // Sending it by hand is refused while the suppression stands.
    expect((await p.request(p.adminKey, { method: 'POST', url: `/v1/messages/${recap!.id}/send` })).statusCode).toBe(
      422,
    );

    const manager = await p.key({ name: 'manager', role: 'manager', agency: PAIR.agency });
    const lifted = await p.request(manager, {
      method: 'DELETE',
      url: `/v1/suppressions/${suppression.id}?reason=${encodeURIComponent('adresse corrigée par le client')}`,
    });
    expect(lifted.statusCode, lifted.body).toBe(200);
    expect(lifted.json()).toMatchObject({ active: false, liftedBy: 'manager' });
    expect((await p.request(manager, { method: 'DELETE', url: `/v1/suppressions/${suppression.id}` })).statusCode).toBe(
      409,
    );
    await p.waitForStatus(recap!.id, ['sent']);
    const events = (await p.events(PAIR.orderNumber)).filter(
      (e) => e.type === 'suppression.lifted' || e.data.messageId === recap!.id,
    );
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'message.held',
        'suppression.lifted',
        'message.released',
        'message.scheduled',
        'message.sent',
      ]),
    );
    const [liftedEvent] = await rows<{ actor: string; data: Record<string, unknown> }>(
      sql`select actor, data from history_events where type = 'suppression.lifted' and project_ref = ${PAIR.orderNumber}`,
    );
    expect(liftedEvent).toMatchObject({ actor: 'manager', data: { why: 'adresse corrigée par le client' } });
    expect((await create('ct-1', PAIR)).statusCode).toBe(201);
  });

  it('suppresses a number Twilio reports unsubscribed (21610)', async () => {
    const sms = () =>
      p.request(p.adminKey, {
        method: 'POST',
        url: '/v1/messages',
        payload: {
          projectRef: SMALL.orderNumber,
          template: 'rappel-intervention',
          data: { kind: 'access', windowStart: '2026-12-15T08:00:00+01:00', windowEnd: '2026-12-15T12:00:00+01:00' },
        },
      });
    p.twilio.failNext({ status: 400, code: 21610 });
    const first = await sms();
    expect(first.statusCode, first.body).toBe(201);
    await p.waitForStatus(first.json().id, ['failed']);
    const suppression = await suppressionOf('+33639930123');
    expect(suppression).toMatchObject({ reason: 'sms_unsubscribed', detail: 'Twilio 21610', active: true });
    const refused = await sms();
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json().error.message).toContain('contact "ct-1" is suppressed since');
    expect(refused.json().error.message).not.toContain('+33639930123');
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
    // The three reports of the main test, and the one of the held recap's test.
    expect(metrics).toMatch(/jalon_bounces_total\{kind="hard",source="smtp"\} 4/);
    expect(metrics).toMatch(/jalon_bounces_total\{kind="soft",source="smtp"\} 2/);
    expect(metrics).toMatch(/jalon_bounces_total\{kind="complaint",source="smtp"\} 1/);
    expect(metrics).toMatch(/jalon_suppressions_total\{reason="hard_bounce"\} 4/);
    expect(metrics).toMatch(/jalon_suppressions_total\{reason="sms_unsubscribed"\} 1/);
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
  it('refuses a tag without its signature, and believes no unsigned id a report quotes', async () => {
    const { id, envelope } = await sendTo('ct-2', PAIR);
    const recipient = PAIR.contacts.find((c) => c.id === 'ct-2')!.email!;
    const signature = envelope.from.slice(envelope.from.indexOf('.') + 1, envelope.from.indexOf('@'));
    const wrong = signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    const before = await reports();
    for (const forged of [`bounces+${id}@operateur.example`, `bounces+${id}.${wrong}@operateur.example`]) {
      const raw = bounceFrom('postfix-user-unknown', { returnPath: forged, recipient, messageId: id });
      await expect(returnMail(port, forged, raw), forged).rejects.toMatchObject({ responseCode: 550 });
    }
    expect(await reports()).toBe(before);
    // To the bare address, quoting the message's id in every header but the signed return path:
    // kept as unknown, with no effect.
    const quoted = bounceFrom('gmail-no-such-user', {
      returnPath: `bounces+${id}@operateur.example`,
      recipient,
      messageId: id,
    });
    expect(await returnMail(port, 'bounces@operateur.example', quoted)).toMatch(/^250/);
    const [kept] = await rows<{ kind: string; message_id: string | null }>(
      sql`select kind, message_id from bounce_reports order by id desc limit 1`,
    );
    expect(kept).toEqual({ kind: 'unknown', message_id: null });
    expect(await status(id)).toBe('sent');
    expect(await noSuppressionOf(recipient)).toBe(true);
    const metrics = (await p.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/jalon_bounces_refused_total\{reason="signature"\} 2/);

    // The genuine report, signed, works; the same mail again has no second effect.
    const genuine = bounceFrom('postfix-mailbox-full', { returnPath: envelope.from, recipient, messageId: id });
    expect(await returnMail(port, envelope.from, genuine)).toMatch(/^250/);
    expect(await returnMail(port, envelope.from, genuine)).toMatch(/^250/);
    const soft = (await p.events(PAIR.orderNumber)).filter(
      (e) => e.data.messageId === id && e.type === 'message.soft_bounced',
    );
    expect(soft).toHaveLength(1);
    expect(await reports()).toBe(before + 2);
  });

  describe('who is suppressed, read with the order and with the claim', () => {
    // Order tools write addresses with capitals; suppressions are kept lower-cased.
    const CAPS = {
      ...SMALL,
      orderNumber: 'CMD-2026-000191',
      trackingNumber: 'SUIVI-000191',
      contacts: [
        { id: 'ct-1', lastName: 'Lambert', email: 'L.Lambert@Fournil-Caps.example', role: 'main' as const },
        { id: 'ct-2', lastName: 'Garnier', email: 'A.Garnier@Fournil-Caps.example', role: 'site' as const },
        { id: 'ct-3', lastName: 'Martin', email: 'C.Martin@Fournil-Caps.example', role: 'site' as const },
      ],
    };
    const address = (id: string) => CAPS.contacts.find((c) => c.id === id)!.email;
    const suppress = (email: string) =>
      addSuppression(
        p.deps.db,
        {
          channel: 'email',
          address: email,
          reason: 'complaint',
          messageId: 'set-up',
          projectRef: CAPS.orderNumber,
          agency: CAPS.agency,
          expiresAt: null,
        },
        p.deps.now(),
      );
    const post = (payload: Record<string, unknown>) =>
      p.request(p.adminKey, {
        method: 'POST',
        url: '/v1/messages',
        payload: { projectRef: CAPS.orderNumber, template: 'accuse-reception', ...payload },
      });

    beforeAll(async () => {
      const put = await p.request(p.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${CAPS.orderNumber}`,
        payload: CAPS,
      });
      expect(put.statusCode, put.body).toBe(201);
    });

    it('refuses a mail to a contact whose address the order writes with capitals, and to a suppressed address given by hand', async () => {
      await suppress(address('ct-1'));
      const refused = await post({ recipients: { to: [{ contactId: 'ct-1' }] } });
      expect(refused.statusCode, refused.body).toBe(422);
      expect(refused.json().error.message).toContain('body.recipients.to.0: contact "ct-1" is suppressed since');

      // An address that is no contact of the order (a colleague's) is looked up on its own.
      await suppress('direction.ouest@operateur.example');
      const byHand = await post({
        recipients: { to: [{ contactId: 'ct-2' }], cc: [{ email: 'Direction.Ouest@operateur.example' }] },
      });
      expect(byHand.statusCode, byHand.body).toBe(422);
      expect(byHand.json().error.details[0].path).toBe('body.recipients.cc.0');
      expect((await post({ recipients: { to: [{ contactId: 'ct-2' }] } })).statusCode).toBe(201);
    });

    it('fails a scheduled mail whose recipient was suppressed since, and leaves a suppressed copy recipient out', async () => {
      const sendAt = new Date(p.deps.now().getTime() + 4_000).toISOString();
      const withCopy = await post({ recipients: { to: [{ contactId: 'ct-2' }], cc: [{ contactId: 'ct-3' }] }, sendAt });
      const toCopy = await post({ recipients: { to: [{ contactId: 'ct-3' }] }, sendAt });
      expect(withCopy.statusCode, withCopy.body).toBe(201);
      expect(toCopy.statusCode, toCopy.body).toBe(201);
      await suppress(address('ct-3'));

      await p.waitForStatus(toCopy.json().id, ['failed'], 20_000);
      const failed = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${toCopy.json().id}` })).json();
      expect(failed.lastError).toBe('recipient suppressed (complaint) before sending');

      await p.waitForStatus(withCopy.json().id, ['sent'], 20_000);
      const received = p.smtp.received.find((r) => r.mail.headers.get('x-jalon-message-id') === withCopy.json().id);
      const recipients = received!.envelope.to.map((to: string) => to.toLowerCase());
      expect(recipients).toContain(address('ct-2').toLowerCase());
      expect(recipients).not.toContain(address('ct-3').toLowerCase());
      expect(p.smtp.received.some((r) => r.mail.headers.get('x-jalon-message-id') === toCopy.json().id)).toBe(false);
    });
  });
});
