import { header, type Headers, parseHeaders, parseMail, type Part, walk } from './mime.js';

/**
 * What a returned mail says: a delivery status notification (RFC 3464) with one verdict per
 * recipient, a complaint (RFC 5965 feedback report), or something else (an auto-reply, a
 * bounce in no standard form), which is kept and counted but acted on by no one.
 */

export type Verdict = 'hard' | 'soft' | 'delayed';

export interface RecipientStatus {
  /** The address the report is about (Final-Recipient), lower-cased. */
  recipient: string | undefined;
  verdict: Verdict;
  /** The enhanced status code (RFC 3463), e.g. 5.1.1. */
  status: string;
  /** The remote server's words (Diagnostic-Code), unfolded, at most 500 characters. */
  diagnostic: string | undefined;
}

/** What identifies the original message in the returned copy of its headers. */
export interface Original {
  jalonId?: string | undefined;
  messageId?: string | undefined;
  /**
   * Envelope senders the report quotes (a feedback report's Original-Mail-From, the returned
   * copy's Return-Path): our signed return path, when the report went to the bare address.
   */
  returnPaths: string[];
}

export type Report =
  | { kind: 'dsn'; recipients: RecipientStatus[]; original: Original }
  | { kind: 'complaint'; feedbackType: string; recipient: string | undefined; original: Original }
  | { kind: 'unknown'; original: Original };

const STATUS = /^([245])\.\d{1,3}\.\d{1,3}$/;

/** `rfc822; someone@example.com` → `someone@example.com`. */
function addressOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const address = value
    .replace(/^[^;]*;/, '')
    .trim()
    .replace(/^<(.*)>$/, '$1');
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address) ? address.toLowerCase() : undefined;
}

/** Header blocks separated by blank lines (a delivery-status body: per-message, then per-recipient). */
function blocks(body: string): Headers[] {
  return body
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => parseHeaders(block, false));
}

function verdictOf(action: string, status: string): Verdict | undefined {
  const action_ = action.toLowerCase();
  if (action_ === 'delayed') return 'delayed';
  if (action_ !== 'failed') return undefined;
  return status.startsWith('5.') ? 'hard' : 'soft';
}

function recipientsOf(part: Part): RecipientStatus[] {
  const found: RecipientStatus[] = [];
  for (const fields of blocks(part.body)) {
    const action = header(fields, 'action');
    // Some servers add a comment after the code: « 5.1.1 (bad destination mailbox) ».
    const status = header(fields, 'status')?.split(/\s/)[0] ?? '';
    if (!action || !STATUS.test(status)) continue;
    const verdict = verdictOf(action, status);
    if (!verdict) continue;
    const diagnostic = header(fields, 'diagnostic-code')
      ?.replace(/^[^;]*;\s*/, '')
      .replace(/\s+/g, ' ')
      .slice(0, 500);
    found.push({
      recipient: addressOf(header(fields, 'final-recipient') ?? header(fields, 'original-recipient')),
      verdict,
      status,
      diagnostic,
    });
  }
  return found;
}

function originalOf(mail: Part): Original {
  const original: Original = { returnPaths: [] };
  for (const part of walk(mail)) {
    if (part === mail) continue;
    const returned =
      part.type === 'message/rfc822' || part.type === 'text/rfc822-headers' || part.type === 'message/global-headers';
    if (!returned) continue;
    const fields = parseHeaders(part.body.replace(/\r?\n\r?\n[\s\S]*$/, ''), false);
    original.jalonId ??= header(fields, 'x-jalon-message-id')?.trim();
    original.returnPaths.push(...(fields.get('return-path') ?? []));
    original.messageId ??= header(fields, 'message-id')?.trim();
  }
  // Servers that quote nothing of the original often still answer it (In-Reply-To, References).
  original.messageId ??= header(mail.headers, 'in-reply-to') ?? header(mail.headers, 'x-original-message-id');
  return original;
}

/** Reads a returned mail; throws MalformedMail (./mime.ts) when it is not a mail at all. */
export function parseReport(raw: Buffer | string): Report {
  const mail = parseMail(raw);
  const original = originalOf(mail);
  for (const part of walk(mail)) {
    if (part.type === 'message/delivery-status' || part.type === 'message/global-delivery-status') {
      const recipients = recipientsOf(part);
      if (recipients.length > 0) return { kind: 'dsn', recipients, original };
    }
    if (part.type === 'message/feedback-report') {
      const [fields] = blocks(part.body);
      original.returnPaths.push(...(fields?.get('original-mail-from') ?? []));
      const feedbackType = (fields && header(fields, 'feedback-type')?.toLowerCase()) ?? 'abuse';
      return {
        kind: 'complaint',
        feedbackType,
        recipient: fields ? addressOf(header(fields, 'original-rcpt-to')) : undefined,
        original,
      };
    }
  }
  return { kind: 'unknown', original };
}

/**
 * Whom a mail taken from a mailbox was addressed to, as the delivering server recorded it
 * (Delivered-To, X-Original-To, Envelope-To) or as the reporting server wrote it (To): the
 * mailbox's stand-in for the SMTP envelope. Only a signed tag among them is believed.
 */
export function addressedTo(raw: Buffer | string): string[] {
  const mail = parseMail(raw);
  const found: string[] = [];
  for (const name of ['delivered-to', 'x-original-to', 'envelope-to', 'to']) {
    for (const value of mail.headers.get(name) ?? []) {
      for (const match of value.matchAll(/[^\s<>,;:"]+@[^\s<>,;:"]+/g)) found.push(match[0]);
    }
  }
  return found;
}
