import { sitesCsv } from './attachments.js';
import { buildContext } from './context.js';
import { visitInvitation, visitUid } from './ical.js';
import type { LoadedTemplate, TemplateSet } from './loader.js';
import { measureSms, transliterate } from './sms.js';
import { mapStrings, stripBidiControls } from './typography.js';
import type { CalendarEvent } from './manifest.js';
import type { Attachment, EmailResult, RenderInput, RenderResult, SmsResult } from './types.js';

/** Longer subjects are cut (at a word, with an ellipsis): phones show about 40 characters, desktops 70 to 90. */
export const SUBJECT_MAX = 90;

/** One line, single spaces: a subject or an SMS must not carry the template's layout whitespace. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Text part: at most one empty line in a row (conditions that render nothing leave gaps). */
export function tidyText(text: string): string {
  const tidy = text.includes('\n\n\n') ? text.replace(/\n{3,}/g, '\n\n') : text;
  return `${tidy.trim()}\n`;
}

/** A subject within SUBJECT_MAX characters, cut after a whole word; null when it fits. */
export function shortenSubject(subject: string): string | null {
  if ([...subject].length <= SUBJECT_MAX) return null;
  const head = [...subject].slice(0, SUBJECT_MAX - 1).join('');
  const cut = head.replace(/[\s\u00a0\u202f]+\S*$/, '');
  return `${(cut.length >= SUBJECT_MAX / 2 ? cut : head).replace(/[\s,;:.\u00a0\u202f–-]+$/, '')}…`;
}

/**
 * Data may legitimately contain "{{" (a client typed it). Escaped as entities it displays the
 * same, and the HTML we keep never holds anything that looks like template syntax.
 */
function neutraliseMustaches(html: string): string {
  return html.includes('{{') ? html.replaceAll('{{', '&#123;&#123;') : html;
}

function renderEmail(
  set: TemplateSet,
  template: LoadedTemplate,
  input: RenderInput,
  publicBaseUrl: string,
): EmailResult {
  const email = template.email;
  if (!email) throw new Error(`template ${template.manifest.key} has no email body`);
  const { context, warnings, siteNotes, event, signer } = buildContext(set, template, input, publicBaseUrl);
  let subject = oneLine(email.subject(context));
  const short = shortenSubject(subject);
  if (short) {
    warnings.push(`the subject was cut to ${SUBJECT_MAX} characters`);
    subject = short;
  }
  context.subject = subject;
  const attachments: Attachment[] = context.sites?.summary ? [sitesCsv(input.project, siteNotes)] : [];
  return {
    channel: 'email',
    subject,
    html: neutraliseMustaches(email.html(context)),
    text: tidyText(email.text(context)),
    // A header, not a page: no isolates there, only the controls removed.
    fromName: stripBidiControls(`${context.rac.displayName.replace(/[\u2068\u2069]/g, '')} – ${set.brand.name}`),
    replyTo: context.rac.email,
    attachments,
    ...(event && input.invitation ? { calendar: invitation(set, event, signer, input.invitation) } : {}),
    warnings,
  };
}

/** The visit in the recipients' calendars: one UID per visit, under the brand's sending domain. */
function invitation(
  set: TemplateSet,
  event: CalendarEvent,
  organizer: { name: string; email: string },
  visit: NonNullable<RenderInput['invitation']>,
) {
  const domain = set.brand.sender.address.slice(set.brand.sender.address.lastIndexOf('@') + 1);
  return visitInvitation({
    ...event,
    uid: visitUid(visit.visitId, domain),
    sequence: visit.sequence,
    organizer,
    attendees: visit.attendees,
    product: set.brand.name,
    stamp: visit.stamp,
  });
}

/**
 * An SMS: GSM-7 unless the caller asks otherwise; while it takes more than one segment, the
 * manifest's shorter variants (short site name, short preparation phrase) are tried in order.
 */
function renderSms(set: TemplateSet, template: LoadedTemplate, input: RenderInput, publicBaseUrl: string): SmsResult {
  const sms = template.sms;
  if (!sms) throw new Error(`template ${template.manifest.key} has no SMS body`);
  const { context, warnings, shorter } = buildContext(set, template, input, publicBaseUrl);
  const gsm = input.transliterate !== false;
  const body = () => {
    const text = oneLine(sms(context));
    return gsm ? transliterate(text) : text;
  };
  let text = body();
  let measure = measureSms(text);
  for (const variant of shorter) {
    if (measure.segments <= 1) break;
    context.data = mapStrings(variant.vars, stripBidiControls);
    const next = body();
    const nextMeasure = measureSms(next);
    if (nextMeasure.length >= measure.length && nextMeasure.segments >= measure.segments) continue;
    warnings.push(variant.warning);
    text = next;
    measure = nextMeasure;
  }
  return {
    channel: 'sms',
    body: text,
    encoding: measure.encoding,
    segments: measure.segments,
    length: measure.length,
    warnings: [...warnings, ...measure.warnings],
  };
}

export function renderMessage(
  set: TemplateSet,
  template: LoadedTemplate,
  input: RenderInput,
  publicBaseUrl: string,
): RenderResult {
  return template.email
    ? renderEmail(set, template, input, publicBaseUrl)
    : renderSms(set, template, input, publicBaseUrl);
}
