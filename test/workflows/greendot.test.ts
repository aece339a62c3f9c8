/**
 * The Green Dot onboarding workflow on the time-skipping test server: the real workflow code, fake Green Dot
 * activities (greendot-fake.ts). Every outcome of the issue: success, OFAC pending → approved / declined / expired,
 * invalid input, 503 and 500 on enrollment, card processor failure, each optional step on and off, the bonus
 * before and after the card, and cancel at every step with its compensation.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GREENDOT_ACTIONS,
  greendotAcceptTermsUpdate,
  greendotActivateCardUpdate,
  greendotPushProvisioningUpdate,
} from '../../contract/greendot.js';
import type { GreendotProviderInput } from '../../contract/greendot.js';
import { retryStepUpdate } from '../../contract/operator.js';
import {
  ACTION_NOT_EXPECTED,
  INVALID_ACTION,
  cancelUpdate,
  onboardingWorkflowId,
  providerEventSignal,
} from '../../contract/onboarding.js';
import type { OnboardingInput, OnboardingOptions, OnboardingStatus } from '../../contract/onboarding.js';
import type { greendotOnboarding } from '../../workflows/greendot.js';
import { pendingAction, startWorkflowHarness, waitForStatus } from '../helpers/workflow-harness.js';
import type { WorkflowHarness } from '../helpers/workflow-harness.js';
import { FakeGreendot, greendotRefusal, serverError, unavailable } from './greendot-fake.js';
import type { CardFate } from './greendot-fake.js';

const TASK_QUEUE = 'greendot-workflow-test';
const fake = new FakeGreendot();
let harness: WorkflowHarness;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  harness = await startWorkflowHarness({ taskQueue: TASK_QUEUE, activities: fake.activities() });
  ({ env } = harness);
});
afterAll(async () => {
  await harness?.teardown();
});

type Handle = WorkflowHandle<typeof greendotOnboarding>;
let customers = 0;

interface StartOptions {
  lastName?: string;
  block?: Partial<GreendotProviderInput>;
  options?: OnboardingOptions;
  /** Acceptances in the start (default: fresh ones for every term); null = none, the customer is asked. */
  acceptedAt?: string | null;
  card?: CardFate;
  before?: (workflowId: string) => void;
}

async function start({ lastName = 'Lovelace', block = {}, options, acceptedAt, card, before }: StartOptions = {}) {
  // Workflow time is the test server's clock, not this process's.
  const at = acceptedAt === undefined ? new Date((await env.currentTimeMs()) - 60_000).toISOString() : acceptedAt;
  const input: OnboardingInput<GreendotProviderInput> = {
    provider: 'greendot',
    customerRef: `gd_cust_${++customers}`,
    applicant: {
      name: { first: 'Ada', last: lastName },
      dateOfBirth: '1990-01-31',
      ssn: '400123456',
      email: 'ada@example.com',
      phone: '+15551234567',
      address: { line1: '2000 Allston Way', city: 'Berkeley', state: 'CA', postalCode: '94701', country: 'US' },
    },
    providerInput: {
      ...(at
        ? { termsAcceptances: fake.terms.map((t) => ({ termsIdentifier: t.termsIdentifier, acceptedAt: at })) }
        : {}),
      ...block,
    },
    ...(options ? { options } : {}),
  };
  const workflowId = onboardingWorkflowId('greendot', input.customerRef);
  if (card) fake.cardFate(workflowId, card);
  before?.(workflowId);
  const handle: Handle = await env.client.workflow.start<typeof greendotOnboarding>('greendotOnboarding', {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [input],
  });
  return { handle, workflowId };
}

async function rejection(update: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await update;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause;
    throw err;
  }
  throw new Error('the update was accepted');
}

const steps = (status: OnboardingStatus) => Object.fromEntries(status.steps.map((s) => [s.name, s.status]));
const waitForAction = (handle: Handle, action: string) =>
  waitForStatus(handle, `pending ${action}`, (status) => !!pendingAction(status, action));
const startedOrder = (status: OnboardingStatus) =>
  status.timeline
    .filter((e) => e.what.startsWith('step ') && e.what.endsWith(' started'))
    .map((e) => e.what.split(' ')[1]);

async function cancel(handle: Handle): Promise<OnboardingStatus> {
  return handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer changed their mind' }] });
}

describe('greendotOnboarding: enrollment outcomes', () => {
  it('success: terms from the start, account read, virtual card, no optional step', async () => {
    const { handle, workflowId } = await start();
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(steps(final)).toEqual({
      terms: 'done',
      enrollment: 'done',
      ofac_review: 'skipped',
      account: 'done',
      card: 'done',
    });
    const [account] = fake.accountsOf(workflowId);
    expect(final.result).toEqual({
      accountIdentifier: account!.id,
      accountReferenceNumber: `ref-${account!.id}`,
      userIdentifier: `user-${account!.id}`,
      paymentInstrumentIdentifier: `pi-${account!.id}`,
      cardType: 'virtual',
    });
    expect(fake.callsOf(workflowId, 'createAdjustment') + fake.callsOf(workflowId, 'pushProvision')).toBe(0);
  });

  it('terms missing or older than 720 h: acceptTerms asks, checks every identifier, stamps the time', async () => {
    const stale = new Date((await env.currentTimeMs()) - 721 * 3_600_000).toISOString();
    const { handle, workflowId } = await start({ acceptedAt: stale });
    const asked = await waitForAction(handle, GREENDOT_ACTIONS.acceptTerms);
    expect(asked).toMatchObject({ state: 'action_required', step: 'terms', blockedOn: 'customer' });
    expect(pendingAction(asked, GREENDOT_ACTIONS.acceptTerms)?.data).toEqual({ terms: fake.terms });
    const partial = await rejection(
      handle.executeUpdate(greendotAcceptTermsUpdate, { args: [{ termsIdentifiers: ['sandbox-esign'] }] }),
    );
    expect(partial.type).toBe(INVALID_ACTION);
    expect(partial.message).toContain('termsIdentifiers: not accepted: sandbox-cardholder-agreement');
    await handle.executeUpdate(greendotAcceptTermsUpdate, {
      args: [{ termsIdentifiers: fake.terms.map((t) => t.termsIdentifier) }],
    });
    expect((await handle.result()).state).toBe('completed');
    const enrolled = JSON.parse(fake.calls.find((c) => c.workflowId === workflowId && c.activity === 'enroll')!.input);
    for (const acceptance of enrolled.termsAcceptances)
      expect(Date.parse(acceptance.acceptedAt)).toBeGreaterThan(Date.parse(stale));
  });

  it('OFAC pending → in review (SLA reported) → approved by the webhook hint → completed', async () => {
    const { handle, workflowId } = await start({
      lastName: 'Ofacmatch',
      options: { deadlines: { ofacReview: { expireAfter: '10d' } } },
    });
    const review = await waitForStatus(
      handle,
      'in review',
      (s) => s.step === 'ofac_review' && s.blockedOn === 'reviewer',
    );
    expect(review.state).toBe('in_review');
    const account = fake.accountsOf(workflowId)[0]!;
    // Two business days are at most four calendar days (from a Friday): past them the SLA is reported, the review
    // still waits.
    await env.sleep('108h');
    await waitForStatus(handle, 'SLA passed', (s) => s.timeline.some((e) => e.what === 'review SLA passed'));
    expect(fake.outbound.some((e) => e.onboardingId === workflowId && e.type === 'onboarding.review_sla_passed')).toBe(
      true,
    );
    fake.decideOfac(account.id, 'passed');
    await handle.signal(providerEventSignal, {
      provider: 'greendot',
      eventId: `evt-${account.id}`,
      type: 'accountUpdated',
      refs: [`greendot:account:${account.id}`],
      occurredAt: new Date().toISOString(),
      data: {},
    });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(steps(final).ofac_review).toBe('done');
  });

  it('OFAC pending → declined: rejected, the account left to Green Dot (it closed it)', async () => {
    const { handle, workflowId } = await start({ lastName: 'Ofacdecline' });
    await waitForStatus(handle, 'in review', (s) => s.blockedOn === 'reviewer');
    const account = fake.accountsOf(workflowId)[0]!;
    fake.decideOfac(account.id, 'failed');
    const final = await handle.result();
    expect(final.state).toBe('rejected');
    expect(account.closes).toBe(0);
  });

  it('OFAC hard decline at enrollment (2/32): rejected at once, nothing to compensate', async () => {
    const { handle, workflowId } = await start({ lastName: 'Ofacreject' });
    const final = await handle.result();
    expect(final.state).toBe('rejected');
    expect(final.timeline.at(-1)?.why).toContain('2/32');
    expect(fake.callsOf(workflowId, 'getAccount')).toBe(0);
  });

  it('an OFAC review that outlives its expiry ends expired; a pending account is left to Green Dot', async () => {
    const { handle, workflowId } = await start({
      lastName: 'Ofacslow',
      options: { deadlines: { ofacReview: { expireAfter: '5d' } } },
    });
    const final = await handle.result();
    expect(final.state).toBe('expired');
    expect(final.timeline.some((e) => e.what === 'review SLA passed')).toBe(true);
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(0);
  });

  it('invalid input (400): failed naming the field, nothing to compensate', async () => {
    const { handle } = await start({
      before: (id) =>
        fake.script(id, 'enroll', [() => greendotRefusal('700/0', 'applicant.dateOfBirth: not YYYY-MM-DD')]),
    });
    const final = await handle.result();
    expect(final.state).toBe('failed');
    expect(final.steps.find((s) => s.name === 'enrollment')?.lastError).toContain('applicant.dateOfBirth');
    expect(final.timeline.some((e) => e.what === 'nothing to compensate')).toBe(true);
  });

  it('503 then success: retried with the same request, one account', async () => {
    const { handle, workflowId } = await start({ before: (id) => fake.script(id, 'enroll', [unavailable]) });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(fake.callsOf(workflowId, 'enroll')).toBe(2);
    expect(fake.accountsOf(workflowId)).toHaveLength(1);
  });

  it('500: waits for an operator retry (same request), then one account', async () => {
    const { handle, workflowId } = await start({ before: (id) => fake.script(id, 'enroll:after', [serverError]) });
    const waiting = await waitForStatus(
      handle,
      'operator needed',
      (s) => s.blockedOn === 'retrying' && s.step === 'enrollment',
    );
    expect(waiting.steps.find((s) => s.name === 'enrollment')?.lastError).toContain('ProviderOutcomeUnknown');
    expect(
      fake.outbound.some((e) => e.onboardingId === workflowId && e.type === 'onboarding.operator_retry_needed'),
    ).toBe(true);
    const wrongStep = await rejection(
      handle.executeUpdate(retryStepUpdate, { args: [{ step: 'card', reason: 'checked' }] }),
    );
    expect(wrongStep.type).toBe(INVALID_ACTION);
    await handle.executeUpdate(retryStepUpdate, {
      args: [{ step: 'enrollment', reason: 'Green Dot support checked' }],
    });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(fake.callsOf(workflowId, 'enroll')).toBe(2);
    expect(
      new Set(fake.calls.filter((c) => c.workflowId === workflowId && c.activity === 'enroll').map((c) => c.input))
        .size,
    ).toBe(1);
    expect(fake.accountsOf(workflowId)).toHaveLength(1);
    expect(final.timeline.some((e) => e.actor === 'operator' && e.why === 'Green Dot support checked')).toBe(true);
  });
});

describe('greendotOnboarding: card', () => {
  it('a card processor failure (its event) fails the card step with the reason and closes the account', async () => {
    const { handle, workflowId } = await start({ card: 'never' });
    await waitForStatus(handle, 'waiting for the card', (s) => s.step === 'card' && s.blockedOn === 'provider');
    const accountIdentifier = fake.accountsOf(workflowId)[0]!.id;
    await handle.signal(providerEventSignal, {
      provider: 'greendot',
      eventId: `evt-card-${accountIdentifier}`,
      type: 'cardUpdated',
      refs: [`greendot:account:${accountIdentifier}`],
      occurredAt: new Date().toISOString(),
      data: { accountIdentifier, cardUpdateType: 'processorFailure', reason: 'processor timeout after 4 tries' },
    });
    const final = await handle.result();
    expect(final.state).toBe('failed');
    expect(final.steps.find((s) => s.name === 'card')?.lastError).toContain('processor timeout');
    expect(steps(final).enrollment).toBe('compensated');
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(1);
  });

  it('a card that takes a while is waited for (polled) without failing', async () => {
    const { handle } = await start({ card: 'late' });
    expect((await handle.result()).state).toBe('completed');
  });

  it('a physical card issued by the partner waits for activateCard, an Update that calls Green Dot', async () => {
    const { handle, workflowId } = await start({ block: { card: { issue: 'physical' } } });
    const asked = await waitForAction(handle, GREENDOT_ACTIONS.activateCard);
    expect(pendingAction(asked, GREENDOT_ACTIONS.activateCard)?.data).toEqual({
      paymentInstrumentIdentifier: `pi-physical-${fake.accountsOf(workflowId)[0]!.id}`,
      type: 'contactlessEmv',
    });
    // Nothing waits for an operator: retryStep is refused (409) and changes nothing.
    const untimely = await rejection(
      handle.executeUpdate(retryStepUpdate, { args: [{ step: 'card', reason: 'no reason to' }] }),
    );
    expect(untimely.type).toBe(ACTION_NOT_EXPECTED);
    const answered = await handle.executeUpdate(greendotActivateCardUpdate, { args: [{}] });
    expect(pendingAction(answered, GREENDOT_ACTIONS.activateCard)).toBeUndefined();
    expect((await handle.result()).state).toBe('completed');
    expect(fake.accountsOf(workflowId)[0]!.card?.status).toBe('activated');
  });
});

describe('greendotOnboarding: optional steps', () => {
  const allOn: Partial<GreendotProviderInput> = {
    pushProvisioning: { wallet: 'applePay' },
    welcomeAdjustment: { amount: 10, currency: 'USD', adjustmentType: 'promo', description: 'Welcome bonus' },
    transactions: { verifyAdjustmentPosted: true, notBefore: '30s' },
  };
  const device = { walletType: 'applePay' as const, deviceId: 'device-1', walletAccountId: 'wallet-1' };

  it('all on: push provisioning answers the payload once, bonus after the card, posted, transactions read', async () => {
    const { handle, workflowId } = await start({ block: allOn });
    await waitForAction(handle, GREENDOT_ACTIONS.pushProvisioning);
    const wrongWallet = await rejection(
      handle.executeUpdate(greendotPushProvisioningUpdate, { args: [{ ...device, walletType: 'googlePay' }] }),
    );
    expect(wrongWallet.message).toContain('walletType');
    const answer = await handle.executeUpdate(greendotPushProvisioningUpdate, { args: [device] });
    expect(answer.actionResult).toEqual({
      walletType: 'applePay',
      payload: { activationData: 'act-1', encryptedPassData: 'opaque' },
    });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final).not.toHaveProperty('actionResult');
    expect(JSON.stringify(final)).not.toContain('encryptedPassData');
    expect(startedOrder(final)).toEqual([
      'terms',
      'enrollment',
      'account',
      'card',
      'push_provisioning',
      'adjustment',
      'transactions',
    ]);
    expect(final.result.adjustmentIdentifier).toBe(`adj-${workflowId}-welcome`);
    expect(final.result.transactionCount).toBe('1');
    expect(fake.callsOf(workflowId, 'pushProvision')).toBe(1);
  });

  it('bonus before the card: the adjustment step runs (and posts) before the card step', async () => {
    const { handle } = await start({
      block: { welcomeAdjustment: { ...allOn.welcomeAdjustment!, timing: 'beforeCard' } },
    });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(startedOrder(final)).toEqual(['terms', 'enrollment', 'account', 'adjustment', 'card']);
  });

  it('a credit of unknown outcome (500) waits for an operator retry, then posts once: nothing closed', async () => {
    const { handle, workflowId } = await start({
      block: { welcomeAdjustment: allOn.welcomeAdjustment! },
      before: (id) => fake.script(id, 'createAdjustment', [serverError]),
    });
    await waitForStatus(handle, 'operator needed', (s) => s.blockedOn === 'retrying' && s.step === 'adjustment');
    await handle.executeUpdate(retryStepUpdate, { args: [{ step: 'adjustment', reason: 'no credit at Green Dot' }] });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(fake.callsOf(workflowId, 'createAdjustment')).toBe(2);
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(0);
  });

  it('an adjustment Green Dot refuses fails clearly, and the account is closed', async () => {
    const { handle, workflowId } = await start({
      block: { welcomeAdjustment: allOn.welcomeAdjustment! },
      before: (id) => fake.failAdjustments(id),
    });
    const final = await handle.result();
    expect(final.state).toBe('failed');
    expect(final.steps.find((s) => s.name === 'adjustment')?.lastError).toContain('AdjustmentFailed');
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(1);
  });
});

describe('greendotOnboarding: cancel at every step compensates what exists', () => {
  it('at terms: nothing to compensate', async () => {
    const { handle, workflowId } = await start({ acceptedAt: null });
    await waitForAction(handle, GREENDOT_ACTIONS.acceptTerms);
    const final = await cancel(handle);
    expect(final.state).toBe('cancelled');
    expect(fake.callsOf(workflowId, 'enroll')).toBe(0);
  });

  it('at enrollment, waiting for an operator: cancelled, the account (made by the 500) left to Green Dot to close', async () => {
    const { handle, workflowId } = await start({ before: (id) => fake.script(id, 'enroll:after', [serverError]) });
    await waitForStatus(handle, 'operator needed', (s) => s.blockedOn === 'retrying');
    const final = await cancel(handle);
    expect(final.state).toBe('cancelled');
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(0);
  });

  it('at the account read, in flight: the read finishes, then the account is closed', async () => {
    let hold: ReturnType<FakeGreendot['hold']> | undefined;
    const { handle, workflowId } = await start({ before: (id) => (hold = fake.hold(id, 'getAccount')) });
    await hold!.entered;
    const cancelled = cancel(handle);
    await waitForStatus(handle, 'cancel recorded', (s) => s.timeline.some((e) => e.what === 'cancel requested'));
    hold!.release();
    const final = await cancelled;
    expect(final.state).toBe('cancelled');
    expect(steps(final).enrollment).toBe('compensated');
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(1);
    expect(fake.callsOf(workflowId, 'issueCard') + fake.callsOf(workflowId, 'createAdjustment')).toBe(0);
  });

  it('at the OFAC review: the pending account is left to Green Dot', async () => {
    const { handle, workflowId } = await start({ lastName: 'Ofacwait' });
    await waitForStatus(handle, 'in review', (s) => s.blockedOn === 'reviewer');
    const final = await cancel(handle);
    expect(final.state).toBe('cancelled');
    expect(final.timeline.some((e) => e.what.includes('left to Green Dot'))).toBe(true);
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(0);
  });

  it('at the card (activation wait): the account is closed', async () => {
    const { handle, workflowId } = await start({ card: 'physical' });
    await waitForAction(handle, GREENDOT_ACTIONS.activateCard);
    const final = await cancel(handle);
    expect(final.state).toBe('cancelled');
    expect(steps(final).enrollment).toBe('compensated');
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(1);
  });

  it('at push provisioning, with the bonus credited before the card: reversed, then the account closed', async () => {
    const { handle, workflowId } = await start({
      block: {
        pushProvisioning: { wallet: 'googlePay' },
        welcomeAdjustment: {
          amount: 5,
          currency: 'USD',
          adjustmentType: 'promo',
          description: 'Welcome',
          timing: 'beforeCard',
        },
      },
    });
    // The credit posts on a later poll: let the poll interval pass.
    await env.sleep('2m');
    await waitForAction(handle, GREENDOT_ACTIONS.pushProvisioning);
    const final = await cancel(handle);
    expect(final.state).toBe('cancelled');
    expect(steps(final)).toMatchObject({ adjustment: 'compensated', enrollment: 'compensated' });
    const reversal = fake.adjustments.get(`adj-${workflowId}-welcome-reversal`);
    expect(reversal).toMatchObject({ amount: -5, type: 'promoReversal' });
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(1);
  });

  it('at the adjustment, while it posts: reversed and closed', async () => {
    const { handle, workflowId } = await start({
      block: { welcomeAdjustment: { amount: 7, currency: 'USD', adjustmentType: 'promo', description: 'Welcome' } },
    });
    await waitForStatus(
      handle,
      'adjustment posting',
      (s) => s.step === 'adjustment' && s.blockedOn === 'provider' && !!s.result.adjustmentIdentifier,
    );
    const final = await cancel(handle);
    expect(final.state).toBe('cancelled');
    expect(fake.adjustments.has(`adj-${workflowId}-welcome-reversal`)).toBe(true);
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(1);
  });

  it('at transactions (before notBefore): the credit is reversed and the account closed', async () => {
    const { handle, workflowId } = await start({
      block: {
        welcomeAdjustment: { amount: 3, currency: 'USD', adjustmentType: 'promo', description: 'Welcome' },
        transactions: { notBefore: '1h' },
      },
    });
    await env.sleep('2m');
    await waitForStatus(handle, 'transactions step', (s) => s.step === 'transactions');
    const final = await cancel(handle);
    expect(final.state).toBe('cancelled');
    expect(steps(final)).toMatchObject({ adjustment: 'compensated', enrollment: 'compensated' });
    expect(fake.accountsOf(workflowId)[0]!.closes).toBe(1);
  });
});
