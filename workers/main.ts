import { checkRedis, configOrExit, depsOrExit, closeGracefully, requireSharedDatabase } from '../src/boot.js';
import { startWorkers } from './index.js';

// `npm run start:worker`: queue processors alone, next to one or more API processes.
const config = configOrExit();
requireSharedDatabase(config, 'start:worker');
const deps = await depsOrExit(config);
await checkRedis(deps, true);
const workers = await startWorkers(deps);
deps.logger.info('Jalon workers are ready');
closeGracefully(deps, async () => {
  await workers.close();
  await deps.close();
});
