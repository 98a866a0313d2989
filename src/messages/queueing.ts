import type { Producer } from '../queue/producer.js';
import type { MessageRow } from './moves.js';

/**
 * Redis mirrors what PostgreSQL says, after the commit: a scheduled message has a job at its
 * sendAt, a cancelled one none. Best effort: the worker re-reads the row before sending, and
 * the reconciler puts back any job that could not be queued.
 */
export function createQueueMirror(producer: Producer) {
  return async function mirror(row: MessageRow, options: { moved?: boolean } = {}): Promise<void> {
    if (row.status === 'scheduled') {
      const job = { id: row.id, channel: row.channel, sendAt: row.sendAt };
      await (options.moved ? producer.reschedule(job) : producer.enqueue(job));
    } else if (row.status === 'cancelled') {
      await producer.remove({ id: row.id, channel: row.channel });
    }
  };
}
export type QueueMirror = ReturnType<typeof createQueueMirror>;
