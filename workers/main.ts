import {
  checkRedis,
  configOrExit,
  depsOrExit,
  closeGracefully,
  requireSharedDatabase,
  warnLaptopSettings,
} from '../src/boot.js';
import { startMetricsServer } from '../src/metrics/server.js';
import { startWorkers } from './index.js';

// `npm run start:worker`: queue processors alone, next to one or more API processes.
const config = configOrExit();
requireSharedDatabase(config, 'start:worker');
const deps = await depsOrExit(config);
await checkRedis(deps, true);
warnLaptopSettings(deps);
const workers = await startWorkers(deps);
// The worker has no API: its figures (deliveries, follow-ups, webhooks) are served here.
const metrics = config.WORKER_METRICS_PORT
  ? await startMetricsServer({
      port: config.WORKER_METRICS_PORT,
      host: config.HOST,
      token: config.METRICS_TOKEN,
      registry: deps.metrics.registry,
      logger: deps.logger,
    })
  : undefined;
deps.logger.info({ metricsPort: metrics?.port }, 'Jalon workers are ready');
closeGracefully(deps, async () => {
  await metrics?.close();
  await workers.close();
  await deps.close();
});
