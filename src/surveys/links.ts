import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { surveyLinks } from '../db/schema.js';
import { hashToken, newToken } from '../people/sessions.js';
import { SURVEY_TEMPLATES, withToken } from './ratings.js';

const DAY_MS = 24 * 3600 * 1000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type SurveyLink = typeof surveyLinks.$inferSelect;

export interface SurveyLinkOptions {
  db: DbOrTx;
  now: () => Date;
  /** How long a link works after its mail went out. */
  days: number;
  /** PUBLIC_BASE_URL and the brand's survey path: where the links of a mail point. */
  surveyBase: string;
}

/** What a survey mail needs to be sent: its stored content, and whom it goes to. */
export interface SurveyMail {
  id: string;
  projectRef: string;
  templateKey: string;
  to: { contactId?: string | undefined }[];
  html: string;
  text: string;
}

/**
 * The recipient's own survey links. The token is made as the mail goes out and put into the
 * copy handed to the mail server; the database keeps only its hash. A retried send makes a new
 * one: the links of an attempt whose fate is unknown still work, for the mail may have arrived.
 */
export function createSurveyLinks({ db, now, days, surveyBase }: SurveyLinkOptions) {
  return {
    async personalise(mail: SurveyMail): Promise<{ html: string; text: string }> {
      const contactId = mail.to[0]?.contactId;
      if (!SURVEY_TEMPLATES.includes(mail.templateKey) || !contactId) return { html: mail.html, text: mail.text };
      const token = newToken();
      const at = now();
      await db.insert(surveyLinks).values({
        tokenHash: hashToken(token),
        projectRef: mail.projectRef,
        contactId,
        messageId: mail.id,
        createdAt: at,
        expiresAt: new Date(at.getTime() + days * DAY_MS),
      });
      return { html: withToken(mail.html, surveyBase, token), text: withToken(mail.text, surveyBase, token) };
    },

    /** The link of a token, whether still valid or not; undefined for anything unknown. */
    async find(token: string): Promise<SurveyLink | undefined> {
      if (!TOKEN.test(token)) return undefined;
      const [row] = await db.select().from(surveyLinks).where(eq(surveyLinks.tokenHash, hashToken(token)));
      return row;
    },

    /** Marks a link opened; true the first time only, so a page seen ten times is one event. */
    async markOpened(tx: DbOrTx, link: SurveyLink, at: Date): Promise<boolean> {
      const rows = await tx
        .update(surveyLinks)
        .set({ openedAt: at })
        .where(and(eq(surveyLinks.tokenHash, link.tokenHash), isNull(surveyLinks.openedAt)))
        .returning({ tokenHash: surveyLinks.tokenHash });
      return rows.length > 0;
    },
  };
}

export type SurveyLinks = ReturnType<typeof createSurveyLinks>;
