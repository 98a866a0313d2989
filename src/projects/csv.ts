import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { formatPath } from '../errors.js';
import { postalCode, ref, text } from './fields.js';
import { findSiteIssues, type Site } from './schema.js';
import { fold } from './search-text.js';

/**
 * Site lists come from spreadsheet exports: `;` (French Excel) or `,`, often with a UTF-8 BOM,
 * quoted cells containing newlines, and headers in French or English. Columns are matched
 * without regard to case, accents, spaces or punctuation.
 */

const COLUMN_ALIASES: Record<string, string[]> = {
  ref: ['ref', 'reference', 'refsite', 'siteref', 'codesite', 'referencesite'],
  name: ['name', 'nom', 'nomsite', 'nomdusite', 'sitename', 'libelle', 'site'],
  address: ['address', 'adresse', 'street', 'rue'],
  postalCode: ['postalcode', 'codepostal', 'cp', 'zip', 'zipcode'],
  city: ['city', 'ville', 'commune'],
  role: ['role', 'type', 'typesite'],
  contactId: ['contactid', 'contact', 'idcontact'],
  accessCurrent: ['accesscurrent', 'currentaccess', 'accesactuel', 'accesexistant', 'acces'],
  accessTarget: ['accesstarget', 'targetaccess', 'accescible', 'accesfutur'],
};
const REQUIRED = ['ref', 'name', 'address', 'postalCode', 'city'];

export const SITE_CSV_COLUMNS = COLUMN_ALIASES;

const ROLE_WORDS: Record<string, 'main' | 'remote'> = {
  main: 'main',
  principal: 'main',
  siege: 'main',
  remote: 'remote',
  distant: 'remote',
  secondaire: 'remote',
  agence: 'remote',
};

const normaliseHeader = (header: string) =>
  header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

const normaliseWord = (value: string) => normaliseHeader(value);

const rowSchema = z.strictObject({
  ref,
  name: text(120),
  address: text(200),
  postalCode,
  city: text(100),
  role: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return 'remote' as const;
      const role = ROLE_WORDS[normaliseWord(value)];
      if (!role) {
        ctx.addIssue({ code: 'custom', message: 'expected main/principal or remote/distant' });
        return z.NEVER;
      }
      return role;
    }),
  // A contact's id, email or name, resolved against the order's contacts after the line is read.
  contactId: text(200).optional(),
  accessCurrent: text(60).optional(),
  accessTarget: text(60).optional(),
});

/** What a contact cell may name: the contact's id, email, or name (« Prénom Nom », « Nom Prénom », « Nom »). */
export interface CsvContact {
  id: string;
  email?: string | undefined;
  firstName?: string | undefined;
  lastName: string;
}

const CIVILITY = /^(m\.?|mme\.?|mlle\.?|monsieur|madame|mademoiselle)\s+/;
const nameKey = (value: string) =>
  fold(value)
    .replace(/[\s-]+/g, ' ')
    .trim()
    .replace(CIVILITY, '');

/** Resolves a contact cell to a contact id, or says why it cannot. */
function contactResolver(contacts: readonly CsvContact[]) {
  const byId = new Set(contacts.map((c) => c.id));
  const byEmail = new Map<string, Set<string>>();
  for (const c of contacts) {
    if (c.email) byEmail.set(c.email.toLowerCase(), (byEmail.get(c.email.toLowerCase()) ?? new Set()).add(c.id));
  }
  const byName = new Map<string, Set<string>>();
  for (const c of contacts) {
    const names = [
      c.lastName,
      ...(c.firstName ? [`${c.firstName} ${c.lastName}`, `${c.lastName} ${c.firstName}`] : []),
    ];
    for (const name of names) {
      const key = nameKey(name);
      byName.set(key, (byName.get(key) ?? new Set()).add(c.id));
    }
  }
  return (cell: string): { id: string } | { error: string } => {
    if (byId.has(cell)) return { id: cell };
    const named = [...(byEmail.get(cell.toLowerCase()) ?? byName.get(nameKey(cell)) ?? [])];
    if (named.length === 1) return { id: named[0]! };
    if (named.length > 1)
      return {
        error: `"${cell}" names several contacts of this order (${named.join(', ')}): give the id or the email`,
      };
    return { error: `unknown contact "${cell}": give the id, the email or the name of one of this order's contacts` };
  };
}

export interface CsvIssue {
  line: number;
  path: string;
  message: string;
}

export type CsvResult = { ok: true; sites: Site[]; ignoredColumns: string[] } | { ok: false; issues: CsvIssue[] };

export interface CsvLimits {
  /** Site lines after the header; more is refused before the rest is read. */
  maxRows: number;
}

// A file is parsed a slice at a time, and its lines checked a batch at a time, with a turn of
// the event loop in between: an import of thousands of lines never holds other requests.
const SLICE_BYTES = 64 * 1024;
const LINES_PER_TURN = 250;

interface ParsedRecord {
  record: string[];
  info: { bytes: number };
}

async function* slices(buffer: Buffer): AsyncGenerator<Buffer> {
  for (let start = 0; start < buffer.length; start += SLICE_BYTES) {
    await nextTurn();
    yield buffer.subarray(start, start + SLICE_BYTES);
  }
}

function detectDelimiter(content: string): ';' | ',' {
  const firstLine = content.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return (firstLine.match(/;/g)?.length ?? 0) >= (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/**
 * The line on which each record starts, from the byte offsets csv-parse reports at the end of
 * each record: blank lines are skipped and quoted line breaks counted, whatever the line ends.
 */
function lineCounter(buffer: Buffer, headerEnd: number): (recordEnd: number) => number {
  let start = headerEnd;
  let line = 1 + countNewlines(buffer, 0, headerEnd);
  return (recordEnd) => {
    let first = start;
    while (buffer[first] === 0x0d || buffer[first] === 0x0a) first++;
    line += countNewlines(buffer, start, first);
    const result = line;
    line += countNewlines(buffer, first, recordEnd);
    start = recordEnd;
    return result;
  };
}

function countNewlines(buffer: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (buffer[i] === 0x0a) count++;
  return count;
}

/** The records of a file, read a slice at a time; a syntax error rejects with csv-parse's error. */
async function* recordsOf(buffer: Buffer, delimiter: string): AsyncGenerator<ParsedRecord> {
  const parser = parse({
    bom: true,
    delimiter,
    info: true,
    record_delimiter: ['\r\n', '\n'],
    skip_empty_lines: true,
    relax_column_count: true,
  });
  const feeding = pipeline(Readable.from(slices(buffer)), parser);
  // Reading stops early on too many lines: the feeding then ends with a premature close.
  feeding.catch(() => {});
  for await (const record of parser) yield record as ParsedRecord;
  await feeding;
}

export async function parseSitesCsv(
  content: string,
  contacts: readonly CsvContact[],
  limits: CsvLimits = { maxRows: 5000 },
): Promise<CsvResult> {
  const buffer = Buffer.from(content, 'utf8');
  const records = recordsOf(buffer, detectDelimiter(content));
  try {
    return await readRecords(records, buffer, contacts, limits);
  } catch (error) {
    const e = error as { lines?: number; message: string; code?: string };
    if (!e.code?.startsWith('CSV_')) throw error;
    return { ok: false, issues: [{ line: e.lines ?? 1, path: 'csv', message: e.message }] };
  } finally {
    await records.return(undefined);
  }
}

async function readRecords(
  records: AsyncGenerator<ParsedRecord>,
  buffer: Buffer,
  contacts: readonly CsvContact[],
  limits: CsvLimits,
): Promise<CsvResult> {
  const resolveContact = contactResolver(contacts);
  const first = await records.next();
  const header = first.done ? undefined : first.value;
  if (!header)
    return { ok: false, issues: [{ line: 1, path: 'csv', message: 'the file is empty: expected a header line' }] };

  const columns = header.record.map((name) => {
    const key = normaliseHeader(name);
    return Object.entries(COLUMN_ALIASES).find(([, aliases]) => aliases.includes(key))?.[0];
  });
  const ignoredColumns = header.record.filter((_, i) => columns[i] === undefined && header.record[i]?.trim());
  const twice = columns.find((column, i) => column !== undefined && columns.indexOf(column) !== i);
  if (twice) {
    const names = header.record.filter((_, i) => columns[i] === twice).map((name) => `"${name}"`);
    return {
      ok: false,
      issues: [{ line: 1, path: twice, message: `columns ${names.join(' and ')} both give ${twice}: keep one` }],
    };
  }
  const missing = REQUIRED.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    return {
      ok: false,
      issues: missing.map((column) => ({
        line: 1,
        path: column,
        message: `missing column "${column}" (accepted headers: ${COLUMN_ALIASES[column]?.join(', ')})`,
      })),
    };
  }

  const issues: CsvIssue[] = [];
  const sites: Site[] = [];
  const lines: number[] = [];
  const lineOf = lineCounter(buffer, header.info.bytes);
  let count = 0;
  for await (const { record, info } of records) {
    const line = lineOf(info.bytes);
    if (++count > limits.maxRows) {
      return {
        ok: false,
        issues: [
          {
            line,
            path: 'csv',
            message: `at most ${limits.maxRows} site lines per import, and this file has more: split it`,
          },
        ],
      };
    }
    if (count % LINES_PER_TURN === 0) await nextTurn();
    // Spreadsheets export empty rows as ";;;;": they carry nothing.
    if (record.every((cell) => cell.trim() === '')) continue;
    if (record.length !== header.record.length) {
      issues.push({ line, path: 'csv', message: `expected ${header.record.length} cells, found ${record.length}` });
      continue;
    }
    const raw: Record<string, string> = {};
    columns.forEach((column, i) => {
      // A quoted line break (an address on two lines) is kept, as one \n whatever the file's line ends.
      const cell = record[i]?.trim().replace(/\r\n?/g, '\n');
      if (column && cell) raw[column] = cell;
    });
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        issues.push({ line, path: formatPath(issue.path), message: issue.message });
      continue;
    }
    const { accessCurrent, accessTarget, contactId: contactCell, ...fields } = parsed.data;
    let site: Omit<Site, 'access'> = fields;
    if (contactCell) {
      const contact = resolveContact(contactCell);
      if ('error' in contact) {
        issues.push({ line, path: 'contactId', message: contact.error });
        continue;
      }
      site = { ...fields, contactId: contact.id };
    }
    const access = accessCurrent || accessTarget ? { current: accessCurrent, target: accessTarget } : undefined;
    sites.push({ ...site, ...(access ? { access: JSON.parse(JSON.stringify(access)) as typeof access } : {}) });
    lines.push(line);
  }
  if (sites.length === 0 && issues.length === 0)
    issues.push({ line: 2, path: 'csv', message: 'no site lines after the header' });

  // Cross-line rules (duplicate refs, unknown contacts) are the order's own checks.
  const firstLine = new Map<string, number>();
  sites.forEach((site, i) => {
    if (!firstLine.has(site.ref)) firstLine.set(site.ref, lines[i] ?? 0);
  });
  for (const issue of findSiteIssues(sites, new Set(contacts.map((c) => c.id)))) {
    const site = sites[issue.index];
    // The file's own line numbers, never positions in the list.
    const message =
      issue.field === 'ref' && site
        ? `duplicate site ref "${site.ref}" (already on line ${firstLine.get(site.ref) ?? '?'})`
        : issue.message;
    issues.push({ line: lines[issue.index] ?? 0, path: issue.field, message });
  }

  if (issues.length > 0) return { ok: false, issues: issues.sort((a, b) => a.line - b.line) };
  return { ok: true, sites, ignoredColumns };
}
