/**
 * The two Temporal environments every workflow test builds on start here without downloading anything: the Java
 * time-skipping server and the dev server CLI, both installed by scripts/setup.sh.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SA_STATE } from '../../contract/onboarding.js';
import { createLocalEnv, createTimeSkippingEnv } from '../helpers/temporal.js';
import type { FoundationActivities } from '../fixtures/foundation-workflows.js';
import { greetAndMark, greetTomorrow } from '../fixtures/foundation-workflows.js';

const workflowsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/foundation-workflows.ts');
const activities: FoundationActivities = { shout: async (text) => text.toUpperCase() };

async function runOn<T>(env: TestWorkflowEnvironment, taskQueue: string, body: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
  return worker.runUntil(body);
}

describe('time-skipping environment (Java test server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that sleeps a day, skipping the time', async () => {
    const result = await runOn(env, 'foundation-ts', () =>
      env.client.workflow.execute(greetTomorrow, {
        taskQueue: 'foundation-ts',
        workflowId: 'greet-tomorrow',
        args: ['ada'],
      }),
    );
    expect(result).toBe('HELLO ADA');
  });
});

describe('local environment (Temporal CLI dev server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createLocalEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that sets our search attributes, and visibility finds it by them', async () => {
    const result = await runOn(env, 'foundation-local', () =>
      env.client.workflow.execute(greetAndMark, {
        taskQueue: 'foundation-local',
        workflowId: 'greet-mark',
        args: ['ada'],
      }),
    );
    expect(result).toBe('HELLO ADA from foundation-local');
    const description = await env.client.workflow.getHandle('greet-mark').describe();
    expect(description.typedSearchAttributes.get(SA_STATE)).toBe('completed');
  });
});
