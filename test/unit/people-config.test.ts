import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const message = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('configuration of sign-in', () => {
  it('has defaults for sessions and limits, and no single sign-on', () => {
    expect(loadConfig({})).toMatchObject({
      AUTH_FAILURES_PER_MINUTE: 20,
      SIGN_IN_PER_ADDRESS_PER_HOUR: 30,
      SIGN_IN_PER_EMAIL_PER_HOUR: 5,
      SESSION_IDLE_MINUTES: 480,
      SESSION_MAX_HOURS: 168,
      TRUST_PROXY: false,
      OIDC_CREATE_USERS: false,
    });
    expect(loadConfig({}).OIDC_ISSUER).toBeUndefined();
  });

  it('wants the three OpenID settings together, and a role and agency to create people', () => {
    expect(message({ OIDC_ISSUER: 'https://sso.example' })).toMatch(
      /^Invalid configuration: OIDC_ISSUER: .*go together/,
    );
    const sso = { OIDC_ISSUER: 'https://sso.example', OIDC_CLIENT_ID: 'jalon', OIDC_CLIENT_SECRET: 's3cret-value' };
    expect(loadConfig(sso).OIDC_CLIENT_ID).toBe('jalon');
    expect(message({ ...sso, OIDC_CREATE_USERS: 'true' })).toMatch(/OIDC_DEFAULT_ROLE: required/);
    expect(message({ ...sso, OIDC_CREATE_USERS: 'true', OIDC_DEFAULT_ROLE: 'admin' })).toMatch(/OIDC_DEFAULT_ROLE/);
  });

  it('reads TRUST_PROXY as a switch or a list of proxy addresses', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toBe('10.0.0.0/8, 127.0.0.1');
    expect(message({ TRUST_PROXY: 'everyone' })).toMatch(/^Invalid configuration: TRUST_PROXY/);
  });
});
