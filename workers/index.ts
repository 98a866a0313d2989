import type { Deps } from '../src/deps.js';

export interface Workers {
  close(): Promise<void>;
}

/**
 * Starts the queue processors. Delivery processors register here; `close` lets in-flight
 * jobs finish before the process exits.
 */
export async function startWorkers(deps: Pick<Deps, 'logger'>): Promise<Workers> {
  const running: Workers[] = [];
  deps.logger.debug({ processors: running.length }, 'workers started');
  return {
    async close() {
      await Promise.all(running.map((worker) => worker.close()));
    },
  };
}
