/**
 * Where an onboarding publishes its status (patch status-published-at-waits), on the time-skipping server: the
 * search attributes once per workflow task at most, describing each wait, and `onboarding.state_changed` for each
 * change of state no other event announces, numbered without gaps.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardingWorkflowId, SA_BLOCKED_ON, SA_REFS, SA_STATE, SA_STEP } from '../../contract/onboarding.js';
import type { OnboardingInput, OnboardingState } from '../../contract/onboarding.js';
import type { CommonActivities, OutboundEvent } from '../../contract/outbound.js';
import { STATUS_AT_WAITS_PATCH } from '../../workflows/shared/status-record.js';
import { patchIds } from '../helpers/replay.js';
import { startWorkflowHarness, waitForStatus } from '../helpers/workflow-harness.js';
import type { WorkflowHarness } from '../helpers/workflow-harness.js';
import { agreeUpdate } from './fixtures/status-publishing-workflows.js';
import type { StatusFixtureActivities, statusFixture } from './fixtures/status-publishing-workflows.js';

const TASK_QUEUE = 'status-publishing-test';
const workflowsPath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures/status-publishing-workflows.ts',
);

const outbound: OutboundEvent[] = [];
let reviewDone = false;
let ids = 0;

const activities: StatusFixtureActivities & CommonActivities = {
  async create(kind) {
    return `${kind}-${++ids}`;
  },
  async isDone(what) {
    return what === 'settlement' || reviewDone;
  },
  async emitOutboundEvent(event) {
    outbound.push(event);
  },
};

let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await startWorkflowHarness({ taskQueue: TASK_QUEUE, activities, workflowsPath });
}, 180_000);

afterAll(async () => {
  await harness?.teardown();
});

type Handle = WorkflowHandle<typeof statusFixture>;

async function start(customerRef: string): Promise<Handle> {
  const input: OnboardingInput<Record<string, never>, { phone: string }> = {
    provider: 'netspend',
    customerRef,
    applicant: { phone: '+15551234567' },
    providerInput: {},
  };
  return harness.env.client.workflow.start<typeof statusFixture>('statusFixture', {
    taskQueue: TASK_QUEUE,
    workflowId: onboardingWorkflowId('netspend', customerRef),
    args: [input],
  });
}

/** The onboarding's search attributes as the server holds them. */
async function attributes(handle: Handle): Promise<Record<string, unknown>> {
  const typed = (await handle.describe()).typedSearchAttributes;
  return {
    state: typed.get(SA_STATE),
    step: typed.get(SA_STEP),
    blockedOn: typed.get(SA_BLOCKED_ON),
    refs: typed.get(SA_REFS),
  };
}

/** The number of search-attribute upserts of each workflow task (its commands follow WORKFLOW_TASK_COMPLETED). */
function upsertsPerTask(history: History): number[] {
  const perTask: number[] = [];
  for (const event of history.events ?? []) {
    if (event.workflowTaskCompletedEventAttributes) perTask.push(0);
    if (event.upsertWorkflowSearchAttributesEventAttributes) perTask.push((perTask.pop() ?? 0) + 1);
  }
  return perTask;
}

describe('status published where the onboarding waits', () => {
  it('describes each wait in the search attributes, and announces each unannounced state change', async () => {
    const handle = await start('status_1');
    await waitForStatus(handle, 'the agreement asked', (status) => status.state === 'action_required');
    expect(await attributes(handle)).toEqual({
      state: 'action_required',
      step: 'agree',
      blockedOn: 'customer',
      refs: ['netspend:person:person-1'],
    });

    await handle.executeUpdate(agreeUpdate, { args: [{ agreed: true }] });
    await waitForStatus(handle, 'in review', (status) => status.state === 'in_review');
    // The review wait publishes once its first look at the provider is answered.
    let during: Record<string, unknown> = {};
    for (let tries = 0; tries < 100 && during.state !== 'in_review'; tries++) {
      during = await attributes(handle);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(during).toMatchObject({ state: 'in_review', step: 'review', blockedOn: 'reviewer' });

    reviewDone = true;
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(await attributes(handle)).toEqual({
      state: 'completed',
      step: 'settlement',
      blockedOn: undefined,
      refs: ['netspend:person:person-1', 'netspend:account:account-2'],
    });

    const events = outbound.filter((event) => event.onboardingId === handle.workflowId);
    expect(events.map(({ type, sequence }) => [sequence, type])).toEqual([
      [1, 'onboarding.action_required'],
      [2, 'onboarding.state_changed'],
      [3, 'onboarding.state_changed'],
      [4, 'onboarding.completed'],
    ]);
    const changes = events.filter((event) => event.type === 'onboarding.state_changed').map((event) => event.data);
    const expected: { from: OnboardingState; to: OnboardingState; step: string }[] = [
      { from: 'action_required', to: 'in_review', step: 'review' },
      { from: 'in_review', to: 'in_progress', step: 'settlement' },
    ];
    expect(changes).toEqual(expected);

    const history = await handle.fetchHistory();
    expect(patchIds(history)).toContain(STATUS_AT_WAITS_PATCH);
    const perTask = upsertsPerTask(history);
    // The first task's upsert is the SDK's own (TemporalChangeVersion, recorded with the patch marker).
    expect(Math.max(...perTask)).toBe(1);
    expect(perTask.reduce((sum, count) => sum + count, 0)).toBeLessThan(perTask.length);
  }, 120_000);
});
