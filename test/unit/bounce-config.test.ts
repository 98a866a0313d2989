import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('returned mail settings', () => {
  it('has no listener and no return path by default', () => {
    const config = loadConfig({});
    expect(config.BOUNCE_ADDRESS).toBeUndefined();
    expect(config.BOUNCE_SMTP_PORT).toBeUndefined();
    expect(config).toMatchObject({
      BOUNCE_MAX_BYTES: 524288,
      BOUNCE_SMTP_HOST: '0.0.0.0',
      SUPPRESS_HARD_BOUNCE_DAYS: 365,
      SUPPRESS_SOFT_BOUNCES: 5,
      SUPPRESS_SOFT_BOUNCE_DAYS: 14,
      SUPPRESS_SMS_UNDELIVERED: 3,
      SUPPRESS_SMS_UNDELIVERED_DAYS: 30,
    });
  });

  it('wants the bounce address with a listener', () => {
    expect(() => loadConfig({ BOUNCE_SMTP_PORT: '2525' })).toThrow(/BOUNCE_ADDRESS: required/);
    const secret = 'a-signing-secret-of-32-characters!';
    expect(
      loadConfig({
        BOUNCE_SMTP_PORT: '2525',
        BOUNCE_ADDRESS: 'bounces@operateur.example',
        BOUNCE_SIGNING_SECRET: secret,
      }).BOUNCE_SMTP_PORT,
    ).toBe(2525);
  });

  it('wants a signing secret of 32 characters or more with the bounce address, and never shows it', () => {
    expect(() => loadConfig({ BOUNCE_ADDRESS: 'bounces@operateur.example' })).toThrow(
      /BOUNCE_SIGNING_SECRET: required when BOUNCE_ADDRESS is set/,
    );
    const short = () => loadConfig({ BOUNCE_ADDRESS: 'bounces@operateur.example', BOUNCE_SIGNING_SECRET: 'too-short' });
    expect(short).toThrow(/BOUNCE_SIGNING_SECRET: at least 32 characters/);
    expect(short).not.toThrow(/too-short/);
  });

  it('refuses a bounce address that cannot carry a tag', () => {
    expect(() => loadConfig({ BOUNCE_ADDRESS: 'bounces+x@operateur.example' })).toThrow(/BOUNCE_ADDRESS/);
    expect(() => loadConfig({ BOUNCE_ADDRESS: 'Bounces <bounces@operateur.example>' })).toThrow(/BOUNCE_ADDRESS/);
  });

  it('reads the bounce mailbox settings, with a user and password in the URL and the bounce address', () => {
    const base = {
      BOUNCE_ADDRESS: 'bounces@operateur.example',
      BOUNCE_SIGNING_SECRET: 'a-signing-secret-of-32-characters!',
    };
    const config = loadConfig({ ...base, BOUNCE_IMAP_URL: 'imaps://retours:secret@imap.operateur.example/INBOX' });
    expect(config).toMatchObject({
      BOUNCE_IMAP_INTERVAL_MS: 60_000,
      BOUNCE_IMAP_DONE: 'move',
      BOUNCE_IMAP_DONE_FOLDER: 'Jalon/Traités',
      BOUNCE_IMAP_UNKNOWN_FOLDER: 'Jalon/Inconnus',
    });
    expect(() => loadConfig({ ...base, BOUNCE_IMAP_URL: 'imaps://imap.operateur.example/INBOX' })).toThrow(
      /BOUNCE_IMAP_URL: expected a user and a password/,
    );
    expect(() => loadConfig({ ...base, BOUNCE_IMAP_URL: 'https://retours:secret@imap.example/' })).toThrow(
      /BOUNCE_IMAP_URL/,
    );
    expect(() => loadConfig({ BOUNCE_IMAP_URL: 'imap://retours:secret@imap.example/INBOX' })).toThrow(
      /BOUNCE_ADDRESS: required when BOUNCE_IMAP_URL is set/,
    );
    expect(() => loadConfig({ ...base, BOUNCE_IMAP_DONE: 'keep' })).toThrow(
      /BOUNCE_IMAP_DONE: expected move or delete/,
    );
  });
});
