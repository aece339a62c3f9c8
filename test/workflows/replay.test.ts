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
  replayFailures,
  startInput,
  withRenamedFirstActivity,
} from '../helpers/replay.js';
import type { RecordedHistory } from '../helpers/replay.js';
import { projectRoot } from '../helpers/temporal.js';

const RECORDINGS: { provider: Provider; expected: string[]; tampered: string }[] = [
  {
    provider: 'jiko',
    expected: ['approved', 'documents-then-approved', 'cancelled-at-agreements', 'webhook-delivery'],
    tampered: 'approved',
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
      'dda-cancelled-at-agreements',
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

describe.each(RECORDINGS)('recorded $provider histories', ({ provider, expected, tampered }) => {
  let histories: RecordedHistory[];
  beforeAll(async () => {
    histories = await loadRecordedHistories(provider);
  });

  it('cover the recorded paths', () => {
    expect(histories.map((recorded) => recorded.name)).toEqual(expect.arrayContaining(expected));
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
