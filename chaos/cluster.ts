/**
 * `npm run chaos -- --cluster`: the same scenarios on the Temporal cluster of `npm run cluster` (PostgreSQL,
 * frontend/history/matching/worker as separate processes, two workers, two gateways), through the test helper
 * test/helpers/cluster.ts (startCluster). Imported at run time, so the chaos script type-checks and runs on the dev
 * server in a checkout without the cluster.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { CHAOS_SANDBOX_ENV } from './stack.js';
import type { ChaosStack } from './stack.js';

/** The part of test/helpers/cluster.ts this adapter uses. */
interface ClusterStack {
  temporalAddress: string;
  namespace: string;
  gatewayUrls: string[];
  sandboxUrl: string;
  apiKey: string;
  killWorker(index: number, signal?: NodeJS.Signals): Promise<void>;
  startWorker(index: number): Promise<void>;
  killGateway(index: number, signal?: NodeJS.Signals): Promise<void>;
  startGateway(index: number): Promise<void>;
  restartTemporalService(
    service: 'frontend' | 'history' | 'matching' | 'worker',
    mode: 'clean' | 'kill9',
  ): Promise<void>;
  stop(): Promise<void>;
}
type StartCluster = (options?: {
  workers?: number;
  gateways?: number;
  log?: (line: string) => void;
  env?: Record<string, string>;
}) => Promise<ClusterStack>;

const WORKERS = 2;

export async function startClusterStack(options: { dir: string; log: (line: string) => void }): Promise<ChaosStack> {
  // A variable, not a literal: tsc must not resolve a module that may not exist in this checkout.
  const helper = '../test/helpers/cluster.js';
  let startCluster: StartCluster;
  try {
    ({ startCluster } = (await import(helper)) as { startCluster: StartCluster });
  } catch (err) {
    throw new Error(
      `--cluster needs test/helpers/cluster.ts (npm run cluster): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  // Every line the cluster's processes print, for the PII scan.
  const logFile = path.join(options.dir, 'cluster.log');
  const out = createWriteStream(logFile, { flags: 'a' });
  const cluster = await startCluster({
    workers: WORKERS,
    gateways: 2,
    env: { ...CHAOS_SANDBOX_ENV, LOG_LEVEL: 'info' },
    log: (line) => out.write(`${line}\n`),
  });
  options.log(`cluster: Temporal ${cluster.temporalAddress}, gateways ${cluster.gatewayUrls.join(' ')}`);
  return {
    kind: 'cluster',
    temporalAddress: cluster.temporalAddress,
    namespace: cluster.namespace,
    gatewayUrls: cluster.gatewayUrls,
    sandboxUrl: cluster.sandboxUrl,
    apiKey: cluster.apiKey,
    workers: WORKERS,
    logFiles: [logFile],
    killWorker: (index, signal) => cluster.killWorker(index, signal),
    startWorker: (index) => cluster.startWorker(index),
    killGateway: (index, signal) => cluster.killGateway(index, signal),
    startGateway: (index) => cluster.startGateway(index),
    // The history service holds the workflows' state: the one whose restart matters most.
    restartTemporal: (mode) => cluster.restartTemporalService('history', mode),
    stop: async () => {
      await cluster.stop();
      out.end();
    },
  };
}
