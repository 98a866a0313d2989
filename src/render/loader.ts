import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { projectInputSchema, type Project } from '../projects/schema.js';
import { brandSchema, brandSlots, fillSlots, type Brand } from './brand.js';
import { compileMjml, expressions, TemplateCompileError } from './compiler.js';
import { compileHandlebars, createHandlebars, type CompiledTemplate, type HandlebarsEnv } from './handlebars.js';
import type { TemplateManifest } from './manifest.js';
import { projectFromJson } from './samples.js';
import { typesetTemplate } from './typography.js';
import type { TemplateDetail } from './types.js';

/**
 * Reads a templates folder and compiles everything once: brand, layouts, partials, and per
 * template its subject, MJML body (→ HTML), text body or SMS body. The result is immutable;
 * a reload builds a new one and swaps it.
 */

export interface Sample {
  project: Project;
  data: Record<string, unknown>;
  blocks: Record<string, string>;
}

export interface EmailParts {
  subject: CompiledTemplate;
  html: CompiledTemplate;
  text: CompiledTemplate;
  /** Layout + body MJML after brand slots, before MJML: what the naive renderer would use. */
  mjmlSource: string;
  textSource: string;
  subjectSource: string;
}

export interface LoadedTemplate {
  manifest: TemplateManifest;
  detail: TemplateDetail;
  sample: Sample;
  email: EmailParts | null;
  sms: CompiledTemplate | null;
}

export interface Asset {
  contentType: string;
  body: Buffer;
}

export interface TemplateSet {
  dir: string;
  brand: Brand;
  hb: HandlebarsEnv;
  templates: Map<string, LoadedTemplate>;
  /** Brand images of templates/assets, by file name. */
  assets: Map<string, Asset>;
  /** PUBLIC_BASE_URL/assets: where mail clients fetch them. */
  assetsUrl: string;
}

/** Manifests are code: imported once and reused across reloads (a change needs a restart, see templates/README.md). */
export type ManifestCache = Map<string, TemplateManifest>;

const read = (dir: string, ...parts: string[]) => readFile(join(dir, ...parts), 'utf8');

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${file}: ${z.prettifyError(result.error)}`);
  return result.data;
}

const sampleSchema = z.strictObject({
  data: z.record(z.string(), z.unknown()).default({}),
  blocks: z.record(z.string(), z.string()).default({}),
});

/** The order every sample renders with: an order as integrations send it (ProjectInput). */
async function loadSampleProject(dir: string): Promise<Project> {
  const file = join(dir, 'sample-project.json');
  return projectFromJson(parseWith(projectInputSchema, await readJson(file), file));
}

/**
 * French typography on a compiled template (see typography.ts). Typograf leaves tags and
 * Handlebars expressions alone; checked anyway, since a changed expression would be a bug
 * on every message.
 */
function typeset(source: string, file: string): string {
  const result = typesetTemplate(source);
  if (expressions(result).join('\n') !== expressions(source).join('\n'))
    throw new TemplateCompileError(file, 'typography changed a Handlebars expression');
  return result;
}

async function registerPartials(set: TemplateSet): Promise<void> {
  for (const kind of ['html', 'text'] as const) {
    const folder = join(set.dir, 'partials', kind);
    if (!existsSync(folder)) continue;
    const slots = brandSlots(set.brand, kind === 'html', set.assetsUrl);
    for (const file of (await readdir(folder)).filter((name) => name.endsWith('.hbs')).sort()) {
      const name = `partials/${kind}/${file}`;
      set.hb.registerPartial(
        `${kind}/${file.slice(0, -4)}`,
        typeset(fillSlots(await read(folder, file), slots, name), name),
      );
    }
  }
}

/**
 * A template's manifest: `manifest.ts` in the source tree, `manifest.js` once compiled (the
 * build puts the compiled templates, with their other files, in dist/templates).
 */
function manifestFile(dir: string, key: string): string | undefined {
  return ['manifest.ts', 'manifest.js'].find((name) => existsSync(join(dir, key, name)));
}

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif' };

async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const folder = join(dir, 'assets');
  if (!existsSync(folder)) return assets;
  for (const file of (await readdir(folder)).sort()) {
    const contentType = IMAGE_TYPES[file.split('.').pop() ?? ''];
    if (contentType) assets.set(file, { contentType, body: await readFile(join(folder, file)) });
  }
  return assets;
}

async function loadManifest(dir: string, key: string, cache: ManifestCache): Promise<TemplateManifest> {
  const cached = cache.get(key);
  if (cached) return cached;
  const file = `${key}/${manifestFile(dir, key) ?? 'manifest.ts'}`;
  const module = (await import(pathToFileURL(join(dir, file)).href)) as { default?: TemplateManifest };
  const manifest = module.default;
  if (!manifest || manifest.key !== key)
    throw new TemplateCompileError(file, `must default-export a manifest whose key is "${key}"`);
  const names = new Set<string>();
  for (const block of manifest.blocks) {
    if (names.has(block.name)) throw new TemplateCompileError(file, `block "${block.name}" declared twice`);
    if (block.default.length > block.maxLength)
      throw new TemplateCompileError(file, `default of block "${block.name}" exceeds its maxLength`);
    names.add(block.name);
  }
  cache.set(key, manifest);
  return manifest;
}

function withBody(layout: string, body: string, file: string): string {
  if (layout.split('[[body]]').length !== 2)
    throw new TemplateCompileError(file, 'the layout must contain [[body]] exactly once');
  return layout.replace('[[body]]', () => body);
}

async function loadEmail(set: TemplateSet, key: string, layouts: { mjml: string; text: string }): Promise<EmailParts> {
  const dir = join(set.dir, key);
  const htmlSlots = brandSlots(set.brand, true, set.assetsUrl);
  const textSlots = brandSlots(set.brand, false, set.assetsUrl);
  const subjectSource = typeset(
    fillSlots(await read(dir, 'subject.hbs'), textSlots, `${key}/subject.hbs`).trim(),
    `${key}/subject.hbs`,
  );
  const mjmlSource = fillSlots(
    withBody(layouts.mjml, await read(dir, 'body.mjml'), 'layout.mjml'),
    htmlSlots,
    `${key}/body.mjml`,
  );
  const htmlSource = typeset(await compileMjml(mjmlSource, `${key}/body.mjml`), `${key}/body.mjml`);
  const textSource = typeset(
    fillSlots(withBody(layouts.text, await read(dir, 'text.hbs'), 'layout.txt.hbs'), textSlots, `${key}/text.hbs`),
    `${key}/text.hbs`,
  );
  return {
    subject: compileHandlebars(set.hb, subjectSource, `${key}/subject.hbs`, false),
    html: compileHandlebars(set.hb, htmlSource, `${key}/body.mjml`, true),
    text: compileHandlebars(set.hb, textSource, `${key}/text.hbs`, false),
    mjmlSource,
    textSource,
    subjectSource,
  };
}

export async function loadTemplates(dir: string, cache: ManifestCache, publicBaseUrl: string): Promise<TemplateSet> {
  const brand = parseWith(brandSchema, await readJson(join(dir, 'brand.json')), join(dir, 'brand.json'));
  const assets = await loadAssets(dir);
  if (!assets.has(brand.logo.file))
    throw new Error(`${join(dir, 'brand.json')}: logo.file: no file "${brand.logo.file}" in ${join(dir, 'assets')}`);
  const assetsUrl = `${publicBaseUrl.replace(/\/+$/, '')}/assets`;
  const set: TemplateSet = { dir, brand, hb: createHandlebars(brand), templates: new Map(), assets, assetsUrl };
  await registerPartials(set);
  const layouts = { mjml: await read(dir, 'layout.mjml'), text: await read(dir, 'layout.txt.hbs') };
  const sampleProject = await loadSampleProject(dir);
  const entries = await readdir(dir, { withFileTypes: true });
  const keys = entries
    .filter((entry) => entry.isDirectory() && manifestFile(dir, entry.name) !== undefined)
    .map((entry) => entry.name);
  for (const key of keys.sort()) {
    const manifest = await loadManifest(dir, key, cache);
    const textSlots = brandSlots(brand, false, assetsUrl);
    const email = manifest.channel === 'email' ? await loadEmail(set, key, layouts) : null;
    const sms =
      manifest.channel === 'sms'
        ? compileHandlebars(
            set.hb,
            fillSlots(await read(dir, key, 'sms.hbs'), textSlots, `${key}/sms.hbs`).trim(),
            `${key}/sms.hbs`,
            false,
          )
        : null;
    const sampleFile = join(dir, key, 'sample.json');
    const sampleInput = parseWith(sampleSchema, await readJson(sampleFile), sampleFile);
    const sample: Sample = { project: sampleProject, ...sampleInput };
    const detail: TemplateDetail = {
      key,
      channel: manifest.channel,
      milestone: manifest.milestone,
      description: manifest.description,
      audience: manifest.audience,
      variables: z.toJSONSchema(manifest.data, { io: 'input', unrepresentable: 'any' }),
      blocks: manifest.blocks.map((block) => ({ ...block })),
      sample,
    };
    set.templates.set(key, { manifest, detail, sample, email, sms });
  }
  return set;
}
