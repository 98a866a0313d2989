import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMjml, expressions, protectBlocks } from '../../../src/render/compiler.js';
import { compileHandlebars, createHandlebars } from '../../../src/render/handlebars.js';
import { createRenderer, type Renderer } from '../../../src/render/index.js';
import { brandSchema } from '../../../src/render/brand.js';
import { asEmail, BASE_URL, copyTemplates, TEMPLATES_DIR, thrown } from './support.js';

const DOCUMENT = `<mjml>
  <mj-body>
    {{#if showIntro}}
    <mj-section><mj-column><mj-text>Introduction</mj-text></mj-column></mj-section>
    {{else}}
    <mj-section><mj-column><mj-text>Sans introduction</mj-text></mj-column></mj-section>
    {{/if}}
    <mj-section>
      <mj-column>
        {{#each items}}
        <mj-text>Élément {{name}}</mj-text>
        {{/each}}
        <mj-text>{{#if inline}}dans le texte{{/if}}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

describe('block expressions through MJML', () => {
  it('are dropped by MJML when left bare (why the protection exists)', async () => {
    const { html } = await mjml2html(DOCUMENT, { validationLevel: 'skip' });
    expect(expressions(html)).not.toContain('{{#if showIntro}}');
    expect(expressions(html)).not.toContain('{{#each items}}');
  });

  it('are wrapped in mj-raw outside MJML text, and left alone inside it', () => {
    const protectedSource = protectBlocks(DOCUMENT);
    expect(protectedSource).toContain('<mj-raw>{{#if showIntro}}</mj-raw>');
    expect(protectedSource).toContain('<mj-raw>{{else}}</mj-raw>');
    expect(protectedSource).toContain('<mj-raw>{{#each items}}</mj-raw>');
    expect(protectedSource).toContain('<mj-text>{{#if inline}}dans le texte{{/if}}</mj-text>');
    expect(protectBlocks('<mj-text>\n{{#if a}}\nx\n{{/if}}\n</mj-text>')).toBe(
      '<mj-text>\n{{#if a}}\nx\n{{/if}}\n</mj-text>',
    );
  });

  it('survive compilation: the condition and the loop still decide what is rendered', async () => {
    const html = await compileMjml(DOCUMENT, 'test.mjml');
    const template = Handlebars.create().compile(html, { strict: true });
    const shown = template({ showIntro: true, inline: true, items: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] });
    expect(shown).toContain('Introduction');
    expect(shown).not.toContain('Sans introduction');
    expect(shown.match(/Élément [ABC]/g)).toEqual(['Élément A', 'Élément B', 'Élément C']);
    expect(shown).toContain('dans le texte');
    const hidden = template({ showIntro: false, inline: false, items: [] });
    expect(hidden).toContain('Sans introduction');
    expect(hidden).not.toContain('Élément');
    expect(hidden).not.toContain('dans le texte');
  });

  it('fails the compilation, naming the expression, when one is lost anyway', async () => {
    const lossy =
      '<mjml><mj-body><mj-section><mj-column><mj-text>a</mj-text> {{#if a}}<mj-text>b</mj-text>{{/if}}</mj-column></mj-section></mj-body></mjml>';
    await expect(compileMjml(lossy, 'lossy.mjml')).rejects.toThrow(
      /lossy\.mjml: MJML dropped \{\{#if a\}\} \{\{\/if\}\}/,
    );
  });

  it('reports MJML errors with the file name', async () => {
    await expect(
      compileMjml('<mjml><mj-body><mj-text>hors colonne</mj-text></mj-body></mjml>', 'bad.mjml'),
    ).rejects.toThrow(/^bad\.mjml: MJML error: /);
  });
});

describe('templates folder', () => {
  let copy: ReturnType<typeof copyTemplates>;
  let renderer: Renderer;
  beforeAll(async () => {
    copy = copyTemplates();
    const dir = join(copy.dir, 'essai');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'manifest.ts'),
      `import { z } from 'zod';
const data = z.strictObject({ flag: z.boolean().default(false), items: z.array(z.string()).default([]), broken: z.boolean().default(false) });
export default { key: 'essai', channel: 'email', milestone: null, description: 'test', audience: 'main', listsSites: false, data, blocks: [],
  view: (input: z.output<typeof data>) => ({ vars: input.broken ? { flag: input.flag, items: input.items, broken: true } : { ...input, detail: { name: 'ok' } } }) };
`,
    );
    writeFileSync(join(dir, 'subject.hbs'), 'Essai {{project.orderNumber}}');
    writeFileSync(
      join(dir, 'body.mjml'),
      `        {{#if data.flag}}
        <mj-text>Drapeau levé</mj-text>
        {{/if}}
        {{#each data.items}}
        <mj-text>Ligne {{this}}</mj-text>
        {{/each}}
        <mj-text>Détail : {{data.detail.name}}</mj-text>
`,
    );
    writeFileSync(join(dir, 'text.hbs'), 'Essai\n');
    writeFileSync(join(dir, 'sample.json'), '{ "data": {}, "blocks": {} }');
    renderer = await createRenderer({ templatesDir: copy.dir, publicBaseUrl: BASE_URL });
  });
  afterAll(async () => {
    await renderer?.close();
    copy?.cleanup();
  });

  it('keeps a condition and a loop of a template body through the layout', () => {
    const on = asEmail(renderer.renderSample('essai', { data: { flag: true, items: ['un', 'deux'] } })).html;
    expect(on).toContain('Drapeau levé');
    expect(on.match(/Ligne (un|deux)/g)).toEqual(['Ligne un', 'Ligne deux']);
    const off = asEmail(renderer.renderSample('essai')).html;
    expect(off).not.toContain('Drapeau levé');
    expect(off).not.toContain('Ligne');
  });

  it('turns a missing variable into a 422 naming it', () => {
    const error = thrown(() => renderer.renderSample('essai', { data: { broken: true } }));
    expect(error).toMatchObject({ statusCode: 422, code: 'template_variable_missing' });
    expect(error.message).toBe('template variable missing: data.detail.name (essai/body.mjml)');
    expect(error.details).toEqual([{ path: 'data.detail.name', message: 'not provided to template essai/body.mjml' }]);
  });
});

describe('Handlebars environment', () => {
  const brand = brandSchema.parse(JSON.parse(readFileSync(join(TEMPLATES_DIR, 'brand.json'), 'utf8')));

  it('is isolated: its helpers do not leak into the global Handlebars', () => {
    createHandlebars(brand);
    expect(Handlebars.helpers.block).toBeUndefined();
    expect(Handlebars.helpers.href).toBeUndefined();
  });

  it('refuses prototype access', () => {
    const template = compileHandlebars(createHandlebars(brand), '[{{value.constructor.name}}]', 'proto.hbs', true);
    let output = '';
    try {
      output = template({ value: {} });
    } catch (error) {
      expect(error).toMatchObject({ statusCode: 422 });
    }
    expect(output).not.toContain('Object');
  });

  it("rejects unknown helpers when compiling, not when a client's message renders", () => {
    expect(() => compileHandlebars(createHandlebars(brand), '{{shout name}}', 'bad.hbs', true)).toThrow(/shout/);
  });
});
