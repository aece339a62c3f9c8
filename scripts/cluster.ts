/**
 * `npm run cluster`: the production topology on this machine (scripts/cluster/stack.ts) with its data in
 * .data/cluster (kept across runs): PostgreSQL, the four Temporal services, the sandbox, two workers, two gateways
 * and the balancer in front of them. Prints the endpoints; Ctrl-C or SIGTERM stops every process.
 *
 *   npm run cluster                      two workers, two gateways
 *   npm run cluster -- --workers 3 --gateways 1
 *   npm run cluster -- --data-dir /srv/cluster --free-ports    elsewhere, on ports the system picks
 *   npm run cluster -- --tsx             the worker, gateway and sandbox on the sources (no build first)
 *
 * By default it first runs `npm run build` and runs our processes under `node` on dist/, as production does (tsx's
 * wrapper may cut a worker's drain short on SIGTERM).
 */
import path from 'node:path';
import { startCluster } from './cluster/stack.js';
import type { ClusterStack } from './cluster/stack.js';
import { projectRoot } from './cluster/tools.js';
import { build } from './build/index.js';

function countFlag(args: string[], flag: string, fallback: number): number {
  const index = args.indexOf(flag);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 8) {
    throw new Error(`${flag} takes a number of processes from 1 to 8; got ${JSON.stringify(args[index + 1] ?? '')}`);
  }
  return value;
}

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const withValue = new Set(['--workers', '--gateways', '--data-dir']);
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (withValue.has(arg)) index++;
    else if (arg !== '--free-ports' && arg !== '--tsx') {
      throw new Error(
        `unknown argument ${arg} (known: --workers N, --gateways N, --data-dir DIR, --free-ports, --tsx)`,
      );
    }
  }
  if (!args.includes('--tsx')) {
    say('cluster | npm run build (compiled worker, gateway and sandbox; --tsx skips it)');
    await build('dist', (line) => say(`cluster | ${line}`));
    process.env.CLUSTER_COMPILED = '1';
  }
  const workers = countFlag(args, '--workers', 2);
  const gateways = countFlag(args, '--gateways', 2);
  const dataDirIndex = args.indexOf('--data-dir');
  const dataDir = dataDirIndex < 0 ? path.join(projectRoot, '.data', 'cluster') : args[dataDirIndex + 1];
  if (!dataDir) throw new Error('--data-dir takes a folder');
  let stopRequested: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));
  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // One Ctrl-C can arrive twice: from the terminal to the whole group, and relayed by the npm/tsx wrappers.
      if (firstSignalAt !== undefined && Date.now() - firstSignalAt < 1500) return;
      if (firstSignalAt !== undefined) {
        say(`cluster | ${signal} again: killing everything now`);
        process.exit(130); // ProcessSet kills every group it started on exit
      }
      firstSignalAt = Date.now();
      say(`cluster | ${signal} received: stopping everything (again to kill at once)`);
      stopRequested?.();
    });
  }
  const startedAt = Date.now();
  const starting = startCluster({
    workers,
    gateways,
    log: say,
    dataDir: path.resolve(dataDir),
    preferUsualPorts: !args.includes('--free-ports'),
  });
  const first = await Promise.race([starting.then((stack) => stack), stopSignal.then(() => undefined)]);
  const cluster: ClusterStack | undefined = first ?? (await starting.catch(() => undefined));
  if (!cluster) return 1;
  if (!first) {
    await cluster.stop();
    return 0;
  }
  say(`cluster | everything up in ${((Date.now() - startedAt) / 1000).toFixed(1)}s:`);
  say(
    `cluster |   Temporal gRPC    ${cluster.temporalAddress}  (namespace ${cluster.namespace}, PostgreSQL in ${path.relative(projectRoot, path.join(dataDir, 'pg')) || '.'})`,
  );
  say(`cluster |   Gateway (public) ${cluster.publicUrl}  (round-robin over the gateways; API key ${cluster.apiKey})`);
  cluster.gatewayUrls.forEach((url, index) => say(`cluster |   gateway-${index}        ${url}`));
  cluster.workerMetricsUrls.forEach((url, index) => say(`cluster |   worker-${index} metrics ${url}`));
  say(`cluster |   Sandbox          ${cluster.sandboxUrl}`);
  say('cluster | Press Ctrl-C to stop everything.');
  await stopSignal;
  await cluster.stop();
  const left = cluster.pids().alive;
  say(left.length === 0 ? 'cluster | no process left' : `cluster | still running: ${left.join(', ')}`);
  return left.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`cluster | ✖ ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
