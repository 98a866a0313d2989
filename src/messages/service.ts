import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type MessageStatus, messages } from '../db/schema.js';
import { AppError, invalid, notFound } from '../errors.js';
import { type Actor, recordEvent } from '../history/record.js';
import { assertProjectScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import type { Logger } from '../logger.js';
import { loadProject } from '../projects/repository.js';
import type { Project } from '../projects/schema.js';
import type { Producer } from '../queue/producer.js';
import type { Renderer } from '../render/index.js';
import { resolveRecipients } from './recipients.js';
import { content, createProjectRenderer } from './rendering.js';
import { createTransitions } from './transitions.js';
import { findMessage, type MessageRow } from './repository.js';
import type { CreateMessage, PatchMessage } from './schema.js';
import { messageView, type MessageView } from './view.js';

export interface MessagesDeps {
  db: Db;
  renderer: Renderer;
  producer: Producer;
  logger: Logger;
  now: () => Date;
  /** Follow-ups that depend on a message (a survey reminder on its closure mail) react here. */
  afterCancel?: (row: MessageRow, actor: Actor) => Promise<void>;
}

/** A sendAt this far in the past is still "now": clocks of callers drift a little. */
const PAST_TOLERANCE_MS = 60_000;

export const actorOf = (caller: Caller, project: Project): Actor => ({
  name: caller.name,
  onBehalfOf: caller.role === 'rac' ? undefined : project.rac.id,
});

export function createMessages(deps: MessagesDeps) {
  const { db, renderer, producer, now, afterCancel } = deps;

  const render = createProjectRenderer({ db, renderer });
  const { enqueue, mustFind, schedule, cancelRow, update } = createTransitions({
    db,
    producer,
    now,
    render,
    afterCancel,
  });

  function checkSendAt(sendAt: Date | undefined): Date {
    const at = sendAt ?? now();
    if (at.getTime() < now().getTime() - PAST_TOLERANCE_MS) {
      throw invalid([{ path: 'body.sendAt', message: `is in the past (${at.toISOString()}); omit it to send now` }]);
    }
    return at;
  }

  async function loadScoped(id: string, caller: Caller): Promise<{ row: MessageRow; project: Project }> {
    const row = await findMessage(db, id);
    if (!row) throw notFound(`Message ${id}`);
    const project = await loadProject(db, row.projectRef);
    if (!project) throw notFound(`Project ${row.projectRef}`);
    assertProjectScope(caller, project);
    return { row, project };
  }

  return {
    async create(
      input: CreateMessage,
      caller: Caller,
      options: { origin?: string; interventionId?: string; parentId?: string } = {},
    ): Promise<MessageView> {
      const project = await loadProject(db, input.projectRef);
      if (!project) throw new AppError('not_found', 404, `body.projectRef: project ${input.projectRef} not found`);
      assertProjectScope(caller, project);
      const template = renderer.get(input.template);
      if (!template) throw new AppError('not_found', 404, `body.template: unknown template "${input.template}"`);
      const sendAt = checkSendAt(input.sendAt);
      const blocks = input.blocks ?? {};
      const data = input.data ?? {};
      const siteRef = typeof data.siteRef === 'string' ? data.siteRef : undefined;
      const { to, cc } = resolveRecipients(project, template.channel, input.recipients, siteRef, template.audience);
      const rendered = await render(project, input.template, blocks, data, input.transliterate);
      const status: MessageStatus = input.draft ? 'draft' : 'scheduled';
      const actor = actorOf(caller, project);
      const id = randomUUID();
      const row = await db.transaction(async (tx) => {
        const [inserted] = await tx
          .insert(messages)
          .values({
            id,
            projectRef: project.ref,
            templateKey: input.template,
            channel: template.channel,
            status,
            to,
            cc,
            replyTo: template.channel === 'email' ? project.rac.email : null,
            blocks,
            data,
            sendAt,
            ...content(rendered),
            createdBy: caller.name,
            onBehalfOf: actor.onBehalfOf ?? null,
            agency: project.agency,
            racId: project.rac.id,
            origin: options.origin ?? 'api',
            interventionId: options.interventionId ?? null,
            parentId: options.parentId ?? null,
          })
          .returning();
        await recordEvent(tx, {
          projectRef: project.ref,
          type: status === 'draft' ? 'message.drafted' : 'message.scheduled',
          actor,
          data: {
            messageId: id,
            template: input.template,
            channel: template.channel,
            status,
            sendAt: sendAt.toISOString(),
            to: to.map((r) => r.contactId ?? 'explicit'),
          },
        });
        return inserted;
      });
      if (!row) throw new AppError('internal', 500, 'message not stored');
      await enqueue(row);
      return messageView(row);
    },

    /** Renders without storing, to refuse bad input before anything is written. */
    async checkRender(project: Project, template: string, data: Record<string, unknown>): Promise<void> {
      await render(project, template, {}, data);
    },

    /** What a message would be, without storing anything. */
    async preview(
      input: {
        projectRef: string;
        template: string;
        blocks?: Record<string, string> | undefined;
        data?: Record<string, unknown> | undefined;
        transliterate?: boolean | undefined;
      },
      caller: Caller,
    ) {
      const project = await loadProject(db, input.projectRef);
      if (!project) throw new AppError('not_found', 404, `body.projectRef: project ${input.projectRef} not found`);
      assertProjectScope(caller, project);
      const template = renderer.get(input.template);
      if (!template) throw new AppError('not_found', 404, `body.template: unknown template "${input.template}"`);
      const data = input.data ?? {};
      const result = await render(project, input.template, input.blocks ?? {}, data, input.transliterate);
      let recipients: { to: unknown[]; cc: unknown[] } | { error: string };
      try {
        recipients = resolveRecipients(
          project,
          template.channel,
          undefined,
          typeof data.siteRef === 'string' ? data.siteRef : undefined,
          template.audience,
        );
      } catch (error) {
        recipients = { error: (error as Error).message };
      }
      return { template: input.template, recipients, ...result };
    },

    async get(id: string, caller: Caller): Promise<MessageView> {
      return messageView((await loadScoped(id, caller)).row);
    },

    /** A reviewed draft goes out: now, or at its sendAt if that is still ahead. */
    async send(id: string, caller: Caller): Promise<MessageView> {
      const { row, project } = await loadScoped(id, caller);
      return messageView(await schedule(row, actorOf(caller, project)));
    },

    async cancel(id: string, caller: Caller, reason?: string): Promise<MessageView> {
      const { row, project } = await loadScoped(id, caller);
      return messageView(await cancelRow(row, actorOf(caller, project), reason));
    },

    /** New sendAt, blocks or data before the message goes; the content is rendered again. */
    async patch(id: string, input: PatchMessage, caller: Caller): Promise<MessageView> {
      const { row, project } = await loadScoped(id, caller);
      if (input.sendAt) checkSendAt(input.sendAt);
      return messageView(await update(row, project, input, actorOf(caller, project)));
    },

    /**
     * For automations (reminders, milestone mails), which act on messages they own without a
     * caller's key: same transitions, same history.
     */
    internal: {
      schedule: async (id: string, actor: Actor, sendAt?: Date) => schedule(await mustFind(id), actor, sendAt),
      cancel: async (id: string, actor: Actor, reason?: string) => cancelRow(await mustFind(id), actor, reason),
      update: async (id: string, project: Project, input: PatchMessage, actor: Actor) =>
        update(await mustFind(id), project, input, actor),
      find: (where: { projectRef: string; interventionId?: string; parentId?: string; template?: string }) =>
        db
          .select()
          .from(messages)
          .where(
            and(
              eq(messages.projectRef, where.projectRef),
              where.interventionId ? eq(messages.interventionId, where.interventionId) : undefined,
              where.parentId ? eq(messages.parentId, where.parentId) : undefined,
              where.template ? eq(messages.templateKey, where.template) : undefined,
            ),
          )
          .orderBy(asc(messages.createdAt)),
    },
  };
}

export type Messages = ReturnType<typeof createMessages>;
