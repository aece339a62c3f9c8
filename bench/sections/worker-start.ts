/**
 * `npm run bench -- --only=worker-start`: what a prebuilt workflow bundle (`npm run build`) saves at worker start.
 * Starts the worker process against the bench's Temporal server, on task queues of its own, and measures spawn →
 * `worker ready:` and its memory (RSS when ready, and the peak RSS so far, VmHWM: bundling at start happens in
 * the main process, so its cost shows there):
 *
 *   bundled at start   node --import tsx workers/main.ts          (npm run worker: webpack + swc of workflows/)
 *   prebuilt, tsx      the same, WORKFLOW_BUNDLE_PATH=<prebuilt>
 *   compiled           node dist/workers/main.js (npm run worker:prod), when `npm run build` has been run
 *
 * Prints its table and writes bench/results/worker-start-<time>.json; the README's Build section quotes a run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildWorkflowBundle } from '../../scripts/build/index.js';
import type { BenchContext } from '../context.js';
import { projectRoot } from '../stack.js';

interface StartSample {
  variant: string;
  readyMs: number;
  rssMiB: number;
  peakRssMiB: number;
}

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

async function startOnce(
  ctx: BenchContext,
  variant: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<StartSample> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...ctx.stack.env, TASK_QUEUE_PREFIX: 'benchstart', WORKER_METRICS_PORT: '0', LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${variant}: not ready after 180 s: ${output.slice(-500)}`)),
        180_000,
      );
      const watch = (chunk: Buffer): void => {
        output = (output + chunk.toString()).slice(-8192);
        if (output.includes('worker ready:')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', watch);
      child.stderr.on('data', watch);
      child.once('exit', (code) => reject(new Error(`${variant}: exited ${code} before ready: ${output.slice(-500)}`)));
    });
    const readyMs = performance.now() - started;
    const memory = memoryMiB(child.pid ?? 0);
    return { variant, readyMs, rssMiB: memory.rss, peakRssMiB: memory.peak };
  } finally {
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(forced);
  }
}

export async function workerStart(ctx: BenchContext): Promise<StartSample[]> {
  const bundlePath = path.join(ctx.stack.dir, 'workflow-bundle.js');
  await buildWorkflowBundle(bundlePath);
  const tsxMain = ['--import', 'tsx', path.join(projectRoot, 'workers', 'main.ts')];
  const compiled = path.join(projectRoot, 'dist', 'workers', 'main.js');
  const variants: [string, string[], NodeJS.ProcessEnv][] = [
    ['bundled at start (tsx)', tsxMain, { WORKFLOW_BUNDLE_PATH: '' }],
    ['prebuilt bundle (tsx)', tsxMain, { WORKFLOW_BUNDLE_PATH: bundlePath }],
  ];
  if (existsSync(compiled))
    variants.push(['compiled dist/ + its bundle (node)', [compiled], { WORKFLOW_BUNDLE_PATH: '' }]);
  else ctx.log('worker-start: no dist/ (run `npm run build`): the compiled variant is skipped');
  const rounds = ctx.quick ? 1 : 3;
  const samples: StartSample[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const [variant, args, env] of variants) {
      const sample = await startOnce(ctx, variant, args, env);
      ctx.log(
        `worker-start: ${variant}: ready in ${(sample.readyMs / 1000).toFixed(1)} s, RSS ${sample.rssMiB.toFixed(0)} MiB (peak ${sample.peakRssMiB.toFixed(0)})`,
      );
      samples.push(sample);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const rows = variants.map(([variant]) => {
    const mine = samples.filter((sample) => sample.variant === variant);
    return `| ${variant} | ${(median(mine.map((s) => s.readyMs)) / 1000).toFixed(1)} | ${median(mine.map((s) => s.rssMiB)).toFixed(0)} | ${median(mine.map((s) => s.peakRssMiB)).toFixed(0)} |`;
  });
  process.stdout.write(
    `\n| worker start (median of ${rounds}) | ready (s) | RSS when ready (MiB) | peak RSS (MiB) |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n\n`,
  );
  const file = path.join(
    projectRoot,
    'bench',
    'results',
    `worker-start-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, JSON.stringify({ rounds, samples }, null, 2) + '\n');
  return samples;
}
