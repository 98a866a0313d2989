// `npm run build:web`: builds the console (web/) with Vite into web/dist, then writes a gzip and
// a brotli copy of each text asset next to it, which the service sends to browsers that take
// them (so nothing is compressed per request). scripts/build.mjs runs it as part of the build.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const WEB = fileURLToPath(new URL('../web', import.meta.url));
export const WEB_DIST = join(WEB, 'dist');
const STAMP = join(WEB_DIST, '.built');
const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  if (path === WEB_DIST) return 0;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

/** True when web/dist is missing or older than any file of web/. */
export function webStale() {
  return !existsSync(STAMP) || newest(WEB) > statSync(STAMP).mtimeMs;
}

function compressAll(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) compressAll(path);
    else if (COMPRESSIBLE.test(name)) {
      const body = readFileSync(path);
      writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
      writeFileSync(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    }
  }
}

export async function buildWeb() {
  // In a process of its own, in production mode whatever NODE_ENV the caller runs under (a test
  // runner sets "test", which would bundle React's development build).
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', join(WEB, 'vite.config.ts'), '--logLevel', 'warn'],
    {
      cwd: WEB,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (result.status !== 0) throw new Error('the console build failed (see above)');
  compressAll(WEB_DIST);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildWeb();
