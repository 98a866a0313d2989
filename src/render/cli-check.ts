import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { checkTemplates, smsMatrix, type CheckTarget } from './check.js';
import type { TemplateManifest } from './manifest.js';
import { createRenderer } from './renderer.js';
import { projectFromJson } from './samples.js';

/**
 * `npm run templates:check [-- --templates dir --projects dir]`: compiles every template (an
 * MJML error fails here), then renders each one with every sample order, plainly and with
 * hostile input, and prints the share of visit reminders that fit one SMS segment over the
 * matrix of every site of those orders × both visit kinds × four windows (goal: 95 %). Exits 1
 * listing the problems.
 */
const SMS_ONE_SEGMENT_GOAL = 0.95;
const { values } = parseArgs({
  options: {
    templates: { type: 'string', default: 'templates' },
    projects: { type: 'string', default: 'test/fixtures/projects' },
  },
});
const templatesDir = resolve(values.templates);
const projectsDir = resolve(values.projects);

try {
  const renderer = await createRenderer({ templatesDir, publicBaseUrl: 'https://jalon.example' });
  const targets: CheckTarget[] = readdirSync(projectsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      name: file,
      project: projectFromJson(JSON.parse(readFileSync(join(projectsDir, file), 'utf8'))),
    }));
  const listsSites = new Map<string, boolean>();
  for (const { key } of renderer.list()) {
    const module = (await import(pathToFileURL(join(templatesDir, key, 'manifest.ts')).href)) as {
      default: TemplateManifest;
    };
    listsSites.set(key, module.default.listsSites);
  }
  const problems = checkTemplates(renderer, targets, (key) => listsSites.get(key) ?? false);
  const sms = smsMatrix(renderer, targets);
  await renderer.close();
  const share = sms.total === 0 ? 1 : sms.oneSegment / sms.total;
  console.log(
    `SMS reminders in one segment: ${sms.oneSegment} of ${sms.total} (${(100 * share).toFixed(1)} %; goal ≥ ${100 * SMS_ONE_SEGMENT_GOAL} %)`,
  );
  for (const item of sms.over.slice(0, 5)) console.log(`  ${item.segments} segments: ${item.where}: ${item.body}`);
  if (share < SMS_ONE_SEGMENT_GOAL)
    problems.push(
      `only ${(100 * share).toFixed(1)} % of the SMS reminders fit one segment (goal ${100 * SMS_ONE_SEGMENT_GOAL} %)`,
    );
  const checked = `${renderer.list().length} templates × ${targets.length} orders`;
  if (problems.length > 0) {
    console.error(
      `templates:check found ${problems.length} problem(s) (${checked}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    process.exit(1);
  }
  console.log(`templates:check OK (${checked}, plain and hostile input)`);
} catch (error) {
  console.error(`templates:check failed: ${(error as Error).message}`);
  process.exit(1);
}
