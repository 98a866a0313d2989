import mjml2html from 'mjml';

/**
 * MJML → HTML once per template, with the Handlebars expressions carried through untouched.
 *
 * MJML only keeps what its components render: a bare `{{#if x}}` line between two sections
 * or columns is text in a place where MJML expects tags, and it silently disappears, leaving
 * an unbalanced template or — worse — a balanced one whose condition is gone. So:
 * 1. every Handlebars block line (`{{#…}}`, `{{else…}}`, `{{/…}}`, `{{^…}}` alone on its line)
 *    outside an MJML "ending tag" (whose content MJML keeps verbatim) is wrapped in `<mj-raw>`;
 * 2. after compiling, the multiset of `{{…}}` expressions in the HTML must equal the one in the
 *    source; anything lost or invented is a compile error naming the expressions.
 */

/** MJML tags whose content is kept verbatim, where an `<mj-raw>` would be printed as text. */
const ENDING_TAGS = new Set([
  'mj-text',
  'mj-button',
  'mj-raw',
  'mj-table',
  'mj-navbar-link',
  'mj-social-element',
  'mj-accordion-title',
  'mj-accordion-text',
  'mj-title',
  'mj-preview',
  'mj-style',
]);

const BLOCK_LINE = /^\{\{~?\s*(?:#|\/|\^|else\b)[^{}]*~?\}\}$/;
const TAG = /<(\/?)(mj-[a-z-]+)\b[^>]*?(\/?)>/g;
const BLOCK_TOKEN = /^\{\{~?\s*(?:#|\/|\^|else\b)/;
const EXPRESSION = /\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}|\{\{[\s\S]*?\}\}/g;

export function protectBlocks(source: string): string {
  let verbatimDepth = 0;
  return source
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      const wrapped =
        verbatimDepth === 0 && BLOCK_LINE.test(trimmed)
          ? line.replace(trimmed, () => `<mj-raw>${trimmed}</mj-raw>`)
          : line;
      for (const match of line.matchAll(TAG)) {
        const [, closing, name, selfClosing] = match;
        if (!name || !ENDING_TAGS.has(name) || selfClosing) continue;
        verbatimDepth += closing ? -1 : 1;
      }
      return wrapped;
    })
    .join('\n');
}

/** The `{{…}}` expressions of a text, comments excluded (MJML may drop those, harmlessly). */
export function expressions(text: string): string[] {
  return (text.match(EXPRESSION) ?? []).filter((token) => !token.startsWith('{{!'));
}

/** Differences between two expression multisets: what the HTML lost and what it gained. */
export function compareExpressions(source: string, html: string): { lost: string[]; added: string[] } {
  const counts = new Map<string, number>();
  for (const token of expressions(source)) counts.set(token, (counts.get(token) ?? 0) + 1);
  const known = new Set(counts.keys());
  const added: string[] = [];
  for (const token of expressions(html)) {
    const left = counts.get(token) ?? 0;
    if (left > 0) counts.set(token, left - 1);
    // MJML repeats some values (the title also labels the body): harmless for a plain
    // expression, fatal for a block one (it would unbalance the template).
    else if (!known.has(token) || BLOCK_TOKEN.test(token)) added.push(token);
  }
  const lost = [...counts].flatMap(([token, left]) => Array<string>(left).fill(token));
  return { lost, added };
}

export class TemplateCompileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'TemplateCompileError';
  }
}

/** Compiles an MJML document whose text holds Handlebars expressions into Handlebars HTML source. */
export async function compileMjml(source: string, file: string): Promise<string> {
  const protectedSource = protectBlocks(source);
  let html: string;
  try {
    const result = await mjml2html(protectedSource, { validationLevel: 'strict', keepComments: false });
    html = result.html;
  } catch (error) {
    const details = (error as { errors?: { formattedMessage?: string }[] }).errors;
    const message = details?.map((item) => item.formattedMessage).join('; ') || (error as Error).message;
    throw new TemplateCompileError(file, `MJML error: ${message}`);
  }
  const { lost, added } = compareExpressions(protectedSource, html);
  if (lost.length > 0)
    throw new TemplateCompileError(
      file,
      `MJML dropped ${lost.join(' ')} (wrap it in <mj-raw> or put it inside an mj-text)`,
    );
  if (added.length > 0) throw new TemplateCompileError(file, `MJML output has unexpected ${added.join(' ')}`);
  // MJML indents generously; the indentation is insignificant in HTML and a third of the bytes.
  return html.replace(/\n[ \t]+/g, '\n').replace(/\n{2,}/g, '\n');
}
