import type { Db } from '../db/client.js';
import type { MessageStatus } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import type { Actor } from '../history/record.js';
import type { Project } from '../projects/schema.js';
import type { Producer } from '../queue/producer.js';
import type { RenderForProject } from './rendering.js';
import { content } from './rendering.js';
import { findMessage, type MessageRow, transition } from './repository.js';
import type { PatchMessage } from './schema.js';

export const EDITABLE: readonly MessageStatus[] = ['draft', 'scheduled'];

export interface TransitionsDeps {
  db: Db;
  producer: Producer;
  now: () => Date;
  render: RenderForProject;
  /** Follow-ups that depend on a message (a survey reminder on its closure mail) react here. */
  afterCancel?: ((row: MessageRow, actor: Actor) => Promise<void>) | undefined;
}

/**
 * What happens to a stored message after its creation: scheduled, cancelled, changed. Each
 * move is guarded by the status it starts from, recorded in the history, and mirrored in the
 * queue once committed.
 */
export function createTransitions({ db, producer, now, render, afterCancel }: TransitionsDeps) {
  async function enqueue(row: MessageRow): Promise<void> {
    if (row.status === 'scheduled') await producer.enqueue({ id: row.id, channel: row.channel, sendAt: row.sendAt });
  }

  async function mustFind(id: string): Promise<MessageRow> {
    const row = await findMessage(db, id);
    if (!row) throw notFound(`Message ${id}`);
    return row;
  }

  /** Draft to scheduled: now, or at its sendAt if that is still ahead (or at the given time). */
  async function schedule(row: MessageRow, actor: Actor, at?: Date): Promise<MessageRow> {
    if (row.status === 'scheduled' && !at) return row;
    const sendAt = at ?? (row.sendAt.getTime() < now().getTime() ? now() : row.sendAt);
    const next = await transition(
      db,
      row.id,
      ['draft'],
      { status: 'scheduled', sendAt },
      {
        type: 'message.scheduled',
        actor,
        data: { sendAt: sendAt.toISOString(), from: 'draft' },
      },
    );
    if (!next) throw notEditable((await findMessage(db, row.id)) ?? row);
    await enqueue(next);
    return next;
  }

  async function cancelRow(row: MessageRow, actor: Actor, reason?: string): Promise<MessageRow> {
    if (row.status === 'cancelled') return row;
    const next = await transition(
      db,
      row.id,
      EDITABLE,
      { status: 'cancelled', cancelledAt: now() },
      {
        type: 'message.cancelled',
        actor,
        data: reason ? { reason } : {},
      },
    );
    if (!next) {
      const current = (await findMessage(db, row.id)) ?? row;
      throw new AppError('conflict', 409, `Message ${row.id} is ${current.status} and can no longer be cancelled`);
    }
    await producer.remove({ id: row.id, channel: next.channel });
    await afterCancel?.(next, actor);
    return next;
  }

  async function update(row: MessageRow, project: Project, input: PatchMessage, actor: Actor): Promise<MessageRow> {
    if (!EDITABLE.includes(row.status)) throw notEditable(row);
    const sendAt = input.sendAt ?? row.sendAt;
    const blocks = input.blocks ? { ...row.blocks, ...input.blocks } : row.blocks;
    const data = input.data ? { ...row.data, ...input.data } : row.data;
    const rendered = await render(project, row.templateKey, blocks, data);
    const next = await transition(
      db,
      row.id,
      EDITABLE,
      { sendAt, blocks, data, ...content(rendered) },
      {
        type: input.sendAt ? 'message.rescheduled' : 'message.edited',
        actor,
        data: { changes: Object.keys(input), sendAt: sendAt.toISOString() },
      },
    );
    if (!next) throw notEditable((await findMessage(db, row.id)) ?? row);
    if (next.status === 'scheduled' && input.sendAt) {
      await producer.remove({ id: row.id, channel: next.channel });
      await enqueue(next);
    }
    return next;
  }

  const notEditable = (row: MessageRow) =>
    new AppError('conflict', 409, `Message ${row.id} is ${row.status}: only drafts and scheduled messages can change`);

  return { enqueue, mustFind, schedule, cancelRow, update };
}
