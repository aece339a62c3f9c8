/**
 * The floor's worker process: its own workflow bundle (bench/floor-workflow.ts), no-op activities, the same data
 * converter (PII codec) as the engine, on the floor's task queues (`${TASK_QUEUE_PREFIX}-<provider>`). The shape
 * each floor onboarding replays is read from BENCH_FLOOR_SHAPE_DIR/<provider>.json, which the bench writes after
 * measuring a real onboarding.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompleteAsyncError, Context } from '@temporalio/activity';
import { Runtime, Worker, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { loadConfig, taskQueueFor } from '../common/config.js';
import { connectClient, connectWorker } from '../common/temporal.js';
import type { FloorShape } from './floor-shape.js';
import type { FloorActivities } from './floor-workflow.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const QUEUES = ['greendot', 'jiko', 'linkcy', 'netspend'];

async function main(): Promise<void> {
  const config = loadConfig();
  const shapeDir = process.env.BENCH_FLOOR_SHAPE_DIR;
  if (!shapeDir) throw new Error('BENCH_FLOOR_SHAPE_DIR is not set');
  // The SDK logs at the engine worker's level (LOG_LEVEL), so both sides pay for the same logging.
  const level = config.LOG_LEVEL.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: ['SIGTERM', 'SIGINT'] });
  const { connection, target, dataConverter } = await connectWorker();
  // The provider's side of the floor: the last hop of the gateway's direct path for a webhook (one signal).
  const { client } = await connectClient();
  let eventsSent = 0;

  const shapes = new Map<string, FloorShape>();
  const activities: FloorActivities = {
    async floorPlan(provider) {
      let shape = shapes.get(provider);
      if (!shape) {
        shape = JSON.parse(await readFile(path.join(shapeDir, `${provider}.json`), 'utf8')) as FloorShape;
        shapes.set(provider, shape);
      }
      const first = shape.steps.find((step) => step.kind === 'activities');
      const wanted = first?.kind === 'activities' ? (first.calls[0]?.resultBytes ?? 0) : 0;
      const bare = JSON.stringify({ shape, padding: '' }).length;
      return { shape, padding: 'x'.repeat(Math.max(0, wanted - bare)) };
    },
    async floorNoop(_padding, resultBytes, events) {
      // A JSON string payload is its characters plus two quotes: the result is as large as the real one.
      const result = 'x'.repeat(Math.max(0, resultBytes - 2));
      if (!events) return result;
      // The sandbox sends a webhook after answering the call that set it off, and the gateway signals it: so the
      // completion is recorded first (completed from here, the same one RespondActivityTaskCompleted), then the
      // events are signalled, not awaited by the onboarding, which moves on as the real one does.
      const { taskToken, workflowExecution } = Context.current().info;
      const workflowId = workflowExecution?.workflowId ?? '';
      void (async () => {
        await client.activity.complete(taskToken, result);
        for (const bytes of events) {
          eventsSent += 1;
          const eventId = `floor-${eventsSent}`;
          const bare = JSON.stringify({ eventId, padding: '' }).length;
          await client.workflow
            .getHandle(workflowId)
            .signal('providerEvent', { eventId, padding: 'x'.repeat(Math.max(0, bytes - bare)) });
        }
      })().catch((err: unknown) => {
        console.error(`floor event for ${workflowId} failed:`, err);
      });
      throw new CompleteAsyncError();
    },
  };

  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.join(here, 'floor-workflow.ts'),
    failureConverterPath: dataConverter.failureConverterPath,
    payloadConverterPath: dataConverter.payloadConverterPath,
    logger: new DefaultLogger('WARN'),
  });
  const workers = await Promise.all(
    QUEUES.map((queue) =>
      Worker.create({
        connection,
        namespace: target.namespace,
        taskQueue: taskQueueFor(config, queue),
        workflowBundle,
        activities,
        dataConverter,
      }),
    ),
  );
  console.log(`floor worker ready: ${workers.map((worker) => worker.options.taskQueue).join(', ')}`);
  await Promise.all(workers.map((worker) => worker.run()));
  await connection.close();
}

main().catch((err: unknown) => {
  console.error('floor worker failed:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
