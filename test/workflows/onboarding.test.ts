/**
 * The shared onboarding machinery on the time-skipping server, through a provider-neutral fixture saga:
 * compensation order and recording on cancel, expiry and permanent failure.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommonActivities, OutboundEvent } from '../../contract/outbound.js';
import { cancelUpdate, onboardingWorkflowId, statusQuery } from '../../contract/onboarding.js';
import type {
  DeadlineDefaults,
  OnboardingInput,
  OnboardingOptions,
  OnboardingStatus,
} from '../../contract/onboarding.js';
import { createTimeSkippingEnv } from '../helpers/temporal.js';
import { confirmUpdate } from './fixtures/saga-workflows.js';
import type { SagaFixtureActivities, SagaFixtureInput, sagaFixture } from './fixtures/saga-workflows.js';

const TASK_QUEUE = 'onboarding-machinery-test';
const workflowsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/saga-workflows.ts');

const created: { workflowId: string; id: string }[] = [];
const undone: { workflowId: string; id: string }[] = [];
const outbound: OutboundEvent[] = [];
/** Ids whose undo the provider refuses. */
const refuseUndo = new Set<string>();
let sequence = 0;

function workflowIdOfActivity(): string {
  return Context.current().info.workflowExecution?.workflowId ?? 'unknown';
}

const activities: SagaFixtureActivities & CommonActivities = {
  async create(kind) {
    const id = `${kind}-${++sequence}`;
    created.push({ workflowId: workflowIdOfActivity(), id });
    return id;
  },
  async undo(id) {
    if (refuseUndo.has(id)) throw ApplicationFailure.nonRetryable('cannot close', 'ProviderBusinessError');
    undone.push({ workflowId: workflowIdOfActivity(), id });
  },
  async finalCheck() {
    throw ApplicationFailure.nonRetryable('applicant refused', 'ProviderBusinessError');
  },
  async emitOutboundEvent(event) {
    outbound.push(event);
  },
};

let env: TestWorkflowEnvironment;
let worker: Worker;
let workerRun: Promise<void>;

beforeAll(async () => {
  const workflowBundle = await bundleWorkflowCode({ workflowsPath });
  env = await createTimeSkippingEnv();
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle, activities });
  workerRun = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await env?.teardown();
});

type Handle = WorkflowHandle<typeof sagaFixture>;
let customers = 0;

async function start(
  providerInput: SagaFixtureInput = {},
  options?: OnboardingOptions,
  deadlineDefaults?: DeadlineDefaults,
): Promise<Handle> {
  const input: OnboardingInput<SagaFixtureInput> = {
    provider: 'netspend',
    customerRef: `saga_${++customers}`,
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
    ...(deadlineDefaults ? { deadlineDefaults } : {}),
  };
  return env.client.workflow.start<typeof sagaFixture>('sagaFixture', {
    taskQueue: TASK_QUEUE,
    workflowId: onboardingWorkflowId('netspend', input.customerRef),
    args: [input],
  });
}

async function waitForConfirm(handle: Handle): Promise<OnboardingStatus> {
  for (let tries = 0; tries < 400; tries++) {
    try {
      const status = await handle.query(statusQuery);
      if (status.pendingActions.some((pending) => pending.action === 'confirm')) return status;
    } catch {
      // Not started yet.
    }
    await delay(50);
  }
  throw new Error('the fixture never asked for confirmation');
}

const idsOf = (records: { workflowId: string; id: string }[], workflowId: string) =>
  records.filter((record) => record.workflowId === workflowId).map((record) => record.id);

function stepStatuses(status: OnboardingStatus): Record<string, string> {
  return Object.fromEntries(status.steps.map((step) => [step.name, step.status]));
}

describe('Onboarding machinery: compensation', () => {
  it('undoes created things in reverse order on cancel and records them compensated', async () => {
    const handle = await start();
    await waitForConfirm(handle);
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed mind' }] });
    expect(cancelled.state).toBe('cancelled');
    const made = idsOf(created, handle.workflowId);
    expect(made).toHaveLength(2);
    expect(idsOf(undone, handle.workflowId)).toEqual([...made].reverse());
    expect(stepStatuses(cancelled)).toEqual({ person: 'compensated', account: 'compensated', confirm: 'failed' });
    const what = cancelled.timeline.map((entry) => entry.what);
    expect(what.indexOf('step account compensated')).toBeLessThan(what.indexOf('step person compensated'));
    expect(what.at(-1)).toBe('onboarding cancelled');
  });

  it('compensates when the customer never confirms', async () => {
    const handle = await start({}, { deadlines: { confirm: { expireAfter: '1h', remindAfter: '30m' } } });
    await waitForConfirm(handle);
    const final = await handle.result();
    expect(final.state).toBe('expired');
    expect(stepStatuses(final)).toMatchObject({ person: 'compensated', account: 'compensated' });
    expect(outbound.filter((event) => event.onboardingId === handle.workflowId).map((event) => event.type)).toEqual([
      'onboarding.action_required',
      'onboarding.reminder',
      'onboarding.expired',
    ]);
  });

  it("takes the deployment's deadline defaults when the start sets none, and the start's own when it does", async () => {
    const defaults: DeadlineDefaults = { customerExpireAfter: '1h', customerRemindAfter: '20m' };
    const handle = await start({}, undefined, defaults);
    const waiting = await waitForConfirm(handle);
    const expiresInMs = Date.parse(waiting.pendingActions[0]?.expiresAt ?? '') - Date.parse(waiting.startedAt);
    expect(expiresInMs).toBeGreaterThanOrEqual(60 * 60_000);
    expect(expiresInMs).toBeLessThan(61 * 60_000);
    const final = await handle.result();
    expect(final.state).toBe('expired');
    expect(outbound.filter((event) => event.onboardingId === handle.workflowId).map((event) => event.type)).toEqual([
      'onboarding.action_required',
      'onboarding.reminder',
      'onboarding.reminder',
      'onboarding.expired',
    ]);

    const own = await start({}, { deadlines: { default: { expireAfter: '3h' } } }, defaults);
    const ownWaiting = await waitForConfirm(own);
    const ownExpiresInMs = Date.parse(ownWaiting.pendingActions[0]?.expiresAt ?? '') - Date.parse(ownWaiting.startedAt);
    expect(ownExpiresInMs).toBeGreaterThanOrEqual(3 * 60 * 60_000);
    await own.executeUpdate(confirmUpdate, { args: [{ confirmed: true }] });
    expect((await own.result()).state).toBe('completed');
  });

  it('compensates after a permanent provider failure, and keeps going when one undo is refused', async () => {
    const handle = await start({ failAfterConfirm: true });
    await waitForConfirm(handle);
    const [person, account] = idsOf(created, handle.workflowId);
    refuseUndo.add(account ?? '');
    await handle.executeUpdate(confirmUpdate, { args: [{ confirmed: true }] });
    const final = await handle.result();
    expect(final.state).toBe('failed');
    expect(final.timeline.at(-1)?.why).toBe('ProviderBusinessError: applicant refused');
    expect(idsOf(undone, handle.workflowId)).toEqual([person]);
    expect(stepStatuses(final)).toMatchObject({ person: 'compensated', account: 'done', confirm: 'done' });
    expect(final.steps.find((step) => step.name === 'account')?.lastError).toMatch(/^compensation failed: /);
    expect(final.timeline.map((entry) => entry.what)).toContain('compensation of account failed');
  });

  it('compensates nothing when the saga completes', async () => {
    const handle = await start();
    await waitForConfirm(handle);
    await handle.executeUpdate(confirmUpdate, { args: [{ confirmed: true }] });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(idsOf(undone, handle.workflowId)).toEqual([]);
    expect(final.result).toEqual({});
  });
});
