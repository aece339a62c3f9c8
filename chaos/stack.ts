/**
 * The stack the chaos run breaks, on the Temporal CLI's dev server: every piece a child process of its own (so a
 * worker can be `kill -9`ed and Temporal restarted), each one's stdout and stderr kept in <dir>/logs/<name>.log for
 * the PII scan. Temporal keeps its data in <dir>/temporal.db (SQLite), so a restart loses nothing; its ports are
 * fixed for the run, so the worker and gateway reconnect to the same address.
 *
 * The same shape as the cluster's ClusterStack (test/helpers/cluster.ts), so every scenario runs on either.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { parseConfig } from '../common/config.js';
import { setLogLevel } from '../common/log.js';
import { SEARCH_ATTRIBUTES } from '../contract/onboarding.js';
import { buildWorkflowBundle } from '../scripts/build/index.js';
import { runSandboxSetup } from '../scripts/launcher/sandbox-setup.js';
import { projectRoot, temporalCliPath } from '../bench/stack.js';
import { freePort } from '../bench/readiness.js';

export const CHAOS_API_KEY = 'chaos-api-key';

export type TemporalRestartMode = 'clean' | 'kill9';

export interface ChaosStack {
  /** For the report: 'dev server' or 'cluster'. */
  kind: string;
  temporalAddress: string;
  namespace: string;
  gatewayUrls: string[];
  sandboxUrl: string;
  apiKey: string;
  workers: number;
  /** Files holding every line our processes printed (worker, gateway; Temporal), for the PII scan. */
  logFiles: string[];
  killWorker(index: number, signal?: NodeJS.Signals): Promise<void>;
  startWorker(index: number): Promise<void>;
  killGateway(index: number, signal?: NodeJS.Signals): Promise<void>;
  startGateway(index: number): Promise<void>;
  /** Stops Temporal (SIGTERM, or SIGKILL for 'kill9') and starts it again on the same data and address. */
  restartTemporal(mode: TemporalRestartMode): Promise<void>;
  stop(): Promise<void>;
}

/** What every chaos stack sets on the sandbox: short webhook redelivery, so "past the attempts" fits a scenario. */
export const CHAOS_SANDBOX_ENV: Record<string, string> = {
  SANDBOX_WEBHOOK_MAX_ATTEMPTS: '4',
  SANDBOX_WEBHOOK_BACKOFF_MS: '500',
  SANDBOX_WEBHOOK_MAX_BACKOFF_MS: '2000',
  // Providers that decide at once (as in the bench): the run measures faults, not the simulators' pretend delays.
  SANDBOX_JIKO_SUBMITTED_DELAY_MS: '0',
  SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: '0',
  SANDBOX_GREENDOT_TRANSACTION_POST_DELAY_MS: '0',
  SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: '0',
};

interface Managed {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  ready: (output: () => string) => Promise<boolean>;
  child?: ChildProcess;
}

const isAlive = (child: ChildProcess | undefined): boolean =>
  !!child && child.exitCode === null && child.signalCode === null;

/** The frontend listens before it serves ("not healthy yet"): ready once GetSystemInfo answers. */
async function temporalServes(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

export async function startDevStack(options: { dir: string; log: (line: string) => void }): Promise<ChaosStack> {
  const { dir, log } = options;
  const logsDir = path.join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const [temporalPort, sandboxPort, gatewayPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  // One bundle for the run, as `npm run build` makes it: a restarted worker loads it instead of bundling for half a
  // minute on a loaded machine (which would stretch every kill -9 by that much).
  const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
  await buildWorkflowBundle(workflowBundlePath);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WORKFLOW_BUNDLE_PATH: workflowBundlePath,
    ...CHAOS_SANDBOX_ENV,
    NODE_ENV: 'development',
    // info, not warn: more lines for the PII scan to read (CHAOS_LOG_LEVEL=debug: the SDK's activity starts too).
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'info',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TASK_QUEUE_PREFIX: 'chaos',
    PII_KEYS: `chaos:${randomBytes(32).toString('base64')}`,
    GATEWAY_API_KEYS: CHAOS_API_KEY,
    GATEWAY_PORT: String(gatewayPort),
    GATEWAY_PUBLIC_URL: gatewayUrl,
    WORKER_METRICS_PORT: '0',
    WORKER_SHUTDOWN_GRACE_SECONDS: '5',
    DOCUMENT_STORE_DIR: path.join(dir, 'documents'),
    WEBHOOK_INBOX_DIR: path.join(dir, 'webhooks'),
    JIKO_BASE_URL: `${sandboxUrl}/jiko`,
    NETSPEND_BASE_URL: `${sandboxUrl}/netspend/netspend-api/v1`,
    GREENDOT_BASE_URL: `${sandboxUrl}/greendot`,
    LINKCY_BASE_URL: `${sandboxUrl}/linkcy`,
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_LOG_LEVEL: 'error',
    SANDBOX_WEBHOOK_BASE_URL: gatewayUrl,
  };
  for (const name of ['OUTBOUND_WEBHOOK_URL', 'TEMPORAL_API_KEY', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE']) {
    delete env[name];
  }
  const tsNode = (entry: string): [string, string[]] => [
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, entry)],
  ];
  const sawLine = (pattern: RegExp) => async (output: () => string) => pattern.test(output());
  const entry = (name: string, file: string, ready: Managed['ready']): Managed => {
    const [command, args] = tsNode(file);
    return { name, command, args, env, ready };
  };
  const searchAttributes = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
    '--search-attribute',
    `${name}=${type}`,
  ]);
  const processes: Record<string, Managed> = {
    temporal: {
      name: 'temporal',
      command: temporalCliPath(),
      args: [
        ...['server', 'start-dev', '--db-filename', path.join(dir, 'temporal.db'), '--ip', '127.0.0.1'],
        ...['--port', String(temporalPort), '--headless', '--log-level', 'warn', ...searchAttributes],
        // WAL with synchronous=NORMAL, as the bench runs it (bench/stack.ts): with SQLite's default rollback journal
        // every commit waits on an fsync, and on this shared virtual disk that alone times out the persistence
        // layer ("context deadline exceeded") at 90 onboardings. Still durable across a process kill.
        ...['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'],
      ],
      env,
      ready: () => temporalServes(temporalAddress),
    },
    sandbox: entry('sandbox', 'sandbox/main.ts', () => httpOk(`${sandboxUrl}/_sandbox/health`)),
    worker0: entry('worker0', 'workers/main.ts', sawLine(/worker ready:/)),
    gateway0: entry('gateway0', 'client/gateway/main.ts', () => httpOk(`${gatewayUrl}/healthz`)),
  };

  const start = async (managed: Managed, timeoutMs = 180_000): Promise<void> => {
    const out = createWriteStream(path.join(logsDir, `${managed.name}.log`), { flags: 'a' });
    const child = spawn(managed.command, managed.args, {
      cwd: projectRoot,
      env: managed.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    managed.child = child;
    let recent = '';
    const keep = (chunk: Buffer): void => {
      recent = (recent + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const deadline = Date.now() + timeoutMs;
    while (!(await managed.ready(() => recent))) {
      if (!isAlive(child))
        throw new Error(`${managed.name} exited (${child.exitCode ?? child.signalCode}):\n${recent}`);
      if (Date.now() > deadline) throw new Error(`${managed.name} not ready after ${timeoutMs / 1000}s:\n${recent}`);
      await delay(200);
    }
  };
  const kill = async (managed: Managed | undefined, signal: NodeJS.Signals): Promise<void> => {
    const child = managed?.child;
    if (!child || !isAlive(child)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const forced = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(forced);
  };
  const one = (prefix: string, index: number): Managed => {
    const managed = processes[`${prefix}${index}`];
    if (!managed) throw new Error(`the dev-server stack has one ${prefix} (index 0), not index ${index}`);
    return managed;
  };

  const stack: ChaosStack = {
    kind: 'dev server',
    temporalAddress,
    namespace: 'default',
    gatewayUrls: [gatewayUrl],
    sandboxUrl,
    apiKey: CHAOS_API_KEY,
    workers: 1,
    logFiles: ['worker0', 'gateway0', 'temporal'].map((name) => path.join(logsDir, `${name}.log`)),
    killWorker: (index, signal = 'SIGKILL') => kill(one('worker', index), signal),
    startWorker: (index) => start(one('worker', index)),
    killGateway: (index, signal = 'SIGTERM') => kill(one('gateway', index), signal),
    startGateway: (index) => start(one('gateway', index)),
    restartTemporal: async (mode) => {
      await kill(processes.temporal, mode === 'kill9' ? 'SIGKILL' : 'SIGTERM');
      await start(processes.temporal as Managed);
    },
    stop: async () => {
      await Promise.all(['gateway0', 'worker0', 'sandbox'].map((name) => kill(processes[name], 'SIGTERM')));
      await kill(processes.temporal, 'SIGTERM');
    },
  };
  try {
    await Promise.all([start(processes.temporal as Managed), start(processes.sandbox as Managed)]);
    log(`temporal ${temporalAddress} (db ${path.join(dir, 'temporal.db')}), sandbox ${sandboxUrl}`);
    await Promise.all([start(processes.worker0 as Managed), start(processes.gateway0 as Managed)]);
    log(`worker, gateway ${gatewayUrl}: ready (logs in ${logsDir})`);
    // What `npm start` sets up against the sandbox (Jiko's webhook subscription to our gateway), without its logs.
    setLogLevel('warn');
    await runSandboxSetup(parseConfig(env), sandboxUrl, log);
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
