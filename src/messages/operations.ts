import { randomUUID } from 'node:crypto';
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { rowMapper, runCompiled } from '../db/compiled.js';
import { messages } from '../db/schema.js';
import { AppError, invalid } from '../errors.js';
import type { Actor } from '../history/record.js';
import type { Project } from '../projects/schema.js';
import { type ComposeInput, type Composer, content } from './compose.js';
import { isPending, type MessageStatus, PENDING } from './lifecycle.js';
import { findMessage, insert, type MessageRow, move } from './moves.js';
import type { PatchMessage, RecipientRef } from './schema.js';
import { type Blocked, blockedRecipients, suppressedError } from './suppressed.js';

const messageRow = rowMapper(messages);

/** A sendAt this far in the past is still "now": clocks of callers drift a little. */
const PAST_TOLERANCE_MS = 60_000;

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

/** A stored recipient as the sender would have named it, so that a new rendering keeps the same people. */
function toRef(r: { address: string; contactId?: string | undefined; name?: string | undefined }): RecipientRef {
  if (r.contactId) return { contactId: r.contactId };
  return r.address.includes('@')
    ? { email: r.address, ...(r.name ? { name: r.name } : {}) }
    : { mobile: r.address, ...(r.name ? { name: r.name } : {}) };
}

const siteOf = (data: Record<string, unknown>) => (typeof data.siteRef === 'string' ? data.siteRef : undefined);

/** How a refused recipient is named to the caller: by contact, never by an address it did not give. */
const namer = (project: Project) => (r: { address: string; contactId?: string | undefined }) =>
  r.contactId ? `contact "${r.contactId}"` : r.address === project.rac.email ? "the RAC's address" : r.address;

const holdOf = (blocked: Blocked[], send: boolean) => {
  const [first] = blocked;
  return first ? { suppressionId: first.suppression.id, reason: first.suppression.reason, send } : null;
};

/**
 * What can happen to a message, each inside the caller's transaction (`tx`) and through the
 * lifecycle's moves. Queueing follows after the commit (./queueing.ts).
 */
export function createOperations({ composer, now }: { composer: Composer; now: () => Date }) {
  function checkSendAt(sendAt: Date | undefined, path = 'body.sendAt'): Date {
    const at = sendAt ?? now();
    if (at.getTime() < now().getTime() - PAST_TOLERANCE_MS) {
      throw invalid([{ path, message: `is in the past (${at.toISOString()}); omit it to send now` }]);
    }
    return at.getTime() < now().getTime() ? now() : at;
  }

  const notEditable = (row: MessageRow) =>
    new AppError('conflict', 409, `Message ${row.id} is ${row.status}: only drafts and scheduled messages can change`);

  const rendering = (project: Project) => ({ renderedAt: now(), renderedVersion: project.version });

  /** Composes and stores a message; nothing is stored when its content cannot be rendered. */
  async function prepare(
    tx: DbOrTx,
    project: Project,
    input: PrepareInput,
    actor: Actor,
    provenance: Provenance = {},
  ): Promise<MessageRow> {
    const { channel, recipients, rendered } = await composer.compose(tx, project, {
      ...input,
      interventionId: provenance.interventionId,
    });
    const timing = await composer.sendingTime(tx, project, channel, checkSendAt(input.sendAt), siteOf(input.data));
    const columns = content(rendered);
    const blocked = await blockedRecipients(tx, channel, recipients, now(), input.known?.suppressions);
    // A caller is told at once; what an automation or a visit prepares waits, held, for a person.
    if (blocked.length > 0 && (provenance.origin ?? 'api') === 'api') throw suppressedError(blocked, namer(project));
    const hold = holdOf(blocked, input.draft !== true);
    const warnings = [
      ...columns.warnings,
      ...(timing.moved ? [`outside the SMS hours: it will go at ${timing.sendAt.toISOString()}`] : []),
      ...blocked.map((b) => `held: ${namer(project)(b.recipient)} is suppressed (${b.suppression.reason})`),
    ];
    const draft = input.draft === true || hold !== null;
    const row = await insert(
      tx,
      {
        id: randomUUID(),
        projectRef: project.ref,
        templateKey: input.template,
        channel,
        to: recipients.to,
        cc: recipients.cc,
        blocks: input.blocks,
        data: input.data,
        sendAt: timing.sendAt,
        ...columns,
        warnings,
        ...rendering(project),
        hold,
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
    if (!hold) return row;
    const held = await move(tx, 'hold', row.id, {
      now: now(),
      actor,
      data: { suppressionId: hold.suppressionId, reason: hold.reason },
    });
    return held ?? row;
  }

  /** Draft to scheduled: now, or at its sendAt if that is still ahead (or at the given time). */
  async function schedule(tx: DbOrTx, row: MessageRow, project: Project, actor: Actor, at?: Date) {
    if (row.status === 'scheduled' && !at) return row;
    if (row.status === 'scheduled' && at) return update(tx, row, project, { sendAt: at }, actor);
    const blocked = await blockedRecipients(tx, row.channel, row, now());
    if (blocked.length > 0) throw suppressedError(blocked, namer(project));
    const wanted = at ?? (row.sendAt.getTime() < now().getTime() ? now() : row.sendAt);
    const { sendAt } = await composer.sendingTime(tx, project, row.channel, wanted, siteOf(row.data));
    const next = await move(tx, 'schedule', row.id, {
      now: now(),
      actor,
      set: { sendAt, hold: null },
      data: { sendAt: sendAt.toISOString(), from: 'draft' },
      where: eq(messages.revision, row.revision),
    });
    if (!next) throw notEditable((await findMessage(tx, row.id)) ?? row);
    return next;
  }

  /** `asRead`: only if the message is still as the caller read it (its revision). */
  async function cancel(tx: DbOrTx, row: MessageRow, actor: Actor, reason?: string, asRead = false) {
    if (row.status === 'cancelled') return row;
    const next = await move(tx, 'cancel', row.id, {
      now: now(),
      actor,
      data: reason ? { reason } : {},
      where: asRead ? eq(messages.revision, row.revision) : undefined,
    });
    if (!next) {
      const current = (await findMessage(tx, row.id)) ?? row;
      throw new AppError('conflict', 409, `Message ${row.id} is ${current.status} and can no longer be cancelled`);
    }
    return next;
  }

  /** New sendAt, blocks, data (or recipients) before the message goes; the content is rendered again. */
  async function update(
    tx: DbOrTx,
    row: MessageRow,
    project: Project,
    input: Omit<PatchMessage, 'revision'>,
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
      interventionId: row.interventionId,
    });
    const { sendAt } = input.sendAt
      ? await composer.sendingTime(tx, project, row.channel, checkSendAt(input.sendAt), siteOf(data))
      : { sendAt: row.sendAt };
    const next = await move(tx, input.sendAt ? 'reschedule' : 'edit', row.id, {
      now: now(),
      actor,
      set: { sendAt, blocks, data, to: recipients.to, cc: recipients.cc, ...content(rendered), ...rendering(project) },
      data: { changes: Object.keys(input), sendAt: sendAt.toISOString() },
      where: eq(messages.revision, row.revision),
    });
    if (!next) throw notEditable((await findMessage(tx, row.id)) ?? row);
    return next;
  }

  /**
   * Renders a message not sent yet from the order as it is now, keeping what the sender
   * typed (blocks), its data and its people. A message that can no longer be rendered (its
   * contact left the order) keeps its content and says why in its warnings.
   */
  async function rerender(tx: DbOrTx, row: MessageRow, project: Project, actor: Actor, cause: string) {
    if (!isPending(row.status)) return undefined;
    let set: Parameters<typeof move>[3]['set'];
    try {
      const { recipients, rendered } = await composer.compose(tx, project, {
        template: row.templateKey,
        recipients: { to: row.to.map(toRef), cc: row.cc.map(toRef) },
        blocks: row.blocks,
        data: row.data,
        interventionId: row.interventionId,
      });
      set = { to: recipients.to, cc: recipients.cc, ...content(rendered), ...rendering(project) };
    } catch (error) {
      if (!(error instanceof AppError) || error.statusCode >= 500) throw error;
      set = {
        warnings: [
          ...row.warnings.filter((w) => !w.startsWith('not rendered again')),
          `not rendered again: ${error.message}`,
        ],
      };
    }
    return move(tx, 'rerender', row.id, {
      now: now(),
      actor,
      set,
      data: { cause, version: project.version },
      where: eq(messages.revision, row.revision),
    });
  }

  /** A held draft no longer waits for the suppression that held it (lifted). */
  async function release(tx: DbOrTx, row: MessageRow, actor: Actor, suppressionId: string) {
    return move(tx, 'release', row.id, {
      now: now(),
      actor,
      set: { hold: null, warnings: row.warnings.filter((w) => !w.startsWith('held: ')) },
      data: { suppressionId },
      where: sql`${messages.hold} ->> 'suppressionId' = ${suppressionId}`,
    });
  }

  /** Every milestone mail created looks for a draft of its template: compiled once per set of filters. */
  const find = async (
    tx: DbOrTx,
    where: {
      projectRef: string;
      interventionId?: string;
      parentId?: string;
      template?: string;
      pending?: boolean;
      status?: MessageStatus;
    },
  ): Promise<MessageRow[]> => {
    const filters = [
      where.interventionId ? ['interventionId', eq(messages.interventionId, sql.placeholder('interventionId'))] : [],
      where.parentId ? ['parentId', eq(messages.parentId, sql.placeholder('parentId'))] : [],
      where.template ? ['template', eq(messages.templateKey, sql.placeholder('template'))] : [],
      where.pending ? ['pending', inArray(messages.status, [...PENDING])] : [],
      where.status ? ['status', eq(messages.status, sql.placeholder('status'))] : [],
    ].filter((entry): entry is [string, SQL] => entry.length > 0);
    const raws = await runCompiled(
      tx,
      ['findMessages', ...filters.map(([name]) => name)].join('|'),
      () =>
        sql`select * from ${messages} where ${and(
          eq(messages.projectRef, sql.placeholder('projectRef')),
          ...filters.map(([, condition]) => condition),
        )} order by ${messages.createdAt} asc`,
      {
        projectRef: where.projectRef,
        interventionId: where.interventionId,
        parentId: where.parentId,
        template: where.template,
        status: where.status,
      },
    );
    return raws.map((raw) => messageRow(raw) as MessageRow);
  };

  return { checkSendAt, prepare, schedule, cancel, update, rerender, release, find };
}
export type Operations = ReturnType<typeof createOperations>;
