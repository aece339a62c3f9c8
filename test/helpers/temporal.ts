/**
 * The one place tests get Temporal from. Never downloads anything on these machines: the dev server is the CLI that
 * scripts/setup.sh installed (.tools/bin/temporal, TEMPORAL_CLI_PATH, or one on PATH), and the time-skipping server
 * is Temporal's Java test server fetched from Maven Central (.tools/bin/temporal-test-server).
 */
import { existsSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../../scripts/launcher/ports.js';
import { SEARCH_ATTRIBUTES } from '../../contract/onboarding.js';
import { SA_BLOCKED_ON, SA_BLOCKED_SINCE, SA_PROVIDER, SA_REFS, SA_STATE, SA_STEP } from '../../contract/onboarding.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const toolsBin = path.join(projectRoot, '.tools', 'bin');

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function temporalCliPath(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const local = path.join(toolsBin, 'temporal');
  if (existsSync(local)) return local;
  return onPath('temporal');
}

export function testServerPath(): string | undefined {
  const local = path.join(toolsBin, 'temporal-test-server');
  return existsSync(local) ? local : undefined;
}

const searchAttributeKeys = [SA_PROVIDER, SA_STATE, SA_STEP, SA_BLOCKED_ON, SA_BLOCKED_SINCE, SA_REFS];

/**
 * Time-skipping environment on the Java test server; our search attributes registered. We start the server ourselves:
 * the SDK gives a server 5 seconds to listen, and a JVM on a loaded 2-core machine can take longer than that.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const serverPath = testServerPath();
  if (!serverPath) {
    // No Java here (a laptop): let the SDK fetch its own test server.
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    await registerSearchAttributes(env);
    return env;
  }
  const port = await freePort();
  const server = await startServer('temporal-test-server', serverPath, [String(port)], port);
  const env = await attach(server, `127.0.0.1:${port}`, true);
  await registerSearchAttributes(env);
  return env;
}

/** The dev server's Web UI: off (`--headless`) unless asked for, e.g. by the browser test. */
export interface LocalEnvUi {
  port: number;
  /** The UI's remote codec endpoint (the gateway's /codec), so it shows decoded payloads and summaries. */
  codecEndpoint?: string;
}

/** A real Temporal dev server (the CLI), in memory, with our search attributes registered. */
export async function createLocalEnv(options: { ui?: LocalEnvUi } = {}): Promise<TestWorkflowEnvironment> {
  const cli = temporalCliPath();
  const uiArgs = options.ui
    ? ['--ui-ip', '127.0.0.1', '--ui-port', String(options.ui.port)].concat(
        options.ui.codecEndpoint ? ['--ui-codec-endpoint', options.ui.codecEndpoint] : [],
      )
    : ['--headless'];
  if (!cli) {
    return TestWorkflowEnvironment.createLocal({
      server: {
        searchAttributes: searchAttributeKeys,
        extraArgs: [
          '--log-level',
          'error',
          ...(options.ui?.codecEndpoint ? ['--ui-codec-endpoint', options.ui.codecEndpoint] : []),
        ],
        ...(options.ui ? { uiPort: options.ui.port, ui: true } : {}),
      },
    });
  }
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort)];
  args.push('--metrics-port', String(metricsPort), ...uiArgs, '--log-level', 'error', '--namespace', 'default');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  const server = await startServer('temporal dev server', cli, args, port);
  return attach(server, `127.0.0.1:${port}`, false);
}

export { freePort };

const SERVER_START_TIMEOUT_MS = 120_000;

async function startServer(name: string, command: string, args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before listening:\n${stderr}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not listen on port ${port} within ${SERVER_START_TIMEOUT_MS / 1000}s:\n${stderr}`);
    }
    await delay(100);
  }
  return child;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), delay(10_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The SDK's own factory, pointed at a server we run; its teardown also stops that server. */
interface EnvironmentFactory {
  create(options: {
    server: { type: 'existing' };
    supportsTimeSkipping: boolean;
    namespace: string;
    address: string;
  }): Promise<TestWorkflowEnvironment>;
}

async function attach(server: ChildProcess, address: string, supportsTimeSkipping: boolean) {
  const factory = TestWorkflowEnvironment as unknown as EnvironmentFactory;
  let env: TestWorkflowEnvironment | undefined;
  // A server that listens is not yet one that serves: on a loaded machine the frontend answers "not healthy yet"
  // (UNAVAILABLE) for a while after its port opens.
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (!env) {
    try {
      env = await factory.create({ server: { type: 'existing' }, supportsTimeSkipping, namespace: 'default', address });
    } catch (err) {
      if (/not healthy|unavailable/i.test(String(err)) && Date.now() < deadline) {
        await delay(250);
        continue;
      }
      await stopServer(server);
      throw err;
    }
  }
  const teardownConnections = env.teardown.bind(env);
  env.teardown = async () => {
    try {
      await teardownConnections();
    } finally {
      await stopServer(server);
    }
  };
  return env;
}

async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const { temporal } = await import('@temporalio/proto');
  const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
  const types = {
    Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  } as const;
  const searchAttributes = Object.fromEntries(
    Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, types[type]]),
  );
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes,
    });
  } catch (err) {
    // The Java test server accepts any search attribute; it may not implement the operator call.
    if (!/unimplemented|already exists/i.test(String(err))) throw err;
  }
}
