/**
 * How the provider HTTP core classifies answers, per provider: which failed statuses retry (with the same
 * idempotency key), and which 2xx bodies are business refusals. A fake fetch answers; no server runs.
 */
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import {
  idempotencyKey,
  NON_RETRYABLE_ERROR_TYPES,
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_OUTCOME_UNKNOWN,
  PROVIDER_RESPONSE_INVALID,
  PROVIDER_UNAVAILABLE,
  ProviderHttpClient,
  isReadMethod,
  type FailedCall,
  type ParsedProviderError,
  type ProviderErrorDetails,
  type ProviderHttpClientOptions,
  type ProviderOutcomeUnknownDetails,
} from '../../activities/http/index.js';
import { providerActivityOptions } from '../../workflows/shared/activity-options.js';
import { setLogSink } from '../../common/log.js';

setLogSink(() => undefined);

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface SentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** A fetch that gives the scripted answers in order (the last one again once they run out) and records requests. */
function fakeFetch(...answers: Answer[]): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    sent.push({
      method: init?.method ?? 'GET',
      path: url.pathname,
      headers: { ...(init?.headers as Record<string, string> | undefined) },
    });
    const answer = answers[Math.min(sent.length, answers.length) - 1]!;
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json', ...answer.headers },
    });
  };
  return { fetch: impl as typeof fetch, sent };
}

const enrollment = z.object({
  accountIdentifier: z.string(),
  responseDetails: z.array(z.object({ code: z.number(), subCode: z.number() })),
});

/** Green Dot's envelope (provider notes B1, GD-A8): `responseDetails: [{code, subCode, description, url}]`. */
const responseDetailsSchema = z.object({
  responseDetails: z
    .array(z.object({ code: z.number(), subCode: z.number(), description: z.string().optional() }))
    .min(1),
});

function readResponseDetails(body: unknown): ParsedProviderError | undefined {
  const parsed = responseDetailsSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const first = parsed.data.responseDetails[0]!;
  return {
    code: `${first.code}/${first.subCode}`,
    message: first.description ?? '',
    // Concurrent duplicate (409, 4091): the twin is still in flight, ask again with the same request id.
    ...(first.code === 4091 ? { retryable: true } : {}),
  };
}

/**
 * A provider configured like Green Dot will be (the core only; Green Dot itself is its own issue): only 503
 * retries, and a 200 with a non-zero code is a refusal unless the code says "come back later".
 */
const greenDotLike: Partial<ProviderHttpClientOptions> = {
  provider: 'gdlike',
  retryableStatus: (status) => status === 503,
  parseError: (_status, body) => readResponseDetails(body),
  hooks: [(request) => (request.idempotencyKey ? { 'x-request-id': request.idempotencyKey } : undefined)],
  businessRefusal: (_status, body) => {
    const refusal = readResponseDetails(body);
    if (!refusal || refusal.code === '0/0') return undefined;
    return refusal.code === '9/99' ? { ...refusal, retryable: true } : refusal;
  },
};

function clientAnswering(options: Partial<ProviderHttpClientOptions>, ...answers: Answer[]) {
  const fake = fakeFetch(...answers);
  const client = new ProviderHttpClient({
    provider: 'acme',
    baseUrl: 'https://provider.test/api',
    ...options,
    fetch: fake.fetch,
  });
  return { client, sent: fake.sent };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

const enroll = (client: ProviderHttpClient, key?: string) =>
  client.request({ method: 'POST', path: '/enrollments', body: {}, schema: enrollment, idempotencyKey: key });

const generalException = { responseDetails: [{ code: 0, subCode: 0, description: 'General Exception' }] };

describe('default classification (no retryableStatus option): Jiko and Netspend unchanged', () => {
  it.each([
    { status: 408, type: PROVIDER_UNAVAILABLE, nonRetryable: false },
    { status: 429, type: PROVIDER_UNAVAILABLE, nonRetryable: false },
    { status: 500, type: PROVIDER_UNAVAILABLE, nonRetryable: false },
    { status: 502, type: PROVIDER_UNAVAILABLE, nonRetryable: false },
    { status: 503, type: PROVIDER_UNAVAILABLE, nonRetryable: false },
    { status: 400, type: PROVIDER_BUSINESS_ERROR, nonRetryable: true },
    { status: 404, type: PROVIDER_BUSINESS_ERROR, nonRetryable: true },
    { status: 409, type: PROVIDER_BUSINESS_ERROR, nonRetryable: true },
  ])('$status → $type (nonRetryable $nonRetryable)', async ({ status, type, nonRetryable }) => {
    const { client } = clientAnswering({}, { status, body: { error_code: 'some_code', message: 'no' } });
    const failure = await failureOf(enroll(client));
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
    expect(failure.details?.[0]).toMatchObject({ provider: 'acme', status, code: 'some_code' });
  });

  it('a 2xx body is only checked by the schema: no refusal reading unless a provider asks for it', async () => {
    const { client } = clientAnswering({}, { status: 200, body: { accountIdentifier: 'a1', ...generalException } });
    expect(await enroll(client)).toEqual({ accountIdentifier: 'a1', responseDetails: [{ code: 0, subCode: 0 }] });
  });
});

describe('a provider that retries only 503', () => {
  it('503 is retryable ProviderUnavailable, honouring Retry-After', async () => {
    const { client } = clientAnswering(greenDotLike, {
      status: 503,
      body: generalException,
      headers: { 'retry-after': '2' },
    });
    const failure = await failureOf(enroll(client, 'key-1'));
    expect(failure.type).toBe(PROVIDER_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(2000);
  });

  it('500 is a non-retryable ProviderOutcomeUnknown carrying what an operator needs to retry it later', async () => {
    const { client } = clientAnswering(greenDotLike, { status: 500, body: generalException });
    const failure = await failureOf(enroll(client, 'key-1'));
    expect(failure.type).toBe(PROVIDER_OUTCOME_UNKNOWN);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toEqual({
      provider: 'gdlike',
      status: 500,
      code: '0/0',
      idempotencyKey: 'key-1',
    } satisfies ProviderOutcomeUnknownDetails);
  });

  it('any other 5xx it does not list is final too, with http_<status> when the body says nothing', async () => {
    const { client } = clientAnswering(greenDotLike, { status: 502 });
    const failure = await failureOf(enroll(client));
    expect(failure.type).toBe(PROVIDER_OUTCOME_UNKNOWN);
    expect(failure.details?.[0]).toEqual({ provider: 'gdlike', status: 502, code: 'http_502' });
  });

  it('429 and 408 are not listed, so they are business errors: with a list, only the listed statuses retry', async () => {
    for (const status of [429, 408]) {
      const { client } = clientAnswering(greenDotLike, { status });
      const failure = await failureOf(enroll(client));
      expect(failure.type).toBe(PROVIDER_BUSINESS_ERROR);
      expect(failure.nonRetryable).toBe(true);
    }
  });

  it('400 stays a business error with the provider code', async () => {
    const { client } = clientAnswering(greenDotLike, {
      status: 400,
      body: { responseDetails: [{ code: 700, subCode: 0, description: 'dateOfBirth must be YYYY-MM-DD' }] },
    });
    const failure = await failureOf(enroll(client));
    expect(failure.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toEqual({
      provider: 'gdlike',
      status: 400,
      code: '700/0',
      kind: 'validation',
    } satisfies ProviderErrorDetails);
  });

  it('the error parser can still make an unlisted status retryable (409 concurrent duplicate)', async () => {
    const { client } = clientAnswering(greenDotLike, {
      status: 409,
      body: { responseDetails: [{ code: 4091, subCode: 0 }] },
    });
    const failure = await failureOf(enroll(client));
    expect(failure.type).toBe(PROVIDER_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
  });

  it('the predicate sees what the parser read from the body', async () => {
    const seen: [number, ParsedProviderError | undefined][] = [];
    const { client } = clientAnswering(
      {
        ...greenDotLike,
        retryableStatus: (status, parsed) => {
          seen.push([status, parsed]);
          return false;
        },
      },
      { status: 500, body: generalException },
    );
    await failureOf(enroll(client));
    expect(seen).toEqual([[500, { code: '0/0', message: 'General Exception' }]]);
  });

  it('the predicate sees the method and the Retry-After, so a read can be repeated where a write is not', async () => {
    const calls: FailedCall[] = [];
    const { client } = clientAnswering(
      {
        ...greenDotLike,
        retryableStatus: (status, _parsed, call) => {
          calls.push(call);
          return status >= 500 && isReadMethod(call.method);
        },
      },
      { status: 502, headers: { 'retry-after': '4' } },
      { status: 502 },
    );
    expect((await failureOf(enroll(client))).type).toBe(PROVIDER_OUTCOME_UNKNOWN);
    const read = await failureOf(client.request({ method: 'GET', path: '/accounts/a1', schema: enrollment }));
    expect(read.type).toBe(PROVIDER_UNAVAILABLE);
    expect(calls).toEqual([
      { method: 'POST', retryAfterMs: 4000 },
      { method: 'GET', retryAfterMs: undefined },
    ]);
  });
});

describe('business refusals inside a 2xx body', () => {
  it('a refusal is a non-retryable ProviderBusinessError with the provider code, not a schema failure', async () => {
    // No accountIdentifier: the success schema would reject this body, the refusal must be read first.
    const { client } = clientAnswering(greenDotLike, {
      status: 200,
      body: { responseDetails: [{ code: 2, subCode: 32, description: 'OFAC Hard Decline', url: null }] },
    });
    const failure = await failureOf(enroll(client));
    expect(failure.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('OFAC Hard Decline');
    expect(failure.details?.[0]).toEqual({
      provider: 'gdlike',
      status: 200,
      code: '2/32',
      kind: 'business',
    } satisfies ProviderErrorDetails);
  });

  it('a refusal keeps the kind and fields the reader gives', async () => {
    const { client } = clientAnswering(
      {
        businessRefusal: () => ({ code: 'R1', message: 'bad address', kind: 'validation', fields: ['address.zip'] }),
      },
      { status: 201, body: {} },
    );
    const failure = await failureOf(enroll(client));
    expect(failure.details?.[0]).toEqual({
      provider: 'acme',
      status: 201,
      code: 'R1',
      kind: 'validation',
      fields: ['address.zip'],
    } satisfies ProviderErrorDetails);
  });

  it('a refusal flagged retryable is a retryable ProviderUnavailable', async () => {
    const { client } = clientAnswering(greenDotLike, {
      status: 200,
      body: { responseDetails: [{ code: 9, subCode: 99, description: 'try later' }] },
      headers: { 'retry-after': '5' },
    });
    const failure = await failureOf(enroll(client));
    expect(failure.type).toBe(PROVIDER_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(5000);
    expect(failure.details?.[0]).toEqual({ provider: 'gdlike', status: 200, code: '9/99' });
  });

  it('a body the reader does not call a refusal is validated by the schema as before', async () => {
    const success = { accountIdentifier: 'acc-1', responseDetails: [{ code: 0, subCode: 0, description: 'Success' }] };
    const ok = clientAnswering(greenDotLike, { status: 200, body: success });
    expect(await enroll(ok.client)).toEqual({ accountIdentifier: 'acc-1', responseDetails: [{ code: 0, subCode: 0 }] });

    const changedShape = clientAnswering(greenDotLike, { status: 200, body: { ...success, accountIdentifier: 7 } });
    const failure = await failureOf(enroll(changedShape.client));
    expect(failure.type).toBe(PROVIDER_RESPONSE_INVALID);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('accountIdentifier');
  });

  it('a reader that throws on an unexpected body is a non-retryable ProviderResponseInvalid', async () => {
    const { client } = clientAnswering(
      {
        businessRefusal: (_status, body) => {
          const details = (body as { responseDetails: { code: number }[] }).responseDetails;
          return details[0]!.code === 0 ? undefined : { code: String(details[0]!.code), message: '' };
        },
      },
      { status: 200, body: { somethingElse: true } },
    );
    const failure = await failureOf(enroll(client));
    expect(failure.type).toBe(PROVIDER_RESPONSE_INVALID);
    expect(failure.nonRetryable).toBe(true);
  });

  it('is not consulted for non-2xx answers (those go to the error parser)', async () => {
    let calls = 0;
    const { client } = clientAnswering(
      {
        businessRefusal: () => {
          calls++;
          return { code: 'never', message: '' };
        },
      },
      { status: 404, body: { error_code: 'not_found', message: 'no' } },
    );
    const failure = await failureOf(enroll(client));
    expect(failure.details?.[0]).toMatchObject({ status: 404, code: 'not_found' });
    expect(calls).toBe(0);
  });
});

describe('what Temporal retries, and with which idempotency key', () => {
  const retryPolicy = providerActivityOptions().retry!;

  /** The decision Temporal's server takes from the retry policy on an ApplicationFailure. */
  const temporalRetries = (failure: ApplicationFailure) =>
    !failure.nonRetryable && !(retryPolicy.nonRetryableErrorTypes ?? []).includes(failure.type ?? '');

  /**
   * Runs `activity` as Temporal would for one activity execution: attempt 1, 2, … in the same workflow, until it
   * succeeds or fails with something the retry policy does not retry.
   */
  async function runWithRetries<T>(
    workflowId: string,
    activity: () => Promise<T>,
    maxAttempts = 5,
  ): Promise<{ attempts: number; result?: T; failure?: ApplicationFailure }> {
    for (let attempt = 1; ; attempt++) {
      const environment = new MockActivityEnvironment(
        { attempt, workflowExecution: { workflowId, runId: 'r1' } },
        { logger: new DefaultLogger('ERROR') },
      );
      try {
        return { attempts: attempt, result: await environment.run(activity) };
      } catch (err) {
        if (!(err instanceof ApplicationFailure)) throw err;
        if (!temporalRetries(err) || attempt === maxAttempts) return { attempts: attempt, failure: err };
      }
    }
  }

  it('the activity options take the non-retryable list, ProviderOutcomeUnknown included, from the contract', () => {
    expect(NON_RETRYABLE_ERROR_TYPES).toContain(PROVIDER_OUTCOME_UNKNOWN);
    expect(retryPolicy.nonRetryableErrorTypes).toEqual([...NON_RETRYABLE_ERROR_TYPES]);
  });

  it('a retryable 503 is repeated with the identical key until the provider answers', async () => {
    const { client, sent } = clientAnswering(
      greenDotLike,
      { status: 503, body: generalException },
      { status: 503, body: generalException },
      { status: 200, body: { accountIdentifier: 'acc-1', responseDetails: [{ code: 0, subCode: 0 }] } },
    );
    const run = await runWithRetries('onboarding:gdlike:c1', () => enroll(client, idempotencyKey('gdlike:enroll')));
    expect(run).toMatchObject({ attempts: 3, result: { accountIdentifier: 'acc-1' } });
    const keys = sent.map((request) => request.headers['x-request-id']);
    expect(keys).toEqual(Array(3).fill(idempotencyKey('gdlike:enroll', 'onboarding:gdlike:c1')));
  });

  it('a 500 the provider says not to retry is tried once; the operator retry later sends the same key', async () => {
    const { client, sent } = clientAnswering(
      greenDotLike,
      { status: 500, body: generalException },
      { status: 200, body: { accountIdentifier: 'acc-1', responseDetails: [{ code: 0, subCode: 0 }] } },
    );
    const call = () => enroll(client, idempotencyKey('gdlike:enroll'));
    const first = await runWithRetries('onboarding:gdlike:c2', call);
    expect(first.attempts).toBe(1);
    expect(first.failure?.type).toBe(PROVIDER_OUTCOME_UNKNOWN);
    expect(sent).toHaveLength(1);

    // The operator's retry is a new activity execution of the same step in the same workflow.
    const retried = await runWithRetries('onboarding:gdlike:c2', call);
    expect(retried.result?.accountIdentifier).toBe('acc-1');
    expect(sent[1]!.headers['x-request-id']).toBe(sent[0]!.headers['x-request-id']);
    expect(first.failure?.details?.[0]).toMatchObject({ idempotencyKey: sent[0]!.headers['x-request-id'] });
  });

  it('the key belongs to the step: another scope or another onboarding sends another key', async () => {
    const { client, sent } = clientAnswering(greenDotLike, {
      status: 200,
      body: { accountIdentifier: 'acc-1', responseDetails: [{ code: 0, subCode: 0 }] },
    });
    await runWithRetries('onboarding:gdlike:c3', () => enroll(client, idempotencyKey('gdlike:enroll')));
    await runWithRetries('onboarding:gdlike:c3', () => enroll(client, idempotencyKey('gdlike:adjust')));
    await runWithRetries('onboarding:gdlike:c4', () => enroll(client, idempotencyKey('gdlike:enroll')));
    expect(new Set(sent.map((request) => request.headers['x-request-id'])).size).toBe(3);
  });
});

describe('a sustained 429: exponential back-off, Retry-After honoured where given', () => {
  const rateLimited = (headers?: Record<string, string>): Answer => ({
    status: 429,
    body: { code: 'rate_limited' },
    ...(headers ? { headers } : {}),
  });
  const delayAtAttempt = async (attempt: number, headers?: Record<string, string>) => {
    const { client } = clientAnswering({}, rateLimited(headers));
    const environment = new MockActivityEnvironment(
      { attempt, workflowExecution: { workflowId: 'onboarding:acme:c1', runId: 'r1' } },
      { logger: new DefaultLogger('ERROR') },
    );
    const failure = await failureOf(environment.run(() => enroll(client)));
    expect(failure.type).toBe(PROVIDER_UNAVAILABLE);
    return failure.nextRetryDelay;
  };

  it("never retries sooner than the policy's back-off, however short the Retry-After", async () => {
    // "Retry after 1 s" on every answer: 1 s, 2 s, 4 s … then once a minute, not every second for minutes.
    const delays = [];
    for (const attempt of [1, 2, 3, 6, 7, 20]) delays.push(await delayAtAttempt(attempt, { 'retry-after': '1' }));
    expect(delays).toEqual([1_000, 2_000, 4_000, 32_000, 60_000, 60_000]);
  });

  it('honours a Retry-After longer than the back-off', async () => {
    expect(await delayAtAttempt(1, { 'retry-after': '120' })).toBe(120_000);
  });

  it('leaves the delay to the exponential retry policy when there is no Retry-After', async () => {
    expect(await delayAtAttempt(5)).toBeUndefined();
    const policy = providerActivityOptions().retry;
    expect(policy).toMatchObject({ initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 60_000 });
  });
});
