/**
 * Linkcy activities against the Linkcy simulator over real HTTP: partner login (a JWT read for its `exp`, a fresh
 * login once it expires), the onboarding path (terms, consumer, SMS code, hosted KYC, email, terms re-acceptance,
 * ledger), the dedupe of a repeated create (409 for our phone → adopted; another partner id's phone → refused),
 * error mapping, and the code kept out of logs and failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createLinkcyActivities } from '../../activities/linkcy/activities.js';
import { parseConfig } from '../../common/config.js';
import { setLogLevel, setLogSink } from '../../common/log.js';
import type { LinkcyActivities } from '../../contract/linkcy.js';
import {
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_INPUT_INVALID,
  type ProviderErrorDetails,
} from '../../contract/provider-failures.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import * as linkcySandbox from '../../sandbox/linkcy/index.js';

const WRONG_CODE = '918273';
let sandbox: Sandbox & { url: string };
let activities: LinkcyActivities;
const requests: { method: string; path: string; auth: string | null }[] = [];
const logLines: string[] = [];

let workflowCounter = 0;
function inWorkflow<T>(fn: () => Promise<T>): Promise<T> {
  const workflowId = `onboarding:linkcy:test-${process.pid}-${++workflowCounter}`;
  return new MockActivityEnvironment(
    { attempt: 1, workflowExecution: { workflowId, runId: 'run-1' } },
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

async function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandbox.url}/_sandbox/linkcy${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

async function audit(kind: string): Promise<{ id: string }[]> {
  const response = await fetch(`${sandbox.url}/_sandbox/audit?provider=linkcy&kind=${kind}`);
  return ((await response.json()) as { items: { id: string }[] }).items;
}

let phones = 0;
/** A fresh French mobile ending in `lastFour` (the sandbox's KYC outcome digits). */
const freshPhone = (lastFour = '4242') => `+336${String(++phones).padStart(4, '0')}${lastFour}`;

async function createdConsumer(phone = freshPhone(), externalId = `ext-${phones}`, email?: string) {
  const { version } = await activities.getTerms();
  return inWorkflow(() =>
    activities.createConsumer({
      phone,
      provider: { sourceOfFunds: 'SAVINGS_FROM_SALARY', occupation: 'OTHER', otherOccupation: 'juggler' },
      externalId,
      ...(email ? { email } : {}),
      termsVersion: version,
    }),
  );
}

async function verifiedConsumer(phone = freshPhone(), email?: string): Promise<string> {
  const { consumer } = await createdConsumer(phone, `ext-${phones}`, email);
  await activities.sendPhoneCode({ consumerId: consumer.consumerId });
  await activities.verifyPhoneCode({ consumerId: consumer.consumerId, code: '123456' });
  return consumer.consumerId;
}

beforeAll(async () => {
  setLogSink((line) => logLines.push(line));
  setLogLevel('debug');
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    providers: [linkcySandbox],
    env: { SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: '0', SANDBOX_LINKCY_OTP_RESEND_INTERVAL_SECONDS: '0' },
    webhookDefaults: { maxAttempts: 1, timeoutMs: 200 },
    webhookTargets: { linkcy: 'http://127.0.0.1:9/webhooks/linkcy' },
  });
  const config = parseConfig({ LINKCY_BASE_URL: `${sandbox.url}/linkcy` });
  const recordingFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    requests.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname,
      auth: headers.get('authorization'),
    });
    return fetch(input, init);
  };
  activities = createLinkcyActivities({ config, http: { fetch: recordingFetch } });
});

afterAll(async () => {
  setLogSink(() => undefined);
  setLogLevel('info');
  await sandbox?.close();
});

describe('Linkcy activities against the simulator', () => {
  it('logs in once, then calls with the bearer JWT; logs in again once the token expires', async () => {
    await activities.getTerms();
    const logins = requests.filter((request) => request.path.endsWith('/api/partner/login'));
    expect(logins).toHaveLength(1);
    expect(requests.at(-1)?.auth).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    await control('POST', '/tokens/expire');
    await activities.getTerms();
    expect(requests.filter((request) => request.path.endsWith('/api/partner/login'))).toHaveLength(2);
  });

  it('creates a consumer from a phone, terms accepted at creation, phone not yet verified', async () => {
    const { consumer, adopted } = await createdConsumer(freshPhone(), 'ext-create', 'ada@example.com');
    expect(adopted).toBe(false);
    expect(consumer).toMatchObject({
      externalId: 'ext-create',
      status: 'ACTIVE',
      phoneVerified: false,
      hasEmail: true,
      emailVerified: false,
      termsAccepted: true,
    });
  });

  it('a repeated create (lost answer) adopts the consumer with our externalId; no second consumer', async () => {
    const phone = freshPhone();
    const first = await createdConsumer(phone, 'ext-twice');
    const before = (await audit('consumer')).length;
    const again = await createdConsumer(phone, 'ext-twice');
    expect(again).toMatchObject({ adopted: true, consumer: { consumerId: first.consumer.consumerId } });
    expect((await audit('consumer')).length).toBe(before);
  });

  it("refuses a phone that is another externalId's consumer, naming the phone", async () => {
    const phone = freshPhone();
    await createdConsumer(phone, 'ext-owner');
    const refused = await failureOf(createdConsumer(phone, 'ext-intruder'));
    expect(refused.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(refused.nonRetryable).toBe(true);
    expect(detailsOf(refused)).toMatchObject({ code: 'PHONE_ALREADY_EXISTS', status: 409, fields: ['phone'] });
  });

  it('refuses a phone it cannot split, before calling Linkcy', async () => {
    const refused = await failureOf(createdConsumer('+999123456789'));
    expect(refused.type).toBe(PROVIDER_INPUT_INVALID);
    expect(refused.message).not.toContain('999123456789');
  });

  it('phone code: a wrong one is INVALID_PHONE_CODE (no value echoed), the sandbox code verifies', async () => {
    const { consumer } = await createdConsumer();
    expect(await activities.sendPhoneCode({ consumerId: consumer.consumerId })).toEqual({ ttlSeconds: 600 });
    const wrong = await failureOf(activities.verifyPhoneCode({ consumerId: consumer.consumerId, code: WRONG_CODE }));
    expect(wrong.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(detailsOf(wrong)).toMatchObject({ code: 'INVALID_PHONE_CODE', status: 400 });
    await activities.verifyPhoneCode({ consumerId: consumer.consumerId, code: '123456' });
    expect((await activities.getConsumer({ consumerId: consumer.consumerId })).phoneVerified).toBe(true);
    const again = await failureOf(activities.verifyPhoneCode({ consumerId: consumer.consumerId, code: '123456' }));
    expect(detailsOf(again)).toMatchObject({ status: 409 });
    for (const text of [...logLines, wrong.message, JSON.stringify(wrong.details)]) {
      expect(text).not.toContain(WRONG_CODE);
      expect(text).not.toContain('123456');
    }
  });

  it('the resend limit met by a first attempt is final (not retried), so the customer can be told to wait', async () => {
    await control('PUT', '/settings', { otpMaxSendsPerHour: 1 });
    try {
      const { consumer } = await createdConsumer();
      await activities.sendPhoneCode({ consumerId: consumer.consumerId });
      const limited = await failureOf(activities.sendPhoneCode({ consumerId: consumer.consumerId }));
      expect(limited.type).toBe(PROVIDER_BUSINESS_ERROR);
      expect(detailsOf(limited)).toMatchObject({ code: 'PHONE_CODE_RESEND_LIMIT', status: 429 });
    } finally {
      await control('PUT', '/settings', { otpMaxSendsPerHour: 5 });
    }
  });

  it('change phone: PATCHed split by country code, verification starts again', async () => {
    const consumerId = await verifiedConsumer();
    const changed = await activities.changePhone({ consumerId, phone: { countryCode: '1242', number: '5550123' } });
    expect(changed.phoneVerified).toBe(false);
  });

  it('KYC: a hosted link, one active KYC per consumer, validated once the customer finishes the page', async () => {
    const consumerId = await verifiedConsumer();
    const kyc = await activities.createKyc({ consumerId, accessType: 'LINK', urlOnComplete: 'https://app.example/ok' });
    expect(kyc).toMatchObject({ status: 'CREATED', accessType: 'LINK', sdkToken: null });
    // The hosted page's link ends with the KYC id (the simulator's documented shape).
    expect(kyc.url).toMatch(new RegExp(`^https?://.+/${kyc.kycId}$`));
    expect(Date.parse(kyc.expiresAt ?? '') - Date.now()).toBeGreaterThan(719 * 3_600_000);
    const repeated = await activities.createKyc({ consumerId, accessType: 'LINK' });
    expect(repeated.kycId).toBe(kyc.kycId);
    await control('POST', `/kyc/${kyc.kycId}/complete`, {});
    expect((await activities.getKyc({ kycId: kyc.kycId })).status).toBe('VALIDATED');
    // A create repeated after the answer was lost and the KYC decided: the same KYC, not a refusal.
    expect((await activities.createKyc({ consumerId, accessType: 'LINK' })).kycId).toBe(kyc.kycId);
  });

  it('KYC outcomes by the phone digits: declined (0001), review (0002), abandoned (0003) then a new link', async () => {
    const outcome = async (lastFour: string) => {
      const consumerId = await verifiedConsumer(freshPhone(lastFour));
      const kyc = await activities.createKyc({ consumerId, accessType: 'SDK' });
      expect(kyc.sdkToken).toEqual(expect.any(String));
      await control('POST', `/kyc/${kyc.kycId}/complete`, {});
      return { consumerId, kyc: await activities.getKyc({ kycId: kyc.kycId }) };
    };
    expect((await outcome('0001')).kyc.status).toBe('DECLINED');
    expect((await outcome('0002')).kyc.status).toBe('PENDING_REVIEW');
    const abandoned = await outcome('0003');
    expect(abandoned.kyc.status).toBe('ABORTED');
    const second = await activities.createKyc({ consumerId: abandoned.consumerId, accessType: 'LINK' });
    expect(second.kycId).not.toBe(abandoned.kyc.kycId);
  });

  it('email verification: sent with its 48 h lifetime, verified once the link is clicked', async () => {
    const consumerId = await verifiedConsumer(freshPhone(), 'grace@example.com');
    expect(await activities.sendEmailVerification({ consumerId })).toEqual({ ttlSeconds: 48 * 3600 });
    await control('POST', `/email/${consumerId}/confirm`);
    expect((await activities.getConsumer({ consumerId })).emailVerified).toBe(true);
  });

  it('new terms flip termsAccepted; accepting the new version flips it back; then a ledger, once', async () => {
    const consumerId = await verifiedConsumer();
    const kyc = await activities.createKyc({ consumerId, accessType: 'LINK' });
    await control('POST', `/kyc/${kyc.kycId}/complete`, {});
    const published = await control('POST', '/terms/publish', {});
    expect((await activities.getConsumer({ consumerId })).termsAccepted).toBe(false);
    const terms = await activities.getTerms();
    expect(terms.version).toBe(published.version);
    expect((await activities.acceptTerms({ consumerId, version: terms.version })).termsAccepted).toBe(true);
    const ledger = await activities.createLedger({ consumerId, type: 'EUR_BELGIUM', friendlyName: 'Main' });
    expect(ledger.ledgerId).toEqual(expect.any(String));
    expect(await activities.createLedger({ consumerId, type: 'EUR_BELGIUM' })).toEqual(ledger);
  });

  it('an unknown consumer is a final not-found refusal', async () => {
    const missing = await failureOf(activities.getConsumer({ consumerId: '00000000-0000-4000-8000-000000000000' }));
    expect(missing.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(detailsOf(missing)).toMatchObject({ code: 'END_USER_NOT_FOUND', kind: 'not_found' });
  });
});
