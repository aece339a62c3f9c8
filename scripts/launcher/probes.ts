/** Readiness checks the launcher polls: a TCP port, an HTTP endpoint, Temporal's gRPC frontend. */
import { connect } from 'node:net';
import type { Connection } from '@temporalio/client';

export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    return response.status < 400;
  } catch {
    return false;
  }
}

/** True once the frontend answers GetSystemInfo: the port alone opens before the server can serve requests. */
export async function temporalAnswers(address: string): Promise<boolean> {
  const [host, port] = splitAddress(address);
  if (!(await tcpOpen(host, port))) return false;
  const { Connection } = await import('@temporalio/client');
  let connection: Connection | undefined;
  try {
    const connected = await Connection.connect({ address, connectTimeout: 2000 });
    connection = connected;
    await connected.withDeadline(Date.now() + 2000, () => connected.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  if (index <= 0) return [address, 7233];
  return [address.slice(0, index).replace(/^\[|\]$/g, ''), Number(address.slice(index + 1))];
}

export class ReadyTimeout extends Error {
  override name = 'ReadyTimeout';
}

/** Polls until the check passes; rejects after the timeout. `stopped` ends the wait early (the process died). */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; stopped?: () => boolean },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.stopped?.()) return false;
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
  throw new ReadyTimeout(`not ready after ${Math.round(options.timeoutMs / 1000)}s`);
}
