/**
 * The funnel metrics come from workflow code, which a worker re-runs from the start of the history whenever it
 * rebuilds a workflow (after a restart, or once its cache let the workflow go). Replaying is not happening again:
 * on a worker that caches nothing, so that every workflow task replays the whole history before running new code,
 * one onboarding must still count one start, one run of each step and one outcome.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONBOARDING_METRICS } from '../../contract/metrics.js';
import { onboardingWorkflowId, statusQuery } from '../../contract/onboarding.js';
import type { OnboardingInput } from '../../contract/onboarding.js';
import type { CommonActivities } from '../../contract/outbound.js';
import { prometheusTelemetry } from '../../workers/metrics.js';
import { createTimeSkippingEnv, freePort } from '../helpers/temporal.js';
import { testApplicant } from '../fixtures/applicants.js';
import { confirmUpdate } from './fixtures/saga-workflows.js';
import type { SagaFixtureActivities, SagaFixtureInput, sagaFixture } from './fixtures/saga-workflows.js';

const TASK_QUEUE = 'funnel-metrics-replay-test';
const workflowsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/saga-workflows.ts');

let sequence = 0;
const activities: SagaFixtureActivities & CommonActivities = {
  create: async (kind) => `${kind}-${++sequence}`,
  undo: async () => undefined,
  finalCheck: async () => undefined,
  emitOutboundEvent: async () => undefined,
};

let env: TestWorkflowEnvironment;
let worker: Worker;
let workerRun: Promise<void>;
let metricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: prometheusTelemetry('127.0.0.1', port) });
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  env = await createTimeSkippingEnv();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle,
    activities,
    // Nothing cached: each workflow task replays the history so far, then runs the new part.
    maxCachedWorkflows: 0,
  });
  workerRun = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await env?.teardown();
});

/** The sample lines of our funnel metric `name` (the name followed by `{`). */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('funnel metrics and replay', () => {
  it('count one onboarding once, though every workflow task replayed it from the start', async () => {
    const input: OnboardingInput<SagaFixtureInput> = {
      provider: 'netspend',
      customerRef: 'funnel-replay',
      applicant: testApplicant('400123456'),
      providerInput: {},
    };
    const handle = await env.client.workflow.start<typeof sagaFixture>('sagaFixture', {
      taskQueue: TASK_QUEUE,
      workflowId: onboardingWorkflowId('netspend', input.customerRef),
      args: [input],
    });
    for (let tries = 0; tries < 400; tries++) {
      const status = await handle.query(statusQuery).catch(() => undefined);
      if (status?.pendingActions.some((pending) => pending.action === 'confirm')) break;
      await delay(50);
    }
    await handle.executeUpdate(confirmUpdate, { args: [{ confirmed: true }] });
    expect((await handle.result()).state).toBe('completed');
    const { events } = await handle.fetchHistory();
    const workflowTasks = (events ?? []).filter((event) => event.workflowTaskCompletedEventAttributes).length;
    expect(workflowTasks).toBeGreaterThan(3);

    let text = '';
    for (let tries = 0; tries < 40 && samples(text, ONBOARDING_METRICS.finished).length === 0; tries++) {
      await delay(250);
      text = await (await fetch(metricsUrl)).text();
    }
    const value = (line: string) => Number(line.split(' ').at(-1));
    expect(samples(text, ONBOARDING_METRICS.started).map(value)).toEqual([1]);
    expect(samples(text, ONBOARDING_METRICS.finished).map(value)).toEqual([1]);
    expect(samples(text, ONBOARDING_METRICS.finished)[0]).toContain('outcome="completed"');
    const stepRuns = samples(text, ONBOARDING_METRICS.stepStarted);
    expect(stepRuns).toHaveLength(3);
    expect(stepRuns.map(value)).toEqual([1, 1, 1]);
    expect(samples(text, `${ONBOARDING_METRICS.stepDuration}_count`).map(value)).toEqual([1, 1, 1]);
  });
});
