/**
 * The one way our processes reach Temporal. The connection comes from @temporalio/envconfig, so the variables and
 * the TOML profile file are the ones the Temporal CLI and Temporal Cloud document: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH,
 * TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE.
 * Every client and worker uses the same data converter (PII codec), so nothing reaches history in plaintext.
 */
import { Client, Connection } from '@temporalio/client';
import type { ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import { dataConverter } from './data-converter.js';
import { temporalClientInterceptors } from './tracing.js';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** True when the connection is encrypted (TLS config, or an API key, which implies TLS). */
  tls: boolean;
  connectionOptions: NativeConnectionOptions & { address: string };
}

/**
 * Resolves where to connect, without connecting. Defaults to the local dev server that `npm start` runs; 127.0.0.1
 * rather than localhost because the dev server binds IPv4 and localhost may resolve to ::1 first.
 */
export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const definedEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const loaded = loadClientConnectConfig({ overrideEnvVars: definedEnv });
  const address = loaded.connectionOptions.address || DEFAULT_TEMPORAL_ADDRESS;
  const tls = loaded.connectionOptions.tls;
  return {
    address,
    namespace: loaded.namespace || DEFAULT_TEMPORAL_NAMESPACE,
    tls: tls !== undefined && tls !== false && tls !== null,
    connectionOptions: { ...loaded.connectionOptions, address },
  };
}

/** A short description for logs: never the API key or certificate contents. */
export function describeTarget(target: TemporalTarget): string {
  return `${target.address} namespace=${target.namespace}${target.tls ? ' (TLS)' : ''}`;
}

export interface ConnectedClient {
  client: Client;
  target: TemporalTarget;
  close(): Promise<void>;
}

/** A Temporal client (gateway, CLI, scripts, tests) with our data converter. */
export async function connectClient(env: NodeJS.ProcessEnv = process.env): Promise<ConnectedClient> {
  const target = temporalTarget(env);
  // envconfig describes the native (worker) connection; the client's gRPC connection takes the same fields.
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  const options: ConnectionOptions = { address, tls, apiKey, metadata };
  const connection = await Connection.connect(options);
  // With tracing on (common/tracing.ts), starts, signals and updates carry the caller's trace to the workflow.
  const interceptors = temporalClientInterceptors();
  const client = new Client({ connection, namespace: target.namespace, dataConverter, interceptors });
  return { client, target, close: () => connection.close() };
}

export interface ConnectedWorker {
  connection: NativeConnection;
  target: TemporalTarget;
  /** The converter to hand to Worker.create (codec + failure converter path). */
  dataConverter: typeof dataConverter;
}

/**
 * A worker connection. @temporalio/worker loads the native core bridge, so it is imported here on demand: the
 * gateway and the CLI, which only need connectClient, never load it.
 */
export async function connectWorker(env: NodeJS.ProcessEnv = process.env): Promise<ConnectedWorker> {
  const target = temporalTarget(env);
  const { NativeConnection } = await import('@temporalio/worker');
  const connection = await NativeConnection.connect(target.connectionOptions);
  return { connection, target, dataConverter };
}
