/**
 * Delayed work of a simulator (an account activated a moment later, a KYC decided after a delay): every timer is
 * tracked so a closing sandbox cancels what is still pending, and a task whose time comes after close never runs
 * (nor sends a webhook, nor keeps the process alive).
 */
export interface TaskScheduler {
  /** Runs `task` after `delayMs` unless the scheduler closed first; the returned function cancels it. */
  schedule(task: () => void, delayMs: number): () => void;
  /** Cancels every pending task (a sandbox reset); later ones still run. */
  cancelPending(): void;
  /** Cancels every pending task; later ones are refused. */
  close(): void;
  readonly closed: boolean;
}

export function createTaskScheduler(): TaskScheduler {
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const cancelPending = (): void => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
  return {
    schedule(task, delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!closed) task();
      }, delayMs);
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    cancelPending,
    close() {
      closed = true;
      cancelPending();
    },
    get closed() {
      return closed;
    },
  };
}
