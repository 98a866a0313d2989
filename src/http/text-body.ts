import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** How a text body (a CSV file) was written: UTF-8, or Windows-1252 as French Excel saves it. */
    textEncoding: TextEncoding | null;
  }
}

export type TextEncoding = 'utf-8' | 'windows-1252';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const windows1252 = new TextDecoder('windows-1252');

/**
 * Bytes that are valid UTF-8 are read as UTF-8 (a BOM is dropped); anything else is read as
 * Windows-1252, what Excel writes for « CSV (séparateur : point-virgule) » on a French Windows.
 * Every byte sequence means something in Windows-1252, so no file is refused for its encoding.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncoding } {
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: windows1252.decode(bytes), encoding: 'windows-1252' };
  }
}

/** Text bodies (CSV files) are read as bytes and decoded here, their encoding kept on the request. */
export function registerTextBodies(app: FastifyInstance): void {
  app.decorateRequest('textEncoding', null);
  app.addContentTypeParser(
    ['text/csv', 'text/plain', 'application/csv'],
    { parseAs: 'buffer' },
    (request, body, done) => {
      const { text, encoding } = decodeText(body as Buffer);
      request.textEncoding = encoding;
      done(null, text);
    },
  );
}
