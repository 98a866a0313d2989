import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type FieldIssue, invalid, MAX_DETAILS } from '../errors.js';

/**
 * Refuses, before any route sees it, input that no field could store: a NUL character
 * (PostgreSQL keeps none in text or jsonb) or a lone UTF-16 surrogate (not Unicode, so it
 * would be refused by jsonb or silently turned into "�" in text), and JSON nested deeper than
 * any order needs (serialising it again would exhaust the stack). One place, so that no
 * route can forget it.
 */

export const MAX_JSON_DEPTH = 32;

// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function problemIn(value: string): string | undefined {
  UNSTORABLE.lastIndex = 0;
  const match = UNSTORABLE.exec(value);
  if (!match) return undefined;
  return match[0] === '\u0000'
    ? 'contains a NUL character (\\u0000), which cannot be stored'
    : 'contains a lone surrogate (half of a UTF-16 pair), which is not valid Unicode';
}

/** A field name as it can be shown: unprintable characters escaped the JSON way. */
const shown = (key: string) => JSON.stringify(key).slice(1, -1);

class TooDeep extends Error {
  constructor(readonly path: string) {
    super('too deep');
  }
}

/** What was found: the first problems, and how many there were in all. */
interface Found<T extends FieldIssue = FieldIssue> {
  issues: T[];
  total: number;
}

function note<T extends FieldIssue>(found: Found<T>, issue: T): void {
  found.total++;
  if (found.issues.length < MAX_DETAILS) found.issues.push(issue);
}

function walk(value: unknown, path: string, depth: number, found: Found): void {
  if (typeof value === 'string') {
    const problem = problemIn(value);
    if (problem) note(found, { path, message: problem });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_JSON_DEPTH) throw new TooDeep(path);
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}.${i}`, depth + 1, found));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const problem = problemIn(key);
    if (problem) note(found, { path: `${path}.${shown(key)}`, message: `the field name ${problem}` });
    walk(item, `${path}.${shown(key)}`, depth + 1, found);
  }
}

/** A text body (a CSV file) is reported by line, as the CSV importer reports its own problems. */
function textIssues(text: string): Found<FieldIssue & { line: number }> {
  const found: Found<FieldIssue & { line: number }> = { issues: [], total: 0 };
  let line = 1;
  let from = 0;
  for (;;) {
    UNSTORABLE.lastIndex = from;
    const match = UNSTORABLE.exec(text);
    if (!match) break;
    for (let i = text.indexOf('\n', from); i !== -1 && i < match.index; i = text.indexOf('\n', i + 1)) line++;
    note(found, { path: `line ${line}`, line, message: problemIn(match[0]) ?? 'cannot be stored' });
    // One problem per line is enough to find it.
    const end = text.indexOf('\n', match.index);
    if (end === -1) break;
    line++;
    from = end + 1;
  }
  return found;
}

function check(request: FastifyRequest): void {
  const found: Found = { issues: [], total: 0 };
  try {
    walk(request.params, 'params', 1, found);
    walk(request.query, 'querystring', 1, found);
    if (typeof request.body === 'string') {
      const lines = textIssues(request.body);
      if (lines.total > 0) {
        const csv = /csv/i.test(request.headers['content-type'] ?? '');
        throw invalid(lines.issues, csv ? 'invalid_csv' : 'invalid_input', lines.total);
      }
    } else {
      walk(request.body, 'body', 1, found);
    }
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error;
    throw invalid([
      { path: error.path.split('.').slice(0, 4).join('.'), message: `nested more than ${MAX_JSON_DEPTH} levels deep` },
    ]);
  }
  if (found.total > 0) throw invalid(found.issues, 'invalid_input', found.total);
}

export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => check(request));
}
