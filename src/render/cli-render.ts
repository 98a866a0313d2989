import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { brandSchema } from './brand.js';
import { buildEml } from './eml.js';
import { createRenderer } from './renderer.js';
import { previewRecipients, projectFromJson, sampleDataFor } from './samples.js';
import type { RenderResult } from './types.js';

/**
 * `npm run templates:render -- <key> [--project order.json] [--out dir]`: renders a template
 * with its sample data (adapted to the given order, if any) and writes <key>.html, <key>.txt
 * and a complete <key>.eml — or <key>.sms.txt for an SMS — into the output folder.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    project: { type: 'string' },
    out: { type: 'string', default: 'outbox/templates' },
    templates: { type: 'string', default: 'templates' },
    'base-url': { type: 'string', default: 'http://127.0.0.1:3000' },
  },
});
const key = positionals[0];
if (!key) {
  console.error('usage: npm run templates:render -- <key> [--project order.json] [--out dir]');
  process.exit(1);
}

try {
  const templatesDir = resolve(values.templates);
  const renderer = await createRenderer({ templatesDir, publicBaseUrl: values['base-url'] });
  const detail = renderer.get(key);
  if (!detail)
    throw new Error(
      `unknown template "${key}"; available: ${renderer
        .list()
        .map((item) => item.key)
        .join(', ')}`,
    );
  const sample = detail.sample as {
    project: Parameters<typeof sampleDataFor>[1];
    data: Record<string, unknown>;
    blocks: Record<string, string>;
  };
  const project = values.project ? projectFromJson(JSON.parse(readFileSync(values.project, 'utf8'))) : sample.project;
  const data = sampleDataFor(sample.data, project);
  const result: RenderResult = renderer.render(key, { project, data, blocks: sample.blocks });
  await renderer.close();

  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  if (result.channel === 'sms') {
    writeFileSync(join(out, `${key}.sms.txt`), `${result.body}\n`);
    console.log(`${result.body}\n(${result.encoding}, ${result.segments} segment(s), ${result.length} characters)`);
  } else {
    const brand = brandSchema.parse(JSON.parse(readFileSync(join(templatesDir, 'brand.json'), 'utf8')));
    const to = previewRecipients(project, data, key === 'rle-recap').flatMap((contact) =>
      contact.email ? [contact.email] : [],
    );
    const eml = await buildEml(result, {
      from: `"${result.fromName}" <${brand.sender.address}>`,
      to: to.length > 0 ? to : [project.rac.email],
      cc: [project.rac.email],
      replyTo: result.replyTo,
    });
    writeFileSync(join(out, `${key}.html`), result.html);
    writeFileSync(join(out, `${key}.txt`), result.text);
    writeFileSync(join(out, `${key}.eml`), eml);
    console.log(`${result.subject}\n→ ${join(out, key)}.{html,txt,eml}`);
  }
  for (const warning of result.warnings) console.warn(`warning: ${warning}`);
} catch (error) {
  console.error(`templates:render failed: ${(error as Error).message}`);
  process.exit(1);
}
