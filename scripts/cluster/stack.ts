/**
 * startCluster: the production topology on one machine. PostgreSQL 15, the Temporal server as four processes
 * (frontend, history, matching, internal worker) on it with our namespace and search attributes, the provider
 * sandbox, N worker processes, N gateways and a round-robin balancer in front of the gateways (the sandbox's
 * webhook target). `npm run cluster` (scripts/cluster.ts) and test/helpers/cluster.ts are its two users.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePiiKeys } from '../launcher/pii-key.js';
import { Apps } from './apps.js';
import { startBalancer } from './balancer.js';
import type { Balancer } from './balancer.js';
import { setUpNamespace } from './namespace.js';
import { startPostgres, stopPostgres } from './postgres.js';
import { ProcessSet } from './processes.js';
import { TemporalServices, chooseTemporalPorts, temporalConfigEnv } from './temporal-services.js';
import type { TemporalService } from './temporal-services.js';
import { ensureServerBuilt, freePort } from './tools.js';

export interface ClusterOptions {
  /** Worker processes (default 2). */
  workers?: number;
  /** Gateway processes, each on its own port (default 2). */
  gateways?: number;
  /** Every line of every process, prefixed with its name; and the cluster's own progress. */
  log?: (line: string) => void;
  /** Extra environment for our processes (worker, gateway, sandbox), e.g. sandbox fault settings. */
  env?: Record<string, string>;
  /**
   * A folder kept across runs (PostgreSQL data, PII key, documents, webhook inbox): `npm run cluster` uses
   * .data/cluster. Without it, a fresh folder in the system's temporary folder, deleted by stop().
   */
  dataDir?: string;
  /** 7233, 3000, 3001, 4010… where free (npm run cluster); otherwise ports the system picks (tests). */
  preferUsualPorts?: boolean;
  /** Temporal server log level (default warn); our processes log at LOG_LEVEL (default warn). */
  temporalLogLevel?: string;
  namespace?: string;
}

export interface ClusterStack {
  temporalAddress: string;
  namespace: string;
  uiUrl?: string;
  /** Each gateway directly, by index. */
  gatewayUrls: string[];
  /** The balancer in front of the gateways: GATEWAY_PUBLIC_URL, and where the sandbox posts webhooks. */
  publicUrl: string;
  sandboxUrl: string;
  apiKey: string;
  /** Each worker's Prometheus endpoint, by index. */
  workerMetricsUrls: string[];
  killWorker(index: number, signal?: NodeJS.Signals): Promise<void>;
  startWorker(index: number): Promise<void>;
  killGateway(index: number, signal?: NodeJS.Signals): Promise<void>;
  startGateway(index: number): Promise<void>;
  restartTemporalService(service: TemporalService, mode: 'clean' | 'kill9'): Promise<void>;
  /** Every pid the cluster started, and those of them still running (none after stop()). */
  pids(): { started: number[]; alive: number[] };
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<ClusterStack> {
  const log = options.log ?? ((): void => undefined);
  const workerCount = options.workers ?? 2;
  const gatewayCount = options.gateways ?? 2;
  const namespace = options.namespace ?? 'default';
  const usual = options.preferUsualPorts ?? false;
  const ephemeral = options.dataDir === undefined;
  // A throwaway cluster lives in the system's temporary folder: one the postgres user can always reach.
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'onboarding-cluster-'));
  mkdirSync(dataDir, { recursive: true });
  // mkdtemp makes it private to us; the postgres user must pass through it to its own folder inside.
  if (ephemeral) chmodSync(dataDir, 0o711);

  await ensureServerBuilt(log);
  const processes = new ProcessSet(log);
  let balancer: Balancer | undefined;
  let stopping: Promise<void> | undefined;
  let apps: Apps | undefined;
  let temporal: TemporalServices | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await balancer?.close();
      const ourProcesses = [
        ...Array.from({ length: gatewayCount }, (_, index) => `gateway-${index}`),
        ...Array.from({ length: workerCount }, (_, index) => `worker-${index}`),
      ];
      await Promise.all(ourProcesses.map((name) => processes.stop(name)));
      await processes.stop('sandbox');
      await temporal?.stopAll();
      await stopPostgres(processes);
      processes.killLeftovers();
      processes.detach();
      if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
      log('cluster stopped');
    })());

  try {
    const postgresPort = await freePort(usual ? 5432 : undefined);
    await startPostgres(processes, {
      dataDir: path.join(dataDir, 'pg'),
      port: postgresPort,
      ephemeral,
      log,
    });
    const ports = await chooseTemporalPorts(usual);
    temporal = new TemporalServices(
      processes,
      ports,
      temporalConfigEnv(ports, postgresPort, options.temporalLogLevel ?? 'warn'),
    );
    await temporal.startAll();
    log(`temporal: frontend ${temporal.address}, history, matching and worker up`);
    await setUpNamespace(temporal.address, namespace, log);

    const gatewayPorts = await Promise.all(
      Array.from({ length: gatewayCount }, (_, index) => freePort(usual ? 3000 + index : undefined)),
    );
    balancer = await startBalancer(() => gatewayPorts.map((port) => `http://127.0.0.1:${port}`), {
      port: await freePort(usual ? 8080 : undefined),
      log,
    });
    const piiKeys = ephemeral
      ? `cluster:${randomBytes(32).toString('base64')}`
      : ensurePiiKeys(path.join(dataDir, 'pii-keys')).keys;
    const started = (apps = new Apps(processes, {
      temporalAddress: temporal.address,
      namespace,
      apiKey: options.env?.GATEWAY_API_KEYS?.split(',')[0] ?? 'cluster-api-key',
      piiKeys,
      publicUrl: balancer.url,
      sandboxPort: await freePort(usual ? 4010 : undefined),
      stateDir: path.join(dataDir, 'state'),
      logLevel: options.env?.LOG_LEVEL ?? 'warn',
      env: options.env ?? {},
    }));
    await started.startSandbox();
    const metricsPorts = await Promise.all(
      Array.from({ length: workerCount }, (_, index) => freePort(usual ? 9464 + index : undefined)),
    );
    await Promise.all(metricsPorts.map((port, index) => started.startWorker(index, port)));
    await Promise.all(gatewayPorts.map((port, index) => started.startGateway(index, port)));
    await started.setUpSandbox(log);
  } catch (err) {
    await stop();
    throw err;
  }

  const running = apps;
  const services = temporal;
  const checkIndex = (what: string, index: number, count: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new RangeError(`${what} index must be 0..${count - 1}, got ${index}`);
    }
  };
  return {
    temporalAddress: services.address,
    namespace,
    gatewayUrls: Array.from({ length: gatewayCount }, (_, index) => running.gatewayUrl(index)),
    publicUrl: balancer.url,
    sandboxUrl: running.sandboxUrl,
    apiKey: running.engineEnv().GATEWAY_API_KEYS?.split(',')[0] ?? '',
    workerMetricsUrls: Array.from(
      { length: workerCount },
      (_, index) => `http://127.0.0.1:${running.workerMetricsPorts.get(index)}/metrics`,
    ),
    async killWorker(index, signal = 'SIGKILL') {
      checkIndex('worker', index, workerCount);
      await processes.stop(`worker-${index}`, signal);
    },
    async startWorker(index) {
      checkIndex('worker', index, workerCount);
      await running.startWorker(index, running.workerMetricsPorts.get(index) ?? (await freePort()));
    },
    async killGateway(index, signal = 'SIGKILL') {
      checkIndex('gateway', index, gatewayCount);
      await processes.stop(`gateway-${index}`, signal);
    },
    async startGateway(index) {
      checkIndex('gateway', index, gatewayCount);
      await running.startGateway(index, running.gatewayPorts.get(index) ?? (await freePort()));
    },
    restartTemporalService: (service, mode) => services.restart(service, mode),
    pids: () => ({ started: processes.allPids(), alive: processes.alive() }),
    stop,
  };
}
