import { buildApp } from './app.js';
import { closeHttp } from './http/close.js';
import {
  announceBootstrapKey,
  checkRedis,
  configOrExit,
  depsOrExit,
  closeGracefully,
  requireSharedDatabase,
} from './boot.js';

// `npm run start:api`: the API alone, for deployments that scale API and workers apart.
const config = configOrExit();
requireSharedDatabase(config, 'start:api');
const deps = await depsOrExit(config);
// Without Redis the API still stores messages (they go out once Redis is back), so only warn.
await checkRedis(deps, false);
await announceBootstrapKey(deps);
const app = await buildApp(deps);
await app.listen({ port: config.PORT, host: config.HOST });
deps.logger.info({ database: deps.database.kind }, 'Jalon API is ready');
closeGracefully(deps, async () => {
  await closeHttp(app);
  await deps.close();
});
