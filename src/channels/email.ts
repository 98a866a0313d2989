import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { type BounceAddress, returnPathFor } from '../bounces/verp.js';
import { DeliveryError, type EmailSender, type OutgoingEmail } from './types.js';

export interface EmailOptions {
  /** The sending address, « Name <address> » or « address »: the name gives way to a message's fromName. */
  from: string;
  dkim?: { domainName: string; keySelector: string; privateKey: string } | undefined;
  /** Where returned mail goes: the envelope sender becomes this address tagged with the message id. */
  bounce?: BounceAddress | undefined;
}

const address = (r: { address: string; name?: string | undefined }) =>
  r.name ? { name: r.name, address: r.address } : r.address;

/** The Message-ID is derived from the message id, so a duplicate delivery is recognisable. */
export function messageIdFor(id: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'jalon.invalid';
  return `<${id}@${domain}>`;
}

/** The address part of « Name <address> ». */
export function addressOf(from: string): string {
  return /<([^<>\s]+)>\s*$/.exec(from)?.[1] ?? from.trim();
}

function mailOptions(message: OutgoingEmail, options: EmailOptions): Mail.Options {
  return {
    // The RAC's name with the service's own address: SPF, DKIM and DMARC stay aligned on it.
    from: message.fromName ? { name: message.fromName, address: addressOf(options.from) } : options.from,
    to: message.to.map(address),
    cc: message.cc.map(address),
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    subject: message.subject,
    html: message.html,
    text: message.text,
    messageId: messageIdFor(message.id, options.from),
    ...(options.bounce
      ? {
          envelope: {
            from: returnPathFor(options.bounce, message.id),
            to: [...message.to, ...message.cc].map((r) => r.address),
          },
        }
      : {}),
    headers: { 'X-Jalon-Message-Id': message.id },
    ...(message.attachments?.length
      ? {
          attachments: message.attachments.map((file) => ({
            filename: file.filename,
            content: file.content,
            contentType: file.contentType,
          })),
        }
      : {}),
    ...(message.calendar
      ? {
          icalEvent: {
            method: message.calendar.method,
            filename: message.calendar.filename,
            content: message.calendar.content,
          },
        }
      : {}),
  };
}

/** SMTP: a 4xx reply or a network problem is worth retrying; a 5xx reply is final. */
function classify(error: unknown): DeliveryError {
  const e = error as { responseCode?: number; code?: string; response?: string; message?: string };
  const reason = e.response ?? e.message ?? String(error);
  if (typeof e.responseCode === 'number') {
    return new DeliveryError(`SMTP ${e.responseCode}: ${reason}`, e.responseCode >= 500, { cause: error });
  }
  return new DeliveryError(`SMTP ${e.code ?? 'error'}: ${reason}`, false, { cause: error });
}

export function createSmtpSender(smtpUrl: string, options: EmailOptions): EmailSender {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 5,
    maxMessages: 500,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    ...(options.dkim ? { dkim: options.dkim } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(message) {
      try {
        const info = (await transport.sendMail(mailOptions(message, options))) as { messageId?: string };
        return { providerId: info.messageId ?? messageIdFor(message.id, options.from) };
      } catch (error) {
        throw classify(error);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** Development transport: each mail becomes an `.eml` file, exactly as SMTP would carry it. */
export function createOutboxEmailSender(dir: string, options: EmailOptions): EmailSender {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    async send(message) {
      const info = await transport.sendMail(mailOptions(message, options));
      await mkdir(join(dir, 'email'), { recursive: true });
      await writeFile(join(dir, 'email', `${message.id}.eml`), info.message as Buffer);
      return { providerId: String(info.messageId) };
    },
    async close() {},
  };
}
