/**
 * `npm run bench`: what the onboarding engine costs on top of Temporal, measured side by side with a floor workflow
 * of the same shape, on a real Temporal dev server started here. See bench/README.md.
 *
 *   npm run bench                       full run (< 20 min): every section
 *   npm run bench -- --quick            ~2-minute smoke run, tiny N, one round
 *   npm run bench -- --scale=10000      also the scale section: 1,000 then 10,000 onboardings held open
 *   npm run bench -- --only=floor,webhooks,scale   some sections only
 *   npm run bench -- --providers=jiko   some providers only
 *   npm run bench -- --open-loop=all    the open loop for every provider (default: jiko, netspend; or none)
 *   npm run bench -- --outbound=log     diagnostic: outbound events logged, not delivered (no delivery workflows)
 *   npm run bench -- --keep             keep the temp dir (database, logs)
 *   npm run bench -- --quick --only=floor --providers=netspend --cpu-prof   profile both workers and gateways (top frames)
 *   npx tsx bench/main.ts --report=bench/results/<file>.json   regenerate bench/RESULTS.md from a run's JSON
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FULL_BUDGET, QUICK_BUDGET } from './context.js';
import type { BenchContext, Budget } from './context.js';
import { BENCH_PROVIDERS, missingPieces } from './providers.js';
import { renderMarkdown, renderTable, rowsOf } from './report.js';
import type { BenchResults, Machine } from './report.js';
import { projectRoot, startStack } from './stack.js';
import type { Stack } from './stack.js';

const resultsDir = path.join(projectRoot, 'bench', 'results');

interface Options {
  quick: boolean;
  keep: boolean;
  sections: Set<string>;
  providers: Set<string> | undefined;
  extraScale: number[];
  report: string | undefined;
  rounds: number | undefined;
  rampRounds: number | undefined;
  openLoop: string[] | 'all' | undefined;
  deliverOutbound: boolean;
  cpuProf: boolean;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string): string | undefined =>
    argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const list = (raw: string | undefined): string[] | undefined =>
    raw
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const known = [
    '--quick',
    '--keep',
    '--cpu-prof',
    '--scale=',
    '--only=',
    '--providers=',
    '--report=',
    '--rounds=',
    '--ramp-rounds=',
    '--open-loop=',
    '--outbound=',
  ];
  for (const arg of argv) {
    if (!known.some((flag) => (flag.endsWith('=') ? arg.startsWith(flag) : arg === flag))) {
      throw new Error(`unknown argument ${arg} (known: ${known.join(' ')})`);
    }
  }
  const scale = list(value('scale'))?.map(Number) ?? [];
  if (scale.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error('--scale takes positive integers, e.g. --scale=100000');
  const providers = list(value('providers'));
  return {
    quick: argv.includes('--quick'),
    keep: argv.includes('--keep'),
    sections: new Set(list(value('only')) ?? ['floor', 'webhooks', 'scale']),
    providers: providers ? new Set(providers) : undefined,
    extraScale: scale,
    report: value('report'),
    rounds: value('rounds') === undefined ? undefined : Number(value('rounds')),
    rampRounds: value('ramp-rounds') === undefined ? undefined : Number(value('ramp-rounds')),
    openLoop: openLoopOption(value('open-loop')),
    deliverOutbound: outboundOption(value('outbound')),
    cpuProf: argv.includes('--cpu-prof'),
  };
}

function openLoopOption(raw: string | undefined): string[] | 'all' | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'all') return 'all';
  if (raw === 'none') return [];
  const names = raw.split(',').map((name) => name.trim());
  const known = BENCH_PROVIDERS.map((provider) => provider.name);
  if (names.some((name) => !known.includes(name)))
    throw new Error(`--open-loop takes all, none or providers (${known.join(', ')}); got ${raw}`);
  return names;
}

function outboundOption(raw: string | undefined): boolean {
  if (raw === undefined || raw === 'deliver') return true;
  if (raw === 'log') return false;
  throw new Error(`--outbound takes deliver (the default) or log; got ${raw}`);
}

function machine(): Machine {
  return {
    nproc: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg(),
  };
}

const READING_HEADING = '## Reading this run';

/**
 * The hand-written reading of a run, kept when RESULTS.md is regenerated from the same run's JSON (`--report`): it is
 * nowhere else. A new run's RESULTS.md starts without one.
 */
function handWrittenReading(target: string, jsonName: string): string {
  let current: string;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    return '';
  }
  const at = current.indexOf(`\n${READING_HEADING}\n`);
  if (at < 0 || !current.slice(0, at).includes(jsonName)) return '';
  return `\n${current.slice(at + 1)}`;
}

async function writeResultsMarkdown(results: BenchResults, jsonName: string): Promise<string> {
  const target = path.join(projectRoot, 'bench', 'RESULTS.md');
  let markdown = renderMarkdown(results, jsonName) + handWrittenReading(target, jsonName);
  try {
    // Formatted as `npm run lint` (prettier --check) expects it.
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(target)) ?? {};
    markdown = await prettier.format(markdown, { ...config, parser: 'markdown' });
  } catch {
    // Unformatted is still correct.
  }
  writeFileSync(target, markdown);
  return target;
}

async function run(options: Options): Promise<number> {
  const started = new Date();
  const log = (line: string): void => {
    const elapsed = ((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4);
    process.stdout.write(`[bench ${elapsed}s] ${line}\n`);
  };
  const budget: Budget = { ...(options.quick ? QUICK_BUDGET : FULL_BUDGET) };
  if (options.rounds !== undefined && options.rounds > 0) budget.rounds = options.rounds;
  if (options.rampRounds !== undefined && options.rampRounds >= 0) budget.rampRounds = options.rampRounds;
  if (options.openLoop === 'all') delete budget.openLoopProviders;
  else if (options.openLoop) budget.openLoopProviders = options.openLoop;
  // Asked-for levels come with 1,000, the base their signal latency is compared with.
  const asked = options.extraScale.length > 0 ? [1_000, ...options.extraScale] : [];
  budget.scaleLevels = [...new Set([...budget.scaleLevels, ...asked])].sort((a, b) => a - b);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'onboarding-bench-'));
  log(`${options.quick ? 'quick' : 'full'} run; stack in ${dir}`);
  let stack: Stack | undefined;
  const cpuProfileDir = options.cpuProf ? path.join(dir, 'profiles') : undefined;
  let profileFromMicros = 0;
  const errors: string[] = [];
  const partial: Omit<BenchResults, 'rows' | 'finishedAt' | 'durationSeconds'> = {
    startedAt: started.toISOString(),
    mode: options.quick ? 'quick' : 'full',
    argv: process.argv.slice(2),
    machine: machine(),
    budget,
    floor: [],
    skipped: [],
    webhooks: null,
    scale: null,
    errors,
  };
  partial.outbound = null;
  const sectionSeconds: Record<string, number> = {};
  partial.sectionSeconds = sectionSeconds;
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the stack`);
    void (stack ? stack.stop() : Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    stack = await startStack({ dir, log, cpuProfileDir, deliverOutbound: options.deliverOutbound });
    // Profiles count from here: start-up (transpiling, bundling the workflows) is not per-task work.
    profileFromMicros = Number(process.hrtime.bigint() / 1000n);
    // The bench's own client and codec use the stack's settings (Temporal address, PII key).
    Object.assign(process.env, stack.env);
    const [{ connectClient }, { createPiiCodec }, { parseConfig }] = await Promise.all([
      import('../common/temporal.js'),
      import('../common/codec.js'),
      import('../common/config.js'),
    ]);
    const config = parseConfig(process.env);
    const { client, close } = await connectClient();
    const ctx: BenchContext = {
      stack,
      client,
      codec: createPiiCodec(config),
      budget,
      quick: options.quick,
      log,
      webhookSecrets: {
        greendot: config.GREENDOT_WEBHOOK_TOKENS[0] ?? '',
        jiko: config.JIKO_WEBHOOK_SECRET,
        linkcy: config.LINKCY_WEBHOOK_SECRET.split(',')[0] ?? '',
        netspend: config.NETSPEND_WEBHOOK_SECRET,
      },
    };
    try {
      const providers = BENCH_PROVIDERS.filter((p) => !options.providers || options.providers.has(p.name));
      const available = [];
      for (const provider of providers) {
        const missing = await missingPieces(provider.name);
        if (missing) {
          partial.skipped.push({ provider: provider.name, reason: missing });
          log(`${provider.name}: skipped (${missing})`);
        } else {
          available.push(provider);
        }
      }
      const section = async <T>(name: string, body: () => Promise<T>): Promise<T | undefined> => {
        const sectionStarted = Date.now();
        try {
          return await body();
        } catch (err) {
          const message = `${name}: ${err instanceof Error ? err.message : String(err)}`;
          errors.push(message);
          log(`✖ ${message}`);
          return undefined;
        } finally {
          const seconds = (Date.now() - sectionStarted) / 1000;
          sectionSeconds[name] = seconds;
          log(`${name}: ${(seconds / 60).toFixed(1)} min`);
        }
      };
      if (options.sections.has('floor')) {
        const { compareWithFloor } = await import('./sections/floor.js');
        for (const provider of available) {
          const comparison = await section(`floor ${provider.name}`, () => compareWithFloor(ctx, provider));
          if (comparison) partial.floor.push(comparison);
        }
      }
      const jiko = available.find((p) => p.name === 'jiko');
      if (options.sections.has('webhooks')) {
        if (jiko) {
          const { webhookIntake } = await import('./sections/webhooks.js');
          partial.webhooks = (await section('webhooks', () => webhookIntake(ctx))) ?? null;
        } else errors.push('webhooks: needs the Jiko onboarding (its webhooks route to onboardings by application id)');
      }
      if (options.sections.has('scale') && budget.scaleLevels.length === 0) {
        log('scale: not in the default run (--scale=10000 holds 1,000 then 10,000)');
      } else if (options.sections.has('scale')) {
        const subject = jiko ?? available[0];
        if (subject) {
          const { scaleOfWaiting } = await import('./sections/scale.js');
          partial.scale = (await section('scale', () => scaleOfWaiting(ctx, subject))) ?? null;
        } else errors.push('scale: no provider onboarding is available');
      }
      if (options.sections.has('worker-start'))
        await section('worker-start', async () => (await import('./sections/worker-start.js')).workerStart(ctx));
    } finally {
      await close();
    }
  } catch (err) {
    errors.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
    log(`✖ ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (stack) {
      partial.outbound = stack.outbound.counts();
      log('stopping the stack');
      await stack.stop();
    }
    if (cpuProfileDir) {
      const { summarizeProfiles } = await import('./profile-top.js');
      const names = Object.fromEntries([...(stack?.processes.values() ?? [])].map((entry) => [entry.pid, entry.name]));
      partial.cpuProfile = summarizeProfiles(cpuProfileDir, names, { fromMicros: profileFromMicros });
      for (const line of partial.cpuProfile.lines) log(line);
    }
    if (options.keep || options.cpuProf || errors.length > 0) log(`temp dir kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }

  const finished = new Date();
  partial.machine.loadAverageAtEnd = os.loadavg();
  const withoutRows = {
    ...partial,
    finishedAt: finished.toISOString(),
    durationSeconds: (finished.getTime() - started.getTime()) / 1000,
  };
  const results: BenchResults = { ...withoutRows, rows: rowsOf(withoutRows) };
  mkdirSync(resultsDir, { recursive: true });
  const jsonName = `${started.toISOString().replace(/[:.]/g, '-')}${options.quick ? '-quick' : ''}.json`;
  writeFileSync(path.join(resultsDir, jsonName), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`\n${renderTable(results.rows)}\n\n`);
  if (errors.length > 0) process.stdout.write(`errors:\n${errors.map((e) => `  - ${e}`).join('\n')}\n\n`);
  log(`results: bench/results/${jsonName}`);
  log(`total time ${(results.durationSeconds / 60).toFixed(1)} min`);
  if (!options.quick && options.sections.size === 3 && !options.providers && options.deliverOutbound) {
    log(`wrote ${path.relative(projectRoot, await writeResultsMarkdown(results, jsonName))}`);
  }
  return errors.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  if (process.argv.includes('--cluster')) return (await import('./sections/cluster.js')).runClusterBench(process.argv);
  const options = parseArgs(process.argv.slice(2));
  if (options.report) {
    const results = JSON.parse(readFileSync(options.report, 'utf8')) as BenchResults;
    const target = await writeResultsMarkdown(results, path.basename(options.report));
    process.stdout.write(`${renderTable(results.rows)}\n\nwrote ${path.relative(projectRoot, target)}\n`);
    return 0;
  }
  return run(options);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
