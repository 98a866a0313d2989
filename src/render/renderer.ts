import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../errors.js';
import { loadTemplates, type ManifestCache, type TemplateSet } from './loader.js';
import { renderMessage } from './render.js';
import type { Renderer, RendererOptions, RenderResult, TemplateDetail, TemplateSummary } from './types.js';

/** Renders every sample once: a template that cannot render its own sample must not go live. */
function selfCheck(set: TemplateSet, publicBaseUrl: string): void {
  for (const [key, template] of set.templates) {
    try {
      renderMessage(set, template, template.sample, publicBaseUrl);
    } catch (error) {
      throw new Error(`template ${key} cannot render its sample: ${(error as Error).message}`, { cause: error });
    }
  }
}

export async function createRenderer(options: RendererOptions): Promise<Renderer> {
  const dir = resolve(options.templatesDir);
  const manifests: ManifestCache = new Map();
  let set = await loadTemplates(dir, manifests, options.publicBaseUrl);
  selfCheck(set, options.publicBaseUrl);

  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();
  const reload = async (): Promise<void> => {
    try {
      const next = await loadTemplates(dir, manifests, options.publicBaseUrl);
      selfCheck(next, options.publicBaseUrl);
      set = next;
      options.onReload?.();
    } catch (error) {
      // Keep serving the last good templates; a half-saved file must not take messages down.
      if (options.onReload) options.onReload(error as Error);
      else process.emitWarning(`templates not reloaded: ${(error as Error).message}`);
    }
  };
  if (options.watch) {
    watcher = watch(dir, { recursive: true }, () => {
      clearTimeout(timer);
      // Editors write a file in several steps: wait for the burst to end.
      timer = setTimeout(() => {
        reloading = reloading.then(reload);
      }, 100);
    });
  }

  const find = (key: string) => {
    const template = set.templates.get(key);
    if (!template) throw new AppError('template_not_found', 404, `template "${key}" not found`);
    return template;
  };

  return {
    list: (): TemplateSummary[] =>
      [...set.templates.values()].map(({ detail }) => ({
        key: detail.key,
        channel: detail.channel,
        milestone: detail.milestone,
        description: detail.description,
        audience: detail.audience,
      })),
    get: (key): TemplateDetail | undefined => set.templates.get(key)?.detail,
    brand: () => set.brand,
    asset: (name) => set.assets.get(name),
    render: (key, input): RenderResult => renderMessage(set, find(key), input, options.publicBaseUrl),
    renderSample(key, overrides = {}): RenderResult {
      const template = find(key);
      const { sample } = template;
      return renderMessage(
        set,
        template,
        {
          project: sample.project,
          data: { ...sample.data, ...overrides.data },
          blocks: { ...sample.blocks, ...overrides.blocks },
        },
        options.publicBaseUrl,
      );
    },
    async close(): Promise<void> {
      clearTimeout(timer);
      watcher?.close();
      watcher = null;
      await reloading;
    },
  };
}
