/**
 * Just enough MIME to read a returned mail: header fields, and the parts of a multipart body.
 * A report's machine-readable parts (message/delivery-status, message/feedback-report) are
 * header blocks themselves, which general mail parsers fold into the text; reading the
 * structure directly keeps them apart whatever the remote server wrote around them.
 */

export type Headers = Map<string, string[]>;

export interface Part {
  headers: Headers;
  /** The content type, lower-cased, without parameters. */
  type: string;
  params: Record<string, string>;
  /** The decoded body (base64 and quoted-printable undone), as text. */
  body: string;
  parts: Part[];
}

export class MalformedMail extends Error {
  constructor(reason: string) {
    super(`malformed mail: ${reason}`);
    this.name = 'MalformedMail';
  }
}

const FIELD = /^([!-9;-~]+):[ \t]*(.*)$/;
const MAX_DEPTH = 6;

/** Header fields of a block (folded lines joined); throws on a line that is no field. */
export function parseHeaders(block: string, strict = true): Headers {
  const headers: Headers = new Map();
  const lines = block.replace(/\r\n/g, '\n').split('\n');
  let name: string | undefined;
  let value = '';
  const flush = () => {
    if (name) headers.set(name, [...(headers.get(name) ?? []), value.trim()]);
  };
  for (const line of lines) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && name) {
      value += ` ${line.trim()}`;
      continue;
    }
    const match = FIELD.exec(line);
    if (!match) {
      if (strict) throw new MalformedMail('a header line is not a field');
      continue;
    }
    flush();
    name = match[1]!.toLowerCase();
    value = match[2] ?? '';
  }
  flush();
  return headers;
}

export const header = (headers: Headers, name: string): string | undefined => headers.get(name)?.[0];

function contentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    params[param.slice(0, eq).trim().toLowerCase()] = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

function decode(body: string, encoding: string | undefined): string {
  const kind = encoding?.trim().toLowerCase();
  if (kind === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (kind === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function split(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return { head: text, body: '' };
  return { head: text.slice(0, match.index), body: text.slice(match.index + match[0].length) };
}

function parsePart(text: string, depth: number, strict: boolean): Part {
  const { head, body } = split(text);
  const headers = parseHeaders(head, strict);
  const { type, params } = contentType(header(headers, 'content-type'));
  const part: Part = { headers, type, params, body: '', parts: [] };
  if (type.startsWith('multipart/') && params.boundary && depth < MAX_DEPTH) {
    const delimiter = `--${params.boundary}`;
    const chunks = body.split(new RegExp(`(?:^|\\r?\\n)${delimiter.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    // The preamble before the first delimiter and the epilogue after the closing one are not parts.
    for (const chunk of chunks.slice(1)) {
      if (chunk.startsWith('--')) break;
      part.parts.push(parsePart(chunk.replace(/^[ \t]*\r?\n/, ''), depth + 1, false));
    }
    return part;
  }
  part.body = decode(body, header(headers, 'content-transfer-encoding'));
  return part;
}

/** A whole mail; throws MalformedMail when it is not one (no header section, binary content). */
export function parseMail(raw: Buffer | string): Part {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.includes('\u0000')) throw new MalformedMail('binary content');
  const { head } = split(text.replace(/^(\r?\n)+/, ''));
  const headers = parseHeaders(head);
  if (!header(headers, 'from') && !header(headers, 'content-type')) throw new MalformedMail('no From or Content-Type');
  return parsePart(text.replace(/^(\r?\n)+/, ''), 0, true);
}

/** Every part, depth first. */
export function* walk(part: Part): Generator<Part> {
  yield part;
  for (const child of part.parts) yield* walk(child);
}
