/** What every bench section gets: the running stack, a Temporal client, the PII codec, the budget. */
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Stack } from './stack.js';

export interface Budget {
  rounds: number;
  /** Closed-loop latency phase per side and round. */
  latencySeconds: number;
  latencyConcurrency: number;
  /** Throughput ramp: seconds per step, concurrency levels tried in order until throughput stops rising. */
  rampStepSeconds: number;
  /** Seconds each ramp step runs before its completions count. */
  rampWarmupSeconds: number;
  /**
   * A step counts for at least this many onboarding latencies (the latency the step before saw), and warms up for
   * one: a Netspend onboarding lasts about as long as a Jiko step.
   */
  rampStepLatencies: number;
  /** Longest counting window of a step (its warm-up at most half of it): past saturation the latency only grows. */
  rampMaxSeconds: number;
  rampLevels: number[];
  /** Onboardings held in the worker's cache for the memory figure. */
  memoryHeld: number;
  /** Rounds (the first ones) that measure the memory figure. */
  memoryRounds: number;
  webhookCapacitySeconds: number;
  webhookLoadSeconds: number;
  webhookTargets: number;
  scaleLevels: number[];
  scaleSignals: number;
  /** Longest wait, per level, for the started onboardings to be waiting on the customer. */
  scaleHoldSeconds: number;
  /** The hold also ends when no more onboardings have become waiting for this long (stragglers are reported). */
  scaleStallSeconds: number;
}

export const FULL_BUDGET: Budget = {
  // A B, B A, A B: at least three rounds, so the median of the per-round ratios drops one outlier round.
  rounds: 3,
  latencySeconds: 4,
  latencyConcurrency: 2,
  rampStepSeconds: 3,
  rampWarmupSeconds: 1,
  rampStepLatencies: 1.5,
  rampMaxSeconds: 8,
  rampLevels: [2, 8, 16, 32],
  memoryHeld: 100,
  memoryRounds: 1,
  webhookCapacitySeconds: 4,
  webhookLoadSeconds: 5,
  webhookTargets: 40,
  scaleLevels: [1_000, 10_000],
  scaleSignals: 200,
  scaleHoldSeconds: 240,
  scaleStallSeconds: 15,
};

export const QUICK_BUDGET: Budget = {
  rounds: 1,
  latencySeconds: 3,
  latencyConcurrency: 2,
  rampStepSeconds: 3,
  rampWarmupSeconds: 1,
  rampStepLatencies: 1.5,
  rampMaxSeconds: 6,
  rampLevels: [2, 8],
  memoryHeld: 20,
  memoryRounds: 1,
  webhookCapacitySeconds: 2,
  webhookLoadSeconds: 3,
  webhookTargets: 10,
  scaleLevels: [200],
  scaleSignals: 40,
  scaleHoldSeconds: 60,
  scaleStallSeconds: 10,
};

export interface BenchContext {
  stack: Stack;
  client: Client;
  codec: PayloadCodec;
  budget: Budget;
  quick: boolean;
  log: (line: string) => void;
  webhookSecrets: Record<string, string>;
}
