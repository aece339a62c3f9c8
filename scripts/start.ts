/**
 * `npm start`: the whole local stack as separate processes, supervised.
 *
 *   temporal  Temporal dev server, SQLite file in .data/ (state survives restarts), search attributes registered,
 *             Web UI pointed at the gateway's codec endpoint
 *   sandbox   provider simulators           worker   Temporal workers        gateway  HTTP API + codec endpoint
 *
 * One launcher per checkout (lock file in .data). Ctrl-C or SIGTERM stops every process group (SIGTERM, then
 * SIGKILL after a grace period). A process that dies is reported with its last lines and the rest are stopped.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '../common/config.js';
import type { Config } from '../common/config.js';
import { SEARCH_ATTRIBUTES } from '../contract/onboarding.js';
import { devServerSearchAttributeFlags } from './search-attributes.js';
import { ManagedChild, groupExists, signalGroup } from './launcher/child.js';
import type { ChildSpec } from './launcher/child.js';
import { acquireLock, releaseLock, updateLockChildren } from './launcher/lock.js';
import type { LockRecord } from './launcher/lock.js';
import { ensurePiiKeys, ensureSecretSealKeys } from './launcher/pii-key.js';
import { portsToBind } from './launcher/ports.js';
import { httpOk, ReadyTimeout, splitAddress, tcpOpen, temporalAnswers, waitUntil } from './launcher/probes.js';
import { runSandboxSetup } from './launcher/sandbox-setup.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(root, '.data');
const lockPath = path.join(dataDir, 'start.lock');
const tsxBin = path.join(root, 'node_modules', '.bin', 'tsx');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::1']);
const LABEL_WIDTH = 8;

interface PlannedProcess {
  spec: ChildSpec;
  /** Entry file relative to the project root; a missing one is reported and the process skipped. */
  entry?: string;
  /** Started only once Temporal answers. */
  needsTemporal: boolean;
  readyTimeoutMs: number;
  ready: (child: ManagedChild) => Promise<boolean>;
  readyMessage: string;
}

const say = (message: string): void => {
  process.stdout.write(`${'launcher'.padEnd(LABEL_WIDTH)} | ${message}\n`);
};
const write = (text: string): void => {
  process.stdout.write(text);
};
const probeHost = (host: string): string => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function temporalCli(): string | undefined {
  const candidates = [process.env.TEMPORAL_CLI_PATH, path.join(root, '.tools', 'bin', 'temporal')];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A leftover from a launcher that was killed: only stopped when its command line proves it is ours. */
function isOurProcess(pid: number): boolean {
  try {
    const cmdline = existsSync(`/proc/${pid}/cmdline`)
      ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      : execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return cmdline.includes(root);
  } catch {
    return false;
  }
}

async function stopLeftovers(stale: LockRecord): Promise<void> {
  const leftovers = stale.children.filter((child) => groupExists(child.pid));
  if (leftovers.length === 0) {
    say(`removed a stale lock (launcher pid ${stale.pid} is gone)`);
    return;
  }
  for (const child of leftovers) {
    if (!isOurProcess(child.pid)) {
      say(`stale lock names ${child.name} (pid ${child.pid}), but that pid is now something else: left alone`);
      continue;
    }
    say(`stopping ${child.name} (pid ${child.pid}) left running by a launcher that was killed`);
    signalGroup(child.pid, 'SIGTERM');
    await waitUntil(async () => !groupExists(child.pid), { timeoutMs: 10_000 }).catch(() =>
      signalGroup(child.pid, 'SIGKILL'),
    );
  }
}

function plan(
  config: Config,
  env: NodeJS.ProcessEnv,
  temporalAddress: string,
  runDevServer: boolean,
): PlannedProcess[] {
  const [temporalHost, temporalPort] = splitAddress(temporalAddress);
  const uiUrl = new URL(config.TEMPORAL_UI_URL);
  const uiPort = Number(uiUrl.port || 80);
  const codecEndpoint = `${config.GATEWAY_PUBLIC_URL.replace(/\/$/, '')}/codec`;
  const namespace = env.TEMPORAL_NAMESPACE || 'default';
  const processes: PlannedProcess[] = [];

  if (runDevServer) {
    const devServerArgs = [
      '--db-filename',
      path.join(dataDir, 'temporal.db'),
      '--ip',
      temporalHost,
      '--port',
      String(temporalPort),
      '--ui-port',
      String(uiPort),
      '--ui-codec-endpoint',
      codecEndpoint,
      ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    ];
    const cli = temporalCli();
    let spec: ChildSpec;
    if (cli) {
      spec = {
        name: 'temporal',
        command: cli,
        args: ['server', 'start-dev', ...devServerArgs, ...devServerSearchAttributeFlags(), '--log-level', 'error'],
        env,
        cwd: root,
        graceMs: 10_000,
      };
    } else if (existsSync(path.join(root, '.tools', 'temporal-cli.mode'))) {
      say('no Temporal CLI found: using the dev server the Temporal SDK downloads (needs internet on first use)');
      spec = {
        name: 'temporal',
        command: tsxBin,
        args: [path.join(root, 'scripts', 'launcher', 'sdk-dev-server.ts')],
        env: {
          ...env,
          DEV_SERVER_OPTIONS: JSON.stringify({
            dbFilename: path.join(dataDir, 'temporal.db'),
            ip: temporalHost,
            port: temporalPort,
            uiPort,
            namespace,
            searchAttributes: SEARCH_ATTRIBUTES,
            extraArgs: ['--ui-codec-endpoint', codecEndpoint, '--log-level', 'error'],
          }),
        },
        cwd: root,
        graceMs: 10_000,
      };
    } else {
      throw new Error(
        'no Temporal CLI: run `npm run setup` (builds it with Go), install it (https://docs.temporal.io/cli#install) ' +
          'or set TEMPORAL_CLI_PATH',
      );
    }
    processes.push({
      spec,
      needsTemporal: false,
      readyTimeoutMs: 90_000,
      ready: async () =>
        (await temporalAnswers(temporalAddress)) && (await httpOk(`http://${probeHost(uiUrl.hostname)}:${uiPort}/`)),
      readyMessage: `Temporal gRPC ${temporalAddress} (namespace ${namespace}, data in .data/temporal.db), Web UI ${config.TEMPORAL_UI_URL} (codec ${codecEndpoint})`,
    });
  }

  const tsxProcess = (name: string, entry: string, graceMs: number): ChildSpec => ({
    name,
    command: tsxBin,
    // Absolute path: lets a later launcher recognise a leftover process as ours.
    args: [path.join(root, entry)],
    env,
    cwd: root,
    graceMs,
  });
  const sandboxUrl = `http://${probeHost(config.SANDBOX_HOST)}:${config.SANDBOX_PORT}`;
  processes.push({
    spec: tsxProcess('sandbox', 'sandbox/main.ts', 5_000),
    entry: 'sandbox/main.ts',
    needsTemporal: false,
    readyTimeoutMs: 60_000,
    ready: () => httpOk(`${sandboxUrl}/jiko/health`),
    readyMessage: `provider sandbox ${sandboxUrl} (Jiko at ${sandboxUrl}/jiko)`,
  });
  let workerReadyLineSeen: boolean | undefined;
  processes.push({
    // The worker's own grace is WORKER_SHUTDOWN_GRACE_SECONDS; ours adds a margin so it is never cut short.
    spec: tsxProcess('worker', 'workers/main.ts', (config.WORKER_SHUTDOWN_GRACE_SECONDS + 5) * 1000),
    entry: 'workers/main.ts',
    needsTemporal: true,
    readyTimeoutMs: 180_000,
    ready: async (child) => {
      if (workerReadyLineSeen === undefined) {
        workerReadyLineSeen = false;
        void child.waitForLine(/^worker ready:/).then(() => (workerReadyLineSeen = true));
      }
      return workerReadyLineSeen;
    },
    readyMessage:
      config.WORKER_METRICS_PORT > 0
        ? `worker metrics http://${probeHost(config.WORKER_METRICS_HOST)}:${config.WORKER_METRICS_PORT}/metrics`
        : 'worker (metrics off)',
  });
  const gatewayUrl = `http://${probeHost(config.GATEWAY_HOST)}:${config.GATEWAY_PORT}`;
  processes.push({
    spec: tsxProcess('gateway', 'client/gateway/main.ts', 10_000),
    entry: 'client/gateway/main.ts',
    needsTemporal: true,
    readyTimeoutMs: 60_000,
    ready: () => httpOk(`${gatewayUrl}/healthz`),
    readyMessage: `gateway ${gatewayUrl} (API /v1, OpenAPI ${gatewayUrl}/openapi.json, codec ${codecEndpoint}${
      config.GATEWAY_METRICS === 'off' ? '' : `, metrics ${gatewayUrl}/metrics`
    })`,
  });
  return processes;
}

/**
 * `npm start -- --only temporal,sandbox` or `--skip worker`: run part of the stack, e.g. to run the worker from an
 * IDE against the rest.
 */
function selectedProcesses(args: string[]): (name: string) => boolean {
  const known = ['temporal', 'sandbox', 'worker', 'gateway'];
  const listAfter = (flag: string): string[] | undefined => {
    const index = args.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
    if (index < 0) return undefined;
    const value = args[index]?.includes('=') ? args[index]?.split('=')[1] : args[index + 1];
    const names = (value ?? '').split(',').filter(Boolean);
    const unknown = names.filter((name) => !known.includes(name));
    if (names.length === 0 || unknown.length > 0) {
      throw new Error(
        `${flag} takes a comma-separated list of ${known.join(', ')}; got ${JSON.stringify(value ?? '')}`,
      );
    }
    return names;
  };
  const only = listAfter('--only');
  const skip = listAfter('--skip') ?? [];
  return (name) => (only ? only.includes(name) : true) && !skip.includes(name);
}

/** Ports we are about to bind: a clear message beats a child dying with EADDRINUSE. */
async function busyPorts(
  config: Config,
  temporalAddress: string,
  runDevServer: boolean,
  planned: PlannedProcess[],
): Promise<string[]> {
  const names = new Set(planned.map((p) => p.spec.name));
  const busy: string[] = [];
  for (const { what, host, port, variable } of portsToBind(config, temporalAddress, runDevServer, names)) {
    if (await tcpOpen(probeHost(host), port, 500))
      busy.push(`port ${port} (${what}) is already in use: stop what holds it, or set ${variable}`);
  }
  return busy;
}

async function main(): Promise<number> {
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireLock(lockPath);
  if (!lock.acquired) {
    const { pid, startedAt } = lock.holder;
    say(`npm start is already running in this checkout (pid ${pid}, since ${startedAt}).`);
    say(`Use that one, or stop it first (Ctrl-C in its terminal, or: kill ${pid}).`);
    return 1;
  }
  if (lock.staleLock) await stopLeftovers(lock.staleLock);

  const children: ManagedChild[] = [];
  let shuttingDown: Promise<number> | undefined;
  let exitCode = 0;

  const shutdown = (code: number): Promise<number> => {
    if (shuttingDown) return shuttingDown;
    exitCode = code;
    shuttingDown = (async () => {
      const running = children.filter((child) => child.running);
      if (running.length > 0) say(`stopping ${running.map((child) => child.spec.name).join(', ')}`);
      // Apps first (the worker finishes its activities while Temporal is still up), the server last.
      const apps = children.filter((child) => child.spec.name !== 'temporal');
      await Promise.all(apps.map((child) => child.stop()));
      await Promise.all(children.filter((child) => child.spec.name === 'temporal').map((child) => child.stop()));
      const leftovers = children.filter((child) => child.pid !== undefined && groupExists(child.pid));
      for (const child of leftovers) child.kill();
      releaseLock(lockPath);
      say(exitCode === 0 ? 'all processes stopped' : `all processes stopped (exit code ${exitCode})`);
      return exitCode;
    })();
    return shuttingDown;
  };

  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // One Ctrl-C can arrive twice: from the terminal to the whole group, and relayed by the tsx wrapper.
      if (firstSignalAt !== undefined && Date.now() - firstSignalAt < 1500) return;
      if (firstSignalAt !== undefined) {
        say(`${signal} again: killing everything now`);
        for (const child of children) child.kill();
        releaseLock(lockPath);
        process.exit(130);
      }
      firstSignalAt = Date.now();
      say(`${signal} received (again to kill everything at once)`);
      void shutdown(0);
    });
  }

  try {
    let config: Config;
    try {
      config = parseConfig(process.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        say(err.message.replaceAll('\n', '\n         | '));
        releaseLock(lockPath);
        return 78;
      }
      throw err;
    }

    const pii = ensurePiiKeys(path.join(dataDir, 'pii-keys'));
    if (pii.origin === 'generated')
      say('generated a local PII encryption key in .data/pii-keys (kept across restarts)');
    if (pii.origin === 'environment') say('PII_KEYS taken from the environment');
    const seal = ensureSecretSealKeys(path.join(dataDir, 'secret-seal-keys'));
    if (seal.origin === 'generated')
      say('generated a local secret seal key (PINs, SMS codes) in .data/secret-seal-keys (kept across restarts)');

    const temporalAddress = process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233';
    const runDevServer = LOCAL_HOSTS.has(splitAddress(temporalAddress)[0]) && !process.env.TEMPORAL_API_KEY;
    if (!runDevServer) say(`using the Temporal at TEMPORAL_ADDRESS=${temporalAddress}: no local dev server started`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PII_KEYS: pii.keys,
      SECRET_SEAL_KEYS: seal.keys,
      TEMPORAL_ADDRESS: temporalAddress,
      // The local Web UI sends no API key to the codec endpoint; trusting its origin is what makes payloads readable.
      GATEWAY_CODEC_TRUST_UI_ORIGIN: process.env.GATEWAY_CODEC_TRUST_UI_ORIGIN ?? 'true',
      // The sandbox posts provider webhooks to our gateway, wherever GATEWAY_PUBLIC_URL puts it.
      SANDBOX_WEBHOOK_BASE_URL: process.env.SANDBOX_WEBHOOK_BASE_URL ?? config.GATEWAY_PUBLIC_URL,
    };

    const selection = selectedProcesses(process.argv.slice(2));
    const planned = plan(config, env, temporalAddress, runDevServer).filter((p) => {
      if (!selection(p.spec.name)) {
        say(`${p.spec.name} not started (${process.argv.slice(2).join(' ')})`);
        return false;
      }
      if (!p.entry || existsSync(path.join(root, p.entry))) return true;
      say(`✖ ${p.spec.name} not started: its entry file ${p.entry} does not exist yet`);
      return false;
    });
    const busy = await busyPorts(config, temporalAddress, runDevServer, planned);
    if (busy.length > 0) {
      for (const line of busy) say(`✖ ${line}`);
      releaseLock(lockPath);
      return 1;
    }

    const startedAt = Date.now();
    const launch = (p: PlannedProcess): ManagedChild => {
      const child = new ManagedChild(p.spec, children.length, LABEL_WIDTH, write);
      children.push(child);
      updateLockChildren(
        lockPath,
        children.flatMap((c) => (c.pid === undefined ? [] : [{ name: c.spec.name, pid: c.pid }])),
      );
      void child.exited.then((exit) => {
        if (shuttingDown) return;
        const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
        say(`✖ ${p.spec.name} died (${how}). Its last lines:`);
        for (const line of child.lastLines().slice(-15)) say(`    ${line}`);
        void shutdown(1);
      });
      return child;
    };
    const awaitReady = async (p: PlannedProcess, child: ManagedChild): Promise<void> => {
      const began = Date.now();
      try {
        const ready = await waitUntil(() => p.ready(child), {
          timeoutMs: p.readyTimeoutMs,
          stopped: () => !child.running || shuttingDown !== undefined,
        });
        if (ready) say(`✔ ${p.spec.name} ready in ${seconds(Date.now() - began)}: ${p.readyMessage}`);
      } catch (err) {
        if (!(err instanceof ReadyTimeout) || shuttingDown) throw err;
        say(`✖ ${p.spec.name} is not ready after ${seconds(p.readyTimeoutMs)}. Its last lines:`);
        for (const line of child.lastLines().slice(-15)) say(`    ${line}`);
        void shutdown(1);
      }
    };

    const first = planned.filter((p) => !p.needsTemporal);
    const later = planned.filter((p) => p.needsTemporal);
    const firstStarted = first.map((p) => ({ p, child: launch(p) }));
    const temporalReady = firstStarted.filter(({ p }) => p.spec.name === 'temporal');
    await Promise.all(temporalReady.map(({ p, child }) => awaitReady(p, child)));
    if (shuttingDown) return await shuttingDown;
    const laterStarted = later.map((p) => ({ p, child: launch(p) }));
    await Promise.all(
      [...firstStarted.filter(({ p }) => p.spec.name !== 'temporal'), ...laterStarted].map(({ p, child }) =>
        awaitReady(p, child),
      ),
    );
    if (shuttingDown) return await shuttingDown;
    const started = new Set(planned.map((p) => p.spec.name));
    if (started.has('sandbox')) {
      await runSandboxSetup(config, `http://${probeHost(config.SANDBOX_HOST)}:${config.SANDBOX_PORT}`, say);
    }

    say(`everything up in ${seconds(Date.now() - startedAt)}:`);
    if (runDevServer) {
      say(`  Temporal gRPC     ${temporalAddress}`);
      say(`  Temporal Web UI   ${config.TEMPORAL_UI_URL}`);
    }
    if (started.has('gateway'))
      say(`  Gateway           ${config.GATEWAY_PUBLIC_URL}  (API key: see GATEWAY_API_KEYS)`);
    if (started.has('sandbox'))
      say(`  Sandbox           http://${probeHost(config.SANDBOX_HOST)}:${config.SANDBOX_PORT}`);
    if (started.has('worker') && config.WORKER_METRICS_PORT > 0)
      say(`  Worker metrics    http://${probeHost(config.WORKER_METRICS_HOST)}:${config.WORKER_METRICS_PORT}/metrics`);
    if (started.has('gateway') && config.GATEWAY_METRICS !== 'off')
      say(
        `  Gateway metrics   ${config.GATEWAY_PUBLIC_URL.replace(/\/$/, '')}/metrics${config.GATEWAY_METRICS === 'api-key' ? '  (API key)' : ''}`,
      );
    if (started.has('worker') || started.has('gateway'))
      say('  Grafana dashboard ops/grafana/onboarding-dashboard.json  (README: Operators → Metrics)');
    say('Press Ctrl-C to stop everything.');
    if (config.OPEN_BROWSER && runDevServer) openBrowser(config.TEMPORAL_UI_URL);

    return await new Promise<number>((resolve) => {
      const wait = setInterval(() => {
        if (shuttingDown) {
          clearInterval(wait);
          void shuttingDown.then(resolve);
        }
      }, 200);
    });
  } catch (err) {
    say(`✖ ${err instanceof Error ? err.message : String(err)}`);
    return shutdown(1);
  }
}

function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const opener = spawn(command, [url], { stdio: 'ignore', detached: true });
  opener.on('error', () => undefined);
  opener.unref();
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`✖ launcher failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    releaseLock(lockPath);
    process.exit(1);
  },
);
