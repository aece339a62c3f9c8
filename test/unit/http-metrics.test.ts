/**
 * Provider call metrics from the HTTP core: one duration per HTTP exchange on the activity's meter, labelled with
 * the route template (never an id), the method and the status or why there was none.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { endpointTemplate, ProviderHttpClient, statusClass } from '../../activities/http/index.js';
import { setLogSink } from '../../common/log.js';
import { PROVIDER_HTTP_METRICS } from '../../contract/metrics.js';
import { RecordingMeter } from '../helpers/recording-meter.js';

beforeAll(() => {
  const previous = setLogSink(() => undefined);
  return () => void setLogSink(previous);
});

/** An activity context whose meter is `meter`; the SDK's own failure logs silenced. */
const activityWith = (meter: RecordingMeter) =>
  new MockActivityEnvironment(undefined, { metricMeter: meter, logger: new DefaultLogger('ERROR') });

describe('endpointTemplate', () => {
  it.each([
    ['/api/v1/applications/', '/api/v1/applications/'],
    ['/api/v1/applications/3f1c2a9e-8b7d-4c1e-9f00-1234567890ab/apply/', '/api/v1/applications/:id/apply/'],
    ['/api/v1/customers/cus_8F2c/jiko-accounts', '/api/v1/customers/:id/jiko-accounts'],
    ['/people/a1b2/kyc/identity_questions', '/people/:id/kyc/identity_questions'],
    ['/programs/GDPROG/accounts/0d6e1f7a-1111-4a2b-8c3d-000000000001/close', '/programs/:id/accounts/:id/close'],
    ['/api/v1/applications/x/documents/ID_FRONT/file/', '/api/v1/applications/x/documents/:id/file/'],
    ['/v1/consumers/abc%40example.com', '/v1/consumers/:id'],
    ['/v1/ledgers?endUserId=user-42', '/v1/ledgers'],
    ['/cards/physical', '/cards/physical'],
    ['', '/'],
    ['?page=2', '/'],
  ])('%s → %s', (path, template) => {
    expect(endpointTemplate(path)).toBe(template);
  });

  it('hides a long segment even when it looks like a word', () => {
    expect(endpointTemplate(`/things/${'a'.repeat(41)}`)).toBe('/things/:id');
  });

  it('classes statuses', () => {
    expect([statusClass(200), statusClass(429), statusClass(503), statusClass('timeout')]).toEqual([
      '2xx',
      '4xx',
      '5xx',
      'error',
    ]);
  });
});

function clientAnswering(fetchImpl: typeof fetch, timeoutMs?: number): ProviderHttpClient {
  return new ProviderHttpClient({
    provider: 'acme',
    baseUrl: 'http://provider.invalid/api',
    fetch: fetchImpl,
    ...(timeoutMs ? { defaultTimeoutMs: timeoutMs } : {}),
  });
}

const okSchema = z.object({ ok: z.boolean() });

describe('provider call metrics', () => {
  it('records each exchange with provider, endpoint template, method and status', async () => {
    const meter = new RecordingMeter();
    const env = activityWith(meter);
    const answers = [
      new Response(JSON.stringify({ code: 'busy' }), { status: 503 }),
      new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'content-type': 'application/json' } }),
    ];
    const client = clientAnswering(async () => answers.shift()!);
    const call = () =>
      client.request({
        method: 'POST',
        path: '/applications/3f1c2a9e-0000-4000-8000-000000000001/apply',
        schema: okSchema,
      });

    await expect(env.run(call)).rejects.toThrow(/503/);
    await expect(env.run(call)).resolves.toEqual({ ok: true });

    const samples = meter.named(PROVIDER_HTTP_METRICS.requestDuration);
    expect(samples.map((sample) => sample.tags)).toEqual([
      expect.objectContaining({
        provider: 'acme',
        endpoint: '/applications/:id/apply',
        method: 'POST',
        status: '503',
        status_class: '5xx',
      }),
      expect.objectContaining({ status: '200', status_class: '2xx' }),
    ]);
    for (const sample of samples) expect(sample.value).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(samples)).not.toContain('3f1c2a9e');
  });

  it('labels a timeout and a connection failure, which have no status', async () => {
    const meter = new RecordingMeter();
    const env = activityWith(meter);
    const hanging = clientAnswering(
      (_url, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
      20,
    );
    const refused = clientAnswering(async () => {
      throw new TypeError('fetch failed');
    });

    await expect(env.run(() => hanging.request({ method: 'GET', path: '/status', schema: okSchema }))).rejects.toThrow(
      /timed out/,
    );
    await expect(env.run(() => refused.request({ method: 'GET', path: '/status', schema: okSchema }))).rejects.toThrow(
      /fetch failed/,
    );

    expect(
      meter.named(PROVIDER_HTTP_METRICS.requestDuration).map(({ tags }) => [tags.status, tags.status_class]),
    ).toEqual([
      ['timeout', 'error'],
      ['network_error', 'error'],
    ]);
  });

  it('sends nothing outside an activity', async () => {
    const client = clientAnswering(async () => new Response(JSON.stringify({ ok: true }), { status: 200 }));
    await expect(client.request({ method: 'GET', path: '/status', schema: okSchema })).resolves.toEqual({ ok: true });
  });
});
