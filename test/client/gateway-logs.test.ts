/**
 * The gateway's log lines: one per request, carrying a request id (the caller's X-Request-Id when sane, echoed
 * back), never the applicant's data; lines other loggers write during the request carry the same id; with tracing
 * on, the line carries the request span's trace and span ids and the span reaches the OTLP endpoint.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { createLogger, setLogLevel, setLogSink } from '../../common/log.js';
import type { LogSink } from '../../common/log.js';
import { startTracing } from '../../common/tracing.js';
import type { Tracing } from '../../common/tracing.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { API_KEY, jikoStartBody, testConfig, unreachableClient } from './fixtures.js';

type Line = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const auth = { authorization: `Bearer ${API_KEY}` };
const lines: Line[] = [];
let previousSink: LogSink;
let app: FastifyInstance;

beforeAll(async () => {
  setLogLevel('info');
  previousSink = setLogSink((line) => lines.push(JSON.parse(line) as Line));
  const config = testConfig();
  const onboarding = new OnboardingClient({ client: unreachableClient(), config, queryTimeoutMs: 500 });
  app = await buildGateway({ onboarding, config, logger: createLogger('gateway') });
});

afterAll(async () => {
  await app.close();
  setLogSink(previousSink);
  setLogLevel('warn');
});

function linesOf(reqId: string): Line[] {
  return lines.filter((line) => line.reqId === reqId);
}

describe('request ids and request lines', () => {
  it('logs one line per request with its id, echoed in X-Request-Id, and no applicant data', async () => {
    const body = jikoStartBody() as { applicant: Record<string, unknown> };
    // Refused (a 5-digit SSN): the route still sees the whole applicant, which must not reach a log line.
    const applicant: Record<string, unknown> = { ...body.applicant, ssn: '12345', email: 'logged.never@example.com' };
    const response = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: auth,
      payload: { ...body, applicant },
    });
    expect(response.statusCode).toBe(422);
    const reqId = response.headers['x-request-id'];
    expect(reqId).toMatch(UUID);

    const written = linesOf(String(reqId));
    expect(written.filter((line) => line.msg === 'request')).toEqual([
      expect.objectContaining({
        level: 'info',
        component: 'gateway',
        reqId,
        method: 'POST',
        route: '/v1/onboardings',
        status: 422,
        ms: expect.any(Number),
      }),
    ]);
    expect(written[0]).not.toHaveProperty('trace_id');
    const text = JSON.stringify(lines);
    const name = applicant.name as { first: string; last: string };
    for (const value of ['logged.never@example.com', '12345', name.first, name.last, String(applicant.phone)]) {
      expect(text, value).not.toContain(value);
    }
  });

  it('honours a sane X-Request-Id and replaces one that is not (too long, or odd characters)', async () => {
    const sane = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'lb-7f3a.2:9' } });
    expect(sane.headers['x-request-id']).toBe('lb-7f3a.2:9');
    expect(linesOf('lb-7f3a.2:9')).toHaveLength(1);

    for (const odd of ['x'.repeat(129), 'two words', '{"inject":1}']) {
      const response = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': odd } });
      expect(response.headers['x-request-id'], odd).toMatch(UUID);
      expect(JSON.stringify(lines)).not.toContain(odd);
    }
  });

  it('echoes the id on refused and unknown routes too', async () => {
    const refused = await app.inject({ method: 'GET', url: '/v1/onboardings', headers: { 'x-request-id': 'r-401' } });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['x-request-id']).toBe('r-401');
    const unknown = await app.inject({
      method: 'GET',
      url: '/nowhere?email=a@example.com',
      headers: { 'x-request-id': 'r-404' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['x-request-id']).toBe('r-404');
    expect(linesOf('r-404')).toEqual([expect.objectContaining({ msg: 'request', route: 'unmatched', status: 404 })]);
  });

  it('puts the id on lines other loggers write while the request runs', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/onboardings/onboarding:jiko:c1',
      headers: { ...auth, 'x-request-id': 'r-unavailable' },
    });
    expect(response.statusCode).toBe(503);
    const written = linesOf('r-unavailable');
    // The gateway's error handler logs through its own logger, not request.log: the id still comes along, once.
    expect(written.map((line) => line.msg)).toEqual(['Temporal unavailable', 'request']);
    expect(written.every((line) => Object.keys(line).filter((key) => key === 'reqId').length === 1)).toBe(true);
  });
});

describe('with tracing on', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing | undefined;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    tracing = startTracing('onboarding-gateway');
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await receiver.close();
    process.env = savedEnv;
  });

  it('writes the request span ids on the request line, and exports the span without the URL', async () => {
    expect(tracing).toBeDefined();
    const response = await app.inject({
      method: 'GET',
      url: '/v1/onboardings/onboarding:jiko:c1?customerRef=c1',
      headers: { ...auth, 'x-request-id': 'r-traced' },
    });
    expect(response.statusCode).toBe(503);
    const [line] = linesOf('r-traced').filter((written) => written.msg === 'request');
    expect(line).toMatchObject({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), span_id: expect.any(String) });

    const spans = await receiver.waitFor('the request span', (received) =>
      received.some((span) => span.spanId === line!.span_id),
    );
    const span = spans.find((received) => received.spanId === line!.span_id)!;
    expect(span).toMatchObject({
      service: 'onboarding-gateway',
      traceId: line!.trace_id,
      name: 'GET /v1/onboardings/:id',
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/v1/onboardings/:id',
        'http.response.status_code': 503,
      },
    });
    expect(JSON.stringify(span)).not.toContain('onboarding:jiko:c1');
  });

  it('joins the caller trace sent in traceparent', async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`, 'x-request-id': 'r-joined' },
    });
    expect(linesOf('r-joined')[0]).toMatchObject({ trace_id: callerTrace });
  });
});
