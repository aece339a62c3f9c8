/**
 * The Jiko onboarding workflow on the time-skipping test server, with the real workflow code and fake Jiko
 * activities that follow Jiko's sandbox SSN table. Days of reminders, expiries and review SLAs pass in seconds.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentClaim, JikoDocumentType, JikoProviderInput } from '../../contract/jiko.js';
import {
  ACTION_NOT_EXPECTED,
  INVALID_ACTION,
  SA_BLOCKED_ON,
  SA_BLOCKED_SINCE,
  SA_PROVIDER,
  SA_REFS,
  SA_STATE,
  SA_STEP,
  cancelUpdate,
  onboardingWorkflowId,
  providerEventSignal,
  statusQuery,
} from '../../contract/onboarding.js';
import type {
  OnboardingInput,
  OnboardingOptions,
  OnboardingStatus,
  ProviderEvent,
  StepRecord,
} from '../../contract/onboarding.js';
import { acceptAgreementsUpdate, uploadDocumentsUpdate } from '../../contract/jiko.js';
import type { JikoDocumentsActionData } from '../../contract/jiko.js';
import type { jikoOnboarding } from '../../workflows/jiko.js';
import { pendingAction, startWorkflowHarness, waitForStatus } from '../helpers/workflow-harness.js';
import type { WorkflowHarness } from '../helpers/workflow-harness.js';
import { FakeJiko } from './fake-jiko.js';

const TASK_QUEUE = 'jiko-workflow-test';
const fake = new FakeJiko();

let harness: WorkflowHarness;
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  harness = await startWorkflowHarness({ taskQueue: TASK_QUEUE, activities: fake.activities() });
  ({ env, workflowBundle } = harness);
});

afterAll(async () => {
  await harness?.teardown();
});

type Handle = WorkflowHandle<typeof jikoOnboarding>;
let customers = 0;
/** Every onboarding this file started, replayed at the end to prove the workflow code is deterministic. */
const started: Handle[] = [];

function onboardingInput(ssn: string, options?: OnboardingOptions): OnboardingInput<JikoProviderInput> {
  return {
    provider: 'jiko',
    customerRef: `cust_${++customers}`,
    applicant: {
      name: { first: 'Ada', last: 'Lovelace' },
      dateOfBirth: '1990-01-31',
      ssn,
      email: 'ada@example.com',
      phone: '+15551234567',
      address: { line1: '2000 Allston Way', city: 'Berkeley', state: 'CA', postalCode: '94701', country: 'US' },
    },
    providerInput: {
      investmentProfile: { employmentStatus: 'RETIRED', income: 'BELOW_50K', netWorth: 'BELOW_50K' },
      contactVerification: { phoneVerifiedAt: '2024-06-01T00:00:00Z', emailVerifiedAt: '2024-06-01T00:00:00Z' },
    },
    ...(options ? { options } : {}),
  };
}

async function start(ssn: string, options?: OnboardingOptions, before?: (workflowId: string) => void): Promise<Handle> {
  const input = onboardingInput(ssn, options);
  const workflowId = onboardingWorkflowId('jiko', input.customerRef);
  before?.(workflowId);
  const handle = await env.client.workflow.start<typeof jikoOnboarding>('jikoOnboarding', {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [input],
  });
  started.push(handle);
  return handle;
}

async function acceptAgreements(handle: Handle): Promise<OnboardingStatus> {
  await waitForStatus(handle, 'agreements to accept', (status) => !!pendingAction(status, 'acceptAgreements'));
  return handle.executeUpdate(acceptAgreementsUpdate, { args: [{ version: fake.agreements.version }] });
}

function claim(type: JikoDocumentType): DocumentClaim {
  return { type, documentRef: `claims/${type.toLowerCase()}`, contentType: 'image/png', sizeBytes: 120_000 };
}

/** The failure an Update was rejected with (its validator's ApplicationFailure). */
async function rejection(update: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await update;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause;
    throw err;
  }
  throw new Error('the update was accepted');
}

function stepStatuses(status: OnboardingStatus): Record<string, string> {
  return Object.fromEntries(status.steps.map((step) => [step.name, step.status]));
}

function providerEvent(eventId: string, type: string, applicationId: string, occurredAt: string): ProviderEvent {
  return {
    provider: 'jiko',
    eventId,
    type,
    refs: [`jiko:application:${applicationId}`],
    occurredAt,
    data: { applicationId },
  };
}

async function searchAttributes(handle: Handle) {
  const { typedSearchAttributes } = await handle.describe();
  return {
    provider: typedSearchAttributes.get(SA_PROVIDER),
    state: typedSearchAttributes.get(SA_STATE),
    step: typedSearchAttributes.get(SA_STEP),
    blockedOn: typedSearchAttributes.get(SA_BLOCKED_ON),
    blockedSince: typedSearchAttributes.get(SA_BLOCKED_SINCE),
    refs: typedSearchAttributes.get(SA_REFS),
  };
}

describe('jikoOnboarding: outcomes by sandbox SSN', () => {
  it('approves a 4… applicant: agreements, application, apply, decision, accounts', async () => {
    const handle = await start('400123456');
    const waiting = await waitForStatus(handle, 'agreements', (status) => !!pendingAction(status, 'acceptAgreements'));
    expect(waiting).toMatchObject({ state: 'action_required', step: 'agreements', blockedOn: 'customer' });
    expect(waiting.blockedSince).toEqual(expect.any(String));
    const action = pendingAction(waiting, 'acceptAgreements');
    expect(action?.data).toEqual({
      version: fake.agreements.version,
      releaseDate: fake.agreements.releaseDate,
      documents: fake.agreements.documents,
    });
    expect(Date.parse(action?.expiresAt ?? '') - Date.parse(waiting.blockedSince ?? '')).toBe(14 * 86_400_000);

    const afterAccept = await handle.executeUpdate(acceptAgreementsUpdate, {
      args: [{ version: fake.agreements.version }],
    });
    expect(afterAccept.pendingActions).toEqual([]);
    expect(afterAccept.timeline.at(-1)).toMatchObject({ actor: 'customer', what: 'accepted the agreements' });

    const final = await handle.result();
    const application = fake.application(handle.workflowId);
    expect(final.state).toBe('completed');
    expect(final.result).toEqual({
      agreementsVersion: fake.agreements.version,
      agreementsAcceptedAt: expect.any(String),
      applicationId: application.id,
      customerId: `cus-${application.id}`,
      accountId: `acct-cus-${application.id}`,
    });
    expect(stepStatuses(final)).toEqual({
      agreements: 'done',
      application: 'done',
      apply: 'done',
      decision: 'done',
      documents: 'skipped',
      accounts: 'done',
    });
    expect(final).toMatchObject({ blockedOn: null, blockedSince: null, pendingActions: [] });
    // The agreements accepted, the decision wait is in_progress again: announced, since no other event says so.
    expect(fake.eventsFor(handle.workflowId).map((event) => event.type)).toEqual([
      'onboarding.action_required',
      'onboarding.state_changed',
      'onboarding.completed',
    ]);
    expect(fake.eventsFor(handle.workflowId)[1]?.data).toEqual({
      from: 'action_required',
      to: 'in_progress',
      step: 'decision',
    });

    const attributes = await searchAttributes(handle);
    expect(attributes).toMatchObject({ provider: 'jiko', state: 'completed', step: 'accounts' });
    expect(attributes.blockedOn).toBeUndefined();
    expect(attributes.refs).toEqual([
      `jiko:application:${application.id}`,
      `jiko:customer:cus-${application.id}`,
      `jiko:account:acct-cus-${application.id}`,
    ]);
  });

  it('rejects a 5… applicant, final and without an account', async () => {
    const handle = await start('500123456');
    await acceptAgreements(handle);
    const final = await handle.result();
    expect(final.state).toBe('rejected');
    expect(final.result.accountId).toBeUndefined();
    expect(stepStatuses(final)).toMatchObject({ decision: 'done', documents: 'skipped', accounts: 'skipped' });
    expect(fake.eventsFor(handle.workflowId).at(-1)?.type).toBe('onboarding.rejected');
  });

  it.each([
    ['3…', '300123456', 'APPROVED', 'completed'],
    ['anything else', '700123456', 'REJECTED', 'rejected'],
  ] as const)(
    'puts a %s applicant in manual review, then follows the reviewer through polling',
    async (_label, ssn, decision, state) => {
      const handle = await start(ssn);
      await acceptAgreements(handle);
      const inReview = await waitForStatus(handle, 'manual review', (status) => status.state === 'in_review');
      expect(inReview).toMatchObject({ step: 'decision', blockedOn: 'reviewer', pendingActions: [] });
      expect(await searchAttributes(handle)).toMatchObject({
        state: 'in_review',
        step: 'decision',
        blockedOn: 'reviewer',
        blockedSince: new Date(inReview.blockedSince ?? ''),
      });

      fake.resolveReview(handle.workflowId, decision);
      const final = await handle.result();
      expect(final.state).toBe(state);
    },
  );

  it.each([
    ['21…', '210123456', [['ID_FRONT'], ['ID_BACK'], ['SELFIE', 'PASSPORT']]],
    ['22…', '220123456', [['IDENTIFICATION_NUMBER_VERIFICATION']]],
    ['23…', '230123456', [['ADDRESS_VERIFICATION']]],
    ['24…', '240123456', [['ID_FRONT'], ['ID_BACK'], ['SELFIE', 'PASSPORT'], ['IDENTIFICATION_NUMBER_VERIFICATION']]],
  ] as const)('asks a %s applicant for exactly the documents its flags require', async (_label, ssn, required) => {
    const handle = await start(ssn);
    await acceptAgreements(handle);
    const waiting = await waitForStatus(handle, 'documents', (status) => !!pendingAction(status, 'uploadDocuments'));
    expect(waiting).toMatchObject({ state: 'action_required', step: 'documents', blockedOn: 'customer' });
    const data = pendingAction(waiting, 'uploadDocuments')?.data as JikoDocumentsActionData;
    expect(data.documents).toEqual(required.map((anyOf) => ({ anyOf, received: false })));

    const types = required.map((anyOf) => anyOf[0] as JikoDocumentType);
    const afterUpload = await handle.executeUpdate(uploadDocumentsUpdate, {
      args: [{ documents: types.map(claim) }],
    });
    expect(afterUpload.pendingActions).toEqual([]);

    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(stepStatuses(final)).toMatchObject({ documents: 'done', apply: 'done', accounts: 'done' });
    expect(final.steps.find((step) => step.name === 'apply')?.attempts).toBe(2);
    const uploaded = fake.uploads.filter((upload) => upload.workflowId === handle.workflowId);
    expect(uploaded.map((upload) => upload.document)).toEqual(types.map(claim));
  });

  it('accumulates documents across uploads and sends a 2?1… applicant to manual review after them', async () => {
    const handle = await start('211123456');
    await acceptAgreements(handle);
    await waitForStatus(handle, 'documents', (status) => !!pendingAction(status, 'uploadDocuments'));

    const partial = await handle.executeUpdate(uploadDocumentsUpdate, {
      args: [{ documents: [claim('ID_FRONT'), claim('ID_BACK')] }],
    });
    expect(partial.state).toBe('action_required');
    expect((pendingAction(partial, 'uploadDocuments')?.data as JikoDocumentsActionData).documents).toEqual([
      { anyOf: ['ID_FRONT'], received: true },
      { anyOf: ['ID_BACK'], received: true },
      { anyOf: ['SELFIE', 'PASSPORT'], received: false },
    ]);
    // The one still missing can be a passport instead of a selfie; nothing else is asked for.
    const notRequired = await rejection(
      handle.executeUpdate(uploadDocumentsUpdate, { args: [{ documents: [claim('ADDRESS_VERIFICATION')] }] }),
    );
    expect(notRequired.type).toBe(INVALID_ACTION);
    expect(notRequired.message).toMatch(/^documents\[0\]\.type: ADDRESS_VERIFICATION is not required now/);

    await handle.executeUpdate(uploadDocumentsUpdate, { args: [{ documents: [claim('PASSPORT')] }] });
    const inReview = await waitForStatus(handle, 'manual review', (status) => status.state === 'in_review');
    expect(inReview.blockedOn).toBe('reviewer');
    expect(fake.uploads.filter((upload) => upload.workflowId === handle.workflowId)).toHaveLength(3);

    fake.resolveReview(handle.workflowId, 'APPROVED');
    expect((await handle.result()).state).toBe('completed');
  });
});

describe('jikoOnboarding: agreements published while the customer decides', () => {
  it('shows the new bundle and asks again: only the current version reaches Jiko', async () => {
    const handle = await start('400123456');
    const first = await waitForStatus(handle, 'agreements', (status) => !!pendingAction(status, 'acceptAgreements'));
    expect(pendingAction(first, 'acceptAgreements')?.data).toMatchObject({ version: fake.agreements.version });

    fake.publishAgreements(handle.workflowId, '2024-09-01');
    await handle.executeUpdate(acceptAgreementsUpdate, { args: [{ version: fake.agreements.version }] });
    const again = await waitForStatus(
      handle,
      'the new agreements',
      (status) => pendingAction(status, 'acceptAgreements')?.data.version === '2024-09-01',
    );
    expect(again).toMatchObject({ state: 'action_required', step: 'agreements', blockedOn: 'customer' });
    expect(again.timeline.map((entry) => entry.what)).toContain(
      'Jiko published new agreements while the customer decided: asking again',
    );
    // The version shown before is no longer acceptable.
    const stale = await rejection(
      handle.executeUpdate(acceptAgreementsUpdate, { args: [{ version: fake.agreements.version }] }),
    );
    expect(stale.type).toBe(INVALID_ACTION);

    await handle.executeUpdate(acceptAgreementsUpdate, { args: [{ version: '2024-09-01' }] });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final.result).toMatchObject({ agreementsVersion: '2024-09-01' });
    expect(fake.consentsReceived.filter((consent) => consent.workflowId === handle.workflowId)).toEqual([
      { workflowId: handle.workflowId, version: '2024-09-01', renewedConsent: false },
    ]);
  });

  it('asks again when Jiko refuses the consent of a bundle published after the re-read', async () => {
    const handle = await start('400123456', undefined, (workflowId) =>
      fake.publishBeforeNextCreate(workflowId, '2024-10-01'),
    );
    await acceptAgreements(handle);
    const again = await waitForStatus(
      handle,
      'the newer agreements',
      (status) => pendingAction(status, 'acceptAgreements')?.data.version === '2024-10-01',
    );
    expect(again.steps.find((step) => step.name === 'agreements')).toMatchObject({ status: 'running', attempts: 2 });
    await handle.executeUpdate(acceptAgreementsUpdate, { args: [{ version: '2024-10-01' }] });
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final.result).toMatchObject({ agreementsVersion: '2024-10-01' });
    expect(fake.consentsReceived.filter((consent) => consent.workflowId === handle.workflowId)).toEqual([
      { workflowId: handle.workflowId, version: fake.agreements.version, renewedConsent: false },
      { workflowId: handle.workflowId, version: '2024-10-01', renewedConsent: true },
    ]);
    expect(fake.applications.size).toBeGreaterThan(0);
    expect([...fake.applications.values()].filter((app) => app.workflowId === handle.workflowId)).toHaveLength(1);
  });
});

describe('jikoOnboarding: customer actions are validated', () => {
  it('rejects untimely and invalid actions with 409/422 types and changes nothing', async () => {
    const handle = await start('400123456');
    const before = await waitForStatus(handle, 'agreements', (status) => !!pendingAction(status, 'acceptAgreements'));

    const untimely = await rejection(
      handle.executeUpdate(uploadDocumentsUpdate, { args: [{ documents: [claim('ID_FRONT')] }] }),
    );
    expect(untimely.type).toBe(ACTION_NOT_EXPECTED);

    const wrongVersion = await rejection(handle.executeUpdate(acceptAgreementsUpdate, { args: [{ version: '1999' }] }));
    expect(wrongVersion.type).toBe(INVALID_ACTION);
    expect(wrongVersion.message).toMatch(/^version: /);

    const noVersion = await rejection(
      handle.executeUpdate(acceptAgreementsUpdate, { args: [{} as unknown as { version: string }] }),
    );
    expect(noVersion.type).toBe(INVALID_ACTION);
    expect(noVersion.message).toMatch(/^version: /);

    const noReason = await rejection(handle.executeUpdate(cancelUpdate, { args: [{ reason: ' ' }] }));
    expect(noReason.type).toBe(INVALID_ACTION);
    expect(noReason.message).toMatch(/^reason: /);

    expect(await handle.query(statusQuery)).toEqual(before);

    await handle.executeUpdate(acceptAgreementsUpdate, { args: [{ version: fake.agreements.version }] });
    const twice = await rejection(
      handle.executeUpdate(acceptAgreementsUpdate, { args: [{ version: fake.agreements.version }] }),
    );
    expect(twice.type).toBe(ACTION_NOT_EXPECTED);
    expect((await handle.result()).state).toBe('completed');
  });

  it('rejects a document claim without a reference or beyond the size limit', async () => {
    const handle = await start('230123456');
    await acceptAgreements(handle);
    await waitForStatus(handle, 'documents', (status) => !!pendingAction(status, 'uploadDocuments'));

    const noRef = await rejection(
      handle.executeUpdate(uploadDocumentsUpdate, {
        args: [{ documents: [{ ...claim('ADDRESS_VERIFICATION'), documentRef: '' }] }],
      }),
    );
    expect(noRef.message).toMatch(/^documents\[0\]\.documentRef: /);
    const tooBig = await rejection(
      handle.executeUpdate(uploadDocumentsUpdate, {
        args: [{ documents: [{ ...claim('ADDRESS_VERIFICATION'), sizeBytes: 60 * 1024 * 1024 }] }],
      }),
    );
    expect(tooBig.message).toBe('documents[0].sizeBytes: too large: at most 50 MB (52428800 bytes)');
    const empty = await rejection(handle.executeUpdate(uploadDocumentsUpdate, { args: [{ documents: [] }] }));
    expect(empty.message).toMatch(/^documents: /);

    await handle.executeUpdate(uploadDocumentsUpdate, { args: [{ documents: [claim('ADDRESS_VERIFICATION')] }] });
    expect((await handle.result()).state).toBe('completed');
  });
});

describe('jikoOnboarding: deadlines', () => {
  it('reminds the customer, then expires the onboarding when the agreements are never accepted', async () => {
    const handle = await start('400123456', { deadlines: { agreements: { remindAfter: '1d', expireAfter: '3d' } } });
    await waitForStatus(handle, 'agreements', (status) => !!pendingAction(status, 'acceptAgreements'));

    const final = await handle.result();
    expect(final.state).toBe('expired');
    expect(final.pendingActions).toEqual([]);
    expect(stepStatuses(final)).toMatchObject({ agreements: 'failed', application: 'skipped' });
    expect(final.timeline.map((entry) => entry.what)).toContain('nothing to compensate');
    const events = fake.eventsFor(handle.workflowId);
    expect(events.map((event) => event.type)).toEqual([
      'onboarding.action_required',
      'onboarding.reminder',
      'onboarding.reminder',
      'onboarding.expired',
    ]);
    const reminder = events[1];
    expect(Object.keys(reminder?.data ?? {}).sort()).toEqual(['action', 'expiresAt', 'reminder', 'step']);
    expect(reminder?.data).toMatchObject({ action: 'acceptAgreements', step: 'agreements', reminder: 1 });
    expect(JSON.stringify(events)).not.toMatch(/Lovelace|400123456|ada@example/);
  });

  it('falls back to the default deadline, and reminds on a schedule while the customer is away', async () => {
    const handle = await start('220123456', { deadlines: { default: { remindAfter: '12h', expireAfter: '2d' } } });
    await acceptAgreements(handle);
    await waitForStatus(handle, 'documents', (status) => !!pendingAction(status, 'uploadDocuments'));
    await env.sleep('25h');
    const reminders = fake.eventsFor(handle.workflowId).filter((event) => event.type === 'onboarding.reminder');
    expect(reminders.map((event) => event.data.action)).toEqual(['uploadDocuments', 'uploadDocuments']);

    await handle.executeUpdate(uploadDocumentsUpdate, {
      args: [{ documents: [claim('IDENTIFICATION_NUMBER_VERIFICATION')] }],
    });
    expect((await handle.result()).state).toBe('completed');
  });

  it('emits the review SLA event once the manual review takes longer than its SLA', async () => {
    const handle = await start('300123456', {
      deadlines: { manualReview: { remindAfter: '2d' } },
      pollMaxInterval: '6h',
    });
    await acceptAgreements(handle);
    await waitForStatus(handle, 'manual review', (status) => status.state === 'in_review');
    await env.sleep('1d');
    expect(fake.eventsFor(handle.workflowId).map((event) => event.type)).not.toContain('onboarding.review_sla_passed');
    await env.sleep('1d');
    const slaEvents = fake
      .eventsFor(handle.workflowId)
      .filter((event) => event.type === 'onboarding.review_sla_passed');
    expect(slaEvents).toHaveLength(1);
    expect(slaEvents[0]?.data).toMatchObject({ step: 'decision', wait: 'manualReview' });

    fake.resolveReview(handle.workflowId, 'APPROVED');
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final.timeline.map((entry) => entry.what)).toContain('review SLA passed');
  });
});

describe('jikoOnboarding: provider events', () => {
  it('acts on a webhook at once, treating duplicates and out-of-order events as hints', async () => {
    // A day between reconciliation polls: only the events can move this onboarding while the test watches.
    const handle = await start('400123456', { pollInitialInterval: '1d', pollMaxInterval: '1d' }, (workflowId) =>
      fake.holdFor.add(workflowId),
    );
    await acceptAgreements(handle);
    await waitForStatus(handle, 'waiting on Jiko', (status) => status.step === 'decision');
    const applicationId = fake.application(handle.workflowId).id;

    // Out of order: an approval announced before Jiko's API shows it. The workflow re-reads and keeps waiting.
    await handle.signal(
      providerEventSignal,
      providerEvent('evt-1', 'application.approved', applicationId, '2024-06-02T00:00:00Z'),
    );
    const stillWaiting = await waitForStatus(handle, 'event seen', (status) =>
      status.timeline.some((entry) => entry.what.startsWith('event ')),
    );
    expect(stillWaiting).toMatchObject({ state: 'in_progress', step: 'decision', blockedOn: 'provider' });

    fake.release(handle.workflowId);
    await handle.signal(
      providerEventSignal,
      providerEvent('evt-2', 'application.approved', applicationId, '2024-06-02T00:01:00Z'),
    );
    await handle.signal(
      providerEventSignal,
      providerEvent('evt-2', 'application.approved', applicationId, '2024-06-02T00:01:00Z'),
    );
    const completed = await waitForStatus(handle, 'completed', (status) => status.state === 'completed');
    const providerEntries = completed.timeline.filter((entry) => entry.what.startsWith('event '));
    expect(providerEntries.map((entry) => entry.what)).toEqual([
      'event application.approved',
      'event application.approved',
    ]);
    expect((await handle.result()).result.accountId).toBe(`acct-cus-${applicationId}`);
  });

  it('moves on through reconciliation polling when no webhook arrives', async () => {
    const handle = await start('400123456', undefined, (workflowId) => fake.holdFor.add(workflowId));
    await acceptAgreements(handle);
    await waitForStatus(handle, 'waiting on Jiko', (status) => status.step === 'decision');
    fake.release(handle.workflowId);
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final.timeline.some((entry) => entry.what.startsWith('event '))).toBe(false);
  });
});

describe('jikoOnboarding: continue-as-new', () => {
  it('resumes at the decision from the carried status, still deduping events seen before', async () => {
    const input = onboardingInput('300123456');
    const workflowId = onboardingWorkflowId('jiko', input.customerRef);
    const application = fake.seedApplication(workflowId, '300123456', 'MANUAL_REVIEW');
    const at = '2024-06-01T00:00:00.000Z';
    const done = (name: string): StepRecord => ({
      name,
      status: 'done',
      startedAt: at,
      endedAt: at,
      attempts: 1,
      lastError: null,
    });
    const carriedStatus: OnboardingStatus = {
      onboardingId: workflowId,
      provider: 'jiko',
      customerRef: input.customerRef,
      state: 'in_review',
      step: 'decision',
      blockedOn: 'reviewer',
      blockedSince: at,
      pendingActions: [],
      steps: [
        done('agreements'),
        done('application'),
        done('apply'),
        { name: 'decision', status: 'running', startedAt: at, endedAt: null, attempts: 1, lastError: null },
        { name: 'documents', status: 'pending', startedAt: null, endedAt: null, attempts: 0, lastError: null },
        { name: 'accounts', status: 'pending', startedAt: null, endedAt: null, attempts: 0, lastError: null },
      ],
      result: { applicationId: application.id },
      timeline: [{ at, actor: 'system', what: 'onboarding started' }],
      startedAt: at,
      updatedAt: at,
    };
    const applicationsBefore = fake.applications.size;
    const handle = await env.client.workflow.start<typeof jikoOnboarding>('jikoOnboarding', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [
        {
          ...input,
          carryOver: {
            status: carriedStatus,
            refs: [`jiko:application:${application.id}`],
            seenEventIds: ['evt-before'],
            checkpoint: { applicationId: application.id, round: 1 },
          },
        },
      ],
    });
    const inReview = await waitForStatus(handle, 'manual review', (status) => status.state === 'in_review');
    expect(inReview.startedAt).toBe(at);
    expect(inReview.timeline.map((entry) => entry.what)).toContain('continued as new');

    await handle.signal(providerEventSignal, providerEvent('evt-before', 'application.approved', application.id, at));
    fake.resolveReview(workflowId, 'APPROVED');
    await handle.signal(providerEventSignal, providerEvent('evt-after', 'application.approved', application.id, at));
    const final = await waitForStatus(handle, 'completed', (status) => status.state === 'completed');
    expect(final.timeline.filter((entry) => entry.what.startsWith('event '))).toHaveLength(1);
    expect(final.result.applicationId).toBe(application.id);
    expect(fake.applications.size).toBe(applicationsBefore);
    expect((await searchAttributes(handle)).refs).toEqual([
      `jiko:application:${application.id}`,
      `jiko:customer:cus-${application.id}`,
      `jiko:account:acct-cus-${application.id}`,
    ]);
  });
});

describe('jikoOnboarding: cancel', () => {
  it('cancels while the customer has the agreements, answering with the final status', async () => {
    const handle = await start('400123456');
    await waitForStatus(handle, 'agreements', (status) => !!pendingAction(status, 'acceptAgreements'));
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer withdrew' }] });
    expect(cancelled).toMatchObject({ state: 'cancelled', pendingActions: [], blockedOn: null });
    expect(cancelled.timeline.at(-1)).toMatchObject({
      actor: 'customer',
      what: 'onboarding cancelled',
      why: 'customer withdrew',
    });
    expect(stepStatuses(cancelled)).toMatchObject({ agreements: 'failed', application: 'skipped' });
    expect((await handle.result()).state).toBe('cancelled');
    expect(fake.eventsFor(handle.workflowId).at(-1)?.type).toBe('onboarding.cancelled');
    expect((await searchAttributes(handle)).state).toBe('cancelled');
  });

  it('cancels while waiting on the decision, by Update from an operator', async () => {
    const handle = await start('400123456', undefined, (workflowId) => fake.holdFor.add(workflowId));
    await acceptAgreements(handle);
    await waitForStatus(handle, 'waiting on Jiko', (status) => status.step === 'decision');
    const cancelled = await handle.executeUpdate(cancelUpdate, {
      args: [{ reason: 'duplicate customer', actor: 'operator' }],
    });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.steps.find((step) => step.name === 'decision')).toMatchObject({
      status: 'failed',
      lastError: 'cancelled',
    });
    expect(cancelled.result.applicationId).toBe(fake.application(handle.workflowId).id);
  });

  it('treats a Temporal-native cancel (the Web UI button) as a cancel', async () => {
    const handle = await start('400123456', undefined, (workflowId) => fake.holdFor.add(workflowId));
    await acceptAgreements(handle);
    await waitForStatus(handle, 'waiting on Jiko', (status) => status.step === 'decision');
    await handle.cancel();
    const final = await handle.result();
    expect(final.state).toBe('cancelled');
    expect(final.timeline.at(-1)).toMatchObject({ actor: 'operator', why: 'cancelled through Temporal' });
  });
});

describe('jikoOnboarding: provider failures', () => {
  it('shows a retried call in steps[] and still completes', async () => {
    const handle = await start('400123456', undefined, (workflowId) =>
      fake.failures.set(`${workflowId}:createApplication`, { remaining: 3, nonRetryable: false }),
    );
    await acceptAgreements(handle);
    const final = await handle.result();
    expect(final.state).toBe('completed');
    const step = final.steps.find((candidate) => candidate.name === 'application');
    expect(step).toMatchObject({ status: 'done', attempts: 2 });
    expect(step?.lastError).toMatch(/^ProviderUnavailable: /);
    expect(final.timeline.map((entry) => entry.what)).toContain('createApplication failed, retrying');
  });

  it('records a permanent provider refusal as failed', async () => {
    const handle = await start('400123456', undefined, (workflowId) =>
      fake.failures.set(`${workflowId}:createApplication`, { remaining: 1, nonRetryable: true }),
    );
    await acceptAgreements(handle);
    const final = await handle.result();
    expect(final.state).toBe('failed');
    expect(final.steps.find((candidate) => candidate.name === 'application')).toMatchObject({
      status: 'failed',
      lastError: 'ProviderBusinessError: Jiko said no',
      attempts: 1,
    });
    expect((await searchAttributes(handle)).state).toBe('failed');
  });
});

describe('jikoOnboarding: determinism', () => {
  it('replays every history recorded in this file without a nondeterminism error', async () => {
    expect(started.length).toBeGreaterThan(10);
    const histories = await Promise.all(
      started.map(async (handle) => ({ workflowId: handle.workflowId, history: await handle.fetchHistory() })),
    );
    const failures: string[] = [];
    for await (const replay of Worker.runReplayHistories({ workflowBundle }, histories)) {
      if (replay.error) failures.push(`${replay.workflowId}: ${String(replay.error)}`);
    }
    expect(failures).toEqual([]);
  });
});
