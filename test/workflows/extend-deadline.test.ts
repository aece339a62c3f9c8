/**
 * The operator's extendDeadline Update on the time-skipping server: the wait's expiry moves (the timer with it,
 * so the onboarding expires at the new time, not the old one), the pending action shows the new expiresAt, the
 * timeline names the operator, and a bad value is refused naming the field, changing nothing.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendDeadlineUpdate } from '../../contract/operator.js';
import type { ExtendDeadlineRequest } from '../../contract/operator.js';
import { INVALID_ACTION, onboardingWorkflowId, statusQuery } from '../../contract/onboarding.js';
import type { OnboardingInput, OnboardingOptions, OnboardingStatus } from '../../contract/onboarding.js';
import type { CommonActivities, OutboundEvent } from '../../contract/outbound.js';
import { startWorkflowHarness, waitForStatus } from '../helpers/workflow-harness.js';
import type { WorkflowHarness } from '../helpers/workflow-harness.js';
import type { ElsewhereFixtureActivities } from './fixtures/deadline-workflows.js';
import type { SagaFixtureActivities } from './fixtures/saga-workflows.js';

const TASK_QUEUE = 'extend-deadline-test';
const HOUR_MS = 3_600_000;
const outbound: OutboundEvent[] = [];

const activities: SagaFixtureActivities & ElsewhereFixtureActivities & CommonActivities = {
  create: async (kind) => `${kind}-1`,
  undo: async () => undefined,
  finalCheck: async () => undefined,
  customerDoneElsewhere: async () => false,
  emitOutboundEvent: async (event) => {
    outbound.push(event);
  },
};

let harness: WorkflowHarness;
beforeAll(async () => {
  harness = await startWorkflowHarness({
    taskQueue: TASK_QUEUE,
    activities,
    workflowsPath: path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/deadline-workflows.ts'),
  });
}, 180_000);
afterAll(async () => {
  await harness?.teardown();
});

let customers = 0;
async function start(workflowType: string, wait: string, options: OnboardingOptions): Promise<WorkflowHandle> {
  const input: OnboardingInput<Record<string, never>, Record<string, never>> = {
    provider: 'netspend',
    customerRef: `deadline_${++customers}`,
    applicant: {},
    providerInput: {},
    options,
  };
  const handle = await harness.env.client.workflow.start(workflowType, {
    taskQueue: TASK_QUEUE,
    workflowId: onboardingWorkflowId('netspend', input.customerRef),
    args: [input],
  });
  await waitForStatus(handle, `${wait} pending`, (status) => status.blockedOn === 'customer');
  return handle;
}

const extend = (handle: WorkflowHandle, request: Partial<ExtendDeadlineRequest>) =>
  handle.executeUpdate(extendDeadlineUpdate, { args: [request as ExtendDeadlineRequest] });

async function refusal(handle: WorkflowHandle, request: Partial<ExtendDeadlineRequest>): Promise<ApplicationFailure> {
  const err: unknown = await extend(handle, request).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const expiryOf = (status: OnboardingStatus) => Date.parse(status.pendingActions[0]?.expiresAt ?? '');

describe('extendDeadline', () => {
  it('moves the expiry of a customer action: the onboarding expires at the new time, the operator is named', async () => {
    const handle = await start('sagaFixture', 'confirm', {
      deadlines: { confirm: { expireAfter: '1h', remindAfter: '2h' } },
    });
    const before = await handle.query(statusQuery);
    const extended = await extend(handle, { by: '3h', reason: 'customer asked for time', operator: 'ops/alice' });

    expect(expiryOf(extended)).toBe(expiryOf(before) + 3 * HOUR_MS);
    expect(extended.timeline.at(-1)).toMatchObject({
      actor: 'operator',
      by: 'ops/alice',
      what: `deadline of confirm extended to ${new Date(expiryOf(before) + 3 * HOUR_MS).toISOString()}`,
    });
    expect(extended.timeline.at(-1)?.why).toContain('customer asked for time');

    const final = (await handle.result()) as OnboardingStatus;
    expect(final.state).toBe('expired');
    // Expired at the new time (four hours after the start), not at the old one (one hour).
    expect(Date.parse(final.updatedAt) - Date.parse(final.startedAt)).toBeGreaterThanOrEqual(4 * HOUR_MS);
    expect(final.timeline.map((entry) => entry.why)).toContain(
      `expired at ${new Date(expiryOf(before) + 3 * HOUR_MS).toISOString()}`,
    );
    const types = outbound.filter((event) => event.onboardingId === handle.workflowId).map((event) => event.type);
    // The reminder every 2h goes on until the new expiry: at 2h, now that the wait lasts 4h.
    expect(types).toEqual([
      'onboarding.action_required',
      'onboarding.deadline_extended',
      'onboarding.reminder',
      'onboarding.expired',
    ]);
  });

  it('moves the expiry of a wait on something the customer does elsewhere (a hosted page)', async () => {
    const handle = await start('elsewhereFixture', 'hostedKyc', {
      deadlines: { hostedKyc: { expireAfter: '1h', remindAfter: '2h' } },
      pollInitialInterval: '20m',
      pollMaxInterval: '20m',
    });
    const before = await handle.query(statusQuery);
    const until = new Date(expiryOf(before) + 5 * HOUR_MS).toISOString();
    const extended = await extend(handle, { wait: 'completeHostedKyc', until, reason: 'provider outage' });
    expect(extended.pendingActions[0]?.expiresAt).toBe(until);

    const final = (await handle.result()) as OnboardingStatus;
    expect(final.state).toBe('expired');
    expect(Date.parse(final.updatedAt) - Date.parse(final.startedAt)).toBeGreaterThanOrEqual(6 * HOUR_MS);
  });

  it('refuses a bad value naming the field, and changes nothing', async () => {
    const handle = await start('sagaFixture', 'confirm', { deadlines: { confirm: { expireAfter: '2h' } } });
    const before = await handle.query(statusQuery);
    const earlier = new Date(expiryOf(before) - HOUR_MS).toISOString();

    const cases: [Partial<ExtendDeadlineRequest>, string][] = [
      [{ by: 'soon', reason: 'x' }, 'by'],
      [{ by: '-2d', reason: 'x' }, 'by'],
      [{ by: '400d', reason: 'x' }, 'by'],
      [{ until: earlier, reason: 'x' }, 'until'],
      [{ until: 'tomorrow', reason: 'x' }, 'until'],
      [{ reason: 'neither by nor until' }, 'by'],
      [{ by: '1h' }, 'reason'],
      [{ by: '1h', reason: '   ' }, 'reason'],
      [{ by: '1h', reason: 'x', wait: 'documents' }, 'wait'],
      [{ by: '1h', reason: 'x', operator: 'alice smith' }, 'operator'],
    ];
    for (const [request, field] of cases) {
      const failure = await refusal(handle, request);
      expect(failure.type, JSON.stringify(request)).toBe(INVALID_ACTION);
      expect(failure.message, JSON.stringify(request)).toMatch(new RegExp(`^${field}: `));
    }
    const after = await handle.query(statusQuery);
    expect(after.pendingActions).toEqual(before.pendingActions);
    expect(after.timeline).toEqual(before.timeline);
  });
});
