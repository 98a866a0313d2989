// The only place tests read the environment: where the test services are.
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Databases made by test files are named `<the run's database>_t_…`. */
export const TEST_DATABASE_PREFIX = `${new URL(TEST_DATABASE_URL).pathname.slice(1) || 'postgres'}_t_`;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// CI installs every system tool the suite uses; locally a missing one is skipped with a note.
export const IN_CI = Boolean(process.env.CI);

/**
 * Settings every service started by the tests gets. A 2-core machine running the suite next to
 * other work sees event-loop stalls of seconds, which the
 * production limit of 1 s would answer with 503s to the suite's own requests.
 */
export const TEST_SERVICE_ENV: Record<string, string> = {
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '30000',
};
