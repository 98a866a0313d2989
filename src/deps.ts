import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import type { Probe } from './http/routes/ops.js';
import { createKeys } from './keys/service.js';
import { createLogger, type Logger } from './logger.js';
import { createProjects } from './projects/service.js';

/**
 * Builds every client the service uses, once, from the configuration. Modules receive only
 * the pieces they need; nothing else constructs clients.
 */
export async function createDeps(config: Config, options: { logger?: Logger } = {}) {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const database: Database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  await database.migrate();
  const db = database.db;

  // Fail fast rather than buffer: when Redis is down, callers get an error at once and the
  // database (the source of truth) still takes the write.
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on('error', () => {
    // Reported by /ready and by the producers; an event listener keeps ioredis from crashing us.
  });

  const keys = createKeys({ db });
  const projects = createProjects({ db });
  const probes: Probe[] = [
    { name: 'database', check: () => database.ping() },
    {
      name: 'redis',
      check: async () => {
        if (redis.status === 'wait') await redis.connect();
        await redis.ping();
      },
    },
  ];

  return {
    config,
    logger,
    database,
    db,
    redis,
    keys,
    projects,
    probes,
    async close() {
      redis.disconnect();
      await database.close();
    },
  };
}

export type Deps = Awaited<ReturnType<typeof createDeps>>;
