/** The floor section's rows and RESULTS.md tables (report.ts renders the rest). */
import { FULL_BUDGET } from './context.js';
import type { Row } from './report.js';
import type { FloorComparison, SideRound } from './sections/floor.js';
import type { OpenLoopSide } from './sections/floor-extra.js';
import { median } from './stats.js';
import type { Spread } from './stats.js';

export const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : 'n/a');
export const x = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
const n1 = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const spread = (s: Spread): string =>
  s.n === 0 ? 'n/a' : `${x(s.median)} (range ${s.min.toFixed(2)}–${s.max.toFixed(2)}, ${s.n} rounds)`;
const check = (value: number, ok: (v: number) => boolean): boolean | null =>
  Number.isFinite(value) ? ok(value) : null;
const medianOf = (c: FloorComparison, pick: (s: SideRound) => number | undefined, side: 'real' | 'floor'): number =>
  median(c.rounds.map((round) => pick(round[side]) ?? Number.NaN).filter(Number.isFinite));

const AIMS: Record<string, number> = { netspend: 32, jiko: 18 };

export function floorRows(c: FloorComparison): Row[] {
  const s = `vs floor: ${c.provider}`;
  const r = c.ratios;
  const rows: Row[] = [];
  const add = (figure: string, value: string, aim = '—', pass: boolean | null = null): void => {
    rows.push({ section: s, figure, value, aim, pass });
  };
  const samples = c.rounds.map((round) => `${round.real.samples}/${round.floor.samples}`).join(', ');
  add(
    `latency p50, closed loop: median of per-round real÷floor (samples per round ${samples})`,
    spread(r.latencyP50),
    '≤ 1.10×',
    check(r.latencyP50.median, (v) => v <= 1.1),
  );
  if (c.openLoop.length === 0)
    add(
      'open loop',
      `not run for this provider (by default only for ${FULL_BUDGET.openLoopProviders?.join(', ') ?? 'every provider'}; \`--open-loop=all\` for every one)`,
    );
  for (const point of c.openLoop) {
    const side = (o: OpenLoopSide): string =>
      `${ms(o.p50Ms)} p50, ${ms(o.tailMs)} ${o.tailLabel} (${o.completed}/${o.scheduled})`;
    const p50 = point.real.p50Ms / point.floor.p50Ms;
    const tail = point.real.tailMs / point.floor.tailMs;
    const p99 = point.real.tailLabel === 'p99' && point.floor.tailLabel === 'p99';
    add(
      `open loop ${point.perSecond}/s × ${point.seconds} s: real / floor (from the scheduled start)`,
      `real ${side(point.real)}; floor ${side(point.floor)}; p50 ${x(p50)}, ${p99 ? 'p99' : 'max'} ${x(tail)}`,
      p99 ? 'p50 ≤ 1.10×, p99 ≤ 1.25×' : 'p50 ≤ 1.10× (no p99 under 200 samples)',
      check(p50, (v) => v <= 1.1 && (!p99 || tail <= 1.25)),
    );
  }
  add(
    'CPU per onboarding (worker+gateway+server+sandbox): per-round real÷floor',
    spread(r.cpuPerOnboarding),
    '≤ 1.2×',
    check(r.cpuPerOnboarding.median, (v) => v <= 1.2),
  );
  add(
    'max sustained onboardings/s: per-round real÷floor',
    spread(r.throughput),
    '≥ 0.9×',
    check(r.throughput.median, (v) => v >= 0.9),
  );
  if (c.provider === 'netspend') {
    const best = medianOf(c, (side) => side.maxOnboardingsPerSecond, 'real');
    add(
      'full Netspend onboardings/s (real, median of the ramp rounds)',
      n1(best),
      '≥ 5/s',
      check(best, (v) => v >= 5),
    );
  }
  const ok = c.rounds.filter((round) => round.floorNoMoreWork).length;
  add(
    'floor does no more server work (history events, workflow tasks, state transitions ≤ real)',
    `${ok} of ${c.rounds.length} rounds`,
    'every round',
    ok === c.rounds.length,
  );
  const pair = (pick: (s: SideRound) => number | undefined): string =>
    `${n1(medianOf(c, pick, 'real'))} / ${n1(medianOf(c, pick, 'floor'))}`;
  add(
    'per onboarding, real / floor: history events',
    pair((s) => s.history.events),
  );
  add(
    'per onboarding, real / floor: history bytes',
    pair((s) => s.history.bytes),
  );
  add(
    'per onboarding, real / floor: workflow tasks',
    pair((s) => s.history.workflowTasks),
  );
  add(
    'per onboarding, real / floor: state transitions (describe)',
    pair((s) => s.history.stateTransitions),
  );
  const upserts = medianOf(c, (side) => side.history.upserts, 'real');
  const tasks = medianOf(c, (side) => side.history.workflowTasks, 'real');
  const most = Math.max(...c.rounds.map((round) => round.real.history.maxUpsertsPerTask ?? Number.NaN));
  add(
    'per onboarding, real / floor: search-attribute upserts (real: mean per workflow task, most in one task)',
    `${pair((s) => s.history.upserts)} (${(upserts / tasks).toFixed(2)} per task, at most ${most} in one)`,
    '≤ 1 per task',
    check(most, (v) => v <= 1),
  );
  const actions = medianOf(c, (side) => side.server.actions, 'real');
  const aim = AIMS[c.provider];
  add(
    "per onboarding, real / floor: billable actions (server's `action` meter)",
    pair((s) => s.server.actions),
    aim ? `≤ ${aim} (real)` : '—',
    aim ? check(actions, (v) => v <= aim) : null,
  );
  add(
    'per onboarding, real / floor: billable actions (estimated from the history)',
    pair((s) => s.history.billableFromHistory),
  );
  add(
    'per onboarding, real / floor: client round trips to Temporal',
    pair((s) => s.server.clientRequests),
  );
  add(
    'per onboarding, real / floor: worker round trips to Temporal',
    pair((s) => s.server.workerRequests),
  );
  add(
    "per onboarding, real / floor: customer's HTTP requests to the gateway",
    pair((s) => s.httpRequests),
  );
  add(
    'per onboarding, real / floor: outbound events delivered to the local backend',
    pair((s) => s.outboundDeliveries),
  );
  const m = c.memory;
  if (m) {
    const ratio =
      m.floor.heapBytesPerWorkflow > 0 ? m.real.heapBytesPerWorkflow / m.floor.heapBytesPerWorkflow : Number.NaN;
    add(
      `worker heap after GC per cached workflow, ${m.real.held} / ${m.floor.held} held (maxCachedWorkflows ${m.maxCachedWorkflows}), real / floor`,
      `${(m.real.heapBytesPerWorkflow / 1024).toFixed(1)} KiB / ${(m.floor.heapBytesPerWorkflow / 1024).toFixed(1)} KiB = ${x(ratio)}`,
      '≤ 1.5 MB (real)',
      check(m.real.heapBytesPerWorkflow, (v) => v <= 1.5e6),
    );
  }
  return rows;
}

const kv = (record: Record<string, number>): string =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([key, value]) => `${key} ${value.toFixed(1)}`)
    .join(', ') || 'none';

export function floorMarkdown(c: FloorComparison): string[] {
  const lines = [
    `## ${c.provider}: per round`,
    '',
    'Each cell is real / floor for that round; a ratio column is that round’s real ÷ floor. The headline ratios are medians of these per-round ratios.',
    '',
    '| round | order | p50 ms (samples) | p50 ratio | CPU ms/onboarding | CPU ratio | max/s | events | workflow tasks | state transitions | actions | floor ≤ real |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  c.rounds.forEach((round, i) => {
    const { real, floor } = round;
    const pair = (a: number | undefined, b: number | undefined, digits = 0): string =>
      `${Number.isFinite(a) ? (a as number).toFixed(digits) : '—'} / ${Number.isFinite(b) ? (b as number).toFixed(digits) : '—'}`;
    lines.push(
      `| ${i + 1} | ${i % 2 === 0 ? 'real, floor' : 'floor, real'} | ${pair(real.latencyP50Ms, floor.latencyP50Ms)} (${real.samples}/${floor.samples}) | ` +
        `${x(real.latencyP50Ms / floor.latencyP50Ms)} | ${pair(real.cpuSecondsPerOnboarding * 1000, floor.cpuSecondsPerOnboarding * 1000)} | ` +
        `${x(real.cpuSecondsPerOnboarding / floor.cpuSecondsPerOnboarding)} | ${pair(real.maxOnboardingsPerSecond, floor.maxOnboardingsPerSecond, 1)} | ` +
        `${pair(real.history.events, floor.history.events)} | ${pair(real.history.workflowTasks, floor.history.workflowTasks)} | ` +
        `${pair(real.history.stateTransitions, floor.history.stateTransitions)} | ${pair(real.server.actions, floor.server.actions, 1)} | ${round.floorNoMoreWork ? 'yes' : '**no**'} |`,
    );
  });
  const last = c.rounds[c.rounds.length - 1];
  if (last) {
    lines.push(
      '',
      'What Temporal did per onboarding, last round (server counters over the latency loop and its trailing work, divided by the onboardings started):',
      '',
      `- billable actions by type, real: ${kv(last.real.server.actionsByType)}`,
      `- billable actions by type, floor: ${kv(last.floor.server.actionsByType)}`,
      `- client requests by operation, real: ${kv(last.real.server.clientRequestsByOperation)}`,
      `- client requests by operation, floor: ${kv(last.floor.server.clientRequestsByOperation)}`,
    );
    const realTypes = last.real.history.eventTypes ?? {};
    const floorTypes = last.floor.history.eventTypes ?? {};
    const differing = [...new Set([...Object.keys(realTypes), ...Object.keys(floorTypes)])]
      .map((type) => ({ type, real: realTypes[type] ?? 0, floor: floorTypes[type] ?? 0 }))
      .filter((entry) => entry.real !== entry.floor)
      .sort((a, b) => Math.abs(b.real - b.floor) - Math.abs(a.real - a.floor));
    lines.push(
      `- history events that differ, one onboarding (type: real / floor): ${differing.map((e) => `${e.type} ${e.real} / ${e.floor}`).join(', ') || 'none'}`,
    );
    for (const side of ['real', 'floor'] as const) {
      const ramp =
        c.rounds
          .map((round) => round[side].ramp)
          .filter((steps) => steps.length > 0)
          .pop() ?? [];
      lines.push(
        `- throughput ramp, last ramp round, ${side} (concurrency: onboardings/s, mean latency): ` +
          (ramp
            .map(
              (step) =>
                `${step.concurrency}: ${step.perSecond.toFixed(1)}/s (${(step.meanLatencyMs / 1000).toFixed(1)} s)`,
            )
            .join(', ') || 'none'),
      );
    }
  }
  const shape = c.shape.counts;
  lines.push(
    '',
    `Shape replayed by the floor: ${shape.activities} activities (results of the real sizes), ${shape.timers} timers, ${shape.updates} updates, ${shape.signals} signals (${c.shape.steps.length} steps); not replayed: the real onboarding's ${c.shape.outboundEvents ?? 0} outbound-event hand-overs (the engine's own work).`,
    '',
  );
  return lines;
}
