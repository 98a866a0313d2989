// `npm run build`: compiles the service to dist/ with tsc, builds the console (web/, with Vite),
// then copies what it reads at run time (the SQL migrations, the templates' MJML, Handlebars,
// JSON and brand files next to their compiled manifests, and the built console).
// `node dist/src/main.js` then needs nothing but node_modules.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { buildWeb, webStale, WEB_DIST } from './build-web.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.built');
const SOURCES = ['src', 'workers', 'templates', 'web', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  if (path === WEB_DIST) return 0;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

/** True when dist/ is missing or older than any source file. */
export function stale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((source) => newest(join(ROOT, source)) > built);
}

/** True when the compiler is installed (it is a development dependency). */
export function canBuild() {
  try {
    createRequire(import.meta.url).resolve('typescript/bin/tsc');
    return true;
  } catch {
    return false;
  }
}

export async function build() {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('jalon: the build failed (see above)\n');
    process.exit(result.status ?? 1);
  }
  if (webStale()) await buildWeb();
  cpSync(WEB_DIST, join(DIST, 'web/dist'), { recursive: true });
  cpSync(join(ROOT, 'src/db/migrations'), join(DIST, 'src/db/migrations'), { recursive: true });
  cpSync(join(ROOT, 'templates'), join(DIST, 'templates'), {
    recursive: true,
    filter: (source) => !source.endsWith('.ts'),
  });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await build();
