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
  /** Rounds (the first ones) that run the throughput ramp: the ramp is most of a round's time. */
  rampRounds: number;
  /** Onboardings held in the worker's cache for the memory figure, and the providers it is measured for. */
  memoryHeld: number;
  memoryProviders: string[];
  /** Open loop per provider and side: rates as fractions of the floor's max sustained rate, seconds each. */
  openLoopFractions: number[];
  openLoopSeconds: number;
  /** Providers the open loop runs for (two sides × openLoopSeconds each); undefined: every provider. */
  openLoopProviders?: string[];
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
  // A B, B A, A B, B A, A B: five rounds, so every ratio has a median and a spread (min–max) of five.
  rounds: 5,
  latencySeconds: 4,
  latencyConcurrency: 2,
  rampStepSeconds: 2.5,
  rampWarmupSeconds: 1,
  // Steps of ×2 up to 16: on 2 CPUs every side saturates by 8–16 (Little: ~5/s × ~1–2 s), and a step past the knee
  // costs its whole backlog (32 onboardings of ~9 s each) in trailing time.
  rampStepLatencies: 1,
  rampMaxSeconds: 4,
  rampLevels: [2, 4, 8, 16],
  rampRounds: 1,
  memoryHeld: 1_000,
  memoryProviders: ['jiko'],
  openLoopFractions: [0.5],
  openLoopSeconds: 60,
  // Two minutes a provider: the simplest and the longest saga, so the default run stays under 20 minutes on 2 CPUs;
  // --open-loop=all for every provider.
  openLoopProviders: ['jiko', 'netspend'],
  webhookCapacitySeconds: 3,
  webhookLoadSeconds: 5,
  webhookTargets: 40,
  // None by default, so the default run stays under 20 minutes on 2 CPUs (the memory probe already holds 1,000
  // cached onboardings per side); --scale=10000 runs 1,000 (its base level) and 10,000.
  scaleLevels: [],
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
  rampRounds: 1,
  memoryHeld: 50,
  memoryProviders: ['jiko'],
  openLoopFractions: [0.5],
  openLoopSeconds: 10,
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
