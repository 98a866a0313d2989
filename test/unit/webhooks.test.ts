import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { CommittedEvent } from '../../src/history/followups.js';
import { errorKind } from '../../src/metrics/followup.js';
import { EVENT_TYPES, SOURCE_EVENTS, subscribes, toWebhookEvent } from '../../src/webhooks/events.js';
import { assertPublicLiteral, guardedLookup, isPrivateAddress, RefusedTarget } from '../../src/webhooks/guard.js';
import { webhookBackoff } from '../../src/webhooks/queue.js';
import { newSecret, sign } from '../../src/webhooks/sender.js';

const event = (type: string, data: Record<string, unknown> = {}): CommittedEvent => ({
  id: 1,
  projectRef: 'CMD-1',
  type,
  actor: 'integration AERM',
  data,
  at: new Date('2026-03-02T09:00:00Z'),
});

describe('Standard Webhooks signatures', () => {
  it('match the specification’s test vector', () => {
    // From the Standard Webhooks specification's reference libraries.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', '{"test": 2432232314}', new Date(1614265330 * 1000));
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('verify with the library, for a fresh secret in the whsec_ form', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'message.sent', data: { messageId: 'm' } });
    const headers = sign(secret, 'msg_1', body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
    expect(() => new Webhook(newSecret()).verify(body, { ...headers })).toThrow();
  });
});

describe('event catalogue', () => {
  it('maps every followed history event to a public type, and nothing else', () => {
    for (const type of SOURCE_EVENTS) expect(EVENT_TYPES).toContain(toWebhookEvent(event(type))?.type);
    for (const type of ['message.edited', 'message.sending', 'message.attempt_failed', 'contact.erased']) {
      expect(toWebhookEvent(event(type))).toBeUndefined();
    }
    expect(toWebhookEvent(event('message.undelivered'))?.type).toBe('message.failed');
    expect(toWebhookEvent(event('milestones.updated'))?.type).toBe('project.milestones_updated');
  });

  it('carries ids and statuses only, whatever the history event holds', () => {
    const outbound = toWebhookEvent(
      event('message.failed', {
        messageId: 'm-1',
        template: 'cloture',
        channel: 'email',
        status: 'failed',
        error: 'SMTP 550: <l.lambert@fournil.example> unknown',
        onBehalfOf: 'rac-roux',
        attempt: 3,
      }),
    );
    expect(outbound).toEqual({
      type: 'message.failed',
      timestamp: '2026-03-02T09:00:00.000Z',
      data: { projectRef: 'CMD-1', messageId: 'm-1', template: 'cloture', channel: 'email', status: 'failed' },
    });
    expect(toWebhookEvent(event('intervention.cancelled', { interventionId: 'v-1', siteRef: 'S1' }))?.data).toEqual({
      projectRef: 'CMD-1',
      interventionId: 'v-1',
      siteRef: 'S1',
      status: 'cancelled',
    });
  });

  it('announces a survey answer with the contact and the rating, never the comment or the name', () => {
    const outbound = toWebhookEvent(
      event('survey.answered', {
        contactId: 'ct-1',
        contactName: 'Jean Durand',
        messageId: 'm-9',
        rating: 2,
        comment: 'Appelez-moi au 06 12 34 56 78',
      }),
    );
    expect(outbound?.data).toEqual({ projectRef: 'CMD-1', contactId: 'ct-1', messageId: 'm-9', rating: 2 });
    expect(toWebhookEvent(event('survey.opened'))).toBeUndefined();
  });

  it('matches subscriptions by type, family and *', () => {
    expect(subscribes(['message.*'], 'message.sent')).toBe(true);
    expect(subscribes(['message.*'], 'project.created')).toBe(false);
    expect(subscribes(['project.deadline_missed'], 'project.deadline_missed')).toBe(true);
    expect(subscribes(['project.created'], 'project.updated')).toBe(false);
    expect(subscribes(['*'], 'intervention.moved')).toBe(true);
  });
});

describe('private targets', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('%s is refused', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.215.14', '172.32.0.1', '8.8.8.8', '2a00:1450:4007:80c::200e', '::ffff:93.184.215.14'])(
    '%s is public',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  it('refuses literal and local names before connecting, and a name that resolves to loopback at lookup', async () => {
    expect(() => assertPublicLiteral(new URL('http://[::1]:8080/'))).toThrow(RefusedTarget);
    expect(() => assertPublicLiteral(new URL('http://localhost/'))).toThrow(RefusedTarget);
    expect(() => assertPublicLiteral(new URL('http://api.localhost/'))).toThrow(RefusedTarget);
    expect(() => assertPublicLiteral(new URL('https://93.184.215.14/'))).not.toThrow();
    // The lookup the HTTP request connects through: "localhost" resolves to loopback, so it is refused.
    const error = await new Promise<Error | null>((resolve) => guardedLookup('localhost', {}, (err) => resolve(err)));
    expect(error).toBeInstanceOf(RefusedTarget);
  });
});

describe('retry schedule', () => {
  it('doubles from the base, at most an hour, and covers a day in a few dozen attempts', () => {
    expect([1, 2, 3, 4].map((n) => webhookBackoff(n, 10_000))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(webhookBackoff(40, 10_000)).toBe(3_600_000);
    let total = 0;
    let attempts = 0;
    while (total < 86_400_000) total += webhookBackoff(++attempts, 10_000);
    expect(attempts).toBeLessThan(40);
  });
});

describe('provider error kinds', () => {
  it.each([
    ['SMTP 550: mailbox unavailable', false, 'rejected'],
    ['SMTP 451: try again later', false, 'deferred'],
    ['SMTP ETIMEDOUT: Connection timeout', false, 'timeout'],
    ['SMTP ECONNECTION: connect ECONNREFUSED 127.0.0.1:25', false, 'connection'],
    ['The number is not a valid mobile number', true, 'rejected'],
    ['Too many requests', false, 'other'],
  ])('%s → %s', (reason, permanent, kind) => {
    expect(errorKind(reason, permanent)).toBe(kind);
  });
});
