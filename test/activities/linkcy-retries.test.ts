/**
 * Linkcy's resend limit (429 PHONE_CODE_RESEND_LIMIT, with Retry-After) against the simulator over real HTTP: on a
 * first attempt it stays a final refusal (the workflow answers the customer's resendCode with a 409); on a repeated
 * attempt (our first one's answer was lost, so our own send started the limit) a short wait is retryable after the
 * Retry-After, and the attempt after it sends the code; a long wait stays final.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createLinkcyActivities } from '../../activities/linkcy/activities.js';
import { LINKCY_RESEND_WAIT_RETRIED_MS, linkcyRetryableStatus } from '../../activities/linkcy/client.js';
import { parseConfig } from '../../common/config.js';
import type { LinkcyActivities } from '../../contract/linkcy.js';
import {
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_UNAVAILABLE,
  type ProviderErrorDetails,
} from '../../contract/provider-failures.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import * as linkcySandbox from '../../sandbox/linkcy/index.js';

let sandbox: Sandbox & { url: string };
let activities: LinkcyActivities;

let workflowCounter = 0;
function attempt<T>(fn: () => Promise<T>, attemptNumber = 1): Promise<T> {
  const workflowId = `onboarding:linkcy:retries-${process.pid}-${++workflowCounter}`;
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

async function settings(body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/linkcy/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
}

async function smsCount(consumerId: string): Promise<number> {
  const response = await fetch(`${sandbox.url}/_sandbox/audit?provider=linkcy&kind=phone_code_sent`);
  const { items } = (await response.json()) as { items: { id: string }[] };
  return items.filter((item) => item.id === consumerId).length;
}

let phones = 0;
async function newConsumer(): Promise<string> {
  const { version } = await activities.getTerms();
  const { consumer } = await attempt(() =>
    activities.createConsumer({
      phone: `+337${String(++phones).padStart(4, '0')}4242`,
      provider: { sourceOfFunds: 'SAVINGS_FROM_SALARY', occupation: 'OTHER', otherOccupation: 'juggler' },
      externalId: `retries-${process.pid}-${phones}`,
      termsVersion: version,
    }),
  );
  return consumer.consumerId;
}

beforeAll(async () => {
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    providers: [linkcySandbox],
    env: { SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: '0' },
    webhookDefaults: { maxAttempts: 1, timeoutMs: 200 },
    webhookTargets: { linkcy: 'http://127.0.0.1:9/webhooks/linkcy' },
  });
  activities = createLinkcyActivities({ config: parseConfig({ LINKCY_BASE_URL: `${sandbox.url}/linkcy` }) });
}, 60_000);

afterEach(() => settings({ otpResendIntervalSeconds: 30, otpMaxSendsPerHour: 5 }));

afterAll(async () => {
  await sandbox?.close();
});

describe('linkcy resend limit against the simulator', () => {
  it('a repeated send meeting a short resend limit is retried after its Retry-After, then sends the code', async () => {
    await settings({ otpResendIntervalSeconds: 1 });
    const consumerId = await newConsumer();
    // Attempt 1 sent the code; its answer was lost, so the activity runs again at once.
    await attempt(() => activities.sendPhoneCode({ consumerId }), 1);
    const limited = await failureOf(attempt(() => activities.sendPhoneCode({ consumerId }), 2));
    expect(limited.type).toBe(PROVIDER_UNAVAILABLE);
    expect(limited.nonRetryable).toBe(false);
    expect(detailsOf(limited)).toMatchObject({ status: 429, code: 'PHONE_CODE_RESEND_LIMIT' });
    // Not earlier than Linkcy said (1 s), nor than the policy's own back-off for attempt 2.
    expect(limited.nextRetryDelay).toBeGreaterThanOrEqual(1000);
    // Temporal waits that delay before attempt 3; the test waits it out too.
    await new Promise((resolve) => setTimeout(resolve, Number(limited.nextRetryDelay) + 100));
    const sent = await attempt(() => activities.sendPhoneCode({ consumerId }), 3);
    expect(sent.ttlSeconds).toBeGreaterThan(0);
    expect(await smsCount(consumerId)).toBe(2);
  }, 30_000);

  it('on a first attempt the resend limit stays final, so the customer can be told to wait', async () => {
    await settings({ otpResendIntervalSeconds: 1 });
    const consumerId = await newConsumer();
    await attempt(() => activities.sendPhoneCode({ consumerId }));
    const limited = await failureOf(attempt(() => activities.sendPhoneCode({ consumerId }), 1));
    expect(limited.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(limited.nonRetryable).toBe(true);
    expect(detailsOf(limited)).toMatchObject({ status: 429, code: 'PHONE_CODE_RESEND_LIMIT' });
  });

  it('a long resend limit (the hourly cap) stays final even on a repeated attempt', async () => {
    await settings({ otpResendIntervalSeconds: 0, otpMaxSendsPerHour: 1 });
    const consumerId = await newConsumer();
    await attempt(() => activities.sendPhoneCode({ consumerId }));
    const limited = await failureOf(attempt(() => activities.sendPhoneCode({ consumerId }), 2));
    expect(limited.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(detailsOf(limited)).toMatchObject({ status: 429, code: 'PHONE_CODE_RESEND_LIMIT' });
  });
});

describe('linkcy retry rule (pure)', () => {
  const resendLimit = { code: 'PHONE_CODE_RESEND_LIMIT', message: 'A new code can be sent in 1 s' };
  const post = (retryAfterMs: number | undefined) => ({ method: 'POST' as const, retryAfterMs });

  it.each([
    { attempt: 1, retryAfterMs: 1000, retried: false },
    { attempt: 2, retryAfterMs: 1000, retried: true },
    { attempt: 5, retryAfterMs: LINKCY_RESEND_WAIT_RETRIED_MS, retried: true },
    { attempt: 2, retryAfterMs: LINKCY_RESEND_WAIT_RETRIED_MS + 1000, retried: false },
    { attempt: 2, retryAfterMs: undefined, retried: false },
  ])('resend limit, attempt $attempt, Retry-After $retryAfterMs ms → retried $retried', (row) => {
    expect(linkcyRetryableStatus(429, resendLimit, post(row.retryAfterMs), row.attempt)).toBe(row.retried);
  });

  it('other statuses keep the default rule: 429 and 5xx retried, 4xx final', () => {
    expect(linkcyRetryableStatus(429, { code: 'TOO_MANY_REQUESTS', message: '' }, post(undefined), 1)).toBe(true);
    expect(linkcyRetryableStatus(503, undefined, post(undefined), 1)).toBe(true);
    expect(linkcyRetryableStatus(409, { code: 'PHONE_ALREADY_VERIFIED', message: '' }, post(undefined), 2)).toBe(false);
  });
});
