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
    ],
    tampered: 'approved-bonus-posted',
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
    ],
    tampered: 'approved',
    patches: {
      'jiko-agreements-recheck-before-application': {
        before: ['approved', 'documents-then-approved'],
        after: ['approved-agreements-rechecked', 'agreements-republished-then-approved'],
      },
    },
  },
  {
    provider: 'linkcy',
    expected: ['validated', 'email-sent-ledger', 'declined', 'cancelled-at-phone', 'webhook-delivery'],
    tampered: 'validated',
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
    ],
    tampered: 'dda-physical-approved',
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
