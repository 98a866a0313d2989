import type { CalendarEvent } from './manifest.js';
import { stripBidiControls } from './typography.js';

/**
 * The calendar invitation of a technician visit (RFC 5545 objects, RFC 5546 methods), written
 * by hand: one event, UTC times, nothing a library would add. One UID per visit, stable across
 * its notices: a modification sends the same UID with a higher SEQUENCE, a cancellation
 * METHOD:CANCEL; Outlook, Gmail and Apple Calendar then move or remove the event themselves.
 * The window is the technician's arrival window.
 */

/** The event as a template describes it, and what makes it this visit's invitation. */
export interface VisitInvitationInput extends CalendarEvent {
  /** Stable per visit, e.g. visitUid(interventionId, domain). */
  uid: string;
  /** 0 for the first notice, then one more for each modification (and for the cancellation). */
  sequence: number;
  /** The RAC. */
  organizer: { name: string; email: string };
  attendees: { name?: string; email: string }[];
  /** Product name for PRODID (the brand). */
  product: string;
  /** DTSTAMP: when this version of the invitation was made. */
  stamp: Date;
}

export interface CalendarInvitation {
  method: 'REQUEST' | 'CANCEL';
  filename: string;
  contentType: string;
  content: string;
}

/** A UID that stays the same for every notice of one visit. */
export function visitUid(visitId: string, domain: string): string {
  return `visit-${visitId.replace(/[^A-Za-z0-9._-]/g, '-')}@${domain}`;
}

/** TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 §3.3.11). */
function text(value: string): string {
  return stripBidiControls(value)
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n?|\n/g, '\\n');
}

/** A parameter value (CN): quoted, without the quotes and controls it cannot hold. */
function param(value: string): string {
  return `"${stripBidiControls(value)
    .replace(/["\p{Cc}]/gu, ' ')
    .trim()}"`;
}

function utc(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) throw new Error(`not a date-time: ${String(iso)}`);
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const encoder = new TextEncoder();

/** Lines of at most 75 octets, continued by CRLF + space, never inside a UTF-8 character (§3.1). */
export function fold(line: string): string {
  if (encoder.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    // The first line holds 75 octets; continuation lines 74 after their leading space.
    if (octets + size > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

function mailto(address: string): string {
  return `mailto:${address.replace(/[\s<>"]/g, '')}`;
}

export function visitInvitation(input: VisitInvitationInput): CalendarInvitation {
  if (!Number.isInteger(input.sequence) || input.sequence < 0) throw new Error('sequence must be a whole number ≥ 0');
  if (Date.parse(input.end) <= Date.parse(input.start)) throw new Error('end must be after start');
  const cancelled = input.method === 'CANCEL';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:-//${text(input.product)}//Jalon//FR`,
    'CALSCALE:GREGORIAN',
    `METHOD:${input.method}`,
    'BEGIN:VEVENT',
    `UID:${input.uid}`,
    `SEQUENCE:${input.sequence}`,
    `DTSTAMP:${utc(input.stamp)}`,
    `DTSTART:${utc(input.start)}`,
    `DTEND:${utc(input.end)}`,
    `SUMMARY:${text(input.summary)}`,
    ...(input.description ? [`DESCRIPTION:${text(input.description)}`] : []),
    `LOCATION:${text(input.location)}`,
    `ORGANIZER;CN=${param(input.organizer.name)}:${mailto(input.organizer.email)}`,
    ...input.attendees.map(
      (attendee) =>
        `ATTENDEE;${attendee.name ? `CN=${param(attendee.name)};` : ''}ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:${mailto(attendee.email)}`,
    ),
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return {
    method: input.method,
    filename: cancelled ? 'annulation.ics' : 'invitation.ics',
    contentType: `text/calendar; method=${input.method}; charset=utf-8`,
    content: `${lines.map(fold).join('\r\n')}\r\n`,
  };
}
