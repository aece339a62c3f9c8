/**
 * Section 1: the real onboarding against the floor, per provider, interleaved A B B A … for `rounds` rounds.
 * Each side of each round measures latency (closed loop), CPU per onboarding (/proc of the side's processes),
 * history size, maximum sustained throughput (concurrency ramp) and worker memory per cached workflow.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from '../context.js';
import { runOnboarding } from '../driver.js';
import type { Side } from '../driver.js';
import { fetchHistory, shapeOf, sizeOf } from '../history.js';
import type { HistorySize } from '../history.js';
import type { FloorShape } from '../floor-shape.js';
import { cpuDelta, cpuSnapshot, rssBytes } from '../proc.js';
import type { BenchProvider } from '../providers.js';
import { BENCH_API_KEY } from '../stack.js';
import type { ProcessName } from '../stack.js';
import { closedLoop, median, percentile, pool, sleep } from '../stats.js';

export interface SideRound {
  latencyP50Ms: number;
  latencyP99Ms: number;
  samples: number;
  cpuSecondsPerOnboarding: number;
  cpuByProcess: Record<string, number>;
  maxOnboardingsPerSecond: number;
  /**
   * One entry per concurrency level: onboardings/s (each onboarding's share of its lifetime inside the window,
   * summed), the plain count of completions in the window per second, the window, and the mean latency.
   */
  ramp: {
    concurrency: number;
    perSecond: number;
    completedPerSecond?: number;
    windowSeconds?: number;
    meanLatencyMs?: number;
  }[];
  history: HistorySize;
  memoryPerWorkflowBytes: number;
  memoryHeld: number;
  errors: string[];
}

export interface FloorComparison {
  provider: string;
  shape: FloorShape;
  rounds: { real: SideRound; floor: SideRound }[];
  /** Median over rounds of real ÷ floor. */
  ratios: {
    latencyP50: number;
    latencyP99: number;
    cpuPerOnboarding: number;
    throughput: number;
    historyEvents: number;
    historyBytes: number;
    memoryPerWorkflow: number;
  };
  real: SideSummary;
  floor: SideSummary;
}

export interface SideSummary {
  latencyP50Ms: number;
  latencyP99Ms: number;
  cpuSecondsPerOnboarding: number;
  maxOnboardingsPerSecond: number;
  historyEvents: number;
  historyBytes: number;
  memoryPerWorkflowBytes: number;
}

const PROCESSES: Record<Side, ProcessName[]> = {
  real: ['worker', 'gateway', 'temporal', 'sandbox'],
  floor: ['floorWorker', 'floorGateway', 'temporal', 'sandbox'],
};

function pidsOf(ctx: BenchContext, side: Side): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const name of PROCESSES[side]) {
    const pid = ctx.stack.pid(name);
    if (pid !== undefined) pids[name] = pid;
  }
  return pids;
}

/** Trailing work (webhook deliveries, outbound events) of the phase before must not land in the next one. */
export async function untilSettled(ctx: BenchContext, side: Side, maxMs = 5_000): Promise<void> {
  const pids = pidsOf(ctx, side);
  for (let i = 0; i < maxMs / 250; i += 1) {
    const before = cpuSnapshot(pids);
    await sleep(250);
    const used = Object.values(cpuDelta(before, cpuSnapshot(pids))).reduce((a, b) => a + b, 0);
    if (used < 0.05) return;
  }
}

export async function compareWithFloor(ctx: BenchContext, provider: BenchProvider): Promise<FloorComparison> {
  const { stack, client, budget } = ctx;
  const customer = (side: Side) => ({
    client,
    gatewayUrl: side === 'real' ? stack.gatewayUrl : stack.floorGatewayUrl,
    provider,
    side,
    webhookSecret: ctx.webhookSecrets[provider.name] ?? '',
  });
  let sequence = 0;
  const ref = (side: Side, tag: string): string => `${side === 'real' ? 'r' : 'f'}${tag}-${(sequence += 1)}`;

  ctx.log(`${provider.name}: calibrating the floor from a real onboarding`);
  const warm = await runOnboarding(customer('real'), ref('real', 'cal'));
  if (warm.state !== 'completed') throw new Error(`${provider.name}: the calibration onboarding ended ${warm.state}`);
  const shape = await shapeOf(provider.name, await fetchHistory(client, warm.onboardingId), ctx.codec);
  const shown = [...warm.actions];
  for (const step of shape.steps) {
    if (step.kind !== 'update') continue;
    const at = shown.findIndex((action) => action.action === step.name);
    if (at >= 0) step.data = (shown.splice(at, 1)[0] as (typeof shown)[number]).data;
  }
  writeFileSync(path.join(stack.dir, 'shapes', `${provider.name}.json`), JSON.stringify(shape));
  for (const side of ['real', 'floor'] as const) {
    await Promise.all([0, 1].map(() => runOnboarding(customer(side), ref(side, 'warm'))));
  }

  const measure = async (side: Side, round: number): Promise<SideRound> => {
    const errors: string[] = [];
    await untilSettled(ctx, side);
    const pids = pidsOf(ctx, side);

    const cpuBefore = cpuSnapshot(pids);
    const latency = await closedLoop(budget.latencyConcurrency, budget.latencySeconds * 1000, () =>
      runOnboarding(customer(side), ref(side, `l${round}`)),
    );
    await untilSettled(ctx, side);
    const cpu = cpuDelta(cpuBefore, cpuSnapshot(pids));
    errors.push(...latency.errors);
    const completed = latency.results.filter((run) => run.state === 'completed');
    const latencies = completed.map((run) => run.latencyMs);
    const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);

    const sampled = completed.slice(0, 3);
    const sizes = await Promise.all(sampled.map(async (run) => sizeOf(await fetchHistory(client, run.onboardingId))));
    const history: HistorySize = {
      events: median(sizes.map((size) => size.events)),
      bytes: median(sizes.map((size) => size.bytes)),
      counts: sizes[0]?.counts ?? { activities: 0, timers: 0, updates: 0, signals: 0 },
      eventTypes: sizes[0]?.eventTypes,
    };

    // Each step warms up for about one onboarding (at the latency the previous step saw) and then counts for at
    // least two, so a ~2-second Netspend onboarding is measured over several lifetimes, not a fraction of one.
    const ramp: SideRound['ramp'] = [];
    let best = 0;
    let flat = 0;
    let expectedLatencySeconds = percentile(latencies, 50) / 1000 || budget.rampWarmupSeconds;
    for (const concurrency of budget.rampLevels) {
      if (concurrency === budget.latencyConcurrency && ramp.length === 0) {
        // The latency loop was this step already (same concurrency, closed loop, its own lifetimes counted).
        const perSecond = latency.workInWindow / budget.latencySeconds;
        ramp.push({
          concurrency,
          perSecond,
          completedPerSecond: latency.completedInWindow / budget.latencySeconds,
          windowSeconds: budget.latencySeconds,
          meanLatencyMs: latency.meanDurationMs,
        });
        best = perSecond;
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
      const step = await closedLoop(
        concurrency,
        (warmupSeconds + windowSeconds) * 1000,
        () => runOnboarding(customer(side), ref(side, `t${round}`)),
        warmupSeconds * 1000,
      );
      errors.push(...step.errors.slice(0, 3));
      const perSecond = step.workInWindow / windowSeconds;
      ramp.push({
        concurrency,
        perSecond,
        completedPerSecond: step.completedInWindow / windowSeconds,
        windowSeconds,
        meanLatencyMs: step.meanDurationMs,
      });
      expectedLatencySeconds = Math.max(expectedLatencySeconds, step.meanDurationMs / 1000);
      if (perSecond > best * 1.05) {
        best = Math.max(best, perSecond);
        flat = 0;
      } else {
        best = Math.max(best, perSecond);
        flat += 1;
        if (flat >= 1) break;
      }
    }

    // RSS per cached workflow moves little from round to round but costs a hundred onboardings: the first
    // `memoryRounds` rounds measure it.
    const memory =
      round < budget.memoryRounds
        ? await memoryPerWorkflow(ctx, side, provider, (tag) => ref(side, tag + round))
        : Number.NaN;
    return {
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      samples: latencies.length,
      cpuSecondsPerOnboarding: completed.length > 0 ? cpuTotal / completed.length : Number.NaN,
      cpuByProcess: Object.fromEntries(
        Object.entries(cpu).map(([name, seconds]) => [name, seconds / Math.max(1, completed.length)]),
      ),
      maxOnboardingsPerSecond: best,
      ramp,
      history,
      memoryPerWorkflowBytes: memory,
      memoryHeld: budget.memoryHeld,
      errors: errors.slice(0, 10),
    };
  };

  const rounds: { real: SideRound; floor: SideRound }[] = [];
  for (let round = 0; round < budget.rounds; round += 1) {
    // A B B A …: neither side always goes first, so drift (caches, the database growing) favours neither.
    const order: Side[] = round % 2 === 0 ? ['real', 'floor'] : ['floor', 'real'];
    const measured: Partial<Record<Side, SideRound>> = {};
    for (const side of order) {
      ctx.log(`${provider.name}: round ${round + 1}/${budget.rounds}, ${side}`);
      measured[side] = await measure(side, round);
      const m = measured[side];
      ctx.log(
        `  p50 ${m.latencyP50Ms.toFixed(0)} ms, p99 ${m.latencyP99Ms.toFixed(0)} ms (${m.samples}), ` +
          `cpu ${(m.cpuSecondsPerOnboarding * 1000).toFixed(0)} ms/onboarding, max ${m.maxOnboardingsPerSecond.toFixed(1)}/s, ` +
          `history ${m.history.events} events ${m.history.bytes} B, memory ${Number.isNaN(m.memoryPerWorkflowBytes) ? '—' : `${(m.memoryPerWorkflowBytes / 1024).toFixed(0)} KiB/workflow`}` +
          (m.errors.length > 0 ? `, errors: ${m.errors[0]}` : ''),
      );
    }
    rounds.push({ real: measured.real as SideRound, floor: measured.floor as SideRound });
  }

  // Rounds that did not measure a figure (NaN) leave it out of the median.
  const measuredOnly = (values: number[]): number[] => values.filter((value) => !Number.isNaN(value));
  const ratio = (pick: (side: SideRound) => number): number =>
    median(measuredOnly(rounds.map((round) => pick(round.real) / pick(round.floor))));
  const summary = (side: Side): SideSummary => {
    const of = (pick: (s: SideRound) => number): number =>
      median(measuredOnly(rounds.map((round) => pick(round[side]))));
    return {
      latencyP50Ms: of((s) => s.latencyP50Ms),
      latencyP99Ms: of((s) => s.latencyP99Ms),
      cpuSecondsPerOnboarding: of((s) => s.cpuSecondsPerOnboarding),
      maxOnboardingsPerSecond: of((s) => s.maxOnboardingsPerSecond),
      historyEvents: of((s) => s.history.events),
      historyBytes: of((s) => s.history.bytes),
      memoryPerWorkflowBytes: of((s) => s.memoryPerWorkflowBytes),
    };
  };
  return {
    provider: provider.name,
    shape,
    rounds,
    ratios: {
      latencyP50: ratio((s) => s.latencyP50Ms),
      latencyP99: ratio((s) => s.latencyP99Ms),
      cpuPerOnboarding: ratio((s) => s.cpuSecondsPerOnboarding),
      throughput: ratio((s) => s.maxOnboardingsPerSecond),
      historyEvents: ratio((s) => s.history.events),
      historyBytes: ratio((s) => s.history.bytes),
      memoryPerWorkflow: ratio((s) => s.memoryPerWorkflowBytes),
    },
    real: summary('real'),
    floor: summary('floor'),
  };
}

/**
 * Starts `memoryHeld` onboardings and leaves them waiting on the customer (held in the worker's cache), then
 * reads the worker's RSS growth per workflow; the held onboardings are terminated afterwards.
 */
async function memoryPerWorkflow(
  ctx: BenchContext,
  side: Side,
  provider: BenchProvider,
  ref: (tag: string) => string,
): Promise<number> {
  const { stack, client, budget } = ctx;
  const workerPid = stack.pid(side === 'real' ? 'worker' : 'floorWorker');
  if (workerPid === undefined) return Number.NaN;
  const gatewayUrl = side === 'real' ? stack.gatewayUrl : stack.floorGatewayUrl;
  await untilSettled(ctx, side);
  const before = rssBytes(workerPid);
  const refs = Array.from({ length: budget.memoryHeld }, () => ref('m'));
  const ids = await pool(refs, 8, async (customerRef) => {
    const response = await fetch(`${gatewayUrl}/v1/onboardings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(provider.scenario.startBody(customerRef)),
    });
    const body = (await response.json()) as { onboardingId?: string };
    return body.onboardingId ?? '';
  });
  // Held = waiting on the customer: every one shows a pending action.
  await pool(ids, 8, async (id) => {
    for (let i = 0; i < 200; i += 1) {
      const status = (await client.workflow.getHandle(id).query<{ pendingActions?: unknown[] }>('status')) ?? {};
      if ((status.pendingActions?.length ?? 0) > 0) return;
      await sleep(50);
    }
  });
  await untilSettled(ctx, side);
  const after = rssBytes(workerPid);
  await pool(ids, 16, (id) =>
    client.workflow
      .getHandle(id)
      .terminate('bench: memory probe done')
      .catch(() => undefined),
  );
  return (after - before) / Math.max(1, ids.length);
}
