// `npm start`, `npm run start:api`, `npm run start:worker`: runs a compiled entry point from
// dist/, compiling first when dist/ is missing or older than the sources (so `npm install &&
// npm start` works on a fresh clone). The entry runs inside this process, so SIGTERM and
// Ctrl-C reach the service itself. Deployments run `node dist/...` directly.
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { build, canBuild, DIST, stale } from './build.mjs';

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node scripts/start.mjs <entry in dist, e.g. src/main.js>\n');
  process.exit(2);
}
if (stale()) {
  if (canBuild()) {
    process.stderr.write('jalon: compiling to dist/ first (npm run build)\n');
    await build();
  } else {
    process.stderr.write('jalon: dist/ is missing or older than the sources, and TypeScript is not installed\n');
    process.exit(1);
  }
}
await import(pathToFileURL(join(DIST, entry)).href);
