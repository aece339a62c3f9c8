/** Small statistics helpers and load shapes (closed loop, open loop at a fixed rate). */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The middle value, or the mean of the two middle ones (two rounds A B, B A give the mean of their ratios). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface LoopResult<T> {
  results: T[];
  /** Completions that ended inside the window. */
  completedInWindow: number;
  /**
   * Each successful call's share of its own duration that fell inside the window, summed: completions per window
   * without the ±1 of counting whole ones, which matters when a call lasts about as long as the window.
   */
  workInWindow: number;
  /** Mean duration of the successful calls, ms. */
  meanDurationMs: number;
  errors: string[];
  windowMs: number;
}

/**
 * `concurrency` loops calling `task` until `durationMs` has passed; in-flight calls are awaited, not counted.
 * Completions in the first `warmupMs` are not counted either (the loop has not reached its steady state).
 */
export async function closedLoop<T>(
  concurrency: number,
  durationMs: number,
  task: (index: number) => Promise<T>,
  warmupMs = 0,
): Promise<LoopResult<T>> {
  const results: T[] = [];
  const errors: string[] = [];
  const started = performance.now();
  const end = started + durationMs;
  const windowStart = started + warmupMs;
  let next = 0;
  let completedInWindow = 0;
  let workInWindow = 0;
  let totalDurationMs = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const index = next++;
        const callStarted = performance.now();
        try {
          const result = await task(index);
          results.push(result);
          const now = performance.now();
          if (now <= end && now >= windowStart) completedInWindow += 1;
          const duration = Math.max(1e-3, now - callStarted);
          totalDurationMs += duration;
          workInWindow += Math.max(0, Math.min(now, end) - Math.max(callStarted, windowStart)) / duration;
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
          if (errors.length > 20) return;
        }
      }
    }),
  );
  return {
    results,
    completedInWindow,
    workInWindow,
    meanDurationMs: results.length > 0 ? totalDurationMs / results.length : 0,
    errors,
    windowMs: durationMs - warmupMs,
  };
}

/** Calls `task` `count` times at `perSecond`, not waiting for one to end before the next (open loop). */
export async function openLoop<T>(
  perSecond: number,
  count: number,
  task: (index: number) => Promise<T>,
): Promise<{ results: T[]; errors: string[]; elapsedMs: number }> {
  const results: T[] = [];
  const errors: string[] = [];
  const started = performance.now();
  const running: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    const due = started + (index * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(
      task(index).then(
        (result) => {
          results.push(result);
        },
        (err: unknown) => {
          errors.push(err instanceof Error ? err.message : String(err));
        },
      ),
    );
  }
  await Promise.all(running);
  return { results, errors, elapsedMs: performance.now() - started };
}

/** Runs `task` over `items` with at most `concurrency` at once. */
export async function pool<I, T>(
  items: readonly I[],
  concurrency: number,
  task: (item: I) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as I);
      }
    }),
  );
  return results;
}

/** A tail figure only where the samples carry it: p99 needs ≥ 200 samples, otherwise the maximum of N is shown. */
export function tailLabel(values: readonly number[]): { label: string; ms: number; samples: number } {
  if (values.length >= 200) return { label: 'p99', ms: percentile(values, 99), samples: values.length };
  return { label: `max of ${values.length}`, ms: Math.max(...values), samples: values.length };
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median, min and max of the finite values (per-round ratios): the spread is reported with every ratio. */
export function spreadOf(values: readonly number[]): Spread {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}
