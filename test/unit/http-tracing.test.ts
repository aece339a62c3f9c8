/**
 * The provider call's span: named and attributed by the route template (ids out), status and error class only,
 * the trace context sent on in `traceparent`; nothing at all when tracing is off.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import { routeTemplate, traceProviderCall } from '../../activities/http/tracing.js';

describe('routeTemplate', () => {
  it.each([
    ['/jiko/api/v1/applications/', '/jiko/api/v1/applications/'],
    ['/jiko/api/v1/applications/3f1c9a2e-8d4b-4c7e/apply/', '/jiko/api/v1/applications/{id}/apply/'],
    ['/netspend/netspend-api/v1/people/P123/accounts', '/netspend/netspend-api/v1/people/{id}/accounts'],
    ['/api/v2.1/consumers/c_9f8e7d/kyc', '/api/v2.1/consumers/{id}/kyc'],
    ['/api/v1/customers/john.smith%40example.com', '/api/v1/customers/{id}'],
    ['/api/v1/documents/passport/file/', '/api/v1/documents/passport/file/'],
  ])('%s → %s', (path, template) => {
    expect(routeTemplate(path)).toBe(template);
  });
});

describe('traceProviderCall', () => {
  let provider: NodeTracerProvider | undefined;
  afterEach(async () => {
    await provider?.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
    provider = undefined;
  });

  const description = { provider: 'acme', method: 'POST', url: new URL('http://sandbox:9/api/v1/people/P123?ssn=1') };

  it('sends no traceparent and makes no span when tracing is off', async () => {
    const headers: Record<string, string> = {};
    await expect(traceProviderCall(description, headers, async () => ({ status: 200 }))).resolves.toEqual({
      status: 200,
    });
    expect(headers).toEqual({});
  });

  it('makes a CLIENT span with the route template and status, and sends its context on', async () => {
    const exporter = new InMemorySpanExporter();
    provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    const headers: Record<string, string> = {};
    await traceProviderCall(description, headers, async () => ({ status: 503 }));
    await expect(
      traceProviderCall(description, headers, async () => {
        throw new TypeError('fetch failed for http://sandbox:9/api/v1/people/P123');
      }),
    ).rejects.toThrow(TypeError);

    const [answered, failed] = exporter.getFinishedSpans();
    expect(answered?.name).toBe('POST /api/v1/people/{id}');
    expect(answered?.attributes).toEqual({
      'onboarding.provider': 'acme',
      'http.request.method': 'POST',
      'http.route': '/api/v1/people/{id}',
      'server.address': 'sandbox',
      'http.response.status_code': 503,
    });
    expect(answered?.status.code).toBe(2); // ERROR: a 5xx
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(headers.traceparent).toContain(failed?.spanContext().spanId);
    expect(failed?.attributes['error.type']).toBe('TypeError');
    expect(JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes))).not.toContain('P123');
  });
});
