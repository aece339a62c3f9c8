/**
 * Green Dot activities against the Green Dot simulator over real HTTP: token and X-GD-RequestId on every call,
 * enrollment outcomes in HTTP 200, field-named 400s, 503 retryable and 500 left for an operator, the same request
 * id answering the first account after a lost response, cards, wallet payload, welcome credit and close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createGreendotActivities } from '../../activities/greendot/activities.js';
import type { GreendotActivities, GreendotTermsAcceptance } from '../../contract/greendot.js';
import {
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_INPUT_INVALID,
  PROVIDER_OUTCOME_UNKNOWN,
  PROVIDER_UNAVAILABLE,
  type ProviderErrorDetails,
} from '../../contract/provider-failures.js';
import { parseConfig } from '../../common/config.js';
import type { Applicant } from '../../contract/onboarding.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import * as greendotSandbox from '../../sandbox/greendot/index.js';
import { testApplicant } from '../fixtures/applicants.js';

let sandbox: Sandbox & { url: string };
let activities: GreendotActivities;
const requests: { method: string; path: string; requestId: string | null; auth: string | null }[] = [];

let workflowCounter = 0;
/** Each call of `fn` runs as an activity of its own onboarding unless `workflowId` repeats one. */
function inWorkflow<T>(
  fn: () => Promise<T>,
  workflowId = `onboarding:greendot:test-${process.pid}-${++workflowCounter}`,
): Promise<T> {
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

async function sandboxCall(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
async function audit(kind: string): Promise<{ id: string }[]> {
  const response = await sandboxCall('GET', `/_sandbox/audit?provider=greendot&kind=${kind}`);
  return ((await response.json()) as { items: { id: string }[] }).items;
}

const terms = (): GreendotTermsAcceptance[] =>
  ['eSignConsent', 'cardholderAgreement'].map((termsIdentifier) => ({
    termsIdentifier,
    acceptedAt: new Date(Date.now() - 60_000).toISOString(),
  }));
const applicant = (last = 'Lovelace', overrides: Partial<Applicant> = {}): Applicant =>
  testApplicant('400123456', { name: { first: 'Ada', last }, ...overrides });

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
    const headers = new Headers(init?.headers);
    requests.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname,
      requestId: headers.get('x-gd-requestid'),
      auth: headers.get('authorization'),
    });
    return fetch(input, init);
  };
  activities = createGreendotActivities({ config, http: { fetch: recordingFetch } });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('greendot activities: enrollment', () => {
  it('enrolls (token first, a request id on every call) and reads the account with its card', async () => {
    const enrollment = await inWorkflow(() => activities.enroll({ applicant: applicant(), termsAcceptances: terms() }));
    expect(enrollment).toMatchObject({ outcome: 'success', responseCode: '0/0' });
    const account = await inWorkflow(() => activities.getAccount({ accountIdentifier: enrollment.accountIdentifier! }));
    expect(account).toMatchObject({ status: 'normal', ofacStatus: 'passed' });
    expect(account.userIdentifier).toBeTruthy();
    expect(account.accountReferenceNumber).toMatch(/^\d{12}$/);
    expect(account.paymentInstruments[0]).toMatchObject({ type: 'virtual', status: 'activated', isPhysical: false });
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/greendot/authentication' });
    expect(requests[0]!.auth).toMatch(/^Basic /);
    for (const request of requests) expect(request.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests.slice(1).every((request) => request.auth?.startsWith('Bearer '))).toBe(true);
  });

  it('OFAC partial match (1/31 in HTTP 200) is pending, not a refusal; 2/32 is declined', async () => {
    const pending = await inWorkflow(() =>
      activities.enroll({ applicant: applicant('Ofacmatch'), termsAcceptances: terms() }),
    );
    expect(pending).toMatchObject({ outcome: 'pending_ofac', responseCode: '1/31' });
    const account = await inWorkflow(() => activities.getAccount({ accountIdentifier: pending.accountIdentifier! }));
    expect(account).toMatchObject({ status: 'pending', ofacStatus: 'pending' });
    const declined = await inWorkflow(() =>
      activities.enroll({ applicant: applicant('Ofacreject'), termsAcceptances: terms() }),
    );
    expect(declined).toMatchObject({ outcome: 'declined', responseCode: '2/32' });
  });

  it('a 400 names the start body fields, never their values', async () => {
    const failure = await failureOf(
      inWorkflow(() =>
        activities.enroll({
          applicant: applicant('Lovelace', { dateOfBirth: '1990-02-31' }),
          termsAcceptances: terms(),
        }),
      ),
    );
    expect(failure.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(failure.nonRetryable).toBe(true);
    expect(detailsOf(failure)).toMatchObject({ status: 400, code: '700/0', fields: ['applicant.dateOfBirth'] });
    expect(failure.message).not.toContain('1990-02-31');
    const stale = [
      { termsIdentifier: 'eSignConsent', acceptedAt: new Date(Date.now() - 800 * 3_600_000).toISOString() },
    ];
    const oldTerms = await failureOf(
      inWorkflow(() => activities.enroll({ applicant: applicant(), termsAcceptances: stale })),
    );
    expect(detailsOf(oldTerms).fields).toContain('greendot.termsAcceptances');
  });

  it('input Green Dot cannot take is refused before the call, naming the field', async () => {
    const failure = await failureOf(
      inWorkflow(() =>
        activities.enroll({
          applicant: applicant('Lovelace', { address: { ...applicant().address, country: 'FR' } }),
          termsAcceptances: terms(),
        }),
      ),
    );
    expect(failure.type).toBe(PROVIDER_INPUT_INVALID);
    expect(failure.message).toContain('applicant.address.country');
  });

  it('503 is retryable, 500 is ProviderOutcomeUnknown; a lost answer repeated with the same id is the first account', async () => {
    const workflowId = `onboarding:greendot:faults-${process.pid}`;
    // The same body each time, as the workflow sends (a changed body under the same id is refused: 4092).
    const acceptances = terms();
    const enroll = () =>
      inWorkflow(() => activities.enroll({ applicant: applicant(), termsAcceptances: acceptances }), workflowId);
    await sandboxCall('PUT', '/_sandbox/faults/greendot', {
      pathPattern: '/enrollments',
      failNextRequests: 1,
      errorStatus: 503,
    });
    expect((await failureOf(enroll())).type).toBe(PROVIDER_UNAVAILABLE);
    await sandboxCall('PUT', '/_sandbox/faults/greendot', {
      pathPattern: '/enrollments',
      failNextRequests: 1,
      errorStatus: 500,
    });
    const unknown = await failureOf(enroll());
    expect(unknown.type).toBe(PROVIDER_OUTCOME_UNKNOWN);
    expect(unknown.nonRetryable).toBe(true);
    const accountsBefore = (await audit('account')).length;
    // The sandbox answers a lost response with a 502: not a 503, so not repeated blindly either.
    await sandboxCall('PUT', '/_sandbox/faults/greendot', { pathPattern: '/enrollments', loseNextResponses: 1 });
    expect((await failureOf(enroll())).type).toBe(PROVIDER_OUTCOME_UNKNOWN);
    // The operator's retry: the same request id answers the account the lost call created.
    const first = await enroll();
    const again = await enroll();
    expect(again.accountIdentifier).toBe(first.accountIdentifier);
    expect((await audit('account')).length).toBe(accountsBefore + 1);
    await sandboxCall('PUT', '/_sandbox/faults/greendot', {});
  });
});

describe('greendot activities: card, wallet, welcome credit, close', () => {
  it('issues and activates a physical card, provisions a wallet, credits, lists and closes', async () => {
    const workflowId = `onboarding:greendot:money-${process.pid}`;
    const run = <T>(fn: () => Promise<T>) => inWorkflow(fn, workflowId);
    const { accountIdentifier } = await run(() =>
      activities.enroll({ applicant: applicant(), termsAcceptances: terms() }),
    );
    const accountIdentifierOf = accountIdentifier!;
    const card = await run(() => activities.issueCard({ accountIdentifier: accountIdentifierOf, kind: 'physical' }));
    expect(card).toMatchObject({ type: 'contactlessEmv', status: 'notActivated', isPhysical: true });
    const repeated = await run(() =>
      activities.issueCard({ accountIdentifier: accountIdentifierOf, kind: 'physical' }),
    );
    expect(repeated.paymentInstrumentIdentifier).toBe(card.paymentInstrumentIdentifier);
    const activated = await run(() =>
      activities.activateCard({
        accountIdentifier: accountIdentifierOf,
        paymentInstrumentIdentifier: card.paymentInstrumentIdentifier,
      }),
    );
    expect(activated.status).toBe('activated');

    const wallet = await run(() =>
      activities.pushProvision({
        accountIdentifier: accountIdentifierOf,
        paymentInstrumentIdentifier: card.paymentInstrumentIdentifier,
        attempt: 1,
        device: { walletType: 'googlePay', deviceId: 'device-1', walletAccountId: 'wallet-1' },
      }),
    );
    expect(wallet.walletType).toBe('googlePay');
    expect(Object.keys(wallet.payload)).toContain('opaquePaymentCard');

    const credit = await run(() =>
      activities.createAdjustment({
        accountIdentifier: accountIdentifierOf,
        purpose: 'welcome',
        amount: 10,
        currency: 'USD',
        adjustmentType: 'promo',
        description: 'Welcome bonus',
      }),
    );
    expect(credit.status).toBe('completed');
    const transactions = await run(() => activities.listTransactions({ accountIdentifier: accountIdentifierOf }));
    expect(transactions).toEqual([
      expect.objectContaining({ adjustmentIdentifier: credit.adjustmentIdentifier, status: 'posted', amount: 10 }),
    ]);
    const notEnabled = await failureOf(
      run(() =>
        activities.createAdjustment({
          accountIdentifier: accountIdentifierOf,
          purpose: 'welcome-reversal',
          amount: 10,
          currency: 'USD',
          adjustmentType: 'disbursement',
          description: 'Not enabled',
        }),
      ),
    );
    expect(notEnabled.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(detailsOf(notEnabled).fields).toContain('greendot.welcomeAdjustment.adjustmentType');

    const reversal = await inWorkflow(() =>
      activities.createAdjustment({
        accountIdentifier: accountIdentifierOf,
        purpose: 'welcome-reversal',
        amount: -10,
        currency: 'USD',
        adjustmentType: 'promoReversal',
        description: 'Reversal: Welcome bonus',
      }),
    );
    expect(reversal.status).toBe('completed');
    const closed = await run(() => activities.closeAccount({ accountIdentifier: accountIdentifierOf }));
    expect(closed.status).toBe('restricted');
    const closedAgain = await run(() => activities.closeAccount({ accountIdentifier: accountIdentifierOf }));
    expect(closedAgain.status).toBe('restricted');
  });
});
