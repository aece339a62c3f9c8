/**
 * The bench's results: the JSON written to bench/results/<timestamp>.json, the table printed at the end, and
 * bench/RESULTS.md, all rendered from the same figures.
 */
import type { FloorComparison } from './sections/floor.js';
import type { ScaleResults } from './sections/scale.js';
import type { WebhookResults } from './sections/webhooks.js';
import { median } from './stats.js';

export interface Machine {
  nproc: number;
  memoryBytes: number;
  cpuModel: string;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  mode: 'quick' | 'full';
  argv: string[];
  machine: Machine;
  budget: unknown;
  floor: FloorComparison[];
  /** Providers not measured, with what is missing. */
  skipped: { provider: string; reason: string }[];
  webhooks: WebhookResults | null;
  scale: ScaleResults | null;
  errors: string[];
  rows: Row[];
}

export interface Row {
  section: string;
  figure: string;
  value: string;
  aim: string;
  /** null: no aim, or not measured. */
  pass: boolean | null;
}

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : 'n/a');
const x = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(2)} MiB` : 'n/a');
const check = (value: number, ok: (v: number) => boolean): boolean | null =>
  Number.isFinite(value) ? ok(value) : null;

export function rowsOf(results: Omit<BenchResults, 'rows'>): Row[] {
  const rows: Row[] = [];
  for (const c of results.floor) {
    const s = `vs floor: ${c.provider}`;
    const r = c.ratios;
    rows.push({
      section: s,
      figure: 'latency p50 (real / floor)',
      value: `${ms(c.real.latencyP50Ms)} / ${ms(c.floor.latencyP50Ms)} = ${x(r.latencyP50)}`,
      aim: '≤ 1.25×',
      pass: check(r.latencyP50, (v) => v <= 1.25),
    });
    rows.push({
      section: s,
      figure: 'latency p99 (real / floor)',
      value: `${ms(c.real.latencyP99Ms)} / ${ms(c.floor.latencyP99Ms)} = ${x(r.latencyP99)}`,
      aim: '≤ 1.5×',
      pass: check(r.latencyP99, (v) => v <= 1.5),
    });
    rows.push({
      section: s,
      figure: 'CPU per onboarding (worker+gateway+server+sandbox)',
      value: `${ms(c.real.cpuSecondsPerOnboarding * 1000)} / ${ms(c.floor.cpuSecondsPerOnboarding * 1000)} = ${x(r.cpuPerOnboarding)}`,
      aim: '≤ 1.5×',
      pass: check(r.cpuPerOnboarding, (v) => v <= 1.5),
    });
    rows.push({
      section: s,
      figure: 'max sustained onboardings/s',
      value: `${c.real.maxOnboardingsPerSecond.toFixed(1)} / ${c.floor.maxOnboardingsPerSecond.toFixed(1)} = ${x(r.throughput)}`,
      aim: '≥ 0.8×',
      pass: check(r.throughput, (v) => v >= 0.8),
    });
    if (c.provider === 'netspend') {
      rows.push({
        section: s,
        figure: 'full Netspend onboardings/s',
        value: c.real.maxOnboardingsPerSecond.toFixed(1),
        aim: '≥ 5/s',
        pass: check(c.real.maxOnboardingsPerSecond, (v) => v >= 5),
      });
    }
    rows.push({
      section: s,
      figure: 'history events per onboarding',
      value: `${c.real.historyEvents} / ${c.floor.historyEvents} = ${x(r.historyEvents)}`,
      aim: '—',
      pass: null,
    });
    rows.push({
      section: s,
      figure: 'history bytes per onboarding',
      value: `${c.real.historyBytes} / ${c.floor.historyBytes} = ${x(r.historyBytes)}`,
      aim: '—',
      pass: null,
    });
    rows.push({
      section: s,
      figure: 'worker memory per cached workflow (RSS)',
      value: `${mib(c.real.memoryPerWorkflowBytes)} / ${mib(c.floor.memoryPerWorkflowBytes)} = ${x(r.memoryPerWorkflow)}`,
      aim: '≤ 1.5 MB (real)',
      pass: check(c.real.memoryPerWorkflowBytes, (v) => v <= 1.5e6),
    });
  }
  for (const skipped of results.skipped) {
    rows.push({
      section: `vs floor: ${skipped.provider}`,
      figure: 'not measured',
      value: skipped.reason,
      aim: '—',
      pass: null,
    });
  }
  const w = results.webhooks;
  if (w) {
    const s = `webhooks: ${w.provider}`;
    rows.push({
      section: s,
      figure: 'verified webhooks durably accepted',
      value: `${w.capacityPerSecond.toFixed(0)}/s`,
      aim: '—',
      pass: null,
    });
    for (const [i, point] of w.webhook.entries()) {
      const direct = w.directSignal[i];
      const pct = `${(point.loadFraction * 100).toFixed(0)}%`;
      rows.push({
        section: s,
        figure: `POST → handled at ${pct} (${point.perSecond.toFixed(0)}/s): p50 / p99`,
        value: `${ms(point.p50Ms)} / ${ms(point.p99Ms)}, lost ${point.lost}/${point.sent}`,
        aim: point.loadFraction >= 0.8 ? 'p99 ≤ 250 ms, 0 lost' : '0 lost',
        pass:
          point.loadFraction >= 0.8
            ? check(point.p99Ms, (v) => v <= 250 && point.lost === 0)
            : point.lost === 0 && point.accepted === point.sent,
      });
      if (direct) {
        rows.push({
          section: s,
          figure: `direct client.signal at ${pct}: p50 / p99`,
          value: `${ms(direct.p50Ms)} / ${ms(direct.p99Ms)}, lost ${direct.lost}/${direct.sent}`,
          aim: '—',
          pass: null,
        });
      }
    }
  }
  const sc = results.scale;
  if (sc) {
    const s = `waiting at scale: ${sc.provider}`;
    for (const point of sc.points) {
      rows.push({
        section: s,
        figure: `${point.held} started: time to hold, memory per held (worker / server)`,
        value:
          (point.waiting >= point.held
            ? `${point.secondsToHold.toFixed(1)} s`
            : `${point.waiting} waiting after ${point.secondsToHold.toFixed(0)} s (${point.holdEnded ?? 'budget spent'})`) +
          `, ${(point.workerBytesPerHeld / 1024).toFixed(0)} KiB / ${(point.serverBytesPerHeld / 1024).toFixed(0)} KiB`,
        aim: '—',
        pass: null,
      });
      rows.push({
        section: s,
        figure: `${point.held} started: signal p50 / p99`,
        value: `${ms(point.signalP50Ms)} / ${ms(point.signalP99Ms)}, lost ${point.signalsLost}`,
        aim: '—',
        pass: null,
      });
    }
    for (const failure of sc.failures ?? []) {
      rows.push({ section: s, figure: 'level not measured', value: failure, aim: '—', pass: null });
    }
    const base = sc.points.find((point) => point.held === 1_000) ?? sc.points[0];
    for (const point of sc.points) {
      if (!base || point === base || point.held < 10_000) continue;
      const ratio = point.signalP99Ms / base.signalP99Ms;
      rows.push({
        section: s,
        figure: `signal p99 at ${point.held} / at ${base.held}`,
        value: x(ratio),
        aim: point.held === 10_000 ? '≤ 1.2×' : '—',
        pass: point.held === 10_000 ? check(ratio, (v) => v <= 1.2) : null,
      });
    }
  }
  return rows;
}

export function renderTable(rows: readonly Row[]): string {
  const header: Row = { section: 'section', figure: 'figure', value: 'value', aim: 'aim', pass: null };
  const cells = (row: Row, isHeader = false): string[] => [
    row.section,
    row.figure,
    row.value,
    row.aim,
    isHeader ? 'result' : row.pass === null ? '' : row.pass ? 'pass' : 'MISS',
  ];
  const all = [cells(header, true), ...rows.map((row) => cells(row))];
  const widths = all[0]!.map((_, column) => Math.max(...all.map((line) => (line[column] ?? '').length)));
  const line = (values: string[]): string =>
    values
      .map((value, column) => value.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function renderMarkdown(results: BenchResults, jsonName: string): string {
  const m = results.machine;
  const escape = (value: string): string => value.replaceAll('|', '\\|');
  const lines = [
    '# Benchmark results',
    '',
    `One ${results.mode} run of \`npm run bench\` (${results.argv.join(' ') || 'no flags'}), ${results.startedAt}, ` +
      `${(results.durationSeconds / 60).toFixed(1)} minutes. Generated from \`bench/results/${jsonName}\` by ` +
      '`npx tsx bench/main.ts --report=<that file>`; see bench/README.md for what each figure means and how it is measured.',
    '',
    `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, Node ${m.node}, ${m.platform}; ` +
      `load average at start ${m.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')} (the machine is shared).`,
    '',
    '| section | figure | value | aim | result |',
    '|---|---|---|---|---|',
    ...results.rows.map(
      (row) =>
        `| ${escape(row.section)} | ${escape(row.figure)} | ${escape(row.value)} | ${escape(row.aim)} | ${row.pass === null ? '' : row.pass ? 'pass' : '**miss**'} |`,
    ),
    '',
  ];
  for (const c of results.floor) {
    lines.push(`## ${c.provider}: per round (real / floor)`, '');
    lines.push(
      '| round | p50 ms | p99 ms | CPU ms/onboarding | max/s | history events | history bytes | memory KiB/workflow |',
    );
    lines.push('|---|---|---|---|---|---|---|---|');
    c.rounds.forEach((round, i) => {
      const one = (value: number, digits: number): string => (Number.isNaN(value) ? '—' : value.toFixed(digits));
      const pair = (pick: (s: typeof round.real) => number, digits = 0): string =>
        `${one(pick(round.real), digits)} / ${one(pick(round.floor), digits)}`;
      lines.push(
        `| ${i + 1} | ${pair((s) => s.latencyP50Ms)} | ${pair((s) => s.latencyP99Ms)} | ${pair((s) => s.cpuSecondsPerOnboarding * 1000)} | ` +
          `${pair((s) => s.maxOnboardingsPerSecond, 1)} | ${pair((s) => s.history.events)} | ${pair((s) => s.history.bytes)} | ` +
          `${pair((s) => s.memoryPerWorkflowBytes / 1024)} |`,
      );
    });
    const processes = [
      ...new Set(
        c.rounds.flatMap((round) => [
          ...Object.keys(round.real.cpuByProcess),
          ...Object.keys(round.floor.cpuByProcess),
        ]),
      ),
    ];
    const cpuOf = (side: 'real' | 'floor', name: string): number =>
      median(c.rounds.map((round) => round[side].cpuByProcess[name] ?? 0)) * 1000;
    const sameProcess = (name: string): string => name.replace(/^floor(\w)/, (_, first: string) => first.toLowerCase());
    const names = [...new Set(processes.map(sameProcess))];
    lines.push(
      '',
      'CPU ms per onboarding by process (median over rounds, real / floor; the floor side counts its own worker and gateway):',
      '',
      `| ${names.join(' | ')} | all |`,
      `|${names.map(() => '---').join('|')}|---|`,
      `| ${names
        .map((name) => {
          const real = cpuOf('real', name);
          const floor = cpuOf('floor', name === 'worker' ? 'floorWorker' : name === 'gateway' ? 'floorGateway' : name);
          return `${real.toFixed(0)} / ${floor.toFixed(0)}`;
        })
        .join(
          ' | ',
        )} | ${(c.real.cpuSecondsPerOnboarding * 1000).toFixed(0)} / ${(c.floor.cpuSecondsPerOnboarding * 1000).toFixed(0)} |`,
      '',
      'Throughput ramp, last round (concurrency: onboardings/s over the window, mean latency):',
      '',
    );
    const last = c.rounds[c.rounds.length - 1];
    if (last) {
      for (const side of ['real', 'floor'] as const) {
        lines.push(
          `- ${side}: ` +
            last[side].ramp
              .map(
                (step) =>
                  `${step.concurrency}: ${step.perSecond.toFixed(1)}/s` +
                  (step.meanLatencyMs !== undefined
                    ? ` (${(step.meanLatencyMs / 1000).toFixed(1)} s, window ${step.windowSeconds?.toFixed(1)} s)`
                    : ''),
              )
              .join(', '),
        );
      }
    }
    const realTypes = last?.real.history.eventTypes;
    const floorTypes = last?.floor.history.eventTypes;
    if (realTypes && floorTypes) {
      const differing = [...new Set([...Object.keys(realTypes), ...Object.keys(floorTypes)])]
        .map((type) => ({ type, real: realTypes[type] ?? 0, floor: floorTypes[type] ?? 0 }))
        .filter((entry) => entry.real !== entry.floor)
        .sort((a, b) => Math.abs(b.real - b.floor) - Math.abs(a.real - a.floor));
      lines.push(
        '',
        'History events that differ, one onboarding of the last round (type: real / floor): ' +
          (differing.map((entry) => `${entry.type} ${entry.real} / ${entry.floor}`).join(', ') || 'none') +
          '.',
      );
    }
    const shape = c.shape.counts;
    lines.push(
      '',
      `Shape replayed by the floor: ${shape.activities} activities, ${shape.timers} timers, ${shape.updates} updates, ${shape.signals} signals ` +
        `(${c.shape.steps.length} steps).`,
      '',
    );
  }
  const sc = results.scale;
  if (sc && sc.points.some((point) => (point.stragglers ?? []).length > 0)) {
    lines.push(`## ${sc.provider}: onboardings not waiting when the hold ended`, '');
    for (const point of sc.points)
      for (const line of point.stragglers ?? []) lines.push(`- ${point.held}: ${escape(line)}`);
    lines.push('');
  }
  lines.push(
    'Where the time goes for each miss, with the evidence from this run: bench/README.md, section "Where the time goes" (hand-written).',
    '',
  );
  if (results.errors.length > 0)
    lines.push('## Errors', '', ...results.errors.map((error) => `- ${escape(error)}`), '');
  return lines.join('\n');
}
