/**
 * The tracker's provider actions and waits on the customer acting elsewhere, on the time-skipping server, through
 * a Linkcy-shaped fixture saga (test/workflows/fixtures/provider-action-workflows.ts): an SMS code checked by the
 * provider inside the Update, with an attempts budget, then a hosted KYC page only the provider sees completed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommonActivities, OutboundEvent } from '../../contract/outbound.js';
import {
  ACTION_NOT_EXPECTED,
  INVALID_ACTION,
  onboardingWorkflowId,
  providerEventSignal,
  statusQuery,
} from '../../contract/onboarding.js';
import type { OnboardingInput, OnboardingOptions, OnboardingStatus } from '../../contract/onboarding.js';
import { CUSTOMER_ATTEMPTS_EXHAUSTED, PROVIDER_ACTION_UNAVAILABLE } from '../../workflows/shared/failures.js';
import { pendingAction, startWorkflowHarness, waitForStatus } from '../helpers/workflow-harness.js';
import type { WorkflowHarness } from '../helpers/workflow-harness.js';
import { CODE_ATTEMPTS, KYC_URL, verifyCodeUpdate } from './fixtures/provider-action-workflows.js';
import type {
  ActionFixtureActivities,
  ActionFixtureInput,
  providerActionFixture,
} from './fixtures/provider-action-workflows.js';

const TASK_QUEUE = 'provider-actions-test';
const workflowsPath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures/provider-action-workflows.ts',
);

/** The code the fake provider accepts, and wrong ones; six digits that appear nowhere else in these tests. */
const RIGHT_CODE = '246813';
const WRONG_CODES = ['918273', '827364', '736455'];
const UNREACHABLE_CODE = '500500';

interface Gate {
  entered: Promise<void>;
  release: () => void;
}

/** The fake provider, keyed by workflow id. */
const fake = {
  calls: [] as { workflowId: string; activity: string; input: string }[],
  kyc: new Map<string, string>(),
  outbound: [] as OutboundEvent[],
  gates: new Map<string, { entered: () => void; released: Promise<void> }>(),
  callsOf(workflowId: string, activity: string) {
    return this.calls.filter((call) => call.workflowId === workflowId && call.activity === activity);
  },
  /** The next verifyCode of `workflowId` blocks until released. */
  holdVerify(workflowId: string): Gate {
    let entered!: () => void;
    let release!: () => void;
    const gate: Gate = { entered: new Promise<void>((resolve) => (entered = resolve)), release: () => release() };
    this.gates.set(workflowId, { entered: () => entered(), released: new Promise<void>((r) => (release = r)) });
    return gate;
  },
};

function workflowIdOfActivity(): string {
  return Context.current().info.workflowExecution?.workflowId ?? 'unknown';
}

function record(activity: string, input: unknown = {}): string {
  const workflowId = workflowIdOfActivity();
  fake.calls.push({ workflowId, activity, input: JSON.stringify(input) });
  return workflowId;
}

const activities: ActionFixtureActivities & CommonActivities = {
  async createConsumer() {
    const workflowId = record('createConsumer');
    return `consumer-${fake.calls.filter((call) => call.workflowId === workflowId).length}`;
  },
  async closeConsumer(consumerId) {
    record('closeConsumer', { consumerId });
  },
  async sendCode() {
    record('sendCode');
  },
  async verifyCode(input) {
    const workflowId = record('verifyCode', input);
    const gate = fake.gates.get(workflowId);
    if (gate) {
      fake.gates.delete(workflowId);
      gate.entered();
      await gate.released;
    }
    if (input.code === UNREACHABLE_CODE) throw ApplicationFailure.nonRetryable('connection reset', 'ProviderDown');
    if (input.code !== RIGHT_CODE) {
      throw ApplicationFailure.nonRetryable('Phone code is not valid.', 'ProviderBusinessError', {
        code: 'INVALID_PHONE_CODE',
      });
    }
  },
  async kycStatus() {
    const workflowId = record('kycStatus');
    return fake.kyc.get(workflowId) ?? 'CREATED';
  },
  async emitOutboundEvent(event) {
    fake.outbound.push(event);
  },
};

let harness: WorkflowHarness;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  harness = await startWorkflowHarness({ taskQueue: TASK_QUEUE, activities, workflowsPath });
  ({ env } = harness);
});

afterAll(async () => {
  await harness?.teardown();
});

type Handle = WorkflowHandle<typeof providerActionFixture>;
let customers = 0;

async function start(providerInput: ActionFixtureInput = {}, options?: OnboardingOptions): Promise<Handle> {
  const input: OnboardingInput<ActionFixtureInput> = {
    provider: 'linkcy',
    customerRef: `action_${++customers}`,
    applicant: {
      name: { first: 'Ada', last: 'Lovelace' },
      dateOfBirth: '1990-01-31',
      ssn: '400123456',
      email: 'ada@example.com',
      phone: '+15551234567',
      address: { line1: '1 Main St', city: 'Berkeley', state: 'CA', postalCode: '94701', country: 'US' },
    },
    providerInput,
    ...(options ? { options } : {}),
  };
  return env.client.workflow.start<typeof providerActionFixture>('providerActionFixture', {
    taskQueue: TASK_QUEUE,
    workflowId: onboardingWorkflowId('linkcy', input.customerRef),
    args: [input],
  });
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

const verify = (handle: Handle, code: string) => handle.executeUpdate(verifyCodeUpdate, { args: [{ code }] });

const waitForCode = (handle: Handle) =>
  waitForStatus(handle, 'pending verifyCode', (status) => !!pendingAction(status, 'verifyCode'));

function stepStatuses(status: OnboardingStatus): Record<string, string> {
  return Object.fromEntries(status.steps.map((step) => [step.name, step.status]));
}

/** No code the customer sent is kept anywhere in the status (timeline and failure texts included). */
function expectNoCodes(status: OnboardingStatus): void {
  const text = JSON.stringify(status);
  for (const code of [RIGHT_CODE, ...WRONG_CODES, UNREACHABLE_CODE]) expect(text).not.toContain(code);
}

describe('defineProviderAction: an SMS code with an attempts budget', () => {
  it('refuses a wrong code with the attempts left, accepts the right one and moves on', async () => {
    const handle = await start();
    const waiting = await waitForCode(handle);
    expect(waiting).toMatchObject({ state: 'action_required', step: 'phone', blockedOn: 'customer' });
    expect(pendingAction(waiting, 'verifyCode')?.data).toEqual({ channel: 'sms', attemptsLeft: CODE_ATTEMPTS });

    const wrong = await rejection(verify(handle, WRONG_CODES[0]!));
    expect(wrong).toMatchObject({
      type: INVALID_ACTION,
      message: `code: the provider did not accept it; ${CODE_ATTEMPTS - 1} attempts left`,
    });
    expect(wrong.details?.[0]).toEqual({ field: 'code', attemptsLeft: CODE_ATTEMPTS - 1 });
    const afterWrong = await handle.query(statusQuery);
    expect(pendingAction(afterWrong, 'verifyCode')?.data).toEqual({ channel: 'sms', attemptsLeft: CODE_ATTEMPTS - 1 });
    expect(afterWrong).toMatchObject({ state: 'action_required', step: 'phone' });

    // A malformed code never reaches the provider and uses no attempt.
    const malformed = await rejection(verify(handle, '12ab'));
    expect(malformed).toMatchObject({ type: INVALID_ACTION, message: 'code: six digits' });
    // The provider unreachable: "try again later", no attempt used.
    const down = await rejection(verify(handle, UNREACHABLE_CODE));
    expect(down).toMatchObject({ type: PROVIDER_ACTION_UNAVAILABLE, nonRetryable: true });
    expect(down.message).toMatch(/try again later/);
    expect(pendingAction(await handle.query(statusQuery), 'verifyCode')?.data.attemptsLeft).toBe(CODE_ATTEMPTS - 1);
    expect(fake.callsOf(handle.workflowId, 'verifyCode')).toHaveLength(2);

    const accepted = await verify(handle, RIGHT_CODE);
    expect(pendingAction(accepted, 'verifyCode')).toBeUndefined();
    expect(stepStatuses(accepted)).toMatchObject({ consumer: 'done', phone: 'done' });
    expect(accepted.timeline.map((entry) => entry.what)).toContain('verified the phone number');

    // The wait moved on to KYC: the code is not expected any more.
    const again = await rejection(verify(handle, RIGHT_CODE));
    expect(again.type).toBe(ACTION_NOT_EXPECTED);

    fake.kyc.set(handle.workflowId, 'VALIDATED');
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expectNoCodes(final);
  });

  it('fails the step with a clear non-retryable failure once every attempt is refused, and compensates', async () => {
    const handle = await start();
    await waitForCode(handle);
    const messages: string[] = [];
    for (const code of WRONG_CODES) messages.push((await rejection(verify(handle, code))).message);
    expect(messages).toEqual([
      'code: the provider did not accept it; 2 attempts left',
      'code: the provider did not accept it; 1 attempt left',
      'code: the provider did not accept it; no attempts left',
    ]);
    const late = await rejection(verify(handle, RIGHT_CODE));
    expect(late.type).toBe(ACTION_NOT_EXPECTED);
    expect(fake.callsOf(handle.workflowId, 'verifyCode')).toHaveLength(CODE_ATTEMPTS);

    const final = await handle.result();
    expect(final.state).toBe('failed');
    expect(stepStatuses(final)).toEqual({ consumer: 'compensated', phone: 'failed', kyc: 'skipped' });
    const phone = final.steps.find((step) => step.name === 'phone');
    expect(phone?.lastError).toBe(`${CUSTOMER_ATTEMPTS_EXHAUSTED}: verifyCode was refused 3 times; no attempts left`);
    expect(fake.callsOf(handle.workflowId, 'closeConsumer')).toHaveLength(1);
    expectNoCodes(final);
  });

  it('lets the saga send a new code when the budget is used up, refilling it', async () => {
    const handle = await start({ onExhausted: 'resendOnce' });
    await waitForCode(handle);
    for (const code of WRONG_CODES) await rejection(verify(handle, code));
    const renewed = await waitForStatus(
      handle,
      'attempts renewed',
      (status) => pendingAction(status, 'verifyCode')?.data.attemptsLeft === CODE_ATTEMPTS,
    );
    expect(renewed).toMatchObject({ state: 'action_required', step: 'phone', blockedOn: 'customer' });
    expect(fake.callsOf(handle.workflowId, 'sendCode')).toHaveLength(2);
    expect(renewed.timeline.map((entry) => entry.what)).toEqual(
      expect.arrayContaining(['no attempts left: verifyCode', 'a new code was sent', 'attempts renewed: verifyCode']),
    );

    const accepted = await verify(handle, RIGHT_CODE);
    expect(stepStatuses(accepted)).toMatchObject({ phone: 'done' });
    expect(pendingAction(accepted, 'verifyCode')).toBeUndefined();
    fake.kyc.set(handle.workflowId, 'VALIDATED');
    expect((await handle.result()).state).toBe('completed');
  });

  it('answers 409 to a second call while the first is with the provider', async () => {
    const handle = await start();
    await waitForCode(handle);
    const gate = fake.holdVerify(handle.workflowId);
    const first = verify(handle, RIGHT_CODE);
    await gate.entered;
    const second = await rejection(verify(handle, WRONG_CODES[0]!));
    expect(second).toMatchObject({ type: ACTION_NOT_EXPECTED, message: 'verifyCode is already in progress' });
    gate.release();
    const accepted = await first;
    expect(stepStatuses(accepted)).toMatchObject({ phone: 'done' });
    // The refused second call reached no provider and used no attempt.
    expect(fake.callsOf(handle.workflowId, 'verifyCode')).toHaveLength(1);
    // Finish rather than terminate: a workflow terminated with an activity in flight stops the test server's clock.
    fake.kyc.set(handle.workflowId, 'VALIDATED');
    expect((await handle.result()).state).toBe('completed');
  });
});

describe('waitForCustomerElsewhere: a hosted KYC page', () => {
  it('lists the link, and a provider event ends the wait (no poll timer needed)', async () => {
    const handle = await start({ skipPhone: true });
    const waiting = await waitForStatus(
      handle,
      'pending completeKyc',
      (status) => !!pendingAction(status, 'completeKyc'),
    );
    expect(waiting).toMatchObject({ state: 'action_required', step: 'kyc', blockedOn: 'customer' });
    const action = pendingAction(waiting, 'completeKyc');
    expect(action?.data).toEqual({ url: KYC_URL });
    expect(Date.parse(action?.expiresAt ?? '')).toBeGreaterThan(Date.parse(waiting.updatedAt));
    // No Update completes it.
    expect((await rejection(verify(handle, RIGHT_CODE))).type).toBe(ACTION_NOT_EXPECTED);
    await waitForStatus(handle, 'first poll', () => fake.callsOf(handle.workflowId, 'kycStatus').length === 1);

    fake.kyc.set(handle.workflowId, 'VALIDATED');
    await handle.signal(providerEventSignal, {
      provider: 'linkcy',
      eventId: `evt-${handle.workflowId}`,
      type: 'CONSUMER_KYC_VALIDATED',
      refs: [],
      occurredAt: new Date().toISOString(),
      data: {},
    });
    // Real time (no time skipping while polling the query): only the event can have woken the wait.
    const done = await waitForStatus(handle, 'completed', (status) => status.state === 'completed');
    expect(stepStatuses(done)).toEqual({ consumer: 'done', phone: 'skipped', kyc: 'done' });
    expect(fake.callsOf(handle.workflowId, 'kycStatus')).toHaveLength(2);
    expect(done.pendingActions).toEqual([]);
  });

  it('a lost webhook only delays it: the reconciliation poll finds the KYC done', async () => {
    const handle = await start({ skipPhone: true });
    await waitForStatus(handle, 'first poll', () => fake.callsOf(handle.workflowId, 'kycStatus').length === 1);
    fake.kyc.set(handle.workflowId, 'VALIDATED');
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(fake.callsOf(handle.workflowId, 'kycStatus')).toHaveLength(2);
  });

  it('reminds, then expires with compensation when the customer never finishes', async () => {
    const handle = await start({ skipPhone: true }, { deadlines: { kyc: { expireAfter: '1h', remindAfter: '40m' } } });
    const final = await handle.result();
    expect(final.state).toBe('expired');
    expect(stepStatuses(final)).toEqual({ consumer: 'compensated', phone: 'skipped', kyc: 'failed' });
    expect(
      fake.outbound.filter((event) => event.onboardingId === handle.workflowId).map((event) => event.type),
    ).toEqual(['onboarding.action_required', 'onboarding.reminder', 'onboarding.expired']);
    // Polled on a doubling interval (30s, 1m, 2m … capped at 10m), plus a last look at the expiry.
    const polls = fake.callsOf(handle.workflowId, 'kycStatus').length;
    expect(polls).toBeGreaterThan(5);
    expect(polls).toBeLessThan(15);
    expect(final.timeline.map((entry) => entry.what)).toContain('the customer did not completeKyc in time');
  });
});
