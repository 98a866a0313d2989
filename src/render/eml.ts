import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { EmailResult, EmlEnvelope } from './types.js';

function domainOf(address: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(address);
  return match?.[1] ?? 'localhost';
}

/**
 * A complete RFC 5322 message: Date, Message-ID, multipart/alternative with the text part
 * first (clients show the last part they understand), UTF-8 throughout; attachments (the site
 * list of a large order) make it multipart/mixed around that.
 */
export async function buildEml(result: EmailResult, envelope: EmlEnvelope): Promise<Buffer> {
  const composer = new MailComposer({
    from: envelope.from,
    to: envelope.to,
    cc: envelope.cc,
    replyTo: envelope.replyTo,
    subject: result.subject,
    text: result.text,
    html: result.html,
    messageId: envelope.messageId ?? `<${randomUUID()}@${domainOf(envelope.from)}>`,
    date: envelope.date ?? new Date(),
    textEncoding: 'quoted-printable',
    ...(result.attachments?.length
      ? {
          attachments: result.attachments.map((file) => ({
            filename: file.filename,
            content: file.content,
            contentType: file.contentType,
          })),
        }
      : {}),
  });
  return composer.compile().build();
}
