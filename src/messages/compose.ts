import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { reminderPolicy, type AgencySettingsService } from '../agencies/settings.js';
import type { DbOrTx } from '../db/client.js';
import { runCompiled } from '../db/compiled.js';
import { messages, racProfiles } from '../db/schema.js';
import { AppError, invalid } from '../errors.js';
import { earliestAllowedAtOrAfter } from '../interventions/calendar.js';
import { siteOfMessage } from '../projects/audience.js';
import type { Project } from '../projects/schema.js';
import type { RacProfile, Renderer, RenderResult } from '../render/index.js';
import { SURVEY_TEMPLATES } from '../surveys/ratings.js';
import { HEARD } from './lifecycle.js';
import { signatureOfColumns } from '../racs/profile.js';
import { type RecipientPolicy, type Resolved, resolveRecipients } from './recipients.js';
import type { Known } from './context.js';
import type { RecipientRef } from './schema.js';

/** What a message is made of before it is stored: its recipients and its rendered content. */
export interface ComposeInput {
  template: string;
  recipients?: { to?: RecipientRef[] | undefined; cc?: RecipientRef[] | undefined } | undefined;
  blocks: Record<string, string>;
  data: Record<string, unknown>;
  transliterate?: boolean | undefined;
  /** The visit the message belongs to: its notices carry the visit's calendar invitation. */
  interventionId?: string | null | undefined;
  /** What the caller read with the order (./context.ts): not read again. */
  known?: Known | undefined;
}

export interface Composed {
  channel: 'email' | 'sms';
  recipients: Resolved;
  rendered: RenderResult;
}

/** The columns of a message that hold what was rendered: what is sent is what is kept. */
export function content(result: RenderResult) {
  return result.channel === 'email'
    ? {
        subject: result.subject,
        html: result.html,
        text: result.text,
        fromName: result.fromName,
        replyTo: result.replyTo,
        attachments: result.attachments.length > 0 ? result.attachments : null,
        calendar: result.calendar
          ? { method: result.calendar.method, filename: result.calendar.filename, content: result.calendar.content }
          : null,
        warnings: result.warnings,
      }
    : {
        smsBody: result.body,
        smsEncoding: result.encoding,
        smsSegments: result.segments,
        warnings: result.warnings,
      };
}

/**
 * How many emails of a visit its recipients may already have: the SEQUENCE of the next
 * version of its invitation (RFC 5546: each revision, cancellation included, counts one more).
 */
async function invitationsHeard(tx: DbOrTx, projectRef: string, interventionId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.projectRef, projectRef),
        eq(messages.interventionId, interventionId),
        eq(messages.channel, 'email'),
        inArray(messages.status, [...HEARD]),
      ),
    );
  return row?.n ?? 0;
}

/**
 * A survey mail's links are its recipient's own (they answer in that contact's name), so it
 * goes to one contact of the order; each other contact gets a message of their own.
 */
function assertSurveyRecipient(recipients: Resolved): void {
  const [first, ...others] = recipients.to;
  if (first?.contactId && others.length === 0) return;
  throw invalid([
    {
      path: 'body.recipients.to',
      message: first?.contactId
        ? 'a survey mail goes to one contact, whose links are personal: send one message per contact'
        : 'a survey mail goes to a contact of the order, whose links are personal',
    },
  ]);
}

export interface ComposerDeps {
  renderer: Renderer;
  settings: AgencySettingsService;
  policy: RecipientPolicy;
  now: () => Date;
}

/**
 * Addresses and renders a message for an order: recipients by the policy, the greeting from
 * those recipients, the signature from the RAC's stored profile. Also places an SMS inside
 * the agency's SMS hours, whoever asks and whatever the template.
 */
export function createComposer({ renderer, settings, policy, now }: ComposerDeps) {
  async function racProfile(tx: DbOrTx, project: Project): Promise<RacProfile | undefined> {
    const [raw] = await runCompiled(
      tx,
      'racProfile',
      () => sql`select * from ${racProfiles} where ${racProfiles.id} = ${sql.placeholder('id')}`,
      { id: project.rac.id },
    );
    return raw ? signatureOfColumns(raw) : undefined;
  }

  function template(key: string) {
    const found = renderer.get(key);
    if (!found) throw new AppError('not_found', 404, `body.template: unknown template "${key}"`);
    return found;
  }

  /** `tx`: the caller's transaction when there is one (reads must not wait on it). */
  async function compose(tx: DbOrTx, project: Project, input: ComposeInput): Promise<Composed> {
    const { channel, audience, milestone } = template(input.template);
    const siteRef = siteOfMessage(project, milestone, input.data);
    const recipients = resolveRecipients(project, channel, input.recipients, { siteRef, audience, policy });
    if (SURVEY_TEMPLATES.includes(input.template)) assertSurveyRecipient(recipients);
    const profile = input.known ? input.known.profile : await racProfile(tx, project);
    const invitation =
      channel === 'email' && input.interventionId
        ? {
            visitId: `${project.ref}-${input.interventionId}`,
            sequence: await invitationsHeard(tx, project.ref, input.interventionId),
            stamp: now(),
            attendees: recipients.to.map((r) => ({ email: r.address, ...(r.name ? { name: r.name } : {}) })),
          }
        : undefined;
    const rendered = renderer.render(input.template, {
      project,
      blocks: input.blocks,
      data: input.data,
      greeted: recipients.greeted,
      ...(profile ? { racProfile: profile } : {}),
      ...(input.transliterate === undefined ? {} : { transliterate: input.transliterate }),
      ...(invitation ? { invitation } : {}),
    });
    return { channel, recipients, rendered };
  }

  /** The instant an SMS for this order may go at or after `at`; emails go when asked. */
  async function sendingTime(
    tx: DbOrTx,
    project: Project,
    channel: 'email' | 'sms',
    at: Date,
    siteRef: string | undefined,
  ): Promise<{ sendAt: Date; moved: boolean }> {
    if (channel !== 'sms') return { sendAt: at, moved: false };
    const policyOfAgency = reminderPolicy(await settings.get(project.agency, tx));
    const postalCode = (project.sites.find((s) => s.ref === siteRef) ?? project.sites[0])?.postalCode;
    const allowed = earliestAllowedAtOrAfter(DateTime.fromJSDate(at), postalCode, policyOfAgency);
    if (!allowed) {
      throw new AppError('invalid_input', 400, 'body.sendAt: no time inside the SMS hours within two weeks');
    }
    return { sendAt: allowed.toJSDate(), moved: allowed.toMillis() !== at.getTime() };
  }

  return { compose, template, sendingTime };
}
export type Composer = ReturnType<typeof createComposer>;
