import { buildApp } from './app.js';
import {
  announceBootstrapKey,
  checkRedis,
  configOrExit,
  depsOrExit,
  closeGracefully,
  warnLaptopSettings,
} from './boot.js';
import { listenUrl } from './config.js';
import { closeHttp } from './http/close.js';
import { startWorkers } from '../workers/index.js';

// `npm start`: the API and the workers in one process (the only way with the embedded database).
const config = configOrExit();
const deps = await depsOrExit(config);
await checkRedis(deps, true);
await announceBootstrapKey(deps);
warnLaptopSettings(deps);
const app = await buildApp(deps);
const workers = await startWorkers(deps);
await app.listen({ port: config.PORT, host: config.HOST });
deps.logger.info(
  { database: deps.database.kind, docs: `${listenUrl(config.HOST, config.PORT)}/docs` },
  'Jalon is ready (API and workers)',
);
closeGracefully(deps, async () => {
  await closeHttp(app);
  await workers.close();
  await deps.close();
});
