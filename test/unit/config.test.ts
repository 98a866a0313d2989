import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, laptopSettings, listenUrl, loadConfig } from '../../src/config.js';

const TEMPLATES = fileURLToPath(new URL('../../templates', import.meta.url));

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TWILIO = {
  SMS_TRANSPORT: 'twilio',
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: 'secret-token',
  TWILIO_FROM: 'Jalon',
};

/** Runs loadConfig and returns the ConfigError it throws. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: './data',
      REDIS_URL: 'redis://127.0.0.1:6379',
      EMAIL_TRANSPORT: 'outbox',
      OUTBOX_DIR: './outbox',
      SMS_TRANSPORT: 'outbox',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
      EMAIL_FROM: 'Orion Télécom <projets@orion-telecom.example>',
      TEMPLATES_DIR: TEMPLATES,
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 2 * 1024 * 1024,
      RATE_LIMIT_PER_MINUTE: 600,
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 1_000,
      OVERLOAD_MAX_EVENT_LOOP_UTILIZATION: 0,
      OVERLOAD_MAX_HEAP_USED_BYTES: 0,
      OVERLOAD_MAX_RSS_BYTES: 0,
      TEMPLATES_WATCH: false,
      embedded: true,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.SMTP_URL).toBeUndefined();
  });

  it('is embedded without DATABASE_URL and not embedded with one', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/x' })).toMatchObject({ embedded: true, DATA_DIR: '/tmp/x' });
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/jalon' });
    expect(config.embedded).toBe(false);
    expect(config.DATABASE_URL).toBe('postgres://u@db:5432/jalon');
  });

  it('parses numbers, booleans and a complete SMTP + Twilio setup', () => {
    const config = loadConfig({
      PORT: '8080',
      TEMPLATES_WATCH: 'yes',
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: 'smtp://127.0.0.1:1025',
      ...TWILIO,
    });
    expect(config).toMatchObject({
      PORT: 8080,
      TEMPLATES_WATCH: true,
      EMAIL_TRANSPORT: 'smtp',
      SMS_TRANSPORT: 'twilio',
      TWILIO_FROM: 'Jalon',
    });
  });

  it('reads nothing but the environment it is given', () => {
    vi.stubEnv('PORT', '1234');
    vi.stubEnv('EMAIL_TRANSPORT', 'fax');
    try {
      expect(loadConfig({}).PORT).toBe(3000);
      // Without an argument, it is process.env that is read.
      expect(() => loadConfig()).toThrow(/EMAIL_TRANSPORT/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it.each([
    ['PORT', ''],
    ['DATABASE_URL', ''],
    ['REDIS_URL', ''],
    ['EMAIL_TRANSPORT', ''],
    ['LOG_LEVEL', ''],
  ])('treats an empty %s as unset', (name, value) => {
    expect(loadConfig({ [name]: value })).toEqual(loadConfig({}));
  });

  it('treats an empty SMTP_URL as missing when SMTP is chosen', () => {
    expect(configError({ EMAIL_TRANSPORT: 'smtp', SMTP_URL: '' }).message).toMatch(/SMTP_URL/);
  });

  it.each<[string, Record<string, string>, string]>([
    ['PORT is not a number', { PORT: 'abc' }, 'PORT'],
    ['PORT is out of range', { PORT: '70000' }, 'PORT'],
    ['PORT is not whole', { PORT: '80.5' }, 'PORT'],
    ['EMAIL_TRANSPORT is unknown', { EMAIL_TRANSPORT: 'fax' }, 'EMAIL_TRANSPORT'],
    ['SMTP is chosen without SMTP_URL', { EMAIL_TRANSPORT: 'smtp' }, 'SMTP_URL'],
    ['SMTP_URL is not smtp', { EMAIL_TRANSPORT: 'smtp', SMTP_URL: 'http://mail:25' }, 'SMTP_URL'],
    ['SMS_TRANSPORT=twilio without credentials', { SMS_TRANSPORT: 'twilio' }, 'TWILIO_ACCOUNT_SID'],
    ['SMS_TRANSPORT=twilio without a token', { ...TWILIO, TWILIO_AUTH_TOKEN: '' }, 'TWILIO_AUTH_TOKEN'],
    ['SMS_TRANSPORT=twilio without a sender', { ...TWILIO, TWILIO_FROM: '' }, 'TWILIO_FROM'],
    ['TWILIO_FROM is longer than 11 characters', { ...TWILIO, TWILIO_FROM: 'JalonTelecom' }, 'TWILIO_FROM'],
    ['TWILIO_FROM is a phone number', { ...TWILIO, TWILIO_FROM: '0639981234' }, 'TWILIO_FROM'],
    ['TWILIO_ACCOUNT_SID is malformed', { ...TWILIO, TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID'],
    ['REDIS_URL is http', { REDIS_URL: 'http://x' }, 'REDIS_URL'],
    ['DATABASE_URL is not PostgreSQL', { DATABASE_URL: 'mysql://db/jalon' }, 'DATABASE_URL'],
    ['PUBLIC_BASE_URL is not a URL', { PUBLIC_BASE_URL: 'jalon.example' }, 'PUBLIC_BASE_URL'],
    ['LOG_LEVEL is unknown', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    ['TEMPLATES_WATCH is not a boolean', { TEMPLATES_WATCH: 'maybe' }, 'TEMPLATES_WATCH'],
    ['BODY_LIMIT_BYTES is too small', { BODY_LIMIT_BYTES: '10' }, 'BODY_LIMIT_BYTES'],
    ['QUEUE_PREFIX has a space', { QUEUE_PREFIX: 'my queue' }, 'QUEUE_PREFIX'],
    ['BOOTSTRAP_ADMIN_KEY is malformed', { BOOTSTRAP_ADMIN_KEY: 'jln_short' }, 'BOOTSTRAP_ADMIN_KEY'],
    ['an overload limit is negative', { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '-1' }, 'OVERLOAD_MAX_EVENT_LOOP_DELAY_MS'],
    [
      'the utilization limit is above 1',
      { OVERLOAD_MAX_EVENT_LOOP_UTILIZATION: '1.5' },
      'OVERLOAD_MAX_EVENT_LOOP_UTILIZATION',
    ],
  ])('throws one line naming the variable when %s', (_why, env, variable) => {
    const error = configError(env);
    expect(error.name).toBe('ConfigError');
    expect(error.message).not.toMatch(/\n/);
    expect(error.message).toMatch(new RegExp(`^Invalid configuration: ${variable}: \\S`));
  });

  it('shows the bad value of an ordinary variable', () => {
    expect(configError({ PORT: '70000' }).message).toBe(
      'Invalid configuration: PORT: expected at most 65535 (got "70000")',
    );
    expect(configError({ EMAIL_TRANSPORT: 'fax' }).message).toContain('(got "fax")');
  });

  it('never echoes a value that may hold a secret (URLs, tokens, keys)', () => {
    const url = 'http://user:p4ssw0rd@redis.internal:6379';
    expect(configError({ REDIS_URL: url }).message).not.toContain('p4ssw0rd');
    const key = 'jln_ABCDEFGH_tooshort';
    expect(configError({ BOOTSTRAP_ADMIN_KEY: key }).message).not.toContain(key);
    const dbUrl = 'mysql://root:hunter2@db/jalon';
    expect(configError({ DATABASE_URL: dbUrl }).message).not.toContain('hunter2');
  });
});

/** A copy of the shipped templates whose brand file says `sender`; removed after `use`. */
function withBrandSender(sender: unknown, use: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'jalon-brand-'));
  try {
    cpSync(join(TEMPLATES, 'brand.json'), join(dir, 'brand.json'));
    const brand = JSON.parse(readFileSync(join(dir, 'brand.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'brand.json'), JSON.stringify({ ...brand, sender }));
    use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('defaults derived from other settings', () => {
  it('sends from the sender of the brand file of TEMPLATES_DIR when EMAIL_FROM is unset', () => {
    withBrandSender({ name: 'Autre Marque', address: 'projets@autre-marque.example' }, (dir) => {
      expect(loadConfig({ TEMPLATES_DIR: dir }).EMAIL_FROM).toBe('Autre Marque <projets@autre-marque.example>');
      expect(loadConfig({ TEMPLATES_DIR: dir, EMAIL_FROM: 'Jalon <jalon@operateur.example>' }).EMAIL_FROM).toBe(
        'Jalon <jalon@operateur.example>',
      );
    });
  });

  it('refuses to start without EMAIL_FROM when the brand gives no usable sender', () => {
    withBrandSender({ name: 'Autre Marque' }, (dir) => {
      expect(configError({ TEMPLATES_DIR: dir }).message).toMatch(
        /^Invalid configuration: EMAIL_FROM: unset, and .*brand\.json/,
      );
      // An explicit address needs nothing from the brand file.
      expect(loadConfig({ TEMPLATES_DIR: dir, EMAIL_FROM: 'projets@operateur.example' }).EMAIL_FROM).toBe(
        'projets@operateur.example',
      );
    });
    withBrandSender({ name: 'Autre Marque', address: 'no-reply@autre-marque.example' }, (dir) => {
      expect(configError({ TEMPLATES_DIR: dir }).message).toMatch(/^Invalid configuration: EMAIL_FROM: .*no-reply/);
    });
    expect(configError({ TEMPLATES_DIR: join(tmpdir(), 'no-such-templates') }).message).toMatch(/EMAIL_FROM/);
  });

  it('refuses a no-reply EMAIL_FROM', () => {
    expect(configError({ EMAIL_FROM: 'Orion <ne-pas-repondre@orion.example>' }).message).toMatch(
      /^Invalid configuration: EMAIL_FROM: a monitored address/,
    );
  });

  it.each([
    [{}, 'http://127.0.0.1:3000'],
    [{ PORT: '8080' }, 'http://127.0.0.1:8080'],
    [{ HOST: '0.0.0.0', PORT: '3000' }, 'http://localhost:3000'],
    [{ HOST: '::' }, 'http://localhost:3000'],
    [{ HOST: '::1', PORT: '4000' }, 'http://[::1]:4000'],
    [{ HOST: 'jalon.lan', PORT: '80' }, 'http://jalon.lan:80'],
  ])('links to the address it listens on when PUBLIC_BASE_URL is unset: %j → %s', (env, expected) => {
    const config = loadConfig(env);
    expect(config.PUBLIC_BASE_URL).toBe(expected);
    expect(new URL(config.PUBLIC_BASE_URL).origin).toBe(expected.replace(/:80$/, ''));
  });

  it('keeps an explicit PUBLIC_BASE_URL whatever HOST and PORT say', () => {
    const env = { HOST: '0.0.0.0', PORT: '8080', PUBLIC_BASE_URL: 'https://jalon.operateur.example' };
    expect(loadConfig(env).PUBLIC_BASE_URL).toBe('https://jalon.operateur.example');
  });

  it('has no port to put in the default link when any free port is asked for', () => {
    expect(listenUrl('127.0.0.1', 0)).toBe('http://127.0.0.1');
  });
});

describe('settings that only suit one machine', () => {
  const SMTP = { EMAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://relay.operateur.fr:25' };

  it('names none while mail stays in the outbox', () => {
    expect(laptopSettings(loadConfig({}))).toEqual([]);
  });

  it('names the sample sender and the local links once mail goes out through SMTP', () => {
    expect(laptopSettings(loadConfig(SMTP))).toEqual(['EMAIL_FROM', 'PUBLIC_BASE_URL']);
    expect(laptopSettings(loadConfig({ ...SMTP, HOST: '0.0.0.0' }))).toEqual(['EMAIL_FROM', 'PUBLIC_BASE_URL']);
    expect(laptopSettings(loadConfig({ ...SMTP, EMAIL_FROM: 'Projets <projets@operateur.fr>' }))).toEqual([
      'PUBLIC_BASE_URL',
    ]);
    expect(laptopSettings(loadConfig({ ...SMTP, PUBLIC_BASE_URL: 'https://jalon.operateur.fr' }))).toEqual([
      'EMAIL_FROM',
    ]);
  });

  it('names none once both are set for real', () => {
    const env = { ...SMTP, EMAIL_FROM: 'projets@operateur.fr', PUBLIC_BASE_URL: 'https://jalon.operateur.fr' };
    expect(laptopSettings(loadConfig(env))).toEqual([]);
  });
});
