import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { AgencySettingsService } from '../agencies/settings.js';
import type { Db, DbOrTx } from '../db/client.js';
import { messages } from '../db/schema.js';
import { AppError, invalid, notFound } from '../errors.js';
import type { Actor } from '../history/record.js';
import { assertProjectScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { loadProject } from '../projects/repository.js';
import type { Project } from '../projects/schema.js';
import type { Producer } from '../queue/producer.js';
import type { Renderer } from '../render/index.js';
import { type ComposeInput, content, createComposer } from './compose.js';
import { isPending } from './lifecycle.js';
import { findMessage, insert, type MessageRow, move } from './moves.js';
import { createQueueMirror } from './queueing.js';
import type { RecipientPolicy } from './recipients.js';
import type { CreateMessage, PatchMessage, RecipientRef } from './schema.js';
import { messageView, type MessageView } from './view.js';

export interface MessagesDeps {
  db: Db;
  renderer: Renderer;
  producer: Producer;
  settings: AgencySettingsService;
  policy: RecipientPolicy;
  now: () => Date;
}

/** A sendAt this far in the past is still "now": clocks of callers drift a little. */
const PAST_TOLERANCE_MS = 60_000;

export const actorOf = (caller: Caller, project: Project): Actor => ({
  name: caller.name,
  onBehalfOf: caller.role === 'rac' ? undefined : project.rac.id,
});

/** How a message came to be: by a caller's request, a visit's reminders, or an automation. */
export interface Provenance {
  origin?: string;
  interventionId?: string;
  parentId?: string;
  /** The history event an automation acted on (a second delivery of it prepares nothing). */
  causeEventId?: number;
}

export interface PrepareInput extends ComposeInput {
  sendAt?: Date | undefined;
  draft?: boolean | undefined;
}

export function createMessages(deps: MessagesDeps) {
  const { db, now } = deps;
  const composer = createComposer(deps);
  const mirror = createQueueMirror(deps.producer);

  function checkSendAt(sendAt: Date | undefined, path = 'body.sendAt'): Date {
    const at = sendAt ?? now();
    if (at.getTime() < now().getTime() - PAST_TOLERANCE_MS) {
      throw invalid([{ path, message: `is in the past (${at.toISOString()}); omit it to send now` }]);
    }
    return at.getTime() < now().getTime() ? now() : at;
  }

  const siteOf = (data: Record<string, unknown>) => (typeof data.siteRef === 'string' ? data.siteRef : undefined);

  /**
   * Composes and stores a message in `tx` without queueing it: the caller queues it (`mirror`)
   * once its transaction committed. Nothing is stored when the content cannot be rendered.
   */
  async function prepare(
    tx: DbOrTx,
    project: Project,
    input: PrepareInput,
    actor: Actor,
    provenance: Provenance = {},
  ): Promise<MessageRow> {
    const { channel, recipients, rendered } = await composer.compose(tx, project, input);
    const timing = await composer.sendingTime(tx, project, channel, checkSendAt(input.sendAt), siteOf(input.data));
    const columns = content(rendered);
    const warnings = timing.moved
      ? [...columns.warnings, `outside the SMS hours: it will go at ${timing.sendAt.toISOString()}`]
      : columns.warnings;
    const draft = input.draft === true;
    return insert(
      tx,
      {
        id: randomUUID(),
        projectRef: project.ref,
        templateKey: input.template,
        channel,
        to: recipients.to,
        cc: recipients.cc,
        replyTo: channel === 'email' ? project.rac.email : null,
        blocks: input.blocks,
        data: input.data,
        sendAt: timing.sendAt,
        ...columns,
        warnings,
        createdBy: actor.name,
        onBehalfOf: actor.onBehalfOf ?? null,
        agency: project.agency,
        racId: project.rac.id,
        origin: provenance.origin ?? 'api',
        interventionId: provenance.interventionId ?? null,
        parentId: provenance.parentId ?? null,
        causeEventId: provenance.causeEventId ?? null,
      },
      {
        now: now(),
        actor,
        draft,
        data: {
          sendAt: timing.sendAt.toISOString(),
          to: recipients.to.map((r) => r.contactId ?? 'explicit'),
          ...(draft ? {} : { from: 'new' }),
        },
      },
    );
  }

  async function loadScoped(id: string, caller: Caller): Promise<{ row: MessageRow; project: Project }> {
    const row = await findMessage(db, id);
    if (!row) throw notFound(`Message ${id}`);
    const project = await loadProject(db, row.projectRef);
    if (!project) throw notFound(`Project ${row.projectRef}`);
    assertProjectScope(caller, project);
    return { row, project };
  }

  async function scopedProject(ref: string, caller: Caller): Promise<Project> {
    const project = await loadProject(db, ref);
    if (!project) throw new AppError('not_found', 404, `body.projectRef: project ${ref} not found`);
    assertProjectScope(caller, project);
    return project;
  }

  const notEditable = (row: MessageRow) =>
    new AppError('conflict', 409, `Message ${row.id} is ${row.status}: only drafts and scheduled messages can change`);

  /** Draft to scheduled: now, or at its sendAt if that is still ahead (or at the given time). */
  async function schedule(tx: DbOrTx, row: MessageRow, project: Project, actor: Actor, at?: Date) {
    if (row.status === 'scheduled' && !at) return row;
    const wanted = at ?? (row.sendAt.getTime() < now().getTime() ? now() : row.sendAt);
    const { sendAt } = await composer.sendingTime(tx, project, row.channel, wanted, siteOf(row.data));
    const next = await move(tx, 'schedule', row.id, {
      now: now(),
      actor,
      set: { sendAt },
      data: { sendAt: sendAt.toISOString(), from: 'draft' },
    });
    if (!next) throw notEditable((await findMessage(tx, row.id)) ?? row);
    return next;
  }

  async function cancel(tx: DbOrTx, row: MessageRow, actor: Actor, reason?: string) {
    if (row.status === 'cancelled') return row;
    const next = await move(tx, 'cancel', row.id, { now: now(), actor, data: reason ? { reason } : {} });
    if (!next) {
      const current = (await findMessage(tx, row.id)) ?? row;
      throw new AppError('conflict', 409, `Message ${row.id} is ${current.status} and can no longer be cancelled`);
    }
    return next;
  }

  /** New sendAt, blocks or data before the message goes; the content is rendered again. */
  async function update(
    tx: DbOrTx,
    row: MessageRow,
    project: Project,
    input: PatchMessage,
    actor: Actor,
    to?: RecipientRef[],
  ) {
    if (!isPending(row.status)) throw notEditable(row);
    const blocks = input.blocks ? { ...row.blocks, ...input.blocks } : row.blocks;
    const data = input.data ? { ...row.data, ...input.data } : row.data;
    const { recipients, rendered } = await composer.compose(tx, project, {
      template: row.templateKey,
      recipients: { to: to ?? row.to.map(toRef), cc: row.cc.map(toRef) },
      blocks,
      data,
    });
    const { sendAt } = input.sendAt
      ? await composer.sendingTime(tx, project, row.channel, input.sendAt, siteOf(data))
      : { sendAt: row.sendAt };
    const next = await move(tx, input.sendAt ? 'reschedule' : 'edit', row.id, {
      now: now(),
      actor,
      set: { sendAt, blocks, data, to: recipients.to, cc: recipients.cc, ...content(rendered) },
      data: { changes: Object.keys(input), sendAt: sendAt.toISOString() },
    });
    if (!next) throw notEditable((await findMessage(tx, row.id)) ?? row);
    return next;
  }

  return {
    async create(input: CreateMessage, caller: Caller): Promise<MessageView> {
      const project = await scopedProject(input.projectRef, caller);
      const row = await prepare(
        db,
        project,
        { ...input, blocks: input.blocks ?? {}, data: input.data ?? {} },
        actorOf(caller, project),
      );
      await mirror(row);
      return messageView(row);
    },

    /** What a message would be, without storing anything. */
    async preview(
      input: {
        projectRef: string;
        template: string;
        recipients?: CreateMessage['recipients'];
        blocks?: Record<string, string> | undefined;
        data?: Record<string, unknown> | undefined;
        transliterate?: boolean | undefined;
      },
      caller: Caller,
    ) {
      const project = await scopedProject(input.projectRef, caller);
      const { recipients, rendered } = await composer.compose(db, project, {
        template: input.template,
        recipients: input.recipients,
        blocks: input.blocks ?? {},
        data: input.data ?? {},
        transliterate: input.transliterate,
      });
      return { template: input.template, recipients: { to: recipients.to, cc: recipients.cc }, ...rendered };
    },

    async get(id: string, caller: Caller): Promise<MessageView> {
      return messageView((await loadScoped(id, caller)).row);
    },

    /** A reviewed draft goes out: now, or at its sendAt if that is still ahead. */
    async send(id: string, caller: Caller): Promise<MessageView> {
      const { row, project } = await loadScoped(id, caller);
      const next = await schedule(db, row, project, actorOf(caller, project));
      await mirror(next);
      return messageView(next);
    },

    async cancel(id: string, caller: Caller, reason?: string): Promise<MessageView> {
      const { row, project } = await loadScoped(id, caller);
      const next = await cancel(db, row, actorOf(caller, project), reason);
      await mirror(next);
      return messageView(next);
    },

    /**
     * Someone checked a message whose last attempt's outcome was lost (the client did not get
     * it) and asks for it to go: back to scheduled, now.
     */
    async resend(id: string, caller: Caller): Promise<MessageView> {
      const { row, project } = await loadScoped(id, caller);
      const next = await move(db, 'resend', row.id, {
        now: now(),
        actor: actorOf(caller, project),
        set: { sendAt: now(), unconfirmedAt: null, lastError: null },
        where: isNotNull(messages.unconfirmedAt),
      });
      if (!next) {
        throw new AppError('conflict', 409, `Message ${id} is ${row.status}: only an unconfirmed message can be resent`);
      }
      await mirror(next, { moved: true });
      return messageView(next);
    },

    async patch(id: string, input: PatchMessage, caller: Caller): Promise<MessageView> {
      const { row, project } = await loadScoped(id, caller);
      if (input.sendAt) checkSendAt(input.sendAt);
      const next = await update(db, row, project, input, actorOf(caller, project));
      await mirror(next, { moved: input.sendAt !== undefined });
      return messageView(next);
    },

    /** Renders without storing, to refuse bad input before anything is written. */
    async checkRender(project: Project, input: ComposeInput): Promise<void> {
      await composer.compose(db, project, input);
    },

    /**
     * For visits and automations, which act on the messages they own inside their own
     * transaction, then mirror them in the queue once committed: same moves, same history.
     */
    internal: {
      prepare,
      schedule,
      cancel,
      update,
      mirror,
      find: (
        tx: DbOrTx,
        where: { projectRef: string; interventionId?: string; parentId?: string; template?: string },
      ) =>
        tx
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

/** A stored recipient as the sender would have named it, so an edit keeps the same people. */
function toRef(r: { address: string; contactId?: string | undefined; name?: string | undefined }) {
  if (r.contactId) return { contactId: r.contactId };
  return r.address.includes('@')
    ? { email: r.address, ...(r.name ? { name: r.name } : {}) }
    : { mobile: r.address, ...(r.name ? { name: r.name } : {}) };
}

export type Messages = ReturnType<typeof createMessages>;
