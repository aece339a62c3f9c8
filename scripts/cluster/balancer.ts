/**
 * The cluster's public address in front of its gateways, as a load balancer would be: round-robin over the
 * gateways, a gateway that refused a connection skipped for a while (a passive health check). It never retries
 * a request itself: a request that reached a gateway that then died gets 502, and the caller's own retry (a
 * provider's webhook redelivery, a client's retry) goes to the next gateway. That is what the cluster tests prove.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const SKIP_DEAD_FOR_MS = 5_000;

export interface Balancer {
  url: string;
  close(): Promise<void>;
}

export async function startBalancer(
  backends: () => string[],
  options: { port: number; log: (line: string) => void },
): Promise<Balancer> {
  let next = 0;
  const deadUntil = new Map<string, number>();
  const pick = (): string | undefined => {
    const all = backends();
    const now = Date.now();
    const alive = all.filter((backend) => (deadUntil.get(backend) ?? 0) <= now);
    const pool = alive.length > 0 ? alive : all;
    return pool[next++ % Math.max(pool.length, 1)];
  };

  const server = http.createServer((request, response) => {
    const backend = pick();
    if (!backend) {
      response.writeHead(503).end();
      return;
    }
    const target = new URL(request.url ?? '/', backend);
    const upstream = http.request(
      target,
      { method: request.method, headers: { ...request.headers, host: target.host } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') deadUntil.set(backend, Date.now() + SKIP_DEAD_FOR_MS);
      options.log(
        `balancer: ${request.method} ${target.pathname} to ${backend} failed (${err.code ?? err.message}): 502`,
      );
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'bad_gateway', message: 'the gateway behind did not answer' } }));
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
