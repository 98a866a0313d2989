import { buildContext } from './context.js';
import type { LoadedTemplate, TemplateSet } from './loader.js';
import { measureSms, transliterate } from './sms.js';
import type { RenderInput, RenderResult } from './types.js';

/** One line, single spaces: a subject or an SMS must not carry the template's layout whitespace. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Text part: at most one empty line in a row (conditions that render nothing leave gaps). */
export function tidyText(text: string): string {
  const tidy = text.includes('\n\n\n') ? text.replace(/\n{3,}/g, '\n\n') : text;
  return `${tidy.trim()}\n`;
}

/**
 * Data may legitimately contain "{{" (a client typed it). Escaped as entities it displays the
 * same, and the HTML we keep never holds anything that looks like template syntax.
 */
function neutraliseMustaches(html: string): string {
  return html.includes('{{') ? html.replaceAll('{{', '&#123;&#123;') : html;
}

export function renderMessage(
  set: TemplateSet,
  template: LoadedTemplate,
  input: RenderInput,
  publicBaseUrl: string,
): RenderResult {
  const { context, warnings } = buildContext(set, template, input, publicBaseUrl);
  if (template.email) {
    context.subject = oneLine(template.email.subject(context));
    const html = neutraliseMustaches(template.email.html(context));
    const text = tidyText(template.email.text(context));
    return { channel: 'email', subject: context.subject, html, text, warnings };
  }
  if (!template.sms) throw new Error(`template ${template.manifest.key} has neither an email nor an SMS body`);
  let body = oneLine(template.sms(context));
  if (input.transliterate) body = transliterate(body);
  const measure = measureSms(body);
  return {
    channel: 'sms',
    body,
    encoding: measure.encoding,
    segments: measure.segments,
    length: measure.length,
    warnings: [...warnings, ...measure.warnings],
  };
}
