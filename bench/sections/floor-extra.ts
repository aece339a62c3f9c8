/**
 * Two figures of the floor section that need more onboardings than a round has:
 * - latency at a fixed rate (open loop): start times are fixed in advance and each latency counts from its
 *   scheduled start, so a slow onboarding cannot hold back the next (no coordinated omission);
 * - memory per cached workflow: `memoryHeld` onboardings held waiting on the customer (so in the worker's
 *   sticky cache, whose size is set explicitly: BENCH_MAX_CACHED_WORKFLOWS), read as the worker's heap after a full
 *   GC before and after (worker-preload.ts), divided by the number held.
 */
import type { BenchContext } from '../context.js';
import { runOnboarding } from '../driver.js';
import type { CustomerOptions, OnboardingRun, Side } from '../driver.js';
import { rssBytes } from '../proc.js';
import type { BenchProvider } from '../providers.js';
import { FLOOR_PREFIX, REAL_PREFIX } from '../stack.js';
import { startLikeTheLibrary } from './scale.js';
import { median, pool, sleep, tailLabel } from '../stats.js';
import type { SideRound } from './floor.js';
import { untilSettled } from './floor.js';

export interface OpenLoopSide {
  side: Side;
  scheduled: number;
  completed: number;
  p50Ms: number;
  /** 'p99' with ≥ 200 samples, else 'max of N'. */
  tailLabel: string;
  tailMs: number;
  latenciesMs: number[];
  errors: string[];
}

export interface OpenLoopPoint {
  perSecond: number;
  seconds: number;
  real: OpenLoopSide;
  floor: OpenLoopSide;
}

export async function openLoopLatency(
  ctx: BenchContext,
  provider: BenchProvider,
  customer: (side: Side) => CustomerOptions,
  rounds: { real: SideRound; floor: SideRound }[],
): Promise<OpenLoopPoint[]> {
  const { budget } = ctx;
  if (budget.openLoopSeconds <= 0) return [];
  if (budget.openLoopProviders && !budget.openLoopProviders.includes(provider.name)) return [];
  // A rate both sides sustain with room to spare: a fraction of the lower of their measured maxima (medians over the
  // ramp rounds), the same for both sides, so the latency is not that of a saturated side.
  const maxOf = (side: Side): number =>
    median(rounds.map((round) => round[side].maxOnboardingsPerSecond).filter(Number.isFinite));
  const floorMax = Math.min(maxOf('real'), maxOf('floor'));
  const points: OpenLoopPoint[] = [];
  let sequence = 0;
  for (const [index, fraction] of budget.openLoopFractions.entries()) {
    const perSecond = Math.max(0.5, Math.round(floorMax * fraction * 2) / 2 || 1);
    const order: Side[] = index % 2 === 0 ? ['real', 'floor'] : ['floor', 'real'];
    const sides: Partial<Record<Side, OpenLoopSide>> = {};
    for (const side of order) {
      await untilSettled(ctx, side);
      ctx.log(`${provider.name}: open loop ${perSecond}/s for ${budget.openLoopSeconds} s, ${side}`);
      const count = Math.round(perSecond * budget.openLoopSeconds);
      const started = performance.now();
      const runs: Promise<OnboardingRun | string>[] = [];
      for (let i = 0; i < count; i += 1) {
        const due = started + (i * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const ref = `${side === 'real' ? 'r' : 'f'}o${index}-${(sequence += 1)}`;
        runs.push(
          runOnboarding({ ...customer(side), scheduledAt: due }, ref).catch((err: unknown) =>
            err instanceof Error ? err.message : String(err),
          ),
        );
      }
      const done = await Promise.all(runs);
      const errors = done.filter((run): run is string => typeof run === 'string');
      const latencies = done
        .filter((run): run is OnboardingRun => typeof run !== 'string' && run.state === 'completed')
        .map((run) => Math.round(run.latencyMs));
      const tail = tailLabel(latencies);
      sides[side] = {
        side,
        scheduled: count,
        completed: latencies.length,
        p50Ms: median(latencies),
        tailLabel: tail.label,
        tailMs: tail.ms,
        latenciesMs: latencies,
        errors: errors.slice(0, 5),
      };
      ctx.log(
        `  p50 ${median(latencies).toFixed(0)} ms, ${tail.label} ${tail.ms.toFixed(0)} ms, ${errors.length} errors`,
      );
    }
    points.push({
      perSecond,
      seconds: budget.openLoopSeconds,
      real: sides.real as OpenLoopSide,
      floor: sides.floor as OpenLoopSide,
    });
  }
  return points;
}

export interface MemorySide {
  held: number;
  heapBytesPerWorkflow: number;
  rssBytesPerWorkflow: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
}

export interface MemoryFigure {
  maxCachedWorkflows: number;
  real: MemorySide;
  floor: MemorySide;
}

async function heapAfterGc(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = (await response.json()) as { gc: boolean; heapUsed: number };
  if (!body.gc) throw new Error('the worker runs without --expose-gc: no heap after GC');
  return body.heapUsed;
}

/**
 * Both sides at once: each figure is one worker's own heap, so they do not disturb each other, and the probe costs
 * half the time. The starts go straight to Temporal with the client library's start options (as the scale section
 * does): the memory is that of the cached workflows, not of the gateway's start path.
 */
export async function memoryPerCachedWorkflow(ctx: BenchContext, provider: BenchProvider): Promise<MemoryFigure> {
  const { stack, client, budget } = ctx;
  await Promise.all([untilSettled(ctx, 'real'), untilSettled(ctx, 'floor')]);
  const measureSide = async (side: Side): Promise<MemorySide> => {
    const worker = side === 'real' ? 'worker' : 'floorWorker';
    const pid = stack.pid(worker) ?? 0;
    ctx.log(`${provider.name}: memory, ${budget.memoryHeld} held, ${side}`);
    const heapBefore = await heapAfterGc(stack.heapUrl[worker]);
    const rssBefore = rssBytes(pid);
    const refs = Array.from({ length: budget.memoryHeld }, (_, i) => `${side === 'real' ? 'r' : 'f'}mem-${i}`);
    const prefix = side === 'real' ? REAL_PREFIX : FLOOR_PREFIX;
    const ids = await pool(refs, 32, (customerRef) =>
      startLikeTheLibrary(client, provider, customerRef, prefix).catch(() => ''),
    );
    // Held = waiting on the customer: every one shows a pending action.
    let waiting = 0;
    await pool(
      ids.filter((id) => id !== ''),
      32,
      async (id) => {
        for (let i = 0; i < 300; i += 1) {
          const view = await client.workflow
            .getHandle(id)
            .query<{ pendingActions?: unknown[] }>('status')
            .catch(() => ({ pendingActions: [] }));
          if ((view.pendingActions?.length ?? 0) > 0) {
            waiting += 1;
            return;
          }
          await sleep(200);
        }
      },
    );
    await untilSettled(ctx, side, 10_000);
    const heapAfter = await heapAfterGc(stack.heapUrl[worker]);
    const rssAfter = rssBytes(pid);
    ctx.log(`  ${side}: ${waiting} of ${budget.memoryHeld} waiting on the customer`);
    await pool(ids, 32, (id) =>
      client.workflow
        .getHandle(id)
        .terminate('bench: memory probe done')
        .catch(() => undefined),
    );
    return {
      held: waiting,
      heapBytesPerWorkflow: (heapAfter - heapBefore) / Math.max(1, waiting),
      rssBytesPerWorkflow: (rssAfter - rssBefore) / Math.max(1, waiting),
      heapBeforeBytes: heapBefore,
      heapAfterBytes: heapAfter,
    };
  };
  const [real, floor] = await Promise.all([measureSide('real'), measureSide('floor')]);
  return { maxCachedWorkflows: Number(stack.env.BENCH_MAX_CACHED_WORKFLOWS), real, floor };
}
