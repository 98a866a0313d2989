// `npm run build`: compiles the service to dist/ with tsc, then copies what it reads at run
// time (the SQL migrations, and the templates' MJML, Handlebars, JSON and brand files next to
// their compiled manifests). `node dist/src/main.js` then needs nothing but node_modules.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.built');
const SOURCES = ['src', 'workers', 'templates', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
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

export function build() {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('jalon: the build failed (see above)\n');
    process.exit(result.status ?? 1);
  }
  cpSync(join(ROOT, 'src/db/migrations'), join(DIST, 'src/db/migrations'), { recursive: true });
  cpSync(join(ROOT, 'templates'), join(DIST, 'templates'), {
    recursive: true,
    filter: (source) => !source.endsWith('.ts'),
  });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) build();
