import { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * Keyset pagination cursors: the sort value and the id of the last row of a page, opaque to
 * callers. A page never repeats or skips a row when rows are added meanwhile, unlike offsets.
 */

export const cursorParam = z.string().max(300).optional().describe('the nextCursor of the previous page');

/** `sort`: the order the page was read in; a cursor of another order is refused. */
export function encodeCursor(sort: string, value: string, id: string): string {
  return Buffer.from(JSON.stringify([sort, value, id])).toString('base64url');
}

export function decodeCursor(cursor: string, sort: string): { value: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  const parts =
    Array.isArray(parsed) && parsed.length === 3 && parsed.every((part) => typeof part === 'string')
      ? (parsed as [string, string, string])
      : undefined;
  const message = !parts
    ? 'not a cursor this service gave'
    : parts[0] !== sort
      ? `a cursor of a page sorted by ${parts[0]}, not ${sort}: start again without cursor`
      : undefined;
  if (message || !parts) {
    throw new AppError('invalid_input', 400, `querystring.cursor: ${message ?? ''}`, {
      details: [{ path: 'querystring.cursor', message: message ?? '' }],
    });
  }
  return { value: parts[1], id: parts[2] };
}

/** `limit`: 50 unless said, at most 200. */
export const limitParam = z.coerce
  .number({ error: 'a whole number from 1 to 200' })
  .int('a whole number from 1 to 200')
  .min(1, 'at least 1')
  .max(200, 'at most 200')
  .default(50);
