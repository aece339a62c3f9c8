/**
 * The throughput ramp of one side: closed loops at rising concurrency until throughput rises by less than 5 %.
 * Each step warms up for about one onboarding (at the latency the step before saw) and counts for at least
 * `rampStepLatencies` of them, so a ~2-second Netspend onboarding is measured over several lifetimes.
 */
import type { BenchContext } from '../context.js';
import type { OnboardingRun, Side } from '../driver.js';
import { closedLoop, percentile } from '../stats.js';
import type { LoopResult } from '../stats.js';
import { untilSettled } from './floor.js';

export interface RampStep {
  concurrency: number;
  /** Each onboarding's share of its lifetime inside the window, summed, per second. */
  perSecond: number;
  completedPerSecond: number;
  windowSeconds: number;
  meanLatencyMs: number;
}

export async function rampOf(
  ctx: BenchContext,
  side: Side,
  latency: LoopResult<OnboardingRun>,
  run: (index: number) => Promise<OnboardingRun>,
): Promise<{ best: number; steps: RampStep[]; errors: string[] }> {
  const { budget } = ctx;
  const steps: RampStep[] = [];
  const errors: string[] = [];
  let best = 0;
  let expectedLatencySeconds =
    percentile(
      latency.results.map((r) => r.latencyMs),
      50,
    ) / 1000 || budget.rampWarmupSeconds;
  for (const concurrency of budget.rampLevels) {
    if (concurrency === budget.latencyConcurrency && steps.length === 0) {
      // The latency loop was this step already (same concurrency, closed loop, its own lifetimes counted).
      best = latency.workInWindow / budget.latencySeconds;
      steps.push({
        concurrency,
        perSecond: best,
        completedPerSecond: latency.completedInWindow / budget.latencySeconds,
        windowSeconds: budget.latencySeconds,
        meanLatencyMs: latency.meanDurationMs,
      });
      expectedLatencySeconds = Math.max(expectedLatencySeconds, latency.meanDurationMs / 1000);
      continue;
    }
    await untilSettled(ctx, side);
    const warmupSeconds = Math.min(
      budget.rampMaxSeconds / 2,
      Math.max(budget.rampWarmupSeconds, expectedLatencySeconds),
    );
    const windowSeconds = Math.min(
      budget.rampMaxSeconds,
      Math.max(budget.rampStepSeconds, budget.rampStepLatencies * expectedLatencySeconds),
    );
    const step = await closedLoop(concurrency, (warmupSeconds + windowSeconds) * 1000, run, warmupSeconds * 1000);
    errors.push(...step.errors.slice(0, 3));
    const perSecond = step.workInWindow / windowSeconds;
    steps.push({
      concurrency,
      perSecond,
      completedPerSecond: step.completedInWindow / windowSeconds,
      windowSeconds,
      meanLatencyMs: step.meanDurationMs,
    });
    expectedLatencySeconds = Math.max(expectedLatencySeconds, step.meanDurationMs / 1000);
    const rose = perSecond > best * 1.05;
    best = Math.max(best, perSecond);
    if (!rose) break;
  }
  return { best, steps, errors };
}
