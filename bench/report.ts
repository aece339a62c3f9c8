/**
 * The bench's results: the JSON written to bench/results/<timestamp>.json, the table printed at the end, and
 * bench/RESULTS.md, all rendered from the same figures.
 */
import type { FloorComparison } from './sections/floor.js';
import type { ScaleResults } from './sections/scale.js';
import type { WebhookResults } from './sections/webhooks.js';
import { floorMarkdown, floorRows, ms, x } from './report-floor.js';

export interface Machine {
  nproc: number;
  memoryBytes: number;
  cpuModel: string;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
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
  /** Minutes are what the 20-minute budget is about: the wall time of each section. */
  sectionSeconds?: Record<string, number>;
  /** Outbound events the local backend received over the whole run, by type. */
  outbound?: { total: number; byType: Record<string, number> } | null;
  /** With --cpu-prof: both workers' top frames (bench/profile-top.ts). */
  cpuProfile?: { lines: string[] };
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

const check = (value: number, ok: (v: number) => boolean): boolean | null =>
  Number.isFinite(value) ? ok(value) : null;

export function rowsOf(results: Omit<BenchResults, 'rows'>): Row[] {
  const rows: Row[] = [];
  for (const c of results.floor) rows.push(...floorRows(c));
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
      figure: 'capacity of the direct path (routable events, verified + routed + signalled, 200)',
      value:
        `${w.capacityPerSecond.toFixed(0)}/s (ramp, concurrency: per second: ` +
        `${w.capacityRamp.map((step) => `${step.concurrency}: ${step.perSecond.toFixed(0)}`).join(', ')}; ` +
        `stopped: ${w.capacityEnded ?? 'n/a'})`,
      aim: '—',
      pass: null,
    });
    for (const [i, point] of w.webhook.entries()) {
      const direct = w.directSignal[i];
      const pct = `${(point.loadFraction * 100).toFixed(0)}%`;
      const p99 = point.tailLabel === 'p99';
      rows.push({
        section: s,
        figure: `webhook at ${pct} of capacity (${point.perSecond.toFixed(0)}/s): ack (POST → 200) p50 / ${point.ackTailLabel}`,
        value: `${ms(point.ackP50Ms)} / ${ms(point.ackTailMs)}`,
        aim: point.loadFraction >= 0.8 ? 'p99 ≤ 50 ms' : '—',
        pass: point.loadFraction >= 0.8 && point.ackTailLabel === 'p99' ? check(point.ackTailMs, (v) => v <= 50) : null,
      });
      rows.push({
        section: s,
        figure: `webhook at ${pct}: POST → handled p50 / ${point.tailLabel}`,
        value: `${ms(point.p50Ms)} / ${ms(point.p99Ms)}, lost ${point.lost}/${point.sent}`,
        aim: point.loadFraction >= 0.8 ? 'p99 ≤ 250 ms, 0 lost' : '0 lost',
        pass:
          point.loadFraction >= 0.8
            ? p99
              ? check(point.p99Ms, (v) => v <= 250 && point.lost === 0)
              : null
            : point.lost === 0 && point.accepted === point.sent,
      });
      if (direct) {
        rows.push({
          section: s,
          figure: `direct client.signal at ${pct}: handled p50 / ${direct.tailLabel}`,
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
      `load average at start ${m.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${(m.loadAverageAtEnd ?? []).map((v) => v.toFixed(2)).join(' ') || 'n/a'} (the machine is shared).`,
    '',
    `Wall time by section: ${
      Object.entries(results.sectionSeconds ?? {})
        .map(([name, seconds]) => `${name} ${(seconds / 60).toFixed(1)} min`)
        .join(', ') || 'not recorded'
    }; total ${(results.durationSeconds / 60).toFixed(1)} min (stack start and stop included).`,
    '',
    `Outbound events delivered to the bench's backend over the whole run: ${
      results.outbound
        ? `${results.outbound.total} (${Object.entries(results.outbound.byType)
            .sort((a, b) => b[1] - a[1])
            .map(([type, count]) => `${type} ${count}`)
            .join(', ')})`
        : 'not recorded'
    }.`,
    '',
    '| section | figure | value | aim | result |',
    '|---|---|---|---|---|',
    ...results.rows.map(
      (row) =>
        `| ${escape(row.section)} | ${escape(row.figure)} | ${escape(row.value)} | ${escape(row.aim)} | ${row.pass === null ? '' : row.pass ? 'pass' : '**miss**'} |`,
    ),
    '',
  ];
  for (const c of results.floor) lines.push(...floorMarkdown(c));
  const sc = results.scale;
  if (sc && sc.points.some((point) => (point.stragglers ?? []).length > 0)) {
    lines.push(`## ${sc.provider}: onboardings not waiting when the hold ended`, '');
    for (const point of sc.points)
      for (const line of point.stragglers ?? []) lines.push(`- ${point.held}: ${escape(line)}`);
    lines.push('');
  }
  lines.push(
    'Where the time goes for each miss: section "Reading this run" below, hand-written from this run after it was generated (the generator does not write it).',
    '',
  );
  if (results.errors.length > 0)
    lines.push('## Errors', '', ...results.errors.map((error) => `- ${escape(error)}`), '');
  return lines.join('\n');
}
