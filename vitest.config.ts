import { defineConfig } from 'vitest/config';

// Four projects: `unit` needs no service at all; `integration` runs the application in the
// test process on real Redis, PostgreSQL, SMTP and Twilio client; `browser` drives chromium;
// `system` starts the service's own processes and breaks things under them. Run one with `--project <name>`.
const services = ['test/helpers/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: services },
      },
      {
        extends: true,
        // The screens and what a browser enforces (cookies, origins), in Debian's chromium.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // The console is built (when its sources changed) before any screen is opened.
          globalSetup: [...services, 'test/helpers/console-build.ts'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          globalSetup: services,
          testTimeout: 120_000,
          // Processes and faults take the machine to themselves, after the other projects.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
