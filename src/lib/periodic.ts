import type { Logger } from '../logger.js';

export interface Periodic<T> {
  /** One pass; concurrent calls share the pass in progress. */
  runOnce(): Promise<T>;
  /** Runs a pass now, then every `intervalMs`; a failed pass is logged and tried again later. */
  start(intervalMs: number): void;
  /** Stops the timer and waits for the pass in progress. */
  stop(): Promise<void>;
}

/** A background task (reconciler, retention purge) that never overlaps with itself. */
export function periodic<T>(name: string, pass: () => Promise<T>, logger: Logger): Periodic<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  const runOnce = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  return {
    runOnce,
    start(intervalMs) {
      const tick = (): void => {
        runOnce().catch((err: unknown) => logger.warn({ err }, `${name} failed; will retry`));
      };
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
