/**
 * `npm run bench -- --cluster`: the engine on the PostgreSQL cluster (scripts/cluster/, the production topology)
 * rather than the dev server. A run of its own, apart from the other sections:
 *   1. throughput and latency with one worker process, then with two (Jiko's approved customer, closed loop through
 *      the balancer in front of the two gateways);
 *   2. a worker killed with SIGKILL under load: the time from the kill until every onboarding that was in flight
 *      has progressed again (its state, step or timeline changed), and whether all completed.
 * Results: printed, and bench/results/cluster-<time>.json. `--quick` runs small numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { drive } from '../../scripts/customers/drive.js';
import type { GatewayCall } from '../../scripts/customers/drive.js';
import { jikoCustomer } from '../../scripts/customers/jiko.js';
import { startCluster } from '../../test/helpers/cluster.js';
import type { ClusterStack } from '../../test/helpers/cluster.js';
import { percentile, pool } from '../stats.js';

interface ThroughputResult {
  workers: number;
  onboardings: number;
  concurrency: number;
  completed: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

interface KillResult {
  inFlightAtKill: number;
  completed: number;
  lost: number;
  /** Kill → the last in-flight onboarding's first progress after it. */
  allProgressedAgainMs: number;
  p50ProgressMs: number;
}

const scenario = jikoCustomer.scenarios.approved;
const DRIVE_TIMEOUT_MS = 10 * 60_000;

function callThrough(cluster: ClusterStack): GatewayCall {
  return async (method, route, body) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(`${cluster.publicUrl}${route}`, {
          method,
          headers: {
            authorization: `Bearer ${cluster.apiKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const parsed = (await response.json()) as unknown;
        if (response.status < 502 || attempt >= 5) return { status: response.status, body: parsed };
      } catch (err) {
        if (attempt >= 5) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  };
}

/** One customer from start to a final state; `onProgress` sees each change of state, step or timeline. */
async function onboard(
  cluster: ClusterStack,
  customerRef: string,
  onProgress?: (status: OnboardingStatus) => void,
): Promise<{ status: OnboardingStatus; ms: number }> {
  const call = callThrough(cluster);
  const began = performance.now();
  const started = await call('POST', '/v1/onboardings', scenario.startBody(customerRef));
  if (started.status !== 201) throw new Error(`start ${customerRef}: HTTP ${started.status}`);
  let signature = '';
  const { status } = await drive({
    call,
    onboardingId: (started.body as OnboardingStatus).onboardingId,
    scenario,
    pollMs: 200,
    timeoutMs: DRIVE_TIMEOUT_MS,
    onStatus: (seen) => {
      const next = `${seen.state}|${seen.step}|${seen.timeline.length}`;
      if (next !== signature) onProgress?.(seen);
      signature = next;
    },
  });
  return { status, ms: performance.now() - began };
}

async function throughput(
  cluster: ClusterStack,
  workers: number,
  count: number,
  concurrency: number,
  tag: string,
): Promise<ThroughputResult> {
  const refs = Array.from({ length: count }, (_, index) => `bench-cluster-${tag}-${index}`);
  const began = performance.now();
  const results = await pool(refs, concurrency, (ref) => onboard(cluster, ref));
  const elapsedS = (performance.now() - began) / 1000;
  const done = results.filter((result) => result.status.state === 'completed');
  const latencies = done.map((result) => result.ms);
  return {
    workers,
    onboardings: count,
    concurrency,
    completed: done.length,
    perSecond: done.length / elapsedS,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    maxMs: Math.max(...latencies),
  };
}

async function killUnderLoad(cluster: ClusterStack, count: number, tag: string): Promise<KillResult> {
  const lastProgress = new Map<string, number>();
  const progressAfterKill = new Map<string, number>();
  const finals = new Set<string>();
  const movedOn = new Set<string>();
  const kill: { at?: number } = {};
  const journeys = Array.from({ length: count }, (_, index) => {
    const ref = `bench-cluster-${tag}-${index}`;
    return onboard(cluster, ref, (status) => {
      const now = performance.now();
      if (lastProgress.has(ref)) movedOn.add(ref);
      lastProgress.set(ref, now);
      if (kill.at !== undefined && !progressAfterKill.has(ref)) progressAfterKill.set(ref, now - kill.at);
      if (status.state === 'completed' || status.state === 'failed' || status.state === 'cancelled') finals.add(ref);
    }).catch(() => undefined);
  });
  // Under load: every onboarding started, a quarter of them past their first status.
  while (lastProgress.size < count || movedOn.size < count / 4) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const inFlight = [...lastProgress.keys()].filter((ref) => !finals.has(ref));
  kill.at = performance.now();
  await cluster.killWorker(0, 'SIGKILL');
  const results = await Promise.all(journeys);
  const waits = inFlight.map((ref) => progressAfterKill.get(ref) ?? Number.POSITIVE_INFINITY);
  const completed = results.filter((result) => result?.status.state === 'completed').length;
  await cluster.startWorker(0);
  return {
    inFlightAtKill: inFlight.length,
    completed,
    lost: count - completed,
    allProgressedAgainMs: Math.max(...waits),
    p50ProgressMs: percentile(waits, 50),
  };
}

const ms = (value: number): string => (Number.isFinite(value) ? `${(value / 1000).toFixed(1)} s` : 'never');

export async function runClusterBench(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const log = (line: string): void => void process.stdout.write(`[bench cluster] ${line}\n`);
  const startedAt = new Date();
  const [count, concurrency, killCount] = quick ? [10, 5, 10] : [60, 12, 30];
  log(`starting the cluster (PostgreSQL, four Temporal services, two workers, two gateways)`);
  const cluster = await startCluster({ env: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '0' } });
  try {
    await throughput(cluster, 2, Math.min(5, count), 5, 'warmup');
    await cluster.killWorker(1, 'SIGTERM');
    log(`one worker: ${count} onboardings, ${concurrency} at a time`);
    const one = await throughput(cluster, 1, count, concurrency, 'one');
    await cluster.startWorker(1);
    log(`two workers: ${count} onboardings, ${concurrency} at a time`);
    const two = await throughput(cluster, 2, count, concurrency, 'two');
    log(`worker 0 killed with SIGKILL under ${killCount} onboardings`);
    const kill = await killUnderLoad(cluster, killCount, 'kill');
    const results = {
      startedAt: startedAt.toISOString(),
      quick,
      cpus: os.availableParallelism(),
      loadAverage: os.loadavg(),
      one,
      two,
      kill,
    };
    const lines = [
      '| workers | onboardings | completed | per second | p50 | p95 | max |',
      '|---|---|---|---|---|---|---|',
      ...[one, two].map(
        (r) =>
          `| ${r.workers} | ${r.onboardings} (${r.concurrency} at a time) | ${r.completed} | ${r.perSecond.toFixed(2)} | ${ms(r.p50Ms)} | ${ms(r.p95Ms)} | ${ms(r.maxMs)} |`,
      ),
      '',
      `worker kill -9 under ${killCount} onboardings: ${kill.inFlightAtKill} in flight, every one progressed again ` +
        `within ${ms(kill.allProgressedAgainMs)} (median ${ms(kill.p50ProgressMs)}); ${kill.completed} completed, ${kill.lost} lost`,
    ];
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
    const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `cluster-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`results: bench/results/${path.basename(file)}`);
    return kill.lost === 0 && one.completed === count && two.completed === count ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}
