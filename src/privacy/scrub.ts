import Handlebars from 'handlebars';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Finding one person's data in text that was written for them: their address and number in
 * every spelling a template or a person uses, their names alone and together. Erasing a little
 * too much (a homonym in the same order) is the acceptable side of the trade.
 */

export const ERASED = '[effacé]';

export interface PersonalData {
  civility?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  mobile?: string | null;
}

export interface Tokens {
  /** Addresses and numbers: also erased inside HTML tags (mailto:, tel:). */
  strong: string[];
  /** Names: erased in text only, so that markup survives a name such as "Table". */
  names: string[];
}

function phoneSpellings(value: string): string[] {
  const parsed = parsePhoneNumberFromString(value, 'FR');
  if (!parsed) return [value];
  const national = parsed.formatNational();
  const digits = national.replace(/\D/g, '');
  return [value, parsed.number, parsed.formatInternational(), national, digits, national.replace(/ /g, '.')];
}

// What Handlebars' escaping makes of a name, so that names are found in rendered HTML too.
const escapeHtml = (value: string) => Handlebars.Utils.escapeExpression(value);

const unique = (values: (string | null | undefined)[]) =>
  [...new Set(values.filter((v): v is string => typeof v === 'string' && v.trim().length >= 2).map((v) => v.trim()))]
    // Longest first: "Léa Lambert" must go as a whole before "Léa" alone.
    .sort((a, b) => b.length - a.length);

export function personalTokens(person: PersonalData): Tokens {
  const { firstName, lastName, civility } = person;
  const names = [
    firstName && lastName ? `${firstName} ${lastName}` : undefined,
    firstName && lastName ? `${lastName} ${firstName}` : undefined,
    civility && lastName ? `${civility} ${lastName}` : undefined,
    lastName,
    firstName,
  ];
  return {
    strong: unique([person.email, ...(person.mobile ? phoneSpellings(person.mobile) : [])]),
    names: unique([...names, ...names.map((name) => (name ? escapeHtml(name) : undefined))]),
  };
}

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function pattern(tokens: string[]): RegExp | undefined {
  if (tokens.length === 0) return undefined;
  // Whole words only, letters of any script: "Léa" is not erased from "Léandre".
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${tokens.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
}

export function scrubText(text: string, tokens: Tokens): string {
  const re = pattern([...tokens.strong, ...tokens.names]);
  return re ? text.replace(re, ERASED) : text;
}

/** Text between tags loses names and addresses; inside tags only addresses and numbers go. */
export function scrubHtml(html: string, tokens: Tokens): string {
  const strong = pattern(tokens.strong);
  return html
    .split(/(<[^>]*>)/)
    .map((part) => (part.startsWith('<') ? (strong ? part.replace(strong, ERASED) : part) : scrubText(part, tokens)))
    .join('');
}

/** Every string inside a JSON value (keys are ours, never personal). */
export function scrubJson<T>(value: T, tokens: Tokens): T {
  if (typeof value === 'string') return scrubText(value, tokens) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => scrubJson(item, tokens)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubJson(v, tokens)])) as T;
  }
  return value;
}
