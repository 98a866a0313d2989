import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DrizzleQueryError } from 'drizzle-orm';
import { AppError } from '../../src/errors.js';
import { createLogger, scrub } from '../../src/logger.js';

const EMAIL = 'l.lambert@fournil.example';
const MOBILE_E164 = '+33639930123';
const MOBILE_FR = '06 39 93 01 23';
const KEY = `jln_ABCDEFGH_${'k'.repeat(40)}`;

/** A logger writing to memory; `lines()` returns the parsed records and `text()` the raw output. */
function memoryLogger(level = 'info') {
  const chunks: string[] = [];
  const logger = createLogger(level, { write: (chunk: string) => void chunks.push(chunk) });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('scrub', () => {
  it.each([
    [`écrire à ${EMAIL} demain`, 'écrire à [email] demain'],
    [`appeler le ${MOBILE_FR}`, 'appeler le [phone]'],
    ['appeler le 06.39.93.01.23', 'appeler le [phone]'],
    ['appeler le 0639930123', 'appeler le [phone]'],
    [`SMS to ${MOBILE_E164} queued`, 'SMS to [phone] queued'],
    ['call +44 7911 123456 now', 'call [phone] now'],
    ['call 0033 6 39 93 01 23', 'call [phone]'],
    [`Authorization: Bearer ${KEY}`, 'Authorization: Bearer [key]'],
    [`key ${KEY.slice(0, 20)}`, 'key [key]'],
  ])('%j → %j', (input, output) => {
    expect(scrub(input)).toBe(output);
  });

  it.each(['CMD-2026-000101', 'order received 2026-03-02', 'site SU1010001 in 13001 Marseille', 'version 12'])(
    'leaves %j alone',
    (input) => {
      expect(scrub(input)).toBe(input);
    },
  );
});

describe('createLogger', () => {
  it('redacts known personal fields of logged objects, at the top and one level down', () => {
    const { logger, text, lines } = memoryLogger();
    logger.info({ contact: { email: EMAIL, mobile: MOBILE_E164, phone: MOBILE_E164 }, to: EMAIL }, 'contact');
    expect(lines()[0]).toMatchObject({
      msg: 'contact',
      contact: { email: '[redacted]', mobile: '[redacted]', phone: '[redacted]' },
      to: '[redacted]',
    });
    expect(text()).not.toContain(EMAIL);
    expect(text()).not.toContain(MOBILE_E164);
  });

  it('masks emails, phones and keys inside free text of objects, arrays and nested objects', () => {
    const { logger, text, lines } = memoryLogger();
    logger.info(
      {
        note: `rappeler Léa au ${MOBILE_FR} ou ${EMAIL}`,
        recipients: [EMAIL, { name: 'Léa', address: `Léa <${EMAIL}>` }],
        job: { data: { sender: KEY } },
      },
      'note',
    );
    const [line] = lines();
    expect(line).toMatchObject({
      note: 'rappeler Léa au [phone] ou [email]',
      recipients: ['[email]', { name: 'Léa', address: 'Léa <[email]>' }],
      job: { data: { sender: '[key]' } },
    });
    for (const secret of [EMAIL, MOBILE_FR, KEY]) expect(text()).not.toContain(secret);
  });

  it('masks emails, phones and keys in messages, including format arguments', () => {
    const { logger, text, lines } = memoryLogger();
    logger.info(`message for ${EMAIL} at ${MOBILE_FR}`);
    logger.warn('%s sent with %s', EMAIL, `Bearer ${KEY}`);
    expect(lines().map((line) => line.msg)).toEqual([
      'message for [email] at [phone]',
      '[email] sent with Bearer [key]',
    ]);
    for (const secret of [EMAIL, MOBILE_FR, KEY]) expect(text()).not.toContain(secret);
  });

  it('removes the Authorization header and fields named key', () => {
    const { logger, text, lines } = memoryLogger();
    logger.info({ headers: { authorization: `Bearer ${KEY}`, 'user-agent': 'curl' } }, 'headers');
    logger.info({ key: 'not even a jalon key' }, 'key');
    logger.info({ created: { key: KEY, prefix: KEY.slice(0, 12) } }, 'created');
    const [headers, key, created] = lines();
    expect(headers).toMatchObject({ headers: { authorization: '[redacted]', 'user-agent': 'curl' } });
    expect(key).toMatchObject({ key: '[redacted]' });
    expect(created).toMatchObject({ created: { key: '[redacted]', prefix: 'jln_ABCDEFGH' } });
    expect(text()).not.toContain(KEY);
    expect(text()).not.toContain('not even a jalon key');
  });

  it('logs a request-like object under req with its method and url only', () => {
    const { logger, text, lines } = memoryLogger();
    logger.info(
      {
        req: {
          method: 'PATCH',
          url: `/v1/projects/CMD-2026-000101/milestones?notify=${EMAIL}`,
          id: 'req-1',
          headers: { authorization: `Bearer ${KEY}`, cookie: 'session=secret-cookie' },
          body: { email: EMAIL },
        },
      },
      'incoming',
    );
    expect(lines()[0]?.req).toEqual({
      method: 'PATCH',
      url: '/v1/projects/CMD-2026-000101/milestones?notify=[email]',
      id: 'req-1',
    });
    for (const secret of [EMAIL, KEY, 'secret-cookie']) expect(text()).not.toContain(secret);
  });

  it('scrubs error messages and stacks', () => {
    const { logger, text, lines } = memoryLogger();
    logger.error({ err: new Error(`SMTP refused ${EMAIL} (${MOBILE_FR})`) }, 'send failed');
    const err = lines()[0]?.err as { message: string; stack: string; type: string };
    expect(err.type).toBe('Error');
    expect(err.message).toBe('SMTP refused [email] ([phone])');
    expect(err.stack).toContain('SMTP refused [email]');
    expect(text()).not.toContain(EMAIL);
  });

  // Known bug (see report): the err serializer scrubs only message and stack; other enumerable
  // properties of an error (drizzle's DrizzleQueryError.params holds every value of the failed
  // INSERT/UPDATE) reach the log as they are.
  it('scrubs the other properties of an error, such as the parameters of a failed query', () => {
    class QueryError extends Error {
      constructor(
        readonly query: string,
        readonly params: unknown[],
      ) {
        super(`Failed query: ${query}\nparams: ${params.join(',')}`);
      }
    }
    const { logger, text } = memoryLogger();
    logger.error({ err: new QueryError('insert into contacts values ($1, $2)', [EMAIL, MOBILE_E164]) }, 'failed');
    expect(text()).not.toContain(EMAIL);
    expect(text()).not.toContain(MOBILE_E164);
  });

  it("logs a failed database query without its text or parameters, keeping the cause's code and message", () => {
    const hash = 'a'.repeat(64);
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "contacts_pkey"'), {
      name: 'DatabaseError',
      code: '23505',
      severity: 'ERROR',
      detail: 'Key (last_name)=(Lambert) already exists.',
      where: 'SQL function "x" statement 1',
      constraint: 'contacts_pkey',
      // PGlite's errors carry the query and its parameters themselves.
      query: 'insert into "contacts" ("last_name") values ($1)',
      params: ['Lambert'],
    });
    const failed = new DrizzleQueryError(
      'insert into "contacts" ("last_name", "address", "hash") values ($1, $2, $3)',
      ['Lambert', '104 avenue Jean Jaurès', hash],
      cause,
    );
    // As the service sees it: wrapped by whatever caught it.
    const wrapped = new AppError('internal', 500, 'could not store the order', { cause: failed });
    const { logger, text, lines } = memoryLogger();
    logger.error({ err: failed }, 'direct');
    logger.error({ err: wrapped }, 'wrapped');
    for (const secret of ['Lambert', 'Jean Jaurès', hash, 'insert into', 'SQL function']) {
      expect(text()).not.toContain(secret);
    }
    const [direct, outer] = lines().map((line) => line.err as Record<string, unknown>);
    expect(direct).toMatchObject({
      type: 'DrizzleQueryError',
      message: expect.stringMatching(/^Failed query/),
      cause: { code: '23505', message: 'duplicate key value violates unique constraint "contacts_pkey"' },
    });
    expect(direct?.stack).toMatch(/^\s+at /);
    expect(outer).toMatchObject({ type: 'AppError', message: expect.stringContaining('could not store the order') });
    expect(JSON.stringify(outer)).toContain('23505');
  });

  it('masks what looks like a key hash (64 hex digits) anywhere', () => {
    const { logger, text } = memoryLogger();
    const hash = 'b3'.repeat(32);
    logger.info({ note: `stored ${hash}` }, `hash ${hash}`);
    logger.error({ err: new Error(`conflict on ${hash}`) }, 'failed');
    expect(text()).not.toContain(hash);
    expect(text()).toContain('[hash]');
  });

  it('respects the level', () => {
    const { logger, lines } = memoryLogger('warn');
    logger.info('hidden');
    logger.warn('shown');
    expect(lines().map((line) => line.msg)).toEqual(['shown']);
  });

  it('keeps personal data out of what Fastify logs for a real request', async () => {
    const { logger, text, lines } = memoryLogger();
    const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
    app.get('/v1/projects/:ref', async (request) => {
      request.log.info({ contact: { email: EMAIL } }, `looked up ${MOBILE_FR}`);
      return { ok: true };
    });
    try {
      const response = await app.inject({
        method: 'GET',
        url: `/v1/projects/CMD-1?email=${EMAIL}`,
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(response.statusCode).toBe(200);
    } finally {
      await app.close();
    }
    const incoming = lines().find((line) => line.msg === 'incoming request');
    expect(incoming?.req).toMatchObject({ method: 'GET', url: '/v1/projects/CMD-1?email=[email]' });
    expect(lines().find((line) => line.msg === 'looked up [phone]')).toMatchObject({
      contact: { email: '[redacted]' },
    });
    for (const secret of [EMAIL, MOBILE_FR, KEY]) expect(text()).not.toContain(secret);
  });
});
