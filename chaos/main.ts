/**
 * `npm run chaos`: the faults the engine must survive, run against a real stack, with a table of what happened.
 * Not part of `npm test`: minutes, not seconds. Stops by itself; exits 1 when anything was lost or duplicated, a
 * bad input got a 5xx, the fuzzer found a failure, or plaintext PII turned up.
 *
 *   npm run chaos                 every scenario on the dev server (≈ 15-20 min on 2 cores)
 *   npm run chaos -- --quick      16 onboardings per load scenario, a short fuzz (≈ 6-8 min)
 *   npm run chaos -- --cluster    on the PostgreSQL cluster (test/helpers/cluster.ts), 2 workers, 2 gateways
 *   npm run chaos -- --only=baseline,worker-kill9,bad-inputs   some scenarios only
 *   npm run chaos -- --keep       keep the temp dir (database, logs)
 *   npm run chaos -- --out=<file> write the results there instead
 *
 * Scenarios: chaos/scenarios.ts (load under a fault), bad-inputs.ts, fuzz.ts (schemathesis), and the PII scan
 * (pii.ts) over every log line and raw history. Results: chaos/RESULTS.md (full runs; --quick writes
 * chaos/RESULTS-quick.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../bench/stack.js';
import { runBadInputs } from './bad-inputs.js';
import { fuzzGateway } from './fuzz.js';
import { scanFiles } from './pii.js';
import { markRunOrNot } from './tail.js';
import { renderMarkdown, renderTable } from './report.js';
import { LOAD_SCENARIOS, runLoadScenario } from './scenarios.js';
import type { ScenarioContext, ScenarioResult } from './scenarios.js';
import { startDevStack } from './stack.js';
import type { ChaosStack } from './stack.js';

const OTHER_SCENARIOS = ['bad-inputs', 'fuzz', 'pii-scan'];

function parseArgs(argv: string[]) {
  const known = ['--quick', '--cluster', '--keep', '--only=', '--out='];
  for (const arg of argv) {
    if (!known.some((flag) => (flag.endsWith('=') ? arg.startsWith(flag) : arg === flag))) {
      throw new Error(`unknown argument ${arg} (known: ${known.join(' ')})`);
    }
  }
  const only = argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter(Boolean);
  const all = [...LOAD_SCENARIOS.map((s) => s.name), ...OTHER_SCENARIOS];
  for (const name of only ?? [])
    if (!all.includes(name)) throw new Error(`--only: no scenario '${name}' (known: ${all.join(', ')})`);
  return {
    out: argv.find((arg) => arg.startsWith('--out='))?.slice('--out='.length),
    quick: argv.includes('--quick'),
    cluster: argv.includes('--cluster'),
    keep: argv.includes('--keep'),
    only: new Set(only ?? all),
  };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const started = new Date();
  const log = (line: string): void => {
    process.stdout.write(`[chaos ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
  };
  const loadAtStart = os.loadavg();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onboarding-chaos-'));
  log(`${options.quick ? 'quick' : 'full'} run on the ${options.cluster ? 'cluster' : 'dev server'}; stack in ${dir}`);
  let stack: ChaosStack | undefined;
  const results: ScenarioResult[] = [];
  const ctxBase = { quick: options.quick, marks: [], log, historyPii: [], timeouts: [] };
  const interrupt = (signal: string): void => {
    log(`${signal}: stopping the stack`);
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));
  let ctx: ScenarioContext | undefined;
  try {
    stack = options.cluster
      ? await (await import('./cluster.js')).startClusterStack({ dir, log })
      : await startDevStack({ dir, log });
    ctx = { ...ctxBase, stack };
    for (const scenario of LOAD_SCENARIOS.filter((s) => options.only.has(s.name))) {
      try {
        results.push(await runLoadScenario(ctx, scenario));
      } catch (err) {
        log(`✖ ${scenario.name}: ${err instanceof Error ? err.stack : String(err)}`);
        results.push({
          name: scenario.name,
          load: '–',
          fault: scenario.fault,
          outcome: 'ERROR',
          ok: false,
          seconds: 0,
          notes: [String(err)],
        });
      }
    }
    if (options.only.has('bad-inputs')) results.push(await badInputsScenario(stack, log));
    if (options.only.has('fuzz')) results.push(await fuzzScenario(stack, dir, options.quick, log));
  } catch (err) {
    log(`✖ ${err instanceof Error ? err.stack : String(err)}`);
    results.push({
      name: 'stack',
      load: '–',
      fault: '–',
      outcome: 'ERROR',
      ok: false,
      seconds: 0,
      notes: [String(err)],
    });
  } finally {
    if (stack) {
      log('stopping the stack');
      await stack.stop().catch((err: unknown) => log(`stop failed: ${String(err)}`));
    }
  }
  if (stack && ctx && options.only.has('pii-scan')) results.push(await piiScenario(ctx, stack));
  if (stack && ctx)
    await markRunOrNot(
      ctx.timeouts,
      stack.logFiles.filter((file) => /worker/.test(path.basename(file))),
    );

  const markdown = renderMarkdown(
    {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      mode: options.quick ? 'quick' : 'full',
      stack: options.cluster ? 'cluster' : 'dev server',
      loadAtStart,
      argv: process.argv.slice(2),
    },
    results,
    ctx?.timeouts ?? [],
  );
  const target = options.out
    ? path.resolve(options.out)
    : path.join(projectRoot, 'chaos', options.quick ? 'RESULTS-quick.md' : 'RESULTS.md');
  writeFileSync(target, await formatted(markdown, target));
  process.stdout.write(`\n${renderTable(results)}\n\n`);
  log(`wrote ${path.relative(projectRoot, target)}`);
  const failed = results.some((r) => !r.ok);
  if (options.keep || failed) log(`temp dir kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  return failed ? 1 : 0;
}

async function formatted(markdown: string, target: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    return await prettier.format(markdown, { ...((await prettier.resolveConfig(target)) ?? {}), parser: 'markdown' });
  } catch {
    return markdown;
  }
}

async function badInputsScenario(stack: ChaosStack, log: (line: string) => void): Promise<ScenarioResult> {
  const startedAt = Date.now();
  log('▶ bad-inputs');
  const outcomes = await runBadInputs(stack);
  const failures = outcomes.filter((o) => !o.ok);
  const fiveXx = outcomes.filter((o) => (o.status ?? 0) >= 500).length;
  for (const o of outcomes)
    log(`  ${o.ok ? '✔' : '✖'} ${o.name}: ${o.status ?? 'no answer'}${o.why ? ` (${o.why})` : ''}`);
  return {
    name: 'bad-inputs',
    load: `${outcomes.length} hand-written requests`,
    fault:
      'invalid JSON, wrong content type, 50 MB body, deep nesting, unicode, control characters, PII-shaped ids, unknown action/id, oversized document…',
    outcome: failures.length === 0 ? 'pass' : 'FAIL',
    ok: failures.length === 0,
    seconds: Math.round((Date.now() - startedAt) / 1000),
    http5xx: fiveXx,
    notes: [
      `statuses: ${outcomes.map((o) => `${o.name} → ${o.status ?? '–'}`).join(', ')}`,
      ...failures.map((o) => `${o.name}: ${o.why ?? 'failed'}`),
    ],
  };
}

async function fuzzScenario(
  stack: ChaosStack,
  dir: string,
  quick: boolean,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  log('▶ fuzz');
  try {
    const outcome = await fuzzGateway(stack, { dir, maxExamples: quick ? 10 : 40, maxSeconds: quick ? 120 : 300, log });
    for (const failure of outcome.failures) log(`  ✖ ${failure}`);
    return {
      name: 'fuzz',
      load: `schemathesis, ${outcome.operations} operations${outcome.testCases ? `, ${outcome.testCases} test cases` : ''}`,
      fault: "generated requests from the gateway's /openapi.json (5xx or an undocumented status = failure)",
      outcome: outcome.failures.length === 0 ? 'pass' : 'FAIL',
      ok: outcome.failures.length === 0,
      seconds: Math.round(outcome.durationMs / 1000),
      notes: outcome.failures,
    };
  } catch (err) {
    return {
      name: 'fuzz',
      load: 'schemathesis',
      fault: 'fuzzing',
      outcome: 'ERROR',
      ok: false,
      seconds: 0,
      notes: [String(err)],
    };
  }
}

async function piiScenario(ctx: ScenarioContext, stack: ChaosStack): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const logs = await scanFiles(stack.logFiles, ctx.marks);
  const findings = [...new Set([...logs.findings, ...ctx.historyPii])];
  const people = ctx.marks.filter((m) => m.kind === 'ssn').length;
  ctx.log(
    `${findings.length === 0 ? '✔' : '✖'} pii-scan: ${logs.lines} log lines, ${ctx.marks.length} values of ${people} applicants; ${findings.length} findings`,
  );
  return {
    name: 'pii-scan',
    load: `${logs.lines} log lines (worker, gateway, Temporal) + the raw history of every workflow above`,
    fault: `plaintext SSN, date of birth, name, email, phone, PIN of the ${people} applicants`,
    outcome: findings.length === 0 ? 'pass' : 'FAIL',
    ok: findings.length === 0,
    seconds: Math.round((Date.now() - startedAt) / 1000),
    notes: findings.slice(0, 20),
  };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
