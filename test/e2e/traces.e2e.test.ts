/**
 * Traces and logs across the whole stack: tracing turned on the way an operator does (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
 * towards a tiny in-process OTLP receiver, one Jiko onboarding started through the gateway, and one trace that
 * runs gateway → UpdateWithStartWorkflow (the one-call start) → RunWorkflow → StartActivity → RunActivity → the provider HTTP call; no span
 * attribute holds the applicant's data; the log lines of that request and that provider call carry its trace id.
 * The history it made (with the workflow interceptors in) must replay on a bundle without them: turning tracing
 * off never breaks a running onboarding (test/workflows/replay-tracing.test.ts proves the other direction).
 */
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel, setLogSink } from '../../common/log.js';
import type { LogSink } from '../../common/log.js';
import { startTracing } from '../../common/tracing.js';
import type { Tracing } from '../../common/tracing.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { jikoCustomer } from '../../scripts/customers/jiko.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../helpers/otlp-receiver.js';
import { projectRoot } from '../helpers/temporal.js';
import { E2E_API_KEY, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

const TEST_TIMEOUT_MS = 240_000;
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

const person = {
  name: { first: 'Tracey', last: 'Spanwright' },
  dateOfBirth: '1984-06-21',
  email: 'tracey.spanwright@example.com',
  phone: '+15550003333',
};
const startBody = jikoCustomer.scenarios.approved.startBody('e2e-traced', { person });
const applicantValues = (() => {
  const applicant = startBody.applicant as { ssn: string; address: { line1: string } };
  return [
    person.name.first,
    person.name.last,
    person.dateOfBirth,
    person.email,
    person.phone,
    applicant.ssn,
    applicant.address.line1,
  ];
})();

let receiver: OtlpReceiver;
let tracing: Tracing | undefined;
let stack: E2eStack;
const logLines: Record<string, unknown>[] = [];
let previousSink: LogSink | undefined;
const savedEnv = { ...process.env };

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${receiver.url}/v1/traces`;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
  tracing = startTracing('onboarding-e2e');
  if (!tracing) throw new Error('tracing did not turn on with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set');
  stack = await startE2eStack({ codec: false, tracing });
  setLogLevel('info');
  previousSink = setLogSink((line) => logLines.push(JSON.parse(line) as Record<string, unknown>));
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  if (previousSink) setLogSink(previousSink);
  setLogLevel('warn');
  await stack?.close();
  await tracing?.shutdown();
  await receiver?.close();
  process.env = savedEnv;
}, TEST_TIMEOUT_MS);

/** The names from `span` up to the root of its trace. */
function ancestry(span: ReceivedSpan, spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.filter((s) => s.traceId === span.traceId).map((s) => [s.spanId, s]));
  const chain = [span];
  let parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
  while (parent) {
    chain.push(parent);
    parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined;
  }
  return chain;
}

describe('one onboarding, traced', () => {
  let onboardingId: string;
  let serverSpan: ReceivedSpan;
  let providerSpan: ReceivedSpan;

  it(
    'is one trace from the gateway to the provider HTTP call',
    async () => {
      const response = await fetch(`${stack.gatewayUrl}/v1/onboardings`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${E2E_API_KEY}`,
          'content-type': 'application/json',
          'x-request-id': 'trace-e2e-start',
        },
        body: JSON.stringify(startBody),
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('x-request-id')).toBe('trace-e2e-start');
      onboardingId = ((await response.json()) as OnboardingStatus).onboardingId;

      const isStartRoute = (span: ReceivedSpan): boolean =>
        span.kind === SPAN_KIND_SERVER && span.name === 'POST /v1/onboardings';
      const isProviderCall = (span: ReceivedSpan): boolean =>
        span.kind === SPAN_KIND_CLIENT && span.attributes['onboarding.provider'] === 'jiko';
      const traced = (received: readonly ReceivedSpan[]): ReceivedSpan | undefined =>
        received.find((span) => isProviderCall(span) && ancestry(span, received).some(isStartRoute));
      await receiver.waitFor('a provider call span', (received) => received.some(isProviderCall));

      // RunWorkflow spans the workflow's whole run: it is exported when the run ends, so end this one (cancel).
      const cancelled = await stack.call(
        'POST',
        `/v1/onboardings/${encodeURIComponent(onboardingId)}/cancel?wait=true`,
        {
          reason: 'trace test done',
        },
      );
      expect(cancelled.status).toBe(200);
      const spans = await receiver.waitFor('a provider call span under the start request', (received) =>
        Boolean(traced(received)),
      );
      providerSpan = traced(spans)!;
      const chain = ancestry(providerSpan, spans);
      serverSpan = chain.at(-1)!;
      expect(isStartRoute(serverSpan)).toBe(true);
      // From the provider call up to the gateway, in this order (nothing else in between).
      expect(chain.map((span) => span.name.split(':')[0])).toEqual([
        providerSpan.name,
        'RunActivity',
        'StartActivity',
        'RunWorkflow',
        'UpdateWithStartWorkflow',
        'POST /v1/onboardings',
      ]);
      expect(providerSpan.name).toMatch(/^(GET|POST|PUT|PATCH|DELETE) \//);
      expect(providerSpan.attributes).toMatchObject({
        'http.request.method': expect.any(String),
        'http.route': expect.stringMatching(/^\/jiko\//),
        'http.response.status_code': expect.any(Number),
      });
      expect(serverSpan.attributes).toMatchObject({
        'http.request.method': 'POST',
        'http.route': '/v1/onboardings',
        'http.response.status_code': 201,
      });
    },
    TEST_TIMEOUT_MS,
  );

  it('carries no applicant data and no URL in any span', () => {
    expect(receiver.spans.length).toBeGreaterThan(5);
    const text = JSON.stringify(receiver.spans);
    for (const value of applicantValues) expect(text, value).not.toContain(value);
    for (const span of receiver.spans) {
      expect(Object.keys(span.attributes), span.name).not.toContain('url.full');
      expect(Object.keys(span.attributes), span.name).not.toContain('url.path');
    }
  });

  it('writes the trace id on the request line and on the provider call line', () => {
    const requestLine = logLines.find((line) => line.msg === 'request' && line.reqId === 'trace-e2e-start');
    expect(requestLine).toMatchObject({
      component: 'gateway',
      method: 'POST',
      route: '/v1/onboardings',
      status: 201,
      trace_id: serverSpan.traceId,
      span_id: serverSpan.spanId,
    });
    const providerLine = logLines.find((line) => line.msg === 'provider call' && line.trace_id === serverSpan.traceId);
    expect(providerLine).toMatchObject({ component: 'http.jiko' });
    const written = JSON.stringify(logLines);
    for (const value of applicantValues) expect(written, value).not.toContain(value);
  });

  it(
    'made a history that replays on a bundle without the tracing interceptors',
    async () => {
      const history = await stack.client.workflow.getHandle(onboardingId).fetchHistory();
      const plainBundle = await bundleWorkflowCode({
        workflowsPath: path.join(projectRoot, 'workflows', 'index.ts'),
        logger: new DefaultLogger('WARN'),
      });
      await expect(
        Worker.runReplayHistory({ workflowBundle: plainBundle }, history, onboardingId),
      ).resolves.toBeUndefined();
    },
    TEST_TIMEOUT_MS,
  );
});
