import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTemplates, HOSTILE_BLOCK } from '../../../src/render/check.js';
import type { Renderer, RenderInput, RenderResult } from '../../../src/render/index.js';
import type { TemplateManifest } from '../../../src/render/manifest.js';
import { fixtures, newRenderer, TEMPLATES_DIR } from './support.js';

function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(hbs|mjml)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('templates folder', () => {
  it('never uses triple-stash (unescaped) expressions', () => {
    const files = templateFiles(TEMPLATES_DIR);
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toContain('{{{');
  });

  it('routes every dynamic href through the href helper', () => {
    for (const file of templateFiles(TEMPLATES_DIR)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/href="([^"]*\{\{[^"]*)"/g))
        expect(match[1], file).toMatch(/^\{\{href [^}]+\}\}$/);
    }
  });
});

describe('templates:check', () => {
  let renderer: Renderer;
  // Which templates list the order's sites, as each manifest declares it.
  const siteListing = new Map<string, boolean>();
  beforeAll(async () => {
    renderer = await newRenderer();
    for (const { key } of renderer.list()) {
      const manifest = (await import(pathToFileURL(join(TEMPLATES_DIR, key, 'manifest.ts')).href)) as {
        default: TemplateManifest;
      };
      siteListing.set(key, manifest.default.listsSites);
    }
  });
  afterAll(() => renderer.close());
  const listsSites = (key: string) => siteListing.get(key) ?? false;

  it('knows which templates list the sites: some do, some do not', () => {
    expect([...siteListing.values()]).toContain(true);
    expect([...siteListing.values()]).toContain(false);
    expect(siteListing.get('accuse-reception')).toBe(true);
  });

  it('passes on the real templates with every sample order, plain and hostile', () => {
    expect(checkTemplates(renderer, fixtures(), listsSites)).toEqual([]);
  });

  /** The real renderer, with one template's output spoiled by `spoil`. */
  const spoiled = (
    spoil: (result: RenderResult & { channel: 'email' }, input: RenderInput) => RenderResult,
  ): Renderer => ({
    ...renderer,
    list: () => renderer.list().filter((item) => item.key === 'accuse-reception'),
    render: (key, input) => {
      const result = renderer.render(key, input);
      return result.channel === 'email' ? spoil(result, input) : result;
    },
  });

  it('reports unescaped hostile input, leftover mustaches, empty text parts and missing sites', () => {
    const target = fixtures().filter((item) => item.name === 'CMD-2026-000102.json');
    const unescaped = spoiled((result, input) => ({
      ...result,
      html: result.html + (input.blocks?.closing === HOSTILE_BLOCK ? HOSTILE_BLOCK : ''),
    }));
    expect(checkTemplates(unescaped, target, listsSites)).toEqual([
      'accuse-reception × CMD-2026-000102.json (hostile input): unescaped <script> in the HTML',
      'accuse-reception × CMD-2026-000102.json (hostile input): javascript: link in the HTML',
      'accuse-reception × CMD-2026-000102.json (hostile input): unescaped quotes in the HTML',
      'accuse-reception × CMD-2026-000102.json (hostile input): unescaped & in the HTML',
    ]);
    const broken = spoiled((result) => ({ ...result, html: result.html.replace('SU1020003', '{{site}}'), text: '' }));
    expect(checkTemplates(broken, target, listsSites)).toEqual(
      expect.arrayContaining([
        'accuse-reception × CMD-2026-000102.json: empty text part',
        'accuse-reception × CMD-2026-000102.json: raw {{ in the html',
        'accuse-reception × CMD-2026-000102.json: site SU1020003 missing from the HTML',
      ]),
    );
  });
});
