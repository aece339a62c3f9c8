/**
 * Our processes on the cluster: the provider sandbox, N worker processes and N gateways, each started with
 * appCommand (tools.ts) and the same environment a deployment would give them, pointed at the cluster.
 */
import path from 'node:path';
import { configSchema, parseConfig } from '../../common/config.js';
import type { Config } from '../../common/config.js';
import { setLogSink } from '../../common/log.js';
import { httpOk, waitUntil } from '../launcher/probes.js';
import { runSandboxSetup } from '../launcher/sandbox-setup.js';
import type { ProcessSet } from './processes.js';
import { spec } from './processes.js';
import { appCommand, projectRoot } from './tools.js';

export interface AppsSettings {
  temporalAddress: string;
  namespace: string;
  apiKey: string;
  piiKeys: string;
  /** The balancer in front of the gateways: the sandbox's webhook target and GATEWAY_PUBLIC_URL. */
  publicUrl: string;
  sandboxPort: number;
  /** Shared by gateways and workers (documents, webhook inbox). */
  stateDir: string;
  logLevel: string;
  env: Record<string, string>;
}

const WORKER_GRACE_SECONDS = 30;
const DEFAULT_SANDBOX_ORIGIN = 'http://127.0.0.1:4010';

/**
 * Every provider's `<PROVIDER>_BASE_URL` moved from the sandbox's default address to `sandboxUrl`, read from the
 * config's own defaults: a new provider's fragment is picked up without a line here.
 */
function sandboxBaseUrls(sandboxUrl: string): Record<string, string> {
  const defaults = configSchema.parse({});
  return Object.fromEntries(
    Object.entries(defaults).flatMap(([key, value]) =>
      key.endsWith('_BASE_URL') && typeof value === 'string' && value.startsWith(DEFAULT_SANDBOX_ORIGIN)
        ? [[key, `${sandboxUrl}${value.slice(DEFAULT_SANDBOX_ORIGIN.length)}`]]
        : [],
    ),
  );
}

export class Apps {
  readonly sandboxUrl: string;
  readonly gatewayPorts = new Map<number, number>();
  readonly workerMetricsPorts = new Map<number, number>();

  constructor(
    private readonly processes: ProcessSet,
    private readonly settings: AppsSettings,
  ) {
    this.sandboxUrl = `http://127.0.0.1:${settings.sandboxPort}`;
  }

  /** What worker and gateway read (common/config.ts, and TEMPORAL_* through @temporalio/envconfig). */
  engineEnv(): NodeJS.ProcessEnv {
    const { settings } = this;
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_') && name !== 'PII_KEYS'),
    );
    return {
      ...inherited,
      NODE_ENV: 'development',
      LOG_LEVEL: settings.logLevel,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      TEMPORAL_NAMESPACE: settings.namespace,
      PII_KEYS: settings.piiKeys,
      GATEWAY_API_KEYS: settings.apiKey,
      GATEWAY_PUBLIC_URL: settings.publicUrl,
      ...sandboxBaseUrls(this.sandboxUrl),
      DOCUMENT_STORE_DIR: path.join(settings.stateDir, 'documents'),
      WEBHOOK_INBOX_DIR: path.join(settings.stateDir, 'webhooks'),
      WORKER_SHUTDOWN_GRACE_SECONDS: String(WORKER_GRACE_SECONDS),
      ...settings.env,
    };
  }

  config(): Config {
    return parseConfig(this.engineEnv());
  }

  gatewayUrl(index: number): string {
    const port = this.gatewayPorts.get(index);
    if (port === undefined) throw new Error(`no gateway ${index}`);
    return `http://127.0.0.1:${port}`;
  }

  async startSandbox(): Promise<void> {
    const { command, args } = appCommand('sandbox/main.ts');
    this.processes.start(
      spec(
        'sandbox',
        command,
        args,
        {
          ...this.engineEnv(),
          SANDBOX_HOST: '127.0.0.1',
          SANDBOX_PORT: String(this.settings.sandboxPort),
          SANDBOX_WEBHOOK_BASE_URL: this.settings.publicUrl,
        },
        projectRoot,
        5_000,
      ),
    );
    await this.waitFor('sandbox', () => httpOk(`${this.sandboxUrl}/jiko/health`));
  }

  /** The partner-side setup `npm start` does too (e.g. the Jiko webhook subscription), once the gateways are up. */
  async setUpSandbox(log: (line: string) => void): Promise<void> {
    // The provider clients log to this process's log: their lines belong in the cluster's, with the rest.
    const previous = setLogSink((line) => log(`sandbox setup: ${line}`));
    try {
      await runSandboxSetup(this.config(), this.sandboxUrl, (line) => log(`sandbox setup: ${line}`));
    } finally {
      setLogSink(previous);
    }
  }

  async startWorker(index: number, metricsPort: number): Promise<void> {
    this.workerMetricsPorts.set(index, metricsPort);
    const { command, args } = appCommand('workers/main.ts');
    const name = `worker-${index}`;
    const child = this.processes.start(
      spec(
        name,
        command,
        args,
        {
          ...this.engineEnv(),
          WORKER_METRICS_HOST: '127.0.0.1',
          WORKER_METRICS_PORT: String(metricsPort),
        },
        projectRoot,
        (WORKER_GRACE_SECONDS + 5) * 1000,
      ),
    );
    let ready = false;
    void child.waitForLine(/^worker ready:/).then(() => (ready = true));
    await this.waitFor(name, () => Promise.resolve(ready));
  }

  async startGateway(index: number, port: number): Promise<void> {
    this.gatewayPorts.set(index, port);
    const { command, args } = appCommand('client/gateway/main.ts');
    const name = `gateway-${index}`;
    this.processes.start(
      spec(
        name,
        command,
        args,
        {
          ...this.engineEnv(),
          GATEWAY_HOST: '127.0.0.1',
          GATEWAY_PORT: String(port),
        },
        projectRoot,
        10_000,
      ),
    );
    await this.waitFor(name, () => httpOk(`${this.gatewayUrl(index)}/healthz`));
  }

  private async waitFor(name: string, check: () => Promise<boolean>): Promise<void> {
    const stopped = (): boolean => !this.processes.get(name)?.running;
    const ok = await waitUntil(check, { timeoutMs: 180_000, intervalMs: 250, stopped }).catch(() => false);
    if (!ok) {
      const lines = this.processes.get(name)?.lastLines().join('\n') ?? '';
      throw new Error(`${name} did not come up (${stopped() ? 'it exited' : 'timed out'}). Its last lines:\n${lines}`);
    }
  }
}
