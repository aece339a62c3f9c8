/**
 * The gateway's Prometheus endpoint, `GET /metrics`: the latency and status of every request by route template
 * (prom-client), plus prom-client's default process metrics (CPU, memory, event loop lag, GC, handles).
 *
 * `GATEWAY_METRICS` chooses who may scrape: `open` (the default: Prometheus scrapes without credentials, as it
 * usually does; nothing here is personal or an id), `api-key` (the same Bearer key as /v1; give Prometheus an
 * `authorization` block), or `off` (no endpoint, nothing measured).
 *
 * The `route` label is the route's template (`/v1/onboardings/:id`), and `unmatched` for any URL no route serves,
 * so neither ids nor a scanner's random paths reach a label.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { GATEWAY_METRICS, HTTP_DURATION_BUCKETS_SECONDS } from '../../contract/metrics.js';

export type GatewayMetricsMode = 'open' | 'api-key' | 'off';

export interface GatewayMetricsOptions {
  mode: GatewayMetricsMode;
  /** Answers a request without a valid API key (the /v1 check); used when `mode` is `api-key`. */
  requireApiKey: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export const GATEWAY_METRICS_PATH = '/metrics';

/**
 * Measures every request of `app` and serves `GET /metrics`. Call it before the routes are registered. Each
 * gateway gets a registry of its own, so several gateways in one process (tests) do not share counts.
 */
export function registerGatewayMetrics(app: FastifyInstance, options: GatewayMetricsOptions): Registry | undefined {
  if (options.mode === 'off') return undefined;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestDuration = new Histogram({
    name: GATEWAY_METRICS.requestDuration,
    help: 'Gateway HTTP request duration by route template, method and status, seconds',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    requestDuration.observe(
      {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  app.get(
    GATEWAY_METRICS_PATH,
    options.mode === 'api-key' ? { onRequest: options.requireApiKey } : {},
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
  return registry;
}
