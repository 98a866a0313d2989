import type { Recipient } from '../db/schema.js';

/** What a sender needs to deliver a stored message: already rendered, already addressed. */
export interface OutgoingEmail {
  id: string;
  to: Recipient[];
  cc: Recipient[];
  replyTo: string | null;
  subject: string;
  html: string;
  text: string;
  /** The From display name (the RAC, « Léa Laurent – Orion Télécom »); the address stays the sending address. */
  fromName?: string | null;
  /** Files sent with the mail (the site list of a large order). */
  attachments?: { filename: string; contentType: string; content: string }[];
  /** A visit invitation: sent as the text/calendar part calendars act on, and as an .ics file. */
  calendar?: { method: 'REQUEST' | 'CANCEL'; filename: string; content: string } | null;
}

export interface OutgoingSms {
  id: string;
  to: string;
  body: string;
}

export interface Sent {
  providerId: string;
}

export interface EmailSender {
  send(message: OutgoingEmail): Promise<Sent>;
  close(): Promise<void>;
}

export interface SmsSender {
  send(message: OutgoingSms): Promise<Sent>;
  close(): Promise<void>;
}

/**
 * A failed delivery attempt. `permanent` failures (a 5xx from SMTP, an invalid number) fail
 * the message at once; the others are retried with backoff.
 */
export class DeliveryError extends Error {
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryError';
    this.permanent = permanent;
  }
}
