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
    expect(loadConfig({ BOUNCE_SMTP_PORT: '2525', BOUNCE_ADDRESS: 'bounces@operateur.example' }).BOUNCE_SMTP_PORT).toBe(
      2525,
    );
  });

  it('refuses a bounce address that cannot carry a tag', () => {
    expect(() => loadConfig({ BOUNCE_ADDRESS: 'bounces+x@operateur.example' })).toThrow(/BOUNCE_ADDRESS/);
    expect(() => loadConfig({ BOUNCE_ADDRESS: 'Bounces <bounces@operateur.example>' })).toThrow(/BOUNCE_ADDRESS/);
  });
});
