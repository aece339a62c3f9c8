/**
 * Which Green Dot failures are repeated, against the simulator's fault injection over real HTTP: a 429 (its body
 * is the generic `0/0`, so the status decides) is retryable after its Retry-After, on a write and on a read; a 5xx
 * on a read is retryable; a 5xx on a write (enrollment, and the close a compensation sends) stays
 * ProviderOutcomeUnknown. Each "retry" is the next attempt of the same activity, with the same request id, and
 * succeeds once the fault is spent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createGreendotActivities } from '../../activities/greendot/activities.js';
import { greendotRetryableStatus, parseGreendotError } from '../../activities/greendot/client.js';
import { parseConfig } from '../../common/config.js';
import type { GreendotActivities, GreendotTermsAcceptance } from '../../contract/greendot.js';
import {
  PROVIDER_OUTCOME_UNKNOWN,
  PROVIDER_UNAVAILABLE,
  type ProviderErrorDetails,
} from '../../contract/provider-failures.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import * as greendotSandbox from '../../sandbox/greendot/index.js';
import { testApplicant } from '../fixtures/applicants.js';

let sandbox: Sandbox & { url: string };
let activities: GreendotActivities;
const requestIds: { method: string; path: string; requestId: string | null }[] = [];

let workflowCounter = 0;
const newWorkflowId = () => `onboarding:greendot:retries-${process.pid}-${++workflowCounter}`;

function attempt<T>(fn: () => Promise<T>, workflowId: string, attemptNumber = 1): Promise<T> {
  return new MockActivityEnvironment(
    { attempt: attemptNumber, workflowExecution: { workflowId, runId: 'run-1' } },
    { logger: new DefaultLogger('ERROR') },
  ).run(fn);
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
const detailsOf = (failure: ApplicationFailure) => failure.details?.[0] as ProviderErrorDetails;

async function faults(config: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/faults/greendot`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  expect(response.status).toBeLessThan(300);
}

const terms = (): GreendotTermsAcceptance[] =>
  ['eSignConsent', 'cardholderAgreement'].map((termsIdentifier) => ({
    termsIdentifier,
    acceptedAt: new Date(Date.now() - 60_000).toISOString(),
  }));

/** One onboarding's enrollment, repeatable attempt by attempt with the same body (and so the same request id). */
function enrollmentOf(workflowId = newWorkflowId()) {
  const input = {
    applicant: testApplicant('400123456', { name: { first: 'Ada', last: 'Retry' } }),
    termsAcceptances: terms(),
  };
  return (attemptNumber = 1) => attempt(() => activities.enroll(input), workflowId, attemptNumber);
}

async function enrolledAccount(): Promise<string> {
  const { accountIdentifier } = await enrollmentOf()();
  expect(accountIdentifier).toBeTruthy();
  return accountIdentifier!;
}

beforeAll(async () => {
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    providers: [greendotSandbox],
    env: { SANDBOX_GREENDOT_TRANSACTION_POST_DELAY_MS: '0', SANDBOX_GREENDOT_REVIEW_DELAY_MS: 'off' },
    webhookDefaults: { maxAttempts: 1, timeoutMs: 200 },
    webhookTargets: { greendot: 'http://127.0.0.1:9/webhooks/greendot' },
  });
  const config = parseConfig({ GREENDOT_BASE_URL: `${sandbox.url}/greendot` });
  const recordingFetch: typeof fetch = (input, init) => {
    requestIds.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname,
      requestId: new Headers(init?.headers).get('x-gd-requestid'),
    });
    return fetch(input, init);
  };
  activities = createGreendotActivities({ config, http: { fetch: recordingFetch } });
}, 60_000);

afterEach(() => faults({}));

afterAll(async () => {
  await sandbox?.close();
});

describe('greendot retry classification against the simulator', () => {
  it('a 429 on the enrollment is retryable after its Retry-After; the next attempt enrolls once', async () => {
    const enroll = enrollmentOf();
    await faults({ pathPattern: '/enrollments$', rateLimitNextRequests: 1, retryAfterSeconds: 7 });
    const limited = await failureOf(enroll(1));
    expect(limited.type).toBe(PROVIDER_UNAVAILABLE);
    expect(limited.nonRetryable).toBe(false);
    expect(limited.nextRetryDelay).toBe(7000);
    // The generic 0/0 body names no business reason: the code is the status's.
    expect(detailsOf(limited)).toMatchObject({ provider: 'greendot', status: 429, code: 'http_429' });
    const enrolled = await enroll(2);
    expect(enrolled.outcome).toBe('success');
    const sent = requestIds.filter((request) => request.method === 'POST' && request.path.endsWith('/enrollments'));
    expect(sent.at(-1)!.requestId).toBe(sent.at(-2)!.requestId);
  });

  it('a 429 and a 504 on an account read are retryable; the next attempt reads the account', async () => {
    const accountIdentifier = await enrolledAccount();
    const read = (attemptNumber: number) =>
      attempt(() => activities.getAccount({ accountIdentifier }), newWorkflowId(), attemptNumber);
    await faults({ pathPattern: '/accounts/[^/]+$', rateLimitNextRequests: 1, retryAfterSeconds: 3 });
    const limited = await failureOf(read(1));
    expect(limited.type).toBe(PROVIDER_UNAVAILABLE);
    expect(limited.nonRetryable).toBe(false);
    expect(limited.nextRetryDelay).toBe(3000);
    await faults({ pathPattern: '/accounts/[^/]+$', timeoutNextRequests: 1, timeoutMs: 0 });
    const gatewayTimeout = await failureOf(read(2));
    expect(gatewayTimeout.type).toBe(PROVIDER_UNAVAILABLE);
    expect(gatewayTimeout.nonRetryable).toBe(false);
    expect(detailsOf(gatewayTimeout)).toMatchObject({ status: 504, code: 'http_504' });
    await faults({ pathPattern: '/accounts/[^/]+$', failNextRequests: 1, errorStatus: 500 });
    expect((await failureOf(read(3))).type).toBe(PROVIDER_UNAVAILABLE);
    expect((await read(4)).accountIdentifier).toBe(accountIdentifier);
  });

  it('a 5xx on a write other than 503 stays ProviderOutcomeUnknown: the enrollment and the compensating close', async () => {
    await faults({ pathPattern: '/enrollments$', timeoutNextRequests: 1, timeoutMs: 0 });
    const unknown = await failureOf(enrollmentOf()(1));
    expect(unknown.type).toBe(PROVIDER_OUTCOME_UNKNOWN);
    expect(unknown.nonRetryable).toBe(true);

    const accountIdentifier = await enrolledAccount();
    const workflowId = newWorkflowId();
    const close = (attemptNumber: number) =>
      attempt(() => activities.closeAccount({ accountIdentifier }), workflowId, attemptNumber);
    await faults({ pathPattern: '/close$', failNextRequests: 1, errorStatus: 502 });
    const closeUnknown = await failureOf(close(1));
    expect(closeUnknown.type).toBe(PROVIDER_OUTCOME_UNKNOWN);
    // The compensation's rate limit is classified as the saga's: retryable, after its Retry-After.
    await faults({ pathPattern: '/close$', rateLimitNextRequests: 1, retryAfterSeconds: 2 });
    const closeLimited = await failureOf(close(2));
    expect(closeLimited.type).toBe(PROVIDER_UNAVAILABLE);
    expect(closeLimited.nextRetryDelay).toBe(2000);
    expect((await close(3)).status).toBe('restricted');
  });
});

describe('greendot retry rule (pure)', () => {
  const generic = { responseDetails: [{ code: 0, subCode: 0, description: 'General Exception' }] };

  it.each([
    { status: 429, method: 'POST', retried: true },
    { status: 429, method: 'GET', retried: true },
    { status: 503, method: 'POST', retried: true },
    { status: 500, method: 'GET', retried: true },
    { status: 504, method: 'GET', retried: true },
    { status: 500, method: 'POST', retried: false },
    { status: 502, method: 'PUT', retried: false },
    { status: 504, method: 'PUT', retried: false },
    { status: 400, method: 'GET', retried: false },
    { status: 404, method: 'GET', retried: false },
    { status: 408, method: 'POST', retried: false },
  ] as const)('$method $status → retried $retried', ({ status, method, retried }) => {
    const parsed = parseGreendotError(status, generic);
    expect(greendotRetryableStatus(status, parsed, { method, retryAfterMs: undefined })).toBe(retried);
  });

  it('a 0/0 body carries no business code (the status decides); a real code is kept', () => {
    expect(parseGreendotError(429, generic)).toBeUndefined();
    expect(parseGreendotError(400, { responseDetails: [{ code: 700, subCode: 0 }] })).toMatchObject({
      code: '700/0',
      kind: 'validation',
    });
  });
});
