/**
 * The ports the launcher is about to bind, for the processes it will actually start: with `--skip temporal` the
 * Temporal at TEMPORAL_ADDRESS is someone else's (a local cluster, a dev server started by hand), and its port
 * being in use is the point, not a conflict.
 */
import net from 'node:net';
import type { Config } from '../../common/config.js';
import { splitAddress } from './probes.js';

export interface PortToBind {
  what: string;
  host: string;
  port: number;
  /** The variable that moves it. */
  variable: string;
}

export function portsToBind(
  config: Pick<
    Config,
    | 'TEMPORAL_UI_URL'
    | 'SANDBOX_HOST'
    | 'SANDBOX_PORT'
    | 'GATEWAY_HOST'
    | 'GATEWAY_PORT'
    | 'WORKER_METRICS_HOST'
    | 'WORKER_METRICS_PORT'
  >,
  temporalAddress: string,
  runDevServer: boolean,
  planned: ReadonlySet<string>,
): PortToBind[] {
  const ports: PortToBind[] = [];
  if (runDevServer && planned.has('temporal')) {
    const [host, port] = splitAddress(temporalAddress);
    const ui = new URL(config.TEMPORAL_UI_URL);
    ports.push({ what: 'Temporal gRPC', host, port, variable: 'TEMPORAL_ADDRESS' });
    ports.push({
      what: 'Temporal Web UI',
      host: ui.hostname,
      port: Number(ui.port || 80),
      variable: 'TEMPORAL_UI_URL',
    });
  }
  if (planned.has('sandbox')) {
    ports.push({ what: 'sandbox', host: config.SANDBOX_HOST, port: config.SANDBOX_PORT, variable: 'SANDBOX_PORT' });
  }
  if (planned.has('gateway')) {
    ports.push({ what: 'gateway', host: config.GATEWAY_HOST, port: config.GATEWAY_PORT, variable: 'GATEWAY_PORT' });
  }
  if (planned.has('worker') && config.WORKER_METRICS_PORT > 0) {
    ports.push({
      what: 'worker metrics',
      host: config.WORKER_METRICS_HOST,
      port: config.WORKER_METRICS_PORT,
      variable: 'WORKER_METRICS_PORT',
    });
  }
  return ports;
}

/** A port the system has just handed out on 127.0.0.1 (free when this returns; bind it soon). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('the system handed out no port'))));
    });
  });
}
