import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { EmailSender } from '../channels/types.js';
import type { Db } from '../db/client.js';
import { surveyLinks, surveys } from '../db/schema.js';
import type { CommittedEvent, Subscriber } from '../history/followups.js';
import { isPending } from '../messages/lifecycle.js';
import type { Messages } from '../messages/service.js';
import { loadProject } from '../projects/repository.js';
import { ZONE } from '../stats/aggregates.js';
import { unhappyClientMail } from './mail.js';
import { SURVEY_TEMPLATES, UNHAPPY_AT_MOST } from './ratings.js';

export interface SurveyFollowupDeps {
  db: Db;
  messages: Messages;
  email: EmailSender;
  brandName: string;
}

const REMINDER = 'relance-bilan';

/**
 * What follows a survey, after commit and at least once: a survey mail that went out opens
 * the survey of each recipient it carried links for (what the figures count as sent); an
 * answer cancels the reminders still waiting for that contact and, when the client is
 * unhappy, tells the RAC. Every step is idempotent: a second delivery does nothing more.
 */
export function createSurveyFollowups({ db, messages, email, brandName }: SurveyFollowupDeps): Subscriber {
  async function onSent(event: CommittedEvent): Promise<void> {
    if (!SURVEY_TEMPLATES.includes(String(event.data.template))) return;
    const messageId = String(event.data.messageId);
    const project = await loadProject(db, event.projectRef);
    if (!project) return;
    const links = await db
      .selectDistinct({ contactId: surveyLinks.contactId })
      .from(surveyLinks)
      .where(eq(surveyLinks.messageId, messageId));
    for (const { contactId } of links) {
      await db
        .insert(surveys)
        .values({
          projectRef: project.ref,
          contactId,
          agency: project.agency,
          racId: project.rac.id,
          messageId,
          sentAt: event.at,
          sentDay: DateTime.fromJSDate(event.at, { zone: ZONE }).toISODate() ?? '',
        })
        .onConflictDoNothing();
    }
  }

  async function onAnswered(event: CommittedEvent): Promise<void> {
    const contactId = String(event.data.contactId);
    const project = await loadProject(db, event.projectRef);
    if (!project) return;
    const actor = { name: 'survey', onBehalfOf: project.rac.id };
    const reminders = await messages.internal.find(db, { projectRef: project.ref, template: REMINDER });
    for (const reminder of reminders) {
      if (!isPending(reminder.status) || reminder.to[0]?.contactId !== contactId) continue;
      const cancelled = await messages.internal.cancel(db, reminder, actor, 'the client answered the survey');
      if (cancelled) await messages.internal.mirror(cancelled);
    }
    const rating = Number(event.data.rating);
    if (!(rating <= UNHAPPY_AT_MOST)) return;
    const where = and(eq(surveys.projectRef, project.ref), eq(surveys.contactId, contactId));
    const [survey] = await db.select({ alerted: surveys.alertedEventId }).from(surveys).where(where);
    if (survey?.alerted !== undefined && survey.alerted !== null && survey.alerted >= event.id) return;
    const mail = unhappyClientMail({
      racFirstName: project.rac.firstName,
      orderNumber: project.orderNumber,
      company: project.client.company,
      contactName: typeof event.data.contactName === 'string' ? event.data.contactName : null,
      rating,
      comment: typeof event.data.comment === 'string' ? event.data.comment : null,
      brandName,
    });
    // Sent before it is marked: a crash in between mails the RAC twice rather than never.
    await email.send({
      id: `survey-answer-${event.id}`,
      to: [{ address: project.rac.email, name: `${project.rac.firstName} ${project.rac.lastName}` }],
      cc: [],
      replyTo: null,
      ...mail,
    });
    await db.update(surveys).set({ alertedEventId: event.id }).where(where);
  }

  return {
    name: 'survey',
    events: ['message.sent', 'survey.answered'],
    async handle(event) {
      if (event.type === 'message.sent') return onSent(event);
      return onAnswered(event);
    },
  };
}
