/** chaos/RESULTS.md: the machine, the table, the notes per scenario, and the activity timeouts seen. */
import os from 'node:os';
import type { ScenarioResult } from './scenarios.js';
import type { TimeoutRecord } from './histories.js';

export interface RunInfo {
  startedAt: string;
  finishedAt: string;
  mode: string;
  stack: string;
  loadAtStart: number[];
  argv: string[];
}

const cell = (value: unknown): string =>
  value === undefined || value === null ? '–' : String(value).replace(/\|/g, '\\|');

export function renderTable(results: ScenarioResult[]): string {
  const header = [
    'scenario',
    'load',
    'fault',
    'outcome',
    'completed',
    'lost',
    'duplicated',
    'time (s)',
    '5xx',
    'activity timeouts',
    'workflow-task timeouts',
  ];
  const rows = results.map((r) => [
    r.name,
    r.load,
    r.fault,
    r.outcome,
    r.completed,
    r.lost,
    r.duplicated,
    r.seconds,
    r.http5xx,
    r.activityTimeouts,
    r.workflowTaskTimeouts,
  ]);
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function renderMarkdown(
  info: RunInfo,
  results: ScenarioResult[],
  timeouts: (TimeoutRecord & { scenario: string })[],
): string {
  const failed = results.filter((r) => !r.ok);
  const lines = [
    '# Chaos results',
    '',
    `\`npm run chaos${info.argv.length ? ` -- ${info.argv.join(' ')}` : ''}\` (${info.mode}, on the ${info.stack}), ${info.startedAt} → ${info.finishedAt}.`,
    '',
    `Machine: ${os.availableParallelism()} CPUs (nproc), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${os.type()} ${os.release()}; load average at start ${info.loadAtStart.map((n) => n.toFixed(2)).join(' / ')}, at end ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' / ')} (other engineers' work shares the machine).`,
    '',
    failed.length === 0
      ? '**Every scenario passed: nothing lost, nothing duplicated, no 5xx on bad input, no plaintext PII.**'
      : `**Failed: ${failed.map((r) => r.name).join(', ')}** (why: in the notes below).`,
    '',
    renderTable(results),
    '',
    'Completed / lost / duplicated come from the sandbox audit (chaos/audit.ts): lost = not completed before the',
    "scenario's deadline; duplicated = more entities of a kind (application, account, card…) than onboardings holding",
    'one. 5xx = gateway answers ≥ 500 the customers saw (each retried). Timeouts are counted in the raw histories of',
    'every workflow the scenario started (onboardings, webhook deliveries, outbound events): `N of M` activity tasks.',
    '',
    '## Notes',
    '',
    ...results.flatMap((r) => (r.notes.length ? [`- **${r.name}**: ${r.notes.join('; ')}`] : [])),
    '',
  ];
  if (timeouts.length > 0) {
    lines.push(
      '## Activity timeouts seen',
      '',
      'queued = scheduled → taken by a worker (ActivityTaskStarted); provider calls = what that workflow called during',
      'the attempt, from the worker log (0: taken, never ran). "(retried)": a timed-out attempt the server retried,',
      "seen only in the next attempt's lastFailure.",
      '',
      '| scenario | workflow | activity | type | attempt | queued (ms) | started for (ms) | taken by | provider calls |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const t of timeouts.slice(0, 80)) {
      const row = [
        t.scenario,
        t.workflowId,
        t.activityType,
        t.timeoutType.replace('TIMEOUT_TYPE_', ''),
        t.attempt,
        t.queuedMs,
        t.startedForMs,
        t.takenBy,
        t.callsDuringAttempt,
      ];
      lines.push(`| ${row.map(cell).join(' | ')} |`);
    }
    if (timeouts.length > 80) lines.push('', `(${timeouts.length - 80} more not shown)`);
    lines.push('');
  }
  return lines.join('\n');
}
