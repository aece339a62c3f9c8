/**
 * Section 1: the real onboarding against the floor, per provider, interleaved A B B A … for `rounds` rounds.
 * Each side of each round measures latency (closed loop), CPU per onboarding (/proc of the side's processes), what
 * the server did (histories, describe, the server's own counters) and, in the first `rampRounds`, the maximum
 * sustained throughput (concurrency ramp). Then, per provider, an open-loop run and (first providers) memory per
 * cached workflow: sections/floor-extra.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from '../context.js';
import { runOnboarding } from '../driver.js';
import type { CustomerOptions, Side } from '../driver.js';
import { fetchHistory, serverWorkOf, shapeOf } from '../history.js';
import type { HistorySize } from '../history.js';
import type { FloorShape } from '../floor-shape.js';
import { cpuDelta, cpuSnapshot } from '../proc.js';
import type { BenchProvider } from '../providers.js';
import { costPer, diff, scrape, settledScrape } from '../server-metrics.js';
import type { ServerCost } from '../server-metrics.js';
import type { ProcessName } from '../stack.js';
import { closedLoop, median, sleep, spreadOf } from '../stats.js';
import type { Spread } from '../stats.js';
import { memoryPerCachedWorkflow, openLoopLatency } from './floor-extra.js';
import type { MemoryFigure, OpenLoopPoint } from './floor-extra.js';
import { rampOf } from './ramp.js';
import type { RampStep } from './ramp.js';

export interface SideRound {
  /** Every completed onboarding's latency of the closed loop, ms (percentiles are taken from these). */
  latenciesMs: number[];
  latencyP50Ms: number;
  samples: number;
  cpuSecondsPerOnboarding: number;
  cpuByProcess: Record<string, number>;
  /** NaN in the rounds that ran no ramp. */
  maxOnboardingsPerSecond: number;
  ramp: RampStep[];
  /** Medians over the sampled onboardings of this round. */
  history: HistorySize;
  /** Server counters over the latency loop and its trailing work, per completed onboarding. */
  server: ServerCost;
  /** The customer's HTTP requests to the gateway per onboarding. */
  httpRequests: number;
  /** Outbound events the local backend received per onboarding started (the floor sends none). */
  outboundDeliveries: number;
  errors: string[];
}

export interface FloorComparison {
  provider: string;
  shape: FloorShape;
  rounds: { real: SideRound; floor: SideRound; floorNoMoreWork: boolean }[];
  /** Per-round real ÷ floor: median, min, max over the rounds that measured it. */
  ratios: Record<'latencyP50' | 'cpuPerOnboarding' | 'throughput' | 'historyEvents' | 'stateTransitions', Spread>;
  openLoop: OpenLoopPoint[];
  memory: MemoryFigure | null;
}

const PROCESSES: Record<Side, ProcessName[]> = {
  real: ['worker', 'gateway', 'temporal', 'sandbox'],
  floor: ['floorWorker', 'floorGateway', 'temporal', 'sandbox'],
};

export function pidsOf(ctx: BenchContext, side: Side): Record<string, number> {
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

const med = (values: (number | undefined)[]): number =>
  median(values.filter((value): value is number => value !== undefined && Number.isFinite(value)));

export async function compareWithFloor(ctx: BenchContext, provider: BenchProvider): Promise<FloorComparison> {
  const { stack, client, budget } = ctx;
  const customer = (side: Side): CustomerOptions => ({
    client,
    gatewayUrl: side === 'real' ? stack.gatewayUrl : stack.floorGatewayUrl,
    provider,
    side,
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

  let countersSettled = false;
  const measure = async (side: Side, round: number): Promise<SideRound> => {
    const errors: string[] = [];
    // The other side's trailing work (and the server's) must not land in this side's figures.
    await untilSettled(ctx, side === 'real' ? 'floor' : 'real');
    await untilSettled(ctx, side);
    const pids = pidsOf(ctx, side);

    const cpuBefore = cpuSnapshot(pids);
    // Right after the previous side's settled scrape (no ramp since), the counters have nothing left to land.
    const countersBefore = countersSettled
      ? await scrape(stack.serverMetricsUrl)
      : await settledScrape(stack.serverMetricsUrl);
    const outboundBefore = stack.outbound.counts().total;
    const latency = await closedLoop(budget.latencyConcurrency, budget.latencySeconds * 1000, () =>
      runOnboarding(customer(side), ref(side, `l${round}`)),
    );
    await untilSettled(ctx, side);
    const cpu = cpuDelta(cpuBefore, cpuSnapshot(pids));
    const counters = diff(countersBefore, await settledScrape(stack.serverMetricsUrl));
    countersSettled = true;
    const outboundDeliveries = stack.outbound.counts().total - outboundBefore;
    errors.push(...latency.errors);
    const completed = latency.results.filter((run) => run.state === 'completed');
    const latencies = completed.map((run) => run.latencyMs);
    const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);
    // Every onboarding started in the loop counts for the server's counters (the loop awaited all it started).
    const server = costPer(counters, latency.results.length);

    const sizes = await Promise.all(completed.slice(0, 3).map((run) => serverWorkOf(client, run.onboardingId)));
    // Each floor onboarding gets the provider events of the shape (its worker signals them): one missing would make
    // the floor lighter than it is.
    const short = sizes.filter((size) => size.counts.signals < shape.counts.signals);
    if (side === 'floor' && short.length > 0)
      errors.push(
        `${short.length} floor onboardings got fewer than the shape's ${shape.counts.signals} provider events`,
      );
    const history: HistorySize = {
      events: med(sizes.map((size) => size.events)),
      bytes: med(sizes.map((size) => size.bytes)),
      counts: sizes[0]?.counts ?? { activities: 0, timers: 0, updates: 0, signals: 0 },
      eventTypes: sizes[0]?.eventTypes,
      workflowTasks: med(sizes.map((size) => size.workflowTasks)),
      upserts: med(sizes.map((size) => size.upserts)),
      maxUpsertsPerTask: Math.max(0, ...sizes.map((size) => size.maxUpsertsPerTask ?? 0)),
      stateTransitions: med(sizes.map((size) => size.stateTransitions)),
      billableFromHistory: med(sizes.map((size) => size.billableFromHistory)),
    };

    const ramp =
      round < budget.rampRounds
        ? await rampOf(ctx, side, latency, (index) => runOnboarding(customer(side), ref(side, `t${round}-${index}`)))
        : { best: Number.NaN, steps: [] as RampStep[], errors: [] as string[] };
    if (round < budget.rampRounds) countersSettled = false;
    errors.push(...ramp.errors);
    return {
      latenciesMs: latencies.map((value) => Math.round(value)),
      latencyP50Ms: med(latencies),
      samples: latencies.length,
      cpuSecondsPerOnboarding: completed.length > 0 ? cpuTotal / completed.length : Number.NaN,
      cpuByProcess: Object.fromEntries(
        Object.entries(cpu).map(([name, seconds]) => [name, seconds / Math.max(1, completed.length)]),
      ),
      maxOnboardingsPerSecond: ramp.best,
      ramp: ramp.steps,
      history,
      server,
      httpRequests:
        completed.length > 0 ? completed.reduce((sum, run) => sum + run.httpRequests, 0) / completed.length : 0,
      outboundDeliveries: outboundDeliveries / Math.max(1, latency.results.length),
      errors: errors.slice(0, 10),
    };
  };

  const rounds: FloorComparison['rounds'] = [];
  for (let round = 0; round < budget.rounds; round += 1) {
    // A B B A …: neither side always goes first, so drift (caches, the database growing) favours neither.
    const order: Side[] = round % 2 === 0 ? ['real', 'floor'] : ['floor', 'real'];
    const measured: Partial<Record<Side, SideRound>> = {};
    for (const side of order) {
      ctx.log(`${provider.name}: round ${round + 1}/${budget.rounds}, ${side}`);
      measured[side] = await measure(side, round);
      const m = measured[side];
      ctx.log(
        `  p50 ${m.latencyP50Ms.toFixed(0)} ms (${m.samples}), ` +
          `cpu ${(m.cpuSecondsPerOnboarding * 1000).toFixed(0)} ms/onboarding, max ${m.maxOnboardingsPerSecond.toFixed(1)}/s, ` +
          `history ${m.history.events} events, ${m.history.workflowTasks} tasks, ${m.history.stateTransitions} transitions, ` +
          `${m.server.actions.toFixed(1)} actions` +
          (m.errors.length > 0 ? `, errors: ${m.errors[0]}` : ''),
      );
    }
    const real = measured.real as SideRound;
    const floor = measured.floor as SideRound;
    const atMost = (pick: (h: HistorySize) => number | undefined): boolean =>
      (pick(floor.history) ?? Number.NaN) <= (pick(real.history) ?? Number.NaN);
    const floorNoMoreWork =
      atMost((h) => h.events) && atMost((h) => h.workflowTasks) && atMost((h) => h.stateTransitions);
    if (!floorNoMoreWork) ctx.log(`  ✖ round ${round + 1}: the floor did more server work than the real side`);
    rounds.push({ real, floor, floorNoMoreWork });
  }

  const ratio = (pick: (side: SideRound) => number | undefined): Spread =>
    spreadOf(rounds.map((round) => (pick(round.real) ?? Number.NaN) / (pick(round.floor) ?? Number.NaN)));
  const openLoop = await openLoopLatency(ctx, provider, customer, rounds);
  const memory = budget.memoryProviders.includes(provider.name) ? await memoryPerCachedWorkflow(ctx, provider) : null;
  return {
    provider: provider.name,
    shape,
    rounds,
    ratios: {
      latencyP50: ratio((s) => s.latencyP50Ms),
      cpuPerOnboarding: ratio((s) => s.cpuSecondsPerOnboarding),
      throughput: ratio((s) => s.maxOnboardingsPerSecond),
      historyEvents: ratio((s) => s.history.events),
      stateTransitions: ratio((s) => s.history.stateTransitions),
    },
    openLoop,
    memory,
  };
}
