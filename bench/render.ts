import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mjml2html from 'mjml';
import type { Project } from '../src/projects/schema.js';
import { sitesCsv } from '../src/render/attachments.js';
import { buildContext } from '../src/render/context.js';
import { compileHandlebars } from '../src/render/handlebars.js';
import { loadTemplates, type LoadedTemplate, type TemplateSet } from '../src/render/loader.js';
import { oneLine, renderMessage, tidyText } from '../src/render/render.js';
import { projectFromJson, sampleDataFor } from '../src/render/samples.js';
import type { RenderInput } from '../src/render/types.js';

/**
 * Per-message cost of the compiled path (Handlebars on HTML compiled once from MJML) against
 * the naive one (Handlebars on the MJML source, then mjml2html, for every message), text part,
 * subject and (above the brand's threshold) the attached site list included in both. Orders of 3, 50 and 500 sites are cut from or grown out of
 * the 150-site sample order.
 */

const TEMPLATES = ['accuse-reception', 'cloture'];
const SIZES = [3, 50, 500];
const BASE_URL = 'https://jalon.example';

function withSites(project: Project, count: number): Project {
  const sites = Array.from({ length: count }, (_, index) => {
    const site = project.sites[index % project.sites.length]!;
    const round = Math.floor(index / project.sites.length);
    return round === 0 ? site : { ...site, ref: `${site.ref}-${round}`, name: `${site.name} bis ${round}` };
  });
  return { ...project, sites };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function time(iterations: number, warmup: number, run: () => unknown): Promise<{ p50: number; p99: number }> {
  for (let index = 0; index < warmup; index++) await run();
  const samples: number[] = [];
  for (let index = 0; index < iterations; index++) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** The naive path: what we would do without precompilation. Its Handlebars compile is cached, to be fair to it. */
function naiveRenderer(set: TemplateSet, template: LoadedTemplate) {
  const email = template.email!;
  const mjmlTemplate = compileHandlebars(set.hb, email.mjmlSource, `${template.manifest.key} (naive)`, true);
  return async (input: RenderInput) => {
    const { context, siteNotes } = buildContext(set, template, input, BASE_URL);
    context.subject = oneLine(email.subject(context));
    const { html } = await mjml2html(mjmlTemplate(context));
    const text = tidyText(email.text(context));
    // The same deliverables as the compiled path: a large order's site list too.
    const csv = context.sites?.summary ? sitesCsv(input.project, siteNotes).content : '';
    return html.length + text.length + csv.length;
  };
}

const format = (micros: number) => (micros >= 1000 ? `${(micros / 1000).toFixed(1)} ms` : `${micros.toFixed(0)} µs`);

export async function benchRender(): Promise<string> {
  const templatesDir = fileURLToPath(new URL('../templates/', import.meta.url));
  const fixture = fileURLToPath(new URL('../test/fixtures/projects/CMD-2026-000105.json', import.meta.url));
  const set = await loadTemplates(templatesDir, new Map(), BASE_URL);
  const base = projectFromJson(JSON.parse(readFileSync(fixture, 'utf8')));
  const cases = TEMPLATES.flatMap((key) => {
    const template = set.templates.get(key)!;
    const naive = naiveRenderer(set, template);
    return SIZES.map((size) => {
      const project = withSites(base, size);
      const input: RenderInput = {
        project,
        data: sampleDataFor(template.sample.data, project),
        blocks: template.sample.blocks,
      };
      return { key, size, compiled: () => renderMessage(set, template, input, BASE_URL), naive: () => naive(input) };
    });
  });
  // MJML gets several times faster once the JIT has seen every shape: warm both paths first.
  for (let round = 0; round < 5; round++) for (const item of cases) await item.naive();
  for (const item of cases) for (let round = 0; round < 300; round++) item.compiled();

  const rows = [
    '| template | sites | compiled p50 | compiled p99 | naive p50 | naive p99 | naive / compiled (p50) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const verdicts: string[] = [];
  for (const { key, size, compiled, naive } of cases) {
    const fast = await time(size > 100 ? 1000 : 3000, 100, compiled);
    const slow = await time(size > 100 ? 15 : 40, 2, naive);
    const ratio = slow.p50 / fast.p50;
    rows.push(
      `| ${key} | ${size} | ${format(fast.p50)} | ${format(fast.p99)} | ${format(slow.p50)} | ${format(slow.p99)} | ${ratio.toFixed(0)}× |`,
    );
    if (size === 50) {
      const ok = ratio >= 100 && fast.p50 <= 100;
      verdicts.push(
        `${key} at 50 sites: ${ratio.toFixed(0)}× faster, p50 ${format(fast.p50)} → ${ok ? 'goal met' : 'GOAL NOT MET'} (≥ 100×, p50 ≤ 100 µs)`,
      );
    }
  }
  return [
    `Render per message (Node ${process.version}), subject + HTML + text part:`,
    '',
    ...rows,
    '',
    ...verdicts,
  ].join('\n');
}
