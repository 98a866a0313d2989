import { isNotNull } from 'drizzle-orm';
import type { AgencySettingsService } from '../agencies/settings.js';
import type { Db, DbOrTx } from '../db/client.js';
import { messages } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import type { Actor } from '../history/record.js';
import { assertProjectScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { loadProject } from '../projects/repository.js';
import type { Project } from '../projects/schema.js';
import type { Producer } from '../queue/producer.js';
import type { Renderer } from '../render/index.js';
import { createComposer } from './compose.js';
import { loadMessageContext } from './context.js';
import { findMessage, type MessageRow, move } from './moves.js';
import { createOperations } from './operations.js';
import { createQueueMirror } from './queueing.js';
import type { RecipientPolicy } from './recipients.js';
import type { BulkInput, CreateMessage, PatchMessage } from './schema.js';
import { messageView, type MessageView } from './view.js';

export type { PrepareInput, Provenance } from './operations.js';

export interface MessagesDeps {
  db: Db;
  renderer: Renderer;
  producer: Producer;
  settings: AgencySettingsService;
  policy: RecipientPolicy;
  now: () => Date;
}

/** Templates of which an order has one draft at a time: a second one would mail the client twice. */
const MILESTONE_TEMPLATES = new Set(['accuse-reception', 'rle-recap', 'cloture']);

export const actorOf = (caller: Caller, project: Project): Actor => ({
  name: caller.name,
  onBehalfOf: caller.role === 'rac' ? undefined : project.rac.id,
});

/** The message changed since the caller read it: 412, with what it is now. */
function stale(row: MessageRow, expected: number): AppError {
  return new AppError(
    'stale_revision',
    412,
    `Message ${row.id} changed since it was read (revision ${expected}, now ${row.revision}): read it again before changing it`,
    { details: { revision: row.revision, status: row.status } },
  );
}

export function createMessages(deps: MessagesDeps) {
  const { db, now } = deps;
  const composer = createComposer(deps);
  const ops = createOperations({ composer, now });
  const mirror = createQueueMirror(deps.producer);

  /** `orders`: orders already read in this request (a bulk action reads each once). */
  async function loadScoped(id: string, caller: Caller, expected?: number, orders?: Map<string, Project | undefined>) {
    const row = await findMessage(db, id);
    if (!row) throw notFound(`Message ${id}`);
    if (orders && !orders.has(row.projectRef)) orders.set(row.projectRef, await loadProject(db, row.projectRef));
    const project = orders ? orders.get(row.projectRef) : await loadProject(db, row.projectRef);
    if (!project) throw notFound(`Project ${row.projectRef}`);
    assertProjectScope(caller, project);
    if (expected !== undefined && expected !== row.revision) throw stale(row, expected);
    return { row, project };
  }

  /** What was read of the order `ref`, if there is one and the caller may act on it. */
  function scoped<T>(found: T | undefined, projectOf: (found: T) => Project, ref: string, caller: Caller): T {
    if (!found) throw new AppError('not_found', 404, `body.projectRef: project ${ref} not found`);
    assertProjectScope(caller, projectOf(found));
    return found;
  }

  const scopedProject = async (ref: string, caller: Caller): Promise<Project> =>
    scoped(await loadProject(db, ref), (project) => project, ref, caller);

  /** A move refused by its revision guard is a 412; by its status, a 409 (from the operation). */
  async function guarded<T>(id: string, expected: number | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (expected === undefined || !(error instanceof AppError) || error.statusCode !== 409) throw error;
      const current = await findMessage(db, id);
      if (current && current.revision !== expected) throw stale(current, expected);
      throw error;
    }
  }

  type Orders = Map<string, Project | undefined>;

  async function send(id: string, caller: Caller, expected?: number, orders?: Orders) {
    const { row, project } = await loadScoped(id, caller, expected, orders);
    const next = await guarded(id, expected, () => ops.schedule(db, row, project, actorOf(caller, project)));
    await mirror(next);
    return next;
  }

  async function cancel(id: string, caller: Caller, reason?: string, expected?: number, orders?: Orders) {
    const { row, project } = await loadScoped(id, caller, expected, orders);
    const next = await guarded(id, expected, () =>
      ops.cancel(db, row, actorOf(caller, project), reason, expected !== undefined),
    );
    await mirror(next);
    return next;
  }

  async function schedule(id: string, caller: Caller, sendAt: Date, expected?: number, orders?: Orders) {
    const { row, project } = await loadScoped(id, caller, expected, orders);
    const at = ops.checkSendAt(sendAt);
    const next = await guarded(id, expected, () => ops.schedule(db, row, project, actorOf(caller, project), at));
    await mirror(next, { moved: true });
    return next;
  }

  return {
    async create(input: CreateMessage, caller: Caller): Promise<MessageView> {
      const milestone = MILESTONE_TEMPLATES.has(input.template);
      const context = scoped(
        await loadMessageContext(db, input.projectRef, milestone ? input.template : undefined, now()),
        (found) => found.project,
        input.projectRef,
        caller,
      );
      const { project, known } = context;
      const actor = actorOf(caller, project);
      const replaced: MessageRow[] = [];
      const prepare = (tx: DbOrTx) =>
        ops.prepare(tx, project, { ...input, blocks: input.blocks ?? {}, data: input.data ?? {}, known }, actor);
      const drafts = (tx: DbOrTx) =>
        ops.find(tx, { projectRef: project.ref, template: input.template, status: 'draft' });
      const pending = context.drafts;
      if (pending.length > 0 && !input.replaceDraft) {
        const [first] = pending;
        throw new AppError(
          'draft_exists',
          409,
          `Order ${project.ref} already has a ${input.template} draft waiting for review (message ${first?.id}): ` +
            'edit and send it, or pass replaceDraft: true to replace it',
          { details: { messageId: first?.id, status: first?.status } },
        );
      }
      // Without a draft to replace, the message and its event are one statement: no transaction.
      const row =
        pending.length === 0
          ? await prepare(db)
          : await db.transaction(async (tx) => {
              for (const old of await drafts(tx)) {
                replaced.push(await ops.cancel(tx, old, actor, 'replaced by a new message'));
              }
              return prepare(tx);
            });
      for (const old of replaced) await mirror(old);
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
    send: async (id: string, caller: Caller, expected?: number) => messageView(await send(id, caller, expected)),

    cancel: async (id: string, caller: Caller, reason?: string, expected?: number) =>
      messageView(await cancel(id, caller, reason, expected)),

    async patch(id: string, input: PatchMessage, caller: Caller, expected?: number): Promise<MessageView> {
      const revision = expected ?? input.revision;
      const { row, project } = await loadScoped(id, caller, revision);
      const { revision: _revision, ...change } = input;
      const next = await guarded(id, revision, () => ops.update(db, row, project, change, actorOf(caller, project)));
      await mirror(next, { moved: input.sendAt !== undefined });
      return messageView(next);
    },

    /**
     * One action on many messages (a RAC reviewing 250 visit notices). Each message is moved
     * by its own statement, guarded by the revision the caller saw: done, or refused with its
     * reason, never half-done.
     */
    async bulk(input: BulkInput, caller: Caller) {
      const results = [];
      const orders: Orders = new Map();
      for (const item of input.items) {
        try {
          const row =
            input.action === 'send'
              ? await send(item.id, caller, item.revision, orders)
              : input.action === 'cancel'
                ? await cancel(item.id, caller, input.reason, item.revision, orders)
                : await schedule(item.id, caller, input.sendAt ?? now(), item.revision, orders);
          results.push({
            id: item.id,
            ok: true as const,
            status: row.status,
            revision: row.revision,
            sendAt: row.sendAt.toISOString(),
          });
        } catch (error) {
          if (!(error instanceof AppError) || error.statusCode >= 500) throw error;
          results.push({
            id: item.id,
            ok: false as const,
            error: { code: error.code, status: error.statusCode, message: error.message },
          });
        }
      }
      return { done: results.filter((r) => r.ok).length, refused: results.filter((r) => !r.ok).length, results };
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
        throw new AppError(
          'conflict',
          409,
          `Message ${id} is ${row.status}: only an unconfirmed message can be resent`,
        );
      }
      await mirror(next, { moved: true });
      return messageView(next);
    },

    /** Renders without storing, to refuse bad input before anything is written. */
    async checkRender(project: Project, input: Parameters<typeof composer.compose>[2]): Promise<void> {
      await composer.compose(db, project, input);
    },

    /**
     * For visits, automations and follow-ups, which act on the messages they own inside their
     * own transaction, then mirror them in the queue once committed: same moves, same history.
     */
    internal: { ...ops, mirror },
  };
}

export type Messages = ReturnType<typeof createMessages>;
