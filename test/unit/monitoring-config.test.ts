import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('webhook and metrics settings', () => {
  it('default to a day of retries, disabling after three days, public targets only, open metrics', () => {
    expect(loadConfig({})).toMatchObject({
      WEBHOOK_ALLOW_PRIVATE: false,
      WEBHOOK_TIMEOUT_MS: 5_000,
      WEBHOOK_BACKOFF_MS: 10_000,
      WEBHOOK_RETRY_FOR_MS: 86_400_000,
      WEBHOOK_DISABLE_AFTER_MS: 259_200_000,
    });
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({}).WORKER_METRICS_PORT).toBeUndefined();
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true', WORKER_METRICS_PORT: '9464' })).toMatchObject({
      WEBHOOK_ALLOW_PRIVATE: true,
      WORKER_METRICS_PORT: 9464,
    });
  });

  it('refuses a short metrics token without repeating it', () => {
    let error: unknown;
    try {
      loadConfig({ METRICS_TOKEN: 'short-secret' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('Invalid configuration: METRICS_TOKEN: at least 16 characters');
  });

  it('names the variable of a bad webhook setting', () => {
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '10' })).toThrow(
      /^Invalid configuration: WEBHOOK_TIMEOUT_MS: expected at least 100/,
    );
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'maybe' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE: expected true or false/,
    );
  });
});
