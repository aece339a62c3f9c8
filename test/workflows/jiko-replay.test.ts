/**
 * Determinism across commits: Jiko onboardings recorded by scripts/record-histories.ts (test/histories/jiko,
 * without the codec) must replay against the current workflow code. A failure here means a change would break
 * onboardings already running: version it (patched/deprecatePatch) instead, or re-record if none can be running.
 */
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Applicant, OnboardingInput } from '../../workflows/contract.js';
import {
  loadRecordedHistories,
  looksFake,
  replayFailures,
  startInput,
  withRenamedFirstActivity,
} from '../helpers/replay.js';
import type { RecordedHistory } from '../helpers/replay.js';
import { projectRoot } from '../helpers/temporal.js';

let workflowBundle: WorkflowBundleWithSourceMap;
let histories: RecordedHistory[];

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.join(projectRoot, 'workflows/index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  histories = await loadRecordedHistories('jiko');
});

describe('recorded Jiko histories', () => {
  it('cover approval, documents then approval, cancel and a webhook delivery', () => {
    expect(histories.map((recorded) => recorded.name)).toEqual(
      expect.arrayContaining(['approved', 'documents-then-approved', 'cancelled-at-agreements', 'webhook-delivery']),
    );
  });

  it('replay against the current workflow code without a nondeterminism error', async () => {
    expect(await replayFailures(workflowBundle, histories)).toEqual([]);
  });

  it('would catch a change: a history whose commands differ from the code fails to replay', async () => {
    const onboarding = histories.find((recorded) => recorded.name === 'approved');
    if (!onboarding) throw new Error('approved.json is missing');
    const failures = await replayFailures(workflowBundle, [withRenamedFirstActivity(onboarding)]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/nondetermin/i);
  });

  it('hold made-up applicants only (they are recorded in clear)', () => {
    const onboardings = histories.filter((recorded) => recorded.name !== 'webhook-delivery');
    for (const recorded of onboardings) {
      const input = startInput(recorded.history) as OnboardingInput<Record<string, unknown>> | undefined;
      expect(input?.provider, recorded.name).toBe('jiko');
      expect(looksFake(input?.applicant as Applicant), `${recorded.name} applicant`).toBe(true);
    }
  });
});
