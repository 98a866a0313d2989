import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';

const DIR = fileURLToPath(new URL('../fixtures/bounces/', import.meta.url));

/** A returned mail from a fixture, addressed to the return path of the message it answers. */
export function bounceFrom(name: string, values: { returnPath: string; recipient: string; messageId: string }): string {
  return readFileSync(`${DIR}${name}.eml`, 'utf8')
    .replaceAll('{{RETURN_PATH}}', values.returnPath)
    .replaceAll('{{RECIPIENT}}', values.recipient)
    .replaceAll('{{LOCAL}}', values.recipient.split('@')[0] ?? '')
    .replaceAll('{{MESSAGE_ID}}', values.messageId)
    .replace(/\r?\n/g, '\r\n');
}

/**
 * Hands a mail to an SMTP server as a remote mail server returns one: null sender, the
 * return path as recipient. Resolves with the server's answer, or rejects with its refusal.
 */
export async function returnMail(port: number, to: string, raw: string | Buffer): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope: { from: '', to: [to] }, raw });
    return String(info.response);
  } finally {
    transport.close();
  }
}
