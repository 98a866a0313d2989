import type { Project } from '../projects/schema.js';
import { fullName } from './phrasing.js';
import { sitesFileName, type SiteNote } from './sites.js';
import type { Attachment } from './types.js';

/**
 * The full site list of a large order, as a file a spreadsheet opens as is: UTF-8 with a byte
 * order mark (or Excel reads the accents as Windows-1252), semicolons (the French list
 * separator), CRLF. A cell that a spreadsheet would take for a formula (= + - @) is prefixed
 * with an apostrophe: the values come from order tools and must never run as formulas.
 */

const HEADER = [
  'Référence',
  'Site',
  'Adresse',
  'Code postal',
  'Ville',
  'Rôle',
  'Accès actuel',
  'Accès prévu',
  'Contact sur place',
  'Remarque',
];

const NEEDS_QUOTES = /[";\r\n]|^\s|\s$/;
const FORMULA = /^[=+\-@\t\r]/;

function cell(value: string): string {
  const safe = FORMULA.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function occurrences(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) n++;
  return n;
}

/** Blank at either end, or = + - @ first: the cell needs an apostrophe or quotes. */
function edgy(value: string): boolean {
  if (value === '') return false;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  return first <= 32 || last <= 32 || first === 61 || first === 43 || first === 45 || first === 64;
}

export function sitesCsv(project: Project, notes: readonly SiteNote[]): Attachment {
  const contacts = new Map(project.contacts.map((contact) => [contact.id, fullName(contact)]));
  const noteOf = new Map<string, string>();
  for (const item of notes)
    noteOf.set(item.siteRef, noteOf.has(item.siteRef) ? `${noteOf.get(item.siteRef)} ; ${item.note}` : item.note);
  const rows = project.sites.map((site) => [
    site.ref,
    site.name,
    site.address,
    site.postalCode,
    site.city,
    site.role === 'main' ? 'principal' : 'distant',
    site.access?.current ?? '',
    site.access?.target ?? '',
    (site.contactId && contacts.get(site.contactId)) || '',
    noteOf.get(site.ref) ?? '',
  ]);
  const header = `\ufeff${HEADER.join(';')}\r\n`;
  // Nearly every list is plain text: written as is, then checked once as a whole (as many
  // separators and line ends as expected, no quote); only otherwise is each cell quoted.
  let content = header;
  let edges = false;
  for (const values of rows) {
    for (let index = 0; index < values.length; index++) {
      const value = values[index] ?? '';
      if (edgy(value)) edges = true;
      content += index === 0 ? value : `;${value}`;
    }
    content += '\r\n';
  }
  const lines = rows.length + 1;
  const plain =
    !edges &&
    !content.includes('"') &&
    occurrences(content, ';') === lines * (HEADER.length - 1) &&
    occurrences(content, '\n') === lines &&
    occurrences(content, '\r') === lines;
  if (!plain) content = header + rows.map((values) => `${values.map(cell).join(';')}\r\n`).join('');
  return { filename: sitesFileName(project.orderNumber), contentType: 'text/csv; charset=utf-8', content };
}
