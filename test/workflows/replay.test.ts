/**
 * Determinism across commits: onboardings recorded by scripts/record-histories.ts (test/histories/<provider>,
 * without the codec) must replay against the current workflow code. A failure here means a change would break
 * onboardings already running: version it (patched/deprecatePatch) instead, or re-record if none can be running.
 */
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Applicant, OnboardingInput, Provider } from '../../contract/onboarding.js';
import {
  loadRecordedHistories,
  looksFake,
  patchIds,
  replayFailures,
  startInput,
  withRenamedFirstActivity,
} from '../helpers/replay.js';
import type { RecordedHistory } from '../helpers/replay.js';
import { projectRoot } from '../helpers/temporal.js';

/** Recorded after patch status-published-at-waits (scripts/record-histories.ts AT_WAITS_RECORDINGS). */
const STATUS_AT_WAITS = 'status-published-at-waits';
const atWaits = (names: string[]): string[] => names.map((name) => `at-waits-${name}`);

/** The number of search-attribute upserts of each workflow task (its commands follow WORKFLOW_TASK_COMPLETED). */
function upsertsPerTask(recorded: RecordedHistory): number[] {
  const perTask: number[] = [];
  for (const event of recorded.history.events ?? []) {
    if (event.workflowTaskCompletedEventAttributes) perTask.push(0);
    if (event.upsertWorkflowSearchAttributesEventAttributes) perTask.push((perTask.pop() ?? 0) + 1);
  }
  return perTask;
}

const RECORDINGS: {
  provider: Provider;
  expected: string[];
  tampered: string;
  /** Patch id → recordings made before it (replaying the old path) and after it (the new path). */
  patches?: Record<string, { before: string[]; after: string[] }>;
}[] = [
  {
    // Its deliveries all took the direct path when recorded: the delivery workflow is covered by the others.
    provider: 'greendot',
    expected: [
      'approved-bonus-posted',
      'physical-card-wallet',
      'ofac-review-approved',
      'ofac-review-declined',
      'cancelled-at-terms',
      ...atWaits(['approved-bonus-posted', 'ofac-review-approved', 'cancelled-at-terms']),
    ],
    tampered: 'approved-bonus-posted',
    patches: {
      [STATUS_AT_WAITS]: {
        before: ['approved-bonus-posted', 'ofac-review-approved', 'cancelled-at-terms'],
        after: atWaits(['approved-bonus-posted', 'ofac-review-approved', 'cancelled-at-terms']),
      },
    },
  },
  {
    provider: 'jiko',
    expected: [
      'approved',
      'documents-then-approved',
      'cancelled-at-agreements',
      'webhook-delivery',
      'approved-agreements-rechecked',
      'agreements-republished-then-approved',
      ...atWaits(['approved-agreements-rechecked', 'documents-then-approved', 'cancelled-at-agreements']),
    ],
    tampered: 'approved',
    patches: {
      'jiko-agreements-recheck-before-application': {
        before: ['approved', 'documents-then-approved'],
        after: ['approved-agreements-rechecked', 'agreements-republished-then-approved'],
      },
      [STATUS_AT_WAITS]: {
        before: ['approved-agreements-rechecked', 'documents-then-approved', 'cancelled-at-agreements'],
        after: atWaits(['approved-agreements-rechecked', 'documents-then-approved', 'cancelled-at-agreements']),
      },
    },
  },
  {
    provider: 'linkcy',
    expected: [
      'validated',
      'email-sent-ledger',
      'declined',
      'cancelled-at-phone',
      'webhook-delivery',
      ...atWaits(['validated', 'declined', 'cancelled-at-phone']),
    ],
    tampered: 'validated',
    patches: {
      [STATUS_AT_WAITS]: {
        before: ['validated', 'declined', 'cancelled-at-phone'],
        after: atWaits(['validated', 'declined', 'cancelled-at-phone']),
      },
    },
  },
  {
    provider: 'netspend',
    expected: [
      'dda-physical-approved',
      'gpr-virtual-approved',
      'gpr-kyc-cured-virtual',
      'gpr-kyc-rejected-cured-questions',
      'gpr-kyc-rejected-cured-documents',
      'gpr-kyc-rejected-final',
      'dda-cancelled-at-agreements',
      'dda-cancelled-at-card-activation',
      'webhook-delivery',
      ...atWaits(['dda-physical-approved', 'gpr-kyc-cured-virtual', 'dda-cancelled-at-card-activation']),
    ],
    tampered: 'dda-physical-approved',
    patches: {
      [STATUS_AT_WAITS]: {
        before: ['dda-physical-approved', 'gpr-kyc-cured-virtual', 'dda-cancelled-at-card-activation'],
        after: atWaits(['dda-physical-approved', 'gpr-kyc-cured-virtual', 'dda-cancelled-at-card-activation']),
      },
    },
  },
];

let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.join(projectRoot, 'workflows/index.ts'),
    logger: new DefaultLogger('WARN'),
  });
});

describe.each(RECORDINGS)('recorded $provider histories', ({ provider, expected, tampered, patches }) => {
  let histories: RecordedHistory[];
  beforeAll(async () => {
    histories = await loadRecordedHistories(provider);
  });

  it('cover the recorded paths', () => {
    expect(histories.map((recorded) => recorded.name)).toEqual(expect.arrayContaining(expected));
  });

  it('cover both sides of each patch: recordings without its marker and with it', () => {
    for (const [patchId, { before, after }] of Object.entries(patches ?? {})) {
      for (const recorded of histories) {
        if (before.includes(recorded.name)) expect(patchIds(recorded.history), recorded.name).not.toContain(patchId);
        if (after.includes(recorded.name)) expect(patchIds(recorded.history), recorded.name).toContain(patchId);
      }
    }
  });

  it('upsert search attributes at most once per workflow task after status-published-at-waits (up to 4 before)', () => {
    const after = histories.filter((recorded) => patches?.[STATUS_AT_WAITS]?.after.includes(recorded.name));
    const before = histories.filter((recorded) => patches?.[STATUS_AT_WAITS]?.before.includes(recorded.name));
    expect(after.length).toBeGreaterThan(0);
    for (const recorded of after) expect(Math.max(...upsertsPerTask(recorded)), recorded.name).toBe(1);
    // What the patch changed: the old path upserted several times in one task.
    expect(Math.max(...before.flatMap(upsertsPerTask))).toBeGreaterThan(1);
  });

  it('replay against the current workflow code without a nondeterminism error', async () => {
    expect(await replayFailures(workflowBundle, histories)).toEqual([]);
  });

  it('would catch a change: a history whose commands differ from the code fails to replay', async () => {
    const onboarding = histories.find((recorded) => recorded.name === tampered);
    if (!onboarding) throw new Error(`${tampered}.json is missing`);
    const failures = await replayFailures(workflowBundle, [withRenamedFirstActivity(onboarding)]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/nondetermin/i);
  });

  it('hold made-up applicants only (they are recorded in clear)', () => {
    const onboardings = histories.filter((recorded) => recorded.name !== 'webhook-delivery');
    for (const recorded of onboardings) {
      const input = startInput(recorded.history) as OnboardingInput<Record<string, unknown>> | undefined;
      expect(input?.provider, recorded.name).toBe(provider);
      expect(looksFake(input?.applicant as Applicant), `${recorded.name} applicant`).toBe(true);
    }
  });
});
