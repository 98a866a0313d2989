import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';

export interface ReadInvitation {
  method: string;
  uid: string;
  sequence: number;
  status: string;
  start: string;
  end: string;
  location: string;
  organizer: string;
  attendees: string[];
}

/** The calendar invitation a mail carries, read back as a calendar client reads it. */
export function invitationOf(mail: ParsedMail): ReadInvitation | undefined {
  const part = mail.attachments.find((file) => file.contentType === 'text/calendar');
  if (!part) return undefined;
  const calendar = new ICAL.Component(ICAL.parse(part.content.toString('utf8')));
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (!vevent) throw new Error('an invitation without an event');
  const event = new ICAL.Event(vevent);
  return {
    method: String(calendar.getFirstPropertyValue('method')),
    uid: event.uid,
    sequence: event.sequence,
    status: String(vevent.getFirstPropertyValue('status')),
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    location: event.location,
    organizer: String(event.organizer),
    attendees: event.attendees.map((attendee) => String(attendee.getFirstValue())),
  };
}
