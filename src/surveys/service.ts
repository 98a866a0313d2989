import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Db, DbOrTx } from '../db/client.js';
import { surveys } from '../db/schema.js';
import { recordEvent } from '../history/record.js';
import { loadProject } from '../projects/repository.js';
import type { Project } from '../projects/schema.js';
import { setMilestoneActual } from '../projects/service.js';
import { fullName } from '../render/phrasing.js';
import { ZONE } from '../stats/aggregates.js';
import type { SurveyLink, SurveyLinks } from './links.js';

/** The page's actor in the history: the client, named in the event's data (which erasure scrubs). */
const PAGE = { name: 'survey page' };
export const COMMENT_MAX = 2000;

export const answerSchema = z.object({
  note: z.coerce
    .number({ error: 'choose a rating from 1 to 5' })
    .int('choose a rating from 1 to 5')
    .min(1, 'choose a rating from 1 to 5')
    .max(5, 'choose a rating from 1 to 5'),
  comment: z.string().max(COMMENT_MAX, `at most ${COMMENT_MAX} characters`).optional(),
});

/** What the page may show: the order's number and the client's company, and the answer so far. */
export interface SurveyView {
  orderNumber: string;
  company: string;
  expiresAt: Date;
  rating: number | null;
  answeredAt: Date | null;
}

export type Looked = { state: 'unknown' } | { state: 'expired' } | { state: 'open'; link: SurveyLink; view: SurveyView };

const day = (at: Date) => DateTime.fromJSDate(at, { zone: ZONE }).toISODate() ?? '';

export interface SurveyDeps {
  db: Db;
  links: SurveyLinks;
  now: () => Date;
}

/**
 * The client's side of the survey. Opening a link only says it was opened (mail gateways open
 * every link of a mail); the form's POST records the answer, which the client may change until
 * the link expires. One survey per order and contact: a changed answer replaces the previous.
 */
export function createSurveys({ db, links, now }: SurveyDeps) {
  async function look(token: string): Promise<Looked> {
    const link = await links.find(token);
    if (!link) return { state: 'unknown' };
    if (link.expiresAt.getTime() <= now().getTime()) return { state: 'expired' };
    const project = await loadProject(db, link.projectRef);
    if (!project) return { state: 'unknown' };
    const [survey] = await db
      .select({ rating: surveys.rating, answeredAt: surveys.answeredAt })
      .from(surveys)
      .where(and(eq(surveys.projectRef, link.projectRef), eq(surveys.contactId, link.contactId)));
    return {
      state: 'open',
      link,
      view: {
        orderNumber: project.orderNumber,
        company: project.client.company,
        expiresAt: link.expiresAt,
        rating: survey?.rating ?? null,
        answeredAt: survey?.answeredAt ?? null,
      },
    };
  }

  /** The survey of this recipient, created when its first answer comes before its mail's follow-up ran. */
  async function ensureSurvey(tx: DbOrTx, project: Project, link: SurveyLink) {
    await tx
      .insert(surveys)
      .values({
        projectRef: project.ref,
        contactId: link.contactId,
        agency: project.agency,
        racId: project.rac.id,
        messageId: link.messageId,
        sentAt: link.createdAt,
        sentDay: day(link.createdAt),
      })
      .onConflictDoNothing();
    const [row] = await tx
      .select()
      .from(surveys)
      .where(and(eq(surveys.projectRef, project.ref), eq(surveys.contactId, link.contactId)))
      .for('update');
    return row!;
  }

  return {
    look,

    /** Opening a link: the page, and `survey.opened` the first time this link is opened. */
    async open(token: string): Promise<Looked> {
      const looked = await look(token);
      if (looked.state !== 'open') return looked;
      const { link } = looked;
      await db.transaction(async (tx) => {
        const at = now();
        if (!(await links.markOpened(tx, link, at))) return;
        await recordEvent(tx, {
          projectRef: link.projectRef,
          type: 'survey.opened',
          actor: PAGE,
          data: { contactId: link.contactId, messageId: link.messageId },
          at,
        });
      });
      return looked;
    },

    /**
     * Records an answer from the form. An empty comment keeps the previous one; sending the same
     * answer again (a double click, a reload) records nothing more.
     */
    async answer(token: string, input: z.output<typeof answerSchema>): Promise<Looked> {
      const looked = await look(token);
      if (looked.state !== 'open') return looked;
      const { link } = looked;
      const comment = input.comment?.trim() ? input.comment.trim() : null;
      await db.transaction(async (tx) => {
        const at = now();
        const project = await loadProject(tx, link.projectRef, true);
        if (!project) return;
        const before = await ensureSurvey(tx, project, link);
        const nextComment = comment ?? before.comment;
        if (before.rating === input.note && before.comment === nextComment) return;
        await tx
          .update(surveys)
          .set({
            rating: input.note,
            comment: nextComment,
            answeredAt: before.answeredAt ?? at,
            changedAt: at,
          })
          .where(and(eq(surveys.projectRef, project.ref), eq(surveys.contactId, link.contactId)));
        const contact = project.contacts.find((c) => c.id === link.contactId);
        await recordEvent(tx, {
          projectRef: project.ref,
          type: 'survey.answered',
          actor: PAGE,
          data: {
            contactId: link.contactId,
            ...(contact ? { contactName: fullName(contact) } : {}),
            messageId: link.messageId,
            rating: input.note,
            comment: nextComment,
            ...(before.rating === null ? {} : { previousRating: before.rating }),
          },
          at,
        });
        if (!project.milestones.surveyAnswered?.actual) {
          await setMilestoneActual(tx, project, 'surveyAnswered', day(at), at);
        }
      });
      return look(token);
    },
  };
}

export type Surveys = ReturnType<typeof createSurveys>;
