/**
 * The worker process: one Temporal Worker per task queue of workers/providers.ts, all sharing one workflow bundle,
 * one connection and one Prometheus endpoint. SIGTERM/SIGINT drain in-flight activities for up to
 * WORKER_SHUTDOWN_GRACE_SECONDS before the process exits.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { LogEntry } from '@temporalio/worker';
import { loadConfig, taskQueueFor } from '../common/config.js';
import type { Config } from '../common/config.js';
import { DocumentStore } from '../common/documents.js';
import { createLogger } from '../common/log.js';
import type { Logger } from '../common/log.js';
import { connectClient, connectWorker, describeTarget } from '../common/temporal.js';
import { prometheusTelemetry } from './metrics.js';
import { startTracing, WORKER_SERVICE_NAME } from '../common/tracing.js';
import { TASK_QUEUES } from './providers.js';
import { loadWorkflowBundle } from './workflow-bundle.js';

/** The SDK's own logs (worker state, task failures) go through our structured, PII-masking logger. */
function sdkLogger(log: Logger, config: Config): DefaultLogger {
  const level = config.LOG_LEVEL.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  return new DefaultLogger(level, (entry: LogEntry) => {
    const fields = { ...entry.meta };
    switch (entry.level) {
      case 'TRACE':
      case 'DEBUG':
        return log.debug(entry.message, fields);
      case 'INFO':
        return log.info(entry.message, fields);
      case 'WARN':
        return log.warn(entry.message, fields);
      default:
        return log.error(entry.message, fields);
    }
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('worker');
  // Before any client or worker exists: they pick the tracer up when made. Off unless OTEL_* asks for it.
  const tracing = startTracing(WORKER_SERVICE_NAME);
  const metricsUrl =
    config.WORKER_METRICS_PORT > 0
      ? `http://${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}/metrics`
      : undefined;

  Runtime.install({
    logger: sdkLogger(createLogger('temporal-sdk'), config),
    // We handle signals ourselves, so shutdown is logged and ordered (workers, then connections).
    shutdownSignals: [],
    telemetryOptions: metricsUrl ? prometheusTelemetry(config.WORKER_METRICS_HOST, config.WORKER_METRICS_PORT) : {},
  });

  const { connection, target, dataConverter } = await connectWorker();
  const { client, close: closeClient } = await connectClient();
  log.info('connected to Temporal', { target: describeTarget(target) });

  const documents = DocumentStore.fromConfig(config);

  // One bundle for every queue: prebuilt by `npm run build`, else bundled here (the slow part of a worker start).
  const { workflowBundle, source: bundleSource } = await loadWorkflowBundle(
    dataConverter,
    sdkLogger(createLogger('bundler'), { ...config, LOG_LEVEL: 'warn' }),
    process.env,
    tracing?.workflowInterceptorModules ?? [],
  );
  log.info('workflow bundle', { source: bundleSource });

  const workers = await Promise.all(
    TASK_QUEUES.map((queue) => {
      const maxActivitiesPerSecond = queue.maxActivitiesPerSecond?.(config);
      return Worker.create({
        connection,
        namespace: target.namespace,
        taskQueue: taskQueueFor(config, queue.name),
        workflowBundle,
        activities: queue.createActivities({ config, client, documents }),
        dataConverter,
        ...(tracing ? { interceptors: tracing.workerInterceptors, sinks: tracing.sinks } : {}),
        shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
        ...(maxActivitiesPerSecond ? { maxTaskQueueActivitiesPerSecond: maxActivitiesPerSecond } : {}),
      });
    }),
  );

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down: finishing running activities', {
      reason,
      graceSeconds: config.WORKER_SHUTDOWN_GRACE_SECONDS,
    });
    for (const worker of workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  const runs = workers.map((worker) =>
    worker.run().catch((err: unknown) => {
      // One queue failing fatally takes the process down: a half-served set of queues is worse than a restart.
      log.error('worker stopped with an error', { taskQueue: worker.options.taskQueue, error: String(err) });
      stop('a worker failed');
      throw err;
    }),
  );

  const queues = workers.map((worker) => worker.options.taskQueue).join(', ');
  // The launcher (scripts/start.ts) waits for this exact line on stdout.
  console.log(
    `worker ready: task queues ${queues} (${describeTarget(target)}${metricsUrl ? `, metrics ${metricsUrl}` : ''})`,
  );
  if (tracing) log.info('tracing on', { serviceName: tracing.serviceName });

  const results = await Promise.allSettled(runs);
  await closeClient();
  await connection.close();
  await tracing?.shutdown();
  const failed = results.some((result) => result.status === 'rejected');
  log.info('worker stopped', { failed });
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error('worker failed to start:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
