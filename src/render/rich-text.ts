import { escapeHtml } from './brand.js';

/**
 * Editable blocks are plain text written by a person. In HTML they become paragraphs (blank
 * line) and line breaks (single newline); http(s) and mailto addresses, bare email addresses and
 * French phone numbers become links (mailto:, tel:); every other character is escaped, so a
 * block can never add markup, styles or other schemes.
 */

const URL_LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/.source;
const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/.source;
// 06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78, with any kind of space (blocks are typeset first).
const PHONE = /(?<![\d+])(?:\+33[ \u00a0\u202f.]?[1-9]|0[1-9])(?:[ \u00a0\u202f.-]?\d{2}){4}(?!\d)/.source;
const LINK = new RegExp(`${URL_LINK}|${EMAIL}|${PHONE}`, 'gi');
const TRAILING_PUNCTUATION = /[.,;:!?»]+$/;
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:', 'tel:']);

/** Normalises line endings and surrounding blank space, as stored and as shown in the text part. */
export function normaliseBlock(text: string): string {
  // Most blocks need nothing but a trim: skip the split/join when so.
  if (!/\r|[ \t]\n|\n\n\n/.test(text)) return text.trim();
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** An href value only if its scheme is one we allow (http, https, mailto, tel); otherwise null. */
export function safeHref(value: string): string | null {
  const trimmed = value.trim();
  try {
    const url = new URL(trimmed);
    return SAFE_PROTOCOLS.has(url.protocol) ? trimmed : null;
  } catch {
    return null;
  }
}

function splitTrailing(candidate: string): [string, string] {
  let url = candidate;
  let rest = '';
  const punctuation = TRAILING_PUNCTUATION.exec(url);
  if (punctuation) {
    rest = punctuation[0];
    url = url.slice(0, -rest.length);
  }
  // A closing parenthesis belongs to the sentence unless the URL opened one.
  if (url.endsWith(')') && !url.includes('(')) {
    rest = ')' + rest;
    url = url.slice(0, -1);
  }
  return [url, rest];
}

const MAY_LINK = /https?:\/\/|mailto:|@|\d\d/i;

/** The href of a bare email address or phone number, else null (a URL goes through safeHref). */
function bareHref(text: string): string | null {
  if (/^(?:https?:|mailto:)/i.test(text)) return null;
  if (text.includes('@')) return `mailto:${text}`;
  const digits = text.replace(/\D/g, '');
  return `tel:+33${digits.startsWith('33') ? digits.slice(2) : digits.slice(1)}`;
}

function linkifyLine(line: string, linkStyle: string): string {
  if (!MAY_LINK.test(line)) return escapeHtml(line);
  let html = '';
  let last = 0;
  for (const match of line.matchAll(LINK)) {
    const bare = bareHref(match[0]);
    if (bare) {
      html += `${escapeHtml(line.slice(last, match.index))}<a href="${escapeHtml(bare)}" style="${linkStyle}">${escapeHtml(match[0])}</a>`;
      last = (match.index ?? 0) + match[0].length;
      continue;
    }
    const [url, rest] = splitTrailing(match[0]);
    const href = safeHref(url);
    html += escapeHtml(line.slice(last, match.index));
    if (href && !/^mailto:$/i.test(href)) {
      const label = href.toLowerCase().startsWith('mailto:') ? href.slice(7) : href;
      html += `<a href="${escapeHtml(href)}" style="${linkStyle}">${escapeHtml(label)}</a>${escapeHtml(rest)}`;
    } else {
      html += escapeHtml(match[0]);
    }
    last = (match.index ?? 0) + match[0].length;
  }
  return html + escapeHtml(line.slice(last));
}

/**
 * Block text → HTML paragraphs, ready to be wrapped in a Handlebars SafeString. The last
 * paragraph has no bottom margin: the surrounding mj-text already spaces the blocks.
 */
export function blockToHtml(text: string, linkStyle: string): string {
  const normalised = normaliseBlock(text);
  if (normalised === '') return '';
  const paragraphs = normalised.split('\n\n');
  return paragraphs
    .map((paragraph, index) => {
      const margin = index === paragraphs.length - 1 ? '0' : '0 0 12px 0';
      return `<p style="margin:${margin};">${paragraph
        .split('\n')
        .map((line) => linkifyLine(line, linkStyle))
        .join('<br>')}</p>`;
    })
    .join('');
}
