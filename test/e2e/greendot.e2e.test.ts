/**
 * Green Dot end to end, through the gateway alone: HTTP to the gateway, a real Temporal dev server, the worker's
 * queue wiring running the real workflow and activities against the Green Dot simulator, and the simulator's
 * webhooks coming back through the gateway, authenticated with the bearer token it first fetches from the
 * gateway's token endpoint, every message delivered twice. The OFAC review is decided by the sandbox control only
 * (no automatic review), so the webhook, or with it dropped the reconciliation poll, is what finishes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { greendotCustomer } from '../../scripts/customers/greendot.js';
import { customerAnswer, onboardingPath, pendingAction, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

const TEST_TIMEOUT_MS = 150_000;
const { approved, ofac } = greendotCustomer.scenarios;
let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    sandboxEnv: { SANDBOX_GREENDOT_REVIEW_DELAY_MS: 'off', SANDBOX_GREENDOT_TRANSACTION_POST_DELAY_MS: '500' },
    faults: { greendot: { webhookDuplicateRate: 1 } },
  });
});
afterAll(async () => {
  await stack?.close();
});

/** Reconciliation polls minutes apart: only a webhook can move the onboarding on within the test. */
const SLOW_POLLING = { pollInitialInterval: '5m', pollMaxInterval: '10m' };

const approvedStart = approved.startBody('gd-e2e-approved', {
  person: {
    name: { first: 'Philippa', last: 'Montgomery' },
    dateOfBirth: '1983-05-17',
    email: 'philippa.montgomery@example.com',
    phone: '+15550006666',
  },
  options: { pollInitialInterval: '1s', pollMaxInterval: '2s' },
});
const reviewStart = ofac.startBody('gd-e2e-review', {
  person: {
    name: { first: 'Octavia', last: 'Pennington' },
    dateOfBirth: '1979-09-23',
    email: 'octavia.pennington@example.com',
    phone: '+15550007777',
  },
  options: SLOW_POLLING,
});
const droppedStart = ofac.startBody('gd-e2e-dropped', {
  person: {
    name: { first: 'Barnaby', last: 'Whitcombe' },
    dateOfBirth: '1991-02-08',
    email: 'barnaby.whitcombe@example.com',
    phone: '+15550008888',
  },
  options: { pollInitialInterval: '1s', pollMaxInterval: '2s' },
});

async function sandboxControl<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.sandbox.url}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function auditIds(kind: string): Promise<string[]> {
  const { body } = await sandboxControl<{ items: { id: string }[] }>(
    'GET',
    `/_sandbox/audit?provider=greendot&kind=${kind}`,
  );
  return body.items.map((item) => item.id);
}

const act = (id: string, action: string, body: unknown) =>
  stack.call('POST', `${onboardingPath(id)}/actions/${action}`, body);

/** The customer accepts the terms shown, then the onboarding goes on by itself. */
async function acceptTerms(id: string, scenario = approved): Promise<void> {
  const asked = await stack.waitForStatus(id, 'terms pending', (s) => pendingAction(s, 'acceptTerms') !== undefined);
  const answer = customerAnswer(scenario, asked, 'acceptTerms');
  expect((await act(id, answer.action, answer.body)).status).toBe(200);
}

const eventEntries = (status: OnboardingStatus, type: string) =>
  status.timeline.filter((entry) => entry.what === `event ${type}`).length;

describe('Green Dot onboarding through the gateway', () => {
  it(
    'takes a customer from nothing to an account with a card and the welcome credit posted',
    async () => {
      const started = await stack.call('POST', '/v1/onboardings', approvedStart);
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      expect((await stack.call('POST', '/v1/onboardings', approvedStart)).status).toBe(200);
      const accountsBefore = (await auditIds('account')).length;
      await acceptTerms(id);
      const final = await stack.waitForStatus(id, 'completed', (s) => s.state === 'completed');
      expect(final.steps.map((step) => [step.name, step.status])).toEqual([
        ['terms', 'done'],
        ['enrollment', 'done'],
        ['ofac_review', 'skipped'],
        ['account', 'done'],
        ['card', 'done'],
        ['adjustment', 'done'],
        ['transactions', 'done'],
      ]);
      expect(Object.keys(final.result).sort()).toEqual(
        [
          'accountIdentifier',
          'accountReferenceNumber',
          'adjustmentIdentifier',
          'cardType',
          'paymentInstrumentIdentifier',
          'transactionCount',
          'userIdentifier',
        ].sort(),
      );
      expect(final.result.cardType).toBe('virtual');
      expect((await auditIds('account')).length).toBe(accountsBefore + 1);
      expect(await auditIds('transaction')).not.toHaveLength(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a pending OFAC review decided by the sandbox control reaches the onboarding through the webhook',
    async () => {
      const started = await stack.call('POST', '/v1/onboardings', reviewStart);
      const id = started.body.onboardingId;
      await acceptTerms(id, ofac);
      const review = await stack.waitForStatus(
        id,
        'in review',
        (s) => s.step === 'ofac_review' && s.blockedOn === 'reviewer',
      );
      expect(review.state).toBe('in_review');
      const accountIdentifier = review.result.accountIdentifier!;
      const decided = await sandboxControl('POST', `/_sandbox/greendot/accounts/${accountIdentifier}/ofac-review`, {
        decision: 'approved',
      });
      expect(decided.status).toBe(200);
      // Polling is minutes away: only the accountUpdated webhook can wake the review now.
      const final = await stack.waitForStatus(id, 'completed', (s) => s.state === 'completed', 60_000);
      expect(final.steps.find((step) => step.name === 'ofac_review')?.status).toBe('done');
      expect(eventEntries(final, 'accountUpdated')).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the same with every webhook dropped: the reconciliation poll finishes it',
    async () => {
      const dropped = await sandboxControl('PUT', '/_sandbox/faults/greendot', { dropNextWebhooks: 1000 });
      expect(dropped.status).toBe(200);
      try {
        const started = await stack.call('POST', '/v1/onboardings', droppedStart);
        const id = started.body.onboardingId;
        await acceptTerms(id, ofac);
        const review = await stack.waitForStatus(id, 'in review', (s) => s.blockedOn === 'reviewer');
        await sandboxControl('POST', `/_sandbox/greendot/accounts/${review.result.accountIdentifier}/ofac-review`, {
          decision: 'approved',
        });
        const final = await stack.waitForStatus(id, 'completed', (s) => s.state === 'completed');
        expect(eventEntries(final, 'accountUpdated')).toBe(0);
      } finally {
        await sandboxControl('PUT', '/_sandbox/faults/greendot', { webhookDuplicateRate: 1 });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a multi-event message delivered twice is applied once, acknowledged with the echoed request id',
    async () => {
      const id = 'onboarding:greendot:gd-e2e-approved';
      await stack.sandbox.ctx.webhooks.idle();
      const deliveries = stack.sandbox.ctx.webhooks.list({ provider: 'greendot' });
      const status = (await stack.call('GET', onboardingPath(id))).body;
      const account = status.result.accountIdentifier!;
      const multi = deliveries.filter(
        (d) =>
          d.body.includes(account) &&
          (JSON.parse(d.body) as { accounts: { events: unknown[] }[] }).accounts.some((a) => a.events.length > 1),
      );
      expect(multi.length).toBeGreaterThan(0);
      expect(multi.some((delivery) => delivery.duplicateOf !== null)).toBe(true);
      for (const delivery of multi) {
        expect(delivery.state).toBe('delivered');
        expect(delivery.attempts.at(-1)?.status).toBe(200);
      }
      // The posted credit's message (transaction + accountUpdated) came twice; the onboarding took each event once.
      expect(eventEntries(status, 'transaction')).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a 500 on enrollment waits for an operator; retry-step repeats it with the same request id: one account',
    async () => {
      const start = approved.startBody('gd-e2e-operator', {
        person: {
          name: { first: 'Rosalind', last: 'Harcourt' },
          dateOfBirth: '1986-11-02',
          email: 'rosalind.harcourt@example.com',
          phone: '+15550009999',
        },
        options: { pollInitialInterval: '1s', pollMaxInterval: '2s' },
      });
      // The response is lost after Green Dot enrolled (a 5xx that is not a 503): the worst case for a blind retry.
      const fault = await sandboxControl('PUT', '/_sandbox/faults/greendot', {
        pathPattern: '/enrollments',
        loseNextResponses: 1,
        webhookDuplicateRate: 1,
      });
      expect(fault.status).toBe(200);
      const accountsBefore = (await auditIds('account')).length;
      const id = (await stack.call('POST', '/v1/onboardings', start)).body.onboardingId;
      await acceptTerms(id);
      const waiting = await stack.waitForStatus(id, 'operator needed', (s) => s.blockedOn === 'retrying');
      expect(waiting.step).toBe('enrollment');
      expect(waiting.steps.find((step) => step.name === 'enrollment')?.lastError).toContain('ProviderOutcomeUnknown');
      const retry = (body: unknown) => stack.call('POST', `${onboardingPath(id)}/retry-step`, body);
      expect((await retry({ step: 'card', reason: 'checked with Green Dot' })).status).toBe(422);
      const retried = await retry({ step: 'enrollment', reason: 'Green Dot support confirmed the enrollment' });
      expect(retried.status).toBe(200);
      const final = await stack.waitForStatus(id, 'completed', (s) => s.state === 'completed');
      expect(final.timeline.some((entry) => entry.actor === 'operator')).toBe(true);
      expect((await auditIds('account')).length).toBe(accountsBefore + 1);
      expect((await retry({ step: 'enrollment', reason: 'again' })).status).toBe(409);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses a forged token with 401',
    async () => {
      const response = await fetch(`${stack.gatewayUrl}/webhooks/greendot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer forged-token-0000000000' },
        body: JSON.stringify({ accounts: [] }),
      });
      expect(response.status).toBe(401);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps personal data out of history: read without the codec, no SSN, date of birth, name, email, phone, address',
    async () => {
      for (const { customerRef, applicant } of [approvedStart, reviewStart, droppedStart]) {
        const { eventCount, raw } = await stack.rawHistory(`onboarding:greendot:${customerRef}`);
        expect(eventCount).toBeGreaterThan(10);
        const phoneDigits = applicant.phone.replace(/\D/g, '').slice(1);
        for (const secret of [
          applicant.ssn,
          applicant.dateOfBirth,
          applicant.name.first,
          applicant.name.last,
          applicant.email,
          phoneDigits,
          applicant.address.line1,
        ]) {
          expect(raw.includes(secret), `history of ${customerRef} contains ${secret}`).toBe(false);
        }
      }
    },
    TEST_TIMEOUT_MS,
  );
});
