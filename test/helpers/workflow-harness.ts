/**
 * One time-skipping Temporal server and one worker running the real workflow bundle, per test file. Bundling once
 * and sharing the bundle keeps each file's start-up to a few seconds.
 */
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
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
