import Handlebars from 'handlebars';
import { AppError } from '../errors.js';
import { type Brand, escapeHtml } from './brand.js';
import { blockToHtml, safeHref } from './rich-text.js';

export type HandlebarsEnv = ReturnType<typeof Handlebars.create>;
export type CompiledTemplate = (context: unknown) => string;

/**
 * An isolated Handlebars environment per renderer: our helpers and partials never leak into
 * (or get overridden by) another user of the handlebars module in the same process.
 */
export function createHandlebars(brand: Brand): HandlebarsEnv {
  const hb = Handlebars.create();
  const linkStyle = `color:${brand.colors.primary};text-decoration:underline;`;
  // The only way markup from a sender reaches the HTML: escaped, then linkified by us.
  hb.registerHelper(
    'block',
    (value: unknown) => new hb.SafeString(typeof value === 'string' ? blockToHtml(value, linkStyle) : ''),
  );
  // Every dynamic href goes through here: anything but http(s), mailto or tel becomes "#".
  hb.registerHelper('href', (value: unknown) => (typeof value === 'string' ? (safeHref(value) ?? '#') : '#'));
  // Text with line breaks (an address typed on two lines): escaped, each break a <br>.
  hb.registerHelper(
    'lines',
    (value: unknown) => new hb.SafeString(typeof value === 'string' ? escapeHtml(value).replace(/\r?\n/g, '<br>') : ''),
  );
  return hb;
}

const KNOWN_HELPERS = { block: true, href: true, lines: true } as const;
const RUNTIME_OPTIONS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

/**
 * Compiles now (Handlebars compiles lazily on first call; a syntax error must surface at
 * startup, not on a client's message). `html` chooses HTML escaping; text parts, subjects and
 * SMS bodies are not HTML and must not receive entities.
 */
export function compileHandlebars(hb: HandlebarsEnv, source: string, file: string, html: boolean): CompiledTemplate {
  // data: false — no template uses @index/@root, and data frames cost an allocation per block.
  const options = { strict: true, noEscape: !html, knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true, data: false };
  const template = hb.compile(source, options);
  try {
    hb.precompile(source, options);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  return (context: unknown) => {
    try {
      return template(context, RUNTIME_OPTIONS);
    } catch (error) {
      throw translateError(error, source, file);
    }
  };
}

const NOT_DEFINED = /^"([^"]+)" not defined in .* - (\d+):(\d+)$/;

/** Strict-mode "x not defined" → a 422 naming the full variable path where we can find it. */
function translateError(error: unknown, source: string, file: string): unknown {
  const match = error instanceof Error ? NOT_DEFINED.exec(error.message) : null;
  if (!match) return error;
  const [, name = '?', line = '1', column = '0'] = match;
  const text = source.split('\n')[Number(line) - 1] ?? '';
  // The message names only the missing segment; the source at line:column has the full path.
  const segments = /^[@A-Za-z0-9_./-]+/.exec(text.slice(Number(column)))?.[0].split('.') ?? [];
  const at = segments.indexOf(name);
  const variable = at >= 0 ? segments.slice(0, at + 1).join('.') : name;
  return new AppError('template_variable_missing', 422, `template variable missing: ${variable} (${file})`, {
    details: [{ path: variable, message: `not provided to template ${file}` }],
    cause: error,
  });
}
