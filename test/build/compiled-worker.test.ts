/**
 * `npm run build` produces what production runs: the compiled worker (node, no tsx) starts on the prebuilt workflow
 * bundle, polls, and on SIGTERM lets a running activity finish before it exits. The build goes to a temp folder
 * inside .data/ (git-ignored; inside the project so the compiled files find node_modules).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import proto from '@temporalio/proto';
import { parseConfig } from '../../common/config.js';
import { createDataConverter } from '../../common/data-converter.js';
import { OUTBOUND_DELIVERY_WORKFLOW_TYPE, OUTBOUND_TASK_QUEUE } from '../../contract/outbound.js';
import type { OutboundDeliveryInput } from '../../contract/outbound.js';
import { build } from '../../scripts/build/index.js';
import { WORKFLOW_BUNDLE_FILE } from '../../workers/workflow-bundle.js';
import { createLocalEnv, projectRoot } from '../helpers/temporal.js';

const PREFIX = 'buildtest';
const PII_KEYS = `buildtest:${randomBytes(32).toString('base64')}`;
/** How long the backend takes to answer the one delivery: long enough to SIGTERM the worker in the middle. */
const BACKEND_ANSWER_MS = 4_000;

let outDir: string;
let env: TestWorkflowEnvironment;
let worker: ChildProcess | undefined;
let backend: http.Server;
const backendLog: string[] = [];

beforeAll(async () => {
  await mkdir(path.join(projectRoot, '.data'), { recursive: true });
  outDir = await mkdtemp(path.join(projectRoot, '.data', 'build-test-'));
  await build(path.relative(projectRoot, outDir), () => undefined);
  env = await createLocalEnv();
  backend = http.createServer((request, response) => {
    backendLog.push('received');
    request.resume();
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      backendLog.push('answered');
    }, BACKEND_ANSWER_MS);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
}, 300_000);

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await new Promise((resolve) => backend?.close(resolve));
  await env?.teardown();
  if (outDir) await rm(outDir, { recursive: true, force: true });
}, 60_000);

describe('npm run build', () => {
  it('emits the compiled entry points and the workflow bundle', () => {
    for (const file of [
      'workers/main.js',
      'client/gateway/main.js',
      'sandbox/main.js',
      'common/failure-converter.cjs',
    ]) {
      expect(existsSync(path.join(outDir, file)), file).toBe(true);
    }
    expect(existsSync(path.join(outDir, WORKFLOW_BUNDLE_FILE))).toBe(true);
    // Nothing of the sources is needed at run time: no TypeScript in the output.
    expect(existsSync(path.join(outDir, 'workers', 'main.ts'))).toBe(false);
  });

  it('runs the worker under node on the prebuilt bundle, and SIGTERM lets a running activity finish', async () => {
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/events`;
    let stdout = '';
    let stderr = '';
    worker = spawn(process.execPath, [path.join(outDir, 'workers', 'main.js')], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        TASK_QUEUE_PREFIX: PREFIX,
        WORKER_METRICS_PORT: '0',
        WORKER_SHUTDOWN_GRACE_SECONDS: '20',
        PII_KEYS,
        OUTBOUND_WEBHOOK_URL: backendUrl,
      },
    });
    worker.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // What the backend had done when the worker process ended: the answer must come first.
    let backendAtExit: string[] = [];
    const exited = new Promise<number | null>((resolve) =>
      worker?.once('exit', (code) => {
        backendAtExit = [...backendLog];
        resolve(code);
      }),
    );

    const readyBy = Date.now() + 120_000;
    while (!stdout.includes('worker ready:')) {
      if (worker.exitCode !== null) throw new Error(`worker exited (${worker.exitCode}):\n${stderr}`);
      if (Date.now() > readyBy) throw new Error(`worker not ready:\n${stdout}\n${stderr}`);
      await delay(100);
    }
    // It loaded the prebuilt file instead of bundling the sources (the log names its source).
    expect(stderr).toContain(path.join(outDir, WORKFLOW_BUNDLE_FILE));
    expect(stderr).not.toContain('bundled at start');

    const codecClient = new Client({
      connection: env.connection,
      dataConverter: createDataConverter(parseConfig({ PII_KEYS, NODE_ENV: 'test' })),
    });
    const input: OutboundDeliveryInput = {
      event: {
        id: 'buildtest:000001',
        type: 'onboarding.completed',
        onboardingId: 'buildtest',
        sequence: 1,
        createdAt: new Date().toISOString(),
        data: {},
      },
      schedule: ['0s'],
    };
    const handle = await codecClient.workflow.start(OUTBOUND_DELIVERY_WORKFLOW_TYPE, {
      workflowId: `buildtest-drain-${Date.now()}`,
      taskQueue: `${PREFIX}-${OUTBOUND_TASK_QUEUE}`,
      args: [input],
    });

    // The worker polled: it took the workflow task and then the activity, which is now waiting on the backend.
    const takenBy = Date.now() + 60_000;
    while (!backendLog.includes('received')) {
      if (Date.now() > takenBy) throw new Error(`the activity never reached the backend:\n${stderr}`);
      await delay(50);
    }
    worker.kill('SIGTERM');
    const code = await exited;

    expect(backendAtExit).toEqual(['received', 'answered']);
    expect(code).toBe(0);
    const { events } = await handle.fetchHistory();
    const { EventType } = proto.temporal.api.enums.v1;
    const types = (events ?? []).map((event) => event.eventType);
    // Completed by the draining worker, not timed out and retried by another one.
    expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    expect(types).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
  }, 240_000);
});
