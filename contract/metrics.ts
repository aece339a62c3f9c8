/**
 * Our own Prometheus metrics: their names, labels and histogram buckets, in one place that the workflows (the
 * onboarding funnel), the HTTP core (provider calls), the gateway (its routes), the worker (bucket boundaries) and
 * the Grafana dashboard test all read. Plain constants: workflows import this file.
 *
 * Labels are bounded and PII-free by construction: provider names, step names, states, blocked-on values, HTTP
 * methods and statuses, and route templates. Never an id, a customerRef or a URL with ids in it.
 */

/** Emitted from workflow code (`metricMeter` of @temporalio/workflow: silent during replay), on the worker's endpoint. */
export const ONBOARDING_METRICS = {
  /** Counter {provider}: onboardings started (a continue-as-new is not a start). */
  started: 'onboarding_started_total',
  /** Counter {provider, outcome, step}: onboardings that reached a final state; `step` is where they ended. */
  finished: 'onboarding_finished_total',
  /** Histogram {provider, outcome}, seconds: from start to the final state. */
  duration: 'onboarding_duration_seconds',
  /** Counter {provider, step}: steps started (a step run again counts again): the funnel's entries per step. */
  stepStarted: 'onboarding_step_started_total',
  /** Histogram {provider, step, outcome}, seconds: one step's run, outcome `done`, `failed` or `cancelled`. */
  stepDuration: 'onboarding_step_duration_seconds',
  /** Histogram {provider, blocked_on, step}, seconds: how long the onboarding waited on a party, once it stopped. */
  blocked: 'onboarding_blocked_duration_seconds',
} as const;

/** Emitted from the activity meter by the provider HTTP core (activities/http), on the worker's endpoint. */
export const PROVIDER_HTTP_METRICS = {
  /** Histogram {provider, endpoint, method, status, status_class}, seconds: one HTTP exchange with a provider. */
  requestDuration: 'provider_http_request_duration_seconds',
} as const;

/** Served by the gateway itself (`GET /metrics`, prom-client), with prom-client's default process metrics. */
export const GATEWAY_METRICS = {
  /** Histogram {route, method, status}, seconds: one gateway request; `route` is the route template. */
  requestDuration: 'gateway_http_request_duration_seconds',
} as const;

export type StepOutcome = 'done' | 'failed' | 'cancelled';

/** Seconds: a step or a wait lasts from milliseconds (a provider call) to weeks (a customer who never comes back). */
const LONG_DURATION_BUCKETS_SECONDS = [
  0.1,
  0.5,
  1,
  5,
  15,
  30,
  60,
  300,
  900,
  1800,
  3600,
  4 * 3600,
  12 * 3600,
  86_400,
  3 * 86_400,
  7 * 86_400,
  14 * 86_400,
  30 * 86_400,
];

/** Seconds: an HTTP exchange, up to the core's 15 s default timeout and a little past it. */
export const HTTP_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

/**
 * Bucket boundaries of the histograms the worker exports (the SDK's `histogramBucketOverrides`, keyed by metric
 * name): the SDK's default buckets (50 to 10 000) are made for milliseconds, useless for waits that last days.
 */
export const WORKER_HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [ONBOARDING_METRICS.duration]: LONG_DURATION_BUCKETS_SECONDS,
  [ONBOARDING_METRICS.stepDuration]: LONG_DURATION_BUCKETS_SECONDS,
  [ONBOARDING_METRICS.blocked]: LONG_DURATION_BUCKETS_SECONDS,
  [PROVIDER_HTTP_METRICS.requestDuration]: HTTP_DURATION_BUCKETS_SECONDS,
};
