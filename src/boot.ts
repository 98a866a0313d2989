import closeWithGrace from 'close-with-grace';
import { type Config, ConfigError, laptopSettings, loadConfig } from './config.js';
import { createDeps, type Deps } from './deps.js';
import { withTimeout } from './lib/timeout.js';

/**
 * What the entry points share: configuration that fails in one line, a Redis check that says
 * how to start one, the first admin key, and a shutdown that cannot hang.
 */

export function fail(message: string): never {
  process.stderr.write(`jalon: ${message}\n`);
  process.exit(1);
}

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

export function requireSharedDatabase(config: Config, what: string): void {
  if (config.embedded) {
    fail(
      `${what} needs DATABASE_URL: the embedded database admits one process only. ` +
        'Use `npm start` to run the API and the workers together, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
}

export async function depsOrExit(config: Config): Promise<Deps> {
  try {
    return await createDeps(config);
  } catch (error) {
    const message = (error as Error).message;
    if (/ECONNREFUSED|ENOTFOUND|password authentication|does not exist/.test(message) && config.DATABASE_URL) {
      const where = new URL(config.DATABASE_URL);
      fail(`cannot reach PostgreSQL at ${where.host}${where.pathname}: ${message}`);
    }
    fail(message);
  }
}

/** Mail going out for real with a sample sender or local links reaches clients broken: say so at start. */
export function warnLaptopSettings(deps: Deps): void {
  const found = laptopSettings(deps.config);
  if (found.length === 0) return;
  deps.logger.warn(
    { settings: found },
    `${found.join(' and ')} still suit only this machine (a sample sender domain, links clients cannot open): ` +
      'set them before mail reaches real clients',
  );
}

/** A URL fit for a terminal or a log: user name and password left out. */
export function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, '');
}

/** True when Redis answers; otherwise prints one line with the URL and how to start one. */
export async function checkRedis(deps: Deps, fatal: boolean): Promise<boolean> {
  try {
    await withTimeout(
      deps.redis.connect().then(() => deps.redis.ping()),
      3_000,
    );
    return true;
  } catch {
    const line =
      `Redis is not reachable at ${withoutCredentials(deps.config.REDIS_URL)}: start one with ` +
      '`redis-server --daemonize yes` (or `docker compose up -d redis`), or set REDIS_URL.';
    if (fatal) {
      await deps.close().catch(() => {});
      fail(line);
    }
    deps.logger.warn(line);
    return false;
  }
}

export async function announceBootstrapKey(deps: Deps): Promise<void> {
  // Replicas starting together on an empty database create one key between them.
  const key = await deps.database.exclusive('bootstrap-key', () =>
    deps.keys.ensureBootstrapKey(deps.config.BOOTSTRAP_ADMIN_KEY),
  );
  if (!key) return;
  // Printed straight to the terminal, once, and never through the logger.
  process.stdout.write(
    [
      '',
      '  No API key existed, so an admin key was created. It is shown this once:',
      '',
      `    ${key}`,
      '',
      '  Keep it somewhere safe; create narrower keys with POST /v1/keys or `npm run keys -- create`.',
      '',
      '',
    ].join('\n'),
  );
}

/** How long a repeated signal counts as the same request to stop. */
const SAME_SIGNAL_MS = 1000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Stops gracefully once, on SIGINT or SIGTERM, or after logging an uncaught error; a second
 * signal or SHUTDOWN_TIMEOUT_MS forces the exit. Ctrl-C under `npm start` reaches the service
 * twice (the terminal signals the whole group, and npm forwards it to its child), so a repeat
 * within a second is the same request, not an impatient second one.
 */
export function closeGracefully(deps: Deps, stop: () => Promise<void>): void {
  const grace = closeWithGrace(
    { delay: deps.config.SHUTDOWN_TIMEOUT_MS, logger: deps.logger, skip: [...SIGNALS] },
    async ({ err }) => {
      if (err) deps.logger.error({ err }, 'uncaught error, shutting down');
      await stop();
    },
  );
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      deps.logger.info({ signal }, 'shutting down');
      void grace.close();
    } else if (Date.now() - firstAt > SAME_SIGNAL_MS) {
      deps.logger.error({ signal }, 'second signal, exiting');
      process.exit(1);
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
