/**
 * The gateway's GET /metrics through fastify.inject: every request measured by route template, method and status
 * (never the URL with its ids), prom-client's process metrics, and GATEWAY_METRICS choosing who may scrape.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { createLogger, setLogLevel } from '../../common/log.js';
import { GATEWAY_METRICS } from '../../contract/metrics.js';
import { API_KEY, testConfig, unreachableClient } from './fixtures.js';

setLogLevel('error');
const auth = { authorization: `Bearer ${API_KEY}` };
const duration = GATEWAY_METRICS.requestDuration;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function gateway(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = testConfig(overrides);
  const onboarding = new OnboardingClient({ client: unreachableClient(), config, queryTimeoutMs: 500 });
  app = await buildGateway({ onboarding, config, logger: createLogger('gateway-metrics-test') });
  return app;
}

/** The sample lines of one metric (name followed by `{` or a space), comments left out. */
function samplesOf(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('GET /metrics', () => {
  it('measures each request by route template, method and status, and serves the process metrics', async () => {
    const gw = await gateway();
    expect((await gw.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // Refused before Temporal is asked: 401 without a key, 422 for a body that is not a start.
    const id = encodeURIComponent('onboarding:acme:cust-secret-ref-77');
    expect((await gw.inject({ method: 'GET', url: `/v1/onboardings/${id}` })).statusCode).toBe(401);
    const invalid = await gw.inject({ method: 'POST', url: '/v1/onboardings', headers: auth, payload: {} });
    expect(invalid.statusCode).toBe(422);
    expect((await gw.inject({ method: 'GET', url: '/no/such/path/cust-secret-ref-77' })).statusCode).toBe(404);

    const scrape = await gw.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain/);
    const text = scrape.body;

    const counts = samplesOf(text, `${duration}_count`);
    expect(counts).toContain(`${duration}_count{route="/healthz",method="GET",status="200"} 1`);
    expect(counts).toContain(`${duration}_count{route="/v1/onboardings/:id",method="GET",status="401"} 1`);
    expect(counts).toContain(`${duration}_count{route="/v1/onboardings",method="POST",status="422"} 1`);
    expect(counts).toContain(`${duration}_count{route="unmatched",method="GET",status="404"} 1`);
    expect(samplesOf(text, `${duration}_bucket`).length).toBeGreaterThan(0);
    expect(samplesOf(text, `${duration}_sum`).length).toBe(counts.length);
    expect(text).not.toContain('cust-secret-ref-77');

    // prom-client's defaults.
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(samplesOf(text, name).length, name).toBeGreaterThan(0);
    }
  });

  it('counts one gateway only: two gateways in a process keep their own registries', async () => {
    const first = await gateway();
    await first.inject({ method: 'GET', url: '/healthz' });
    await first.close();
    const second = await gateway();
    const text = (await second.inject({ method: 'GET', url: '/metrics' })).body;
    expect(samplesOf(text, `${duration}_count`).filter((line) => line.includes('/healthz'))).toEqual([]);
  });

  it('asks for an API key with GATEWAY_METRICS=api-key', async () => {
    const gw = await gateway({ GATEWAY_METRICS: 'api-key' });
    expect((await gw.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const scraped = await gw.inject({ method: 'GET', url: '/metrics', headers: auth });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toContain(`# TYPE ${duration} histogram`);
  });

  it('serves and measures nothing with GATEWAY_METRICS=off', async () => {
    const gw = await gateway({ GATEWAY_METRICS: 'off' });
    expect((await gw.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('refuses an unknown GATEWAY_METRICS naming the variable', () => {
    expect(() => testConfig({ GATEWAY_METRICS: 'public' })).toThrow(/GATEWAY_METRICS/);
  });
});
