/**
 * OpenTelemetry traces, off by default and on with the standard variables: an OTLP/HTTP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns them on, OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none keeps them off. The exporter reads the rest of OTEL_EXPORTER_OTLP_* itself (headers,
 * timeout), the provider OTEL_TRACES_SAMPLER*, the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 *
 * One tracer provider per process, registered globally: the gateway's HTTP server span, the Temporal client
 * interceptor (StartWorkflow, SignalWorkflow…), the worker's activity interceptor (RunActivity) and the provider HTTP
 * client span all find it through @opentelemetry/api. Workflow spans are made inside the workflow sandbox by the
 * package's interceptors module and leave it through the `exporter` sink (never during replay).
 */
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ClientInterceptors } from '@temporalio/client';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';

export const GATEWAY_SERVICE_NAME = 'onboarding-gateway';
export const WORKER_SERVICE_NAME = 'onboarding-worker';

/**
 * The module the workflow bundle must include for workflow spans (RunWorkflow, StartActivity…). It runs in the
 * deterministic sandbox: the package makes its spans from workflow time and ships them out through a sink.
 */
export const WORKFLOW_TRACING_INTERCEPTORS_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** Whether the OTEL_* variables ask for traces. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (isTrue(env.OTEL_SDK_DISABLED)) return false;
  if (env.OTEL_TRACES_EXPORTER?.split(',').some((exporter) => exporter.trim() === 'none')) return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** What the Temporal client and worker need for traces; built once per process by startTracing. */
export interface Tracing {
  serviceName: string;
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** For `new Client({ interceptors })`: StartWorkflow, SignalWorkflow, StartWorkflowUpdate… spans, context in headers. */
  clientInterceptors: ClientInterceptors;
  /** For Worker.create: RunActivity spans (parented by the workflow's StartActivity), trace ids on activity logs. */
  workerInterceptors: WorkerInterceptors;
  /** For Worker.create and Worker.runReplayHistories: where workflow spans leave the sandbox. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  /** For bundleWorkflowCode({ workflowInterceptorModules }). */
  workflowInterceptorModules: string[];
  /** Flushes the spans still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** The process's tracing, when startTracing turned it on. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/** The Temporal client interceptors every client of this process gets (none when tracing is off). */
export function temporalClientInterceptors(): ClientInterceptors {
  return active?.clientInterceptors ?? {};
}

function resourceFor(defaultServiceName: string): Resource {
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read by the env detector) win over the per-process default.
  return new Resource({
    ...Resource.default().attributes,
    [ATTR_SERVICE_NAME]: defaultServiceName,
    ...envDetectorSync.detect().attributes,
  });
}

/**
 * Turns tracing on when the OTEL_* variables ask for it (else returns undefined and changes nothing): registers a
 * global tracer provider exporting OTLP/HTTP (JSON), the W3C trace-context propagator and the async context manager.
 * Call first thing in a process, before any client or worker is made. A second call returns the first's tracing.
 */
export function startTracing(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (active) return active;
  if (!tracingRequested(env)) return undefined;
  const resource = resourceFor(defaultServiceName);
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  active = {
    serviceName: String(resource.attributes[ATTR_SERVICE_NAME]),
    resource,
    spanProcessor,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    workerInterceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    workflowInterceptorModules: [WORKFLOW_TRACING_INTERCEPTORS_MODULE],
    shutdown: async () => {
      await provider.shutdown();
      // Back to the no-op globals, so a later startTracing (a test turning tracing on again) can register anew.
      trace.disable();
      context.disable();
      propagation.disable();
      active = undefined;
    },
  };
  return active;
}
