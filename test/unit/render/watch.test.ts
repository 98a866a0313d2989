import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRenderer, type Renderer } from '../../../src/render/index.js';
import { asEmail, BASE_URL, copyTemplates } from './support.js';

describe('watch: true', () => {
  let copy: ReturnType<typeof copyTemplates> | undefined;
  let renderer: Renderer | undefined;
  afterEach(async () => {
    await renderer?.close();
    copy?.cleanup();
  });

  /** A renderer on a copy of the templates; `reloads` records each reload outcome. */
  async function watched() {
    copy = copyTemplates();
    const reloads: (Error | undefined)[] = [];
    renderer = await createRenderer({
      templatesDir: copy.dir,
      publicBaseUrl: BASE_URL,
      watch: true,
      onReload: (error) => reloads.push(error),
    });
    return { dir: copy.dir, renderer, reloads };
  }

  /** Polls until the check passes (file events arrive asynchronously, debounced). */
  async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('recompiles a changed MJML body and brand file, without restarting', async () => {
    const { dir, renderer, reloads } = await watched();
    const html = () => asEmail(renderer.renderSample('relance-bilan')).html;
    expect(html()).not.toContain('Nouvelle phrase');

    const body = join(dir, 'relance-bilan', 'body.mjml');
    writeFileSync(
      body,
      readFileSync(body, 'utf8').replace('<mj-button', '<mj-text>Nouvelle phrase.</mj-text>\n<mj-button'),
    );
    await eventually(() => html().includes('Nouvelle phrase.'));

    const brand = join(dir, 'brand.json');
    writeFileSync(brand, readFileSync(brand, 'utf8').replace('"name": "Orion Télécom"', '"name": "Véga Télécom"'));
    await eventually(() =>
      asEmail(renderer.renderSample('relance-bilan')).text.includes('Votre Responsable Affaire Client · Véga Télécom'),
    );
    expect(reloads.every((error) => error === undefined)).toBe(true);
  });

  it('keeps serving the last good templates when a change does not compile', async () => {
    const { dir, renderer, reloads } = await watched();
    writeFileSync(join(dir, 'cloture', 'body.mjml'), '<mj-text>{{#if data.completedOn}}</mj-text>');
    await eventually(() => reloads.length > 0);
    expect(reloads[0]?.message).toMatch(/cloture/);
    expect(asEmail(renderer.renderSample('cloture')).subject).toContain('Fin du déploiement');
  });
});
