/**
 * The stack the bench measures, started by itself: a Temporal dev server on a file-backed SQLite database in a
 * temp dir (our search attributes registered), the provider sandbox, the engine's worker and gateway, and beside
 * them the floor's worker and gateway. Every piece is a separate `node` process (no tsx wrapper process), so its
 * CPU time and memory can be read from /proc/<pid>.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEARCH_ATTRIBUTES } from '../contract/onboarding.js';
import { freePort, httpOk, tcpOpen, waitFor } from './readiness.js';
import { startOutboundReceiver } from './outbound-receiver.js';
import type { OutboundReceiver } from './outbound-receiver.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const BENCH_API_KEY = 'bench-api-key';
/** Task queue prefixes: the engine's queues and the floor's, side by side on one server. */
export const REAL_PREFIX = 'bench';
export const FLOOR_PREFIX = 'benchfloor';
/** High enough never to bind: the bench measures the engine, not the providers' rate limits. */
const UNBOUNDED_RATE = '100000';

export type ProcessName = 'temporal' | 'sandbox' | 'worker' | 'gateway' | 'floorWorker' | 'floorGateway';

export interface StackProcess {
  name: ProcessName;
  pid: number;
  child: ChildProcess;
  logPath: string;
}

export interface Stack {
  dir: string;
  temporalAddress: string;
  gatewayUrl: string;
  floorGatewayUrl: string;
  sandboxUrl: string;
  workerMetricsUrl: string;
  /** The dev server's Prometheus endpoint (`action`, `service_requests`): see server-metrics.ts. */
  serverMetricsUrl: string;
  /** Heap used after a full GC, per worker (see worker-preload.ts). */
  heapUrl: Record<'worker' | 'floorWorker', string>;
  /** Where the engine's outbound events go (OUTBOUND_WEBHOOK_URL), counting them. */
  outbound: OutboundReceiver;
  /** The environment every engine process got (PII key, Temporal address…); the bench's own client uses it too. */
  env: NodeJS.ProcessEnv;
  processes: Map<ProcessName, StackProcess>;
  pid(name: ProcessName): number | undefined;
  stop(): Promise<void>;
}

export function temporalCliPath(): string {
  const candidates = [process.env.TEMPORAL_CLI_PATH, path.join(projectRoot, '.tools', 'bin', 'temporal')];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  throw new Error('no Temporal CLI: run `npm run setup` (it builds .tools/bin/temporal) or set TEMPORAL_CLI_PATH');
}

/**
 * WAL with synchronous=NORMAL: what a SQLite-backed service runs with. The default (a rollback journal, an fsync
 * per commit) makes the virtual disk's fsync latency, not the engine, the limit of every figure.
 * BENCH_SQLITE_PRAGMAS (comma-separated, empty for none) overrides it.
 */
function sqlitePragmas(): string[] {
  const raw = process.env.BENCH_SQLITE_PRAGMAS ?? 'journal_mode=wal,synchronous=normal';
  return raw
    .split(',')
    .map((pragma) => pragma.trim())
    .filter(Boolean);
}

export async function startStack(options: {
  dir: string;
  log: (line: string) => void;
  /**
   * Both workers and both gateways run with `--cpu-prof` and write their profiles here on exit (`--cpu-prof`;
   * profile-top.ts reads them).
   */
  cpuProfileDir?: string | undefined;
  /**
   * false (`--outbound=log`, a diagnostic): outbound events are only logged, as with OUTBOUND_WEBHOOK_URL unset in
   * production: no delivery workflows, no POSTs, so a run tells how much of the real side's cost they are.
   */
  deliverOutbound?: boolean;
}): Promise<Stack> {
  const { dir, log, cpuProfileDir, deliverOutbound = true } = options;
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  mkdirSync(path.join(dir, 'shapes'), { recursive: true });
  const [
    temporalPort,
    sandboxPort,
    gatewayPort,
    floorGatewayPort,
    metricsPort,
    serverMetricsPort,
    heapPort,
    floorHeapPort,
  ] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const floorGatewayUrl = `http://127.0.0.1:${floorGatewayPort}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Not 'production': there the config refuses the built-in development secrets (common/config.ts), and the bench's
    // throwaway stack runs on them; NODE_ENV gates nothing else in this code base.
    NODE_ENV: 'development',
    // As in production: info, real and floor alike (the logs go to files in the temp dir).
    LOG_LEVEL: 'info',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    GATEWAY_API_KEYS: BENCH_API_KEY,
    DOCUMENT_STORE_DIR: path.join(dir, 'documents'),
    WEBHOOK_INBOX_DIR: path.join(dir, 'webhooks'),
    BENCH_FLOOR_SHAPE_DIR: path.join(dir, 'shapes'),
    JIKO_BASE_URL: `${sandboxUrl}/jiko`,
    NETSPEND_BASE_URL: `${sandboxUrl}/netspend/netspend-api/v1`,
    GREENDOT_BASE_URL: `${sandboxUrl}/greendot`,
    JIKO_RATE_LIMIT_PER_SECOND: UNBOUNDED_RATE,
    NETSPEND_RATE_LIMIT_PER_SECOND: UNBOUNDED_RATE,
    GREENDOT_RATE_LIMIT_PER_SECOND: UNBOUNDED_RATE,
    LINKCY_BASE_URL: `${sandboxUrl}/linkcy`,
    LINKCY_RATE_LIMIT_PER_SECOND: UNBOUNDED_RATE,
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
    // Per Worker (task queue), both sides: enough for the memory figure's held workflows (see worker-preload.ts).
    BENCH_MAX_CACHED_WORKFLOWS: process.env.BENCH_MAX_CACHED_WORKFLOWS ?? '2500',
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_LOG_LEVEL: 'error',
    // Providers that decide at once: the bench measures the engine, not the simulator's pretend review or activation time.
    SANDBOX_JIKO_SUBMITTED_DELAY_MS: '0',
    SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: '0',
    SANDBOX_GREENDOT_TRANSACTION_POST_DELAY_MS: '0',
    // The scripted customer goes through Linkcy's hosted KYC page itself; Linkcy's verification takes no time.
    SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: '0',
    SANDBOX_WEBHOOK_URL_JIKO: `${gatewayUrl}/webhooks/jiko`,
    SANDBOX_WEBHOOK_URL_NETSPEND: `${gatewayUrl}/webhooks/netspend`,
    SANDBOX_WEBHOOK_URL_GREENDOT: `${gatewayUrl}/webhooks/greendot`,
    SANDBOX_WEBHOOK_URL_LINKCY: `${gatewayUrl}/webhooks/linkcy`,
  };
  // Outbound events are delivered, as in production, to a local backend that counts them.
  const outbound = await startOutboundReceiver();
  if (deliverOutbound) env.OUTBOUND_WEBHOOK_URL = outbound.url;
  else delete env.OUTBOUND_WEBHOOK_URL;
  delete env.TEMPORAL_API_KEY;
  delete env.TEMPORAL_PROFILE;
  delete env.TEMPORAL_CONFIG_FILE;

  const processes = new Map<ProcessName, StackProcess>();
  const launch = (name: ProcessName, command: string, args: string[], childEnv: NodeJS.ProcessEnv): StackProcess => {
    const logPath = path.join(dir, 'logs', `${name}.log`);
    const out = createWriteStream(logPath);
    const child = spawn(command, args, { cwd: projectRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    const entry: StackProcess = { name, pid: child.pid, child, logPath };
    processes.set(name, entry);
    return entry;
  };
  const alive = (entry: StackProcess) => (): boolean =>
    entry.child.exitCode === null && entry.child.signalCode === null;
  /** `preload`: a worker (heap probe, cache size); `profiled`: written to cpuProfileDir with `--cpu-prof`. */
  const node = (entry: string, preload = false, profiled = preload): [string, string[]] => [
    process.execPath,
    [
      ...(preload ? ['--expose-gc'] : []),
      ...(profiled && cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []),
      '--import',
      'tsx',
      ...(preload ? ['--import', path.join(projectRoot, 'bench', 'worker-preload.mjs')] : []),
      path.join(projectRoot, entry),
    ],
  ];
  const stack: Stack = {
    dir,
    temporalAddress,
    gatewayUrl,
    floorGatewayUrl,
    sandboxUrl,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    serverMetricsUrl: `http://127.0.0.1:${serverMetricsPort}/metrics`,
    heapUrl: { worker: `http://127.0.0.1:${heapPort}/`, floorWorker: `http://127.0.0.1:${floorHeapPort}/` },
    outbound,
    env,
    processes,
    pid: (name) => processes.get(name)?.pid,
    stop: async () => {
      const order: ProcessName[][] = [['gateway', 'floorGateway', 'sandbox', 'worker', 'floorWorker'], ['temporal']];
      for (const group of order) {
        await Promise.all(
          group.map(async (name) => {
            const entry = processes.get(name);
            if (!entry || !alive(entry)()) return;
            const exited = new Promise<void>((resolve) => entry.child.once('exit', () => resolve()));
            entry.child.kill('SIGTERM');
            const timer = setTimeout(() => entry.child.kill('SIGKILL'), 8_000);
            await exited;
            clearTimeout(timer);
          }),
        );
      }
      await outbound.close();
    },
  };

  try {
    const searchAttributeFlags = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
      '--search-attribute',
      `${name}=${type}`,
    ]);
    const temporal = launch(
      'temporal',
      temporalCliPath(),
      [
        'server',
        'start-dev',
        '--db-filename',
        path.join(dir, 'temporal.db'),
        '--ip',
        '127.0.0.1',
        '--port',
        String(temporalPort),
        '--headless',
        '--log-level',
        'error',
        '--metrics-port',
        String(serverMetricsPort),
        ...sqlitePragmas().flatMap((pragma) => ['--sqlite-pragma', pragma]),
        ...searchAttributeFlags,
      ],
      env,
    );
    const sandbox = launch('sandbox', ...node('sandbox/main.ts'), env);
    await waitFor('temporal', () => tcpOpen(temporalPort), 90_000, alive(temporal));
    await waitFor('sandbox', () => httpOk(`${sandboxUrl}/_sandbox/health`), 60_000, alive(sandbox));
    log(`temporal ${temporalAddress} (db ${path.join(dir, 'temporal.db')}), sandbox ${sandboxUrl}`);

    const worker = launch('worker', ...node('workers/main.ts', true), {
      ...env,
      BENCH_HEAP_PORT: String(heapPort),
      TASK_QUEUE_PREFIX: REAL_PREFIX,
      WORKER_METRICS_PORT: String(metricsPort),
    });
    const floorWorker = launch('floorWorker', ...node('bench/floor-worker.ts', true), {
      ...env,
      BENCH_HEAP_PORT: String(floorHeapPort),
      TASK_QUEUE_PREFIX: FLOOR_PREFIX,
      WORKER_METRICS_PORT: '0',
    });
    const gateway = launch('gateway', ...node('client/gateway/main.ts', false, true), {
      ...env,
      TASK_QUEUE_PREFIX: REAL_PREFIX,
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_PUBLIC_URL: gatewayUrl,
    });
    // The floor goes through the very same gateway code; only its task queues differ.
    const floorGateway = launch('floorGateway', ...node('client/gateway/main.ts', false, true), {
      ...env,
      TASK_QUEUE_PREFIX: FLOOR_PREFIX,
      GATEWAY_PORT: String(floorGatewayPort),
      GATEWAY_PUBLIC_URL: floorGatewayUrl,
    });
    const sawLine = (entry: StackProcess, pattern: RegExp): (() => Promise<boolean>) => {
      let seen = false;
      let buffered = '';
      entry.child.stdout?.on('data', (chunk: Buffer) => {
        buffered = (buffered + chunk.toString('utf8')).slice(-4096);
        if (pattern.test(buffered)) seen = true;
      });
      return async () => seen;
    };
    const workerReady = sawLine(worker, /worker ready:/);
    const floorReady = sawLine(floorWorker, /floor worker ready/);
    await Promise.all([
      waitFor('gateway', () => httpOk(`${gatewayUrl}/healthz`), 90_000, alive(gateway)),
      waitFor('floor gateway', () => httpOk(`${floorGatewayUrl}/healthz`), 90_000, alive(floorGateway)),
      waitFor('worker', workerReady, 180_000, alive(worker)),
      waitFor('floor worker', floorReady, 180_000, alive(floorWorker)),
    ]);
    log(`worker, gateway ${gatewayUrl}, floor worker, floor gateway ${floorGatewayUrl}: ready (logs in ${dir}/logs)`);
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
