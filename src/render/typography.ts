import TypografModule from 'typograf';
import type * as TypografTypes from 'typograf';
import { memo } from './memo.js';

// Its types describe the CommonJS build; imported as ESM, the default export is the class itself.
const Typograf = TypografModule as unknown as typeof TypografTypes.default.default;

/**
 * French typography (Typograf with the French locale, plus the French spacing rules it leaves
 * to its users): a narrow no-break space (U+202F) before « ; : ! ? », inside « », between the
 * groups of a number, a phone number or a time (« 8 h 30 », « 24 h/24 »); a no-break space
 * (U+00A0) after « n° », « réf. », « Tél. », « M. », « Mme »; curly apostrophes; an ellipsis.
 * So no line can start with « : » or « » », and a phone number or a time never splits.
 *
 * Templates are typeset once, when they are compiled (Handlebars expressions and HTML tags are
 * left untouched); what callers give (names, labels, blocks…) is typeset per message through
 * `typesetText`, which returns at once for a string no rule would change and remembers the rest.
 */

const NNBSP = '\u202f';
const NBSP = '\u00a0';

// Rules only add spaces where the writer put one: "Tel:0612" or "a;b" are data, not prose.
const FRENCH_RULES = [
  {
    name: 'fr/nbsp/beforePunctuation',
    // U+F000 starts Typograf's placeholder of a hidden tag: "étape :</strong>".
    handler: (text: string) => text.replace(/[ \u00a0\u202f]+(?=[;:!?](?:[\s)»"’'.,\uf000]|$))/g, NNBSP),
  },
  {
    name: 'fr/nbsp/numberGroups',
    handler: (text: string) => text.replace(/(\d)[ \u00a0](?=\d{3}(?!\d))/g, `$1${NNBSP}`),
  },
  {
    name: 'fr/nbsp/phone',
    handler: (text: string) =>
      text.replace(/(?:\+\d{1,3}|\b0\d)(?:[ \u00a0.]\d{1,4}){3,5}\b/g, (phone) => phone.replace(/[ \u00a0]/g, NNBSP)),
  },
  {
    name: 'fr/nbsp/units',
    handler: (text: string) =>
      text
        .replace(/(\d)[ \u00a0](h|min|j|%|€)(?![\p{L}\d])/gu, `$1${NNBSP}$2`)
        .replace(/(\d\u202fh)[ \u00a0](?=\d\d\b)/g, `$1${NNBSP}`),
  },
  {
    name: 'fr/nbsp/afterAbbreviation',
    handler: (text: string) =>
      text.replace(/(^|[\s(])(n°|N°|réf\.|Réf\.|Tél\.|tél\.|M\.|Mme|MM\.) (?=\S)/g, `$1$2${NBSP}`),
  },
];
for (const rule of FRENCH_RULES) if (!Typograf.getRule(rule.name)) Typograf.addRule(rule);

const ENABLED = [
  'common/punctuation/quote',
  'common/punctuation/apostrophe',
  'common/punctuation/hellip',
  ...FRENCH_RULES.map((rule) => rule.name),
];

const typograf = new Typograf({
  locale: ['fr'],
  disableRule: '*',
  enableRule: ENABLED,
  htmlEntity: { type: 'default' },
});
// Handlebars expressions are template syntax, not prose.
typograf.addSafeTag(/\{\{[\s\S]*?\}\}/g);

/** Typesets a template source (HTML or text with Handlebars expressions): once, at compile time. */
export function typesetTemplate(source: string): string {
  return typograf.execute(source);
}

/** What some rule could change: anything else is returned as is, without calling Typograf. */
const MAY_CHANGE =
  /["'«»]|\.\.\.|\s[;:!?]|\d[ \u00a0]\d|\d[ \u00a0](?:h|min|j|%|€)|(?:n°|réf\.|Tél\.|tél\.|M\.|Mme|MM\.) /;

const typesetMemo = memo((text: string) => typograf.execute(text), 5000);

/** Typesets a caller's string (a name, a label, a block): cheap when there is nothing to do. */
export function typesetText(text: string): string {
  return MAY_CHANGE.test(text) ? typesetMemo(text) : text;
}

/**
 * Unicode bidi: a caller's string must not reorder what surrounds it, nor display reversed
 * (« evil » after U+202E reads « live »). Explicit embeddings, overrides and isolates are
 * removed, and a string holding right-to-left letters is wrapped in an isolate (FSI … PDI).
 * Left-to-right text, nearly all of it, is returned as is.
 */
const BIDI =
  /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]|[\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]|[\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

export function stripBidiControls(text: string): string {
  return BIDI.test(text) ? text.replace(BIDI_CONTROLS, '') : text;
}

export function isolateBidi(text: string): string {
  if (!BIDI.test(text)) return text;
  const stripped = text.replace(BIDI_CONTROLS, '');
  return RTL.test(stripped) ? `\u2068${stripped}\u2069` : stripped;
}

/** Anything typesetText or isolateBidi would change; most strings (names, references, cities) have none. */
const MAY_DISPLAY_CHANGE = new RegExp(`${MAY_CHANGE.source}|${BIDI.source}`, 'u');

/** What a mail shows of a caller's string: French typography, bidi-isolated. */
export function displayText(text: string): string {
  return MAY_DISPLAY_CHANGE.test(text) ? isolateBidi(typesetText(text)) : text;
}

const URI = /^(?:https?:\/\/|mailto:|tel:)\S*$/i;

/**
 * Applies `text` to every string of plain objects and arrays (links excepted), returning
 * copies: the context of a message, typeset in one pass whatever the template reads.
 */
export function mapStrings<T>(value: T, text: (value: string) => string): T {
  if (typeof value === 'string') return (value.includes(':') && URI.test(value) ? value : text(value)) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, text)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = mapStrings((value as Record<string, unknown>)[key], text);
  return out as T;
}
