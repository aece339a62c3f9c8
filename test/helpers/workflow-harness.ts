/**
 * One time-skipping Temporal server and one worker running the real workflow bundle, per test file. Bundling once
 * and sharing the bundle keeps each file's start-up to a few seconds.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { statusQuery } from '../../contract/onboarding.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { createTimeSkippingEnv, projectRoot } from './temporal.js';

export interface WorkflowHarness {
  env: TestWorkflowEnvironment;
  worker: Worker;
  workflowBundle: WorkflowBundleWithSourceMap;
  teardown(): Promise<void>;
}

export async function startWorkflowHarness(options: {
  taskQueue: string;
  activities: object;
  workflowsPath?: string;
}): Promise<WorkflowHarness> {
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: options.workflowsPath ?? path.join(projectRoot, 'workflows/index.ts'),
  });
  const env = await createTimeSkippingEnv();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: options.taskQueue,
    workflowBundle,
    activities: options.activities,
  });
  const running = worker.run();
  return {
    env,
    worker,
    workflowBundle,
    async teardown() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** Polls the status query (real time: the time-skipping server skips time only while a test awaits a result). */
export async function waitForStatus(
  handle: WorkflowHandle,
  what: string,
  predicate: (status: OnboardingStatus) => boolean,
): Promise<OnboardingStatus> {
  let last: OnboardingStatus | undefined;
  for (let tries = 0; tries < 400; tries++) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      // The first workflow task may not have run yet.
    }
    await delay(50);
  }
  throw new Error(`never reached: ${what}; last status: ${JSON.stringify(last)}`);
}

export const pendingAction = (status: OnboardingStatus, action: string) =>
  status.pendingActions.find((pending) => pending.action === action);
