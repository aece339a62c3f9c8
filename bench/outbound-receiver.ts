/**
 * The backend of the bench stack: a local HTTP endpoint the engine's outbound events (OUTBOUND_WEBHOOK_URL) are
 * delivered to, as in production, counting the deliveries by event type. It runs in the bench's own process, so
 * its CPU is not counted as the engine's (a backend is not ours); it answers 200 at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OutboundReceiver {
  url: string;
  /** Deliveries received so far, in all and by event type (retries of one event count each time). */
  counts(): { total: number; byType: Record<string, number> };
  close(): Promise<void>;
}

export async function startOutboundReceiver(): Promise<OutboundReceiver> {
  let total = 0;
  const byType: Record<string, number> = {};
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      total += 1;
      let type = 'unparsed';
      try {
        type = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: unknown }).type ?? 'untyped');
      } catch {
        // Counted under 'unparsed': the engine sent something that is not its JSON event body.
      }
      byType[type] = (byType[type] ?? 0) + 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    counts: () => ({ total, byType: { ...byType } }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
