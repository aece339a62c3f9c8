/**
 * Turning tracing on must not break a running onboarding: every recorded history (made without the tracing
 * interceptors) replays on the bundle the worker builds when OTEL_* turns tracing on, with the package's workflow
 * interceptors module in and its span sink injected. replay.test.ts covers the same histories with tracing off, and
 * test/e2e/traces.e2e.test.ts replays a history made with tracing on, on a bundle without it.
 */
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../../common/tracing.js';
import type { Tracing } from '../../common/tracing.js';
import { loadRecordedHistories, withRenamedFirstActivity } from '../helpers/replay.js';
import type { RecordedHistory } from '../helpers/replay.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { projectRoot } from '../helpers/temporal.js';

const PROVIDERS = ['greendot', 'jiko', 'linkcy', 'netspend'];

let receiver: OtlpReceiver;
let tracing: Tracing;
let workflowBundle: WorkflowBundleWithSourceMap;
let histories: RecordedHistory[];
const savedEnv = { ...process.env };

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  receiver = await startOtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${receiver.url}/v1/traces`;
  const started = startTracing('onboarding-replay-test');
  if (!started) throw new Error('tracing did not turn on with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set');
  tracing = started;
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.join(projectRoot, 'workflows/index.ts'),
    workflowInterceptorModules: tracing.workflowInterceptorModules,
    logger: new DefaultLogger('WARN'),
  });
  histories = (await Promise.all(PROVIDERS.map(loadRecordedHistories))).flat();
});

afterAll(async () => {
  await tracing?.shutdown();
  await receiver?.close();
  process.env = savedEnv;
});

async function replayWithTracing(recorded: readonly RecordedHistory[]): Promise<string[]> {
  const failures: string[] = [];
  const input = recorded.map(({ name, history }) => ({ workflowId: name, history }));
  for await (const replay of Worker.runReplayHistories({ workflowBundle, sinks: tracing.sinks }, input)) {
    if (replay.error) failures.push(`${replay.workflowId}: ${String(replay.error)}`);
  }
  return failures;
}

describe('recorded histories with tracing on', () => {
  it('replay on the tracing bundle without a nondeterminism error', async () => {
    expect(histories.length).toBeGreaterThanOrEqual(20);
    // The bundle does hold the package's workflow interceptors (its tracer's name), so this replay runs them.
    expect(workflowBundle.code).toContain('@temporalio/interceptor-workflow');
    expect(await replayWithTracing(histories)).toEqual([]);
  });

  it('would still catch a change: a tampered history fails to replay', async () => {
    const failures = await replayWithTracing([withRenamedFirstActivity(histories[0]!)]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/nondetermin/i);
  });
});
