/**
 * The Temporal server as four processes on one config (temporal/onboarding.yaml): frontend, history, matching and
 * the internal worker, each its own `temporal-server start --service <name>`, so one can be restarted or killed
 * while the others go on. They find each other through the membership table in PostgreSQL.
 */
import path from 'node:path';
import { tcpOpen, temporalAnswers, waitUntil } from '../launcher/probes.js';
import type { ProcessSet } from './processes.js';
import { spec } from './processes.js';
import { POSTGRES_PASSWORD, POSTGRES_USER } from './postgres.js';
import { TEMPORAL_CONFIG_DIR, TEMPORAL_CONFIG_ENV, TEMPORAL_SERVER_BIN, freeLowPort } from './tools.js';

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface TemporalPorts {
  frontend: { grpc: number; membership: number; http: number };
  history: { grpc: number; membership: number };
  matching: { grpc: number; membership: number };
  worker: { grpc: number; membership: number };
}

/** The usual ports (those of development-postgres12.yaml) where free, `preferUsual`; otherwise any free ones. */
export async function chooseTemporalPorts(preferUsual: boolean): Promise<TemporalPorts> {
  const pick = (usual: number): Promise<number> => freeLowPort(preferUsual ? usual : undefined);
  return {
    frontend: { grpc: await pick(7233), membership: await pick(6933), http: await pick(7243) },
    history: { grpc: await pick(7234), membership: await pick(6934) },
    matching: { grpc: await pick(7235), membership: await pick(6935) },
    worker: { grpc: await pick(7239), membership: await pick(6939) },
  };
}

/** The variables onboarding.yaml reads. */
export function temporalConfigEnv(ports: TemporalPorts, postgresPort: number, logLevel: string): NodeJS.ProcessEnv {
  return {
    TEMPORAL_LOG_LEVEL: logLevel,
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: String(postgresPort),
    POSTGRES_USER,
    POSTGRES_PASSWORD,
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    TEMPORAL_BIND_IP: '127.0.0.1',
    TEMPORAL_FRONTEND_PORT: String(ports.frontend.grpc),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(ports.frontend.membership),
    TEMPORAL_FRONTEND_HTTP_PORT: String(ports.frontend.http),
    TEMPORAL_HISTORY_PORT: String(ports.history.grpc),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(ports.history.membership),
    TEMPORAL_MATCHING_PORT: String(ports.matching.grpc),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(ports.matching.membership),
    TEMPORAL_WORKER_PORT: String(ports.worker.grpc),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: String(ports.worker.membership),
    TEMPORAL_DYNAMIC_CONFIG_FILE: path.join(TEMPORAL_CONFIG_DIR, 'dynamicconfig.yaml'),
  };
}

/** The command line of one service, as docker-compose.yml's temporal service runs all four at once. */
export function temporalServiceArgs(service: TemporalService, configDir = TEMPORAL_CONFIG_DIR): string[] {
  return [
    '--root',
    configDir,
    '--config',
    '.',
    '--env',
    TEMPORAL_CONFIG_ENV,
    '--allow-no-auth',
    'start',
    '--service',
    service,
  ];
}

export class TemporalServices {
  constructor(
    private readonly processes: ProcessSet,
    readonly ports: TemporalPorts,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.ports.frontend.grpc}`;
  }

  processName(service: TemporalService): string {
    return `temporal-${service}`;
  }

  async startAll(): Promise<void> {
    // One first: on an empty database every service writes the cluster metadata, and two at once collide.
    this.launch('history');
    await this.waitReady('history');
    const others = ['matching', 'frontend', 'worker'] as const;
    for (const service of others) this.launch(service);
    await Promise.all(others.map((service) => this.waitReady(service)));
  }

  async restart(service: TemporalService, mode: 'clean' | 'kill9'): Promise<void> {
    await this.processes.stop(this.processName(service), mode === 'kill9' ? 'SIGKILL' : 'SIGTERM');
    this.launch(service);
    await this.waitReady(service);
  }

  /** The internal worker first (it talks to the frontend), history last (the others hand work to it). */
  async stopAll(): Promise<void> {
    for (const service of ['worker', 'frontend', 'matching', 'history'] as const) {
      await this.processes.stop(this.processName(service));
    }
  }

  private launch(service: TemporalService): void {
    this.processes.start(
      spec(
        this.processName(service),
        TEMPORAL_SERVER_BIN,
        temporalServiceArgs(service),
        { ...process.env, ...this.env },
        TEMPORAL_CONFIG_DIR,
        20_000,
      ),
    );
  }

  private async waitReady(service: TemporalService): Promise<void> {
    const name = this.processName(service);
    const stopped = (): boolean => !this.processes.get(name)?.running;
    const ready =
      service === 'frontend'
        ? () => temporalAnswers(this.address)
        : // The internal worker serves no gRPC: it is up once it listens for membership.
          () => tcpOpen('127.0.0.1', this.ports[service][service === 'worker' ? 'membership' : 'grpc'], 1000);
    const ok = await waitUntil(ready, { timeoutMs: 180_000, intervalMs: 500, stopped }).catch(() => false);
    if (!ok) {
      const lines = this.processes.get(name)?.lastLines().join('\n') ?? '';
      throw new Error(`${name} did not come up (${stopped() ? 'it exited' : 'timed out'}). Its last lines:\n${lines}`);
    }
  }
}
