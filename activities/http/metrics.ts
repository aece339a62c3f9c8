/**
 * Provider call latency and status, from the running activity's meter (the worker's Prometheus endpoint, tagged by
 * the SDK with the activity type, namespace and task queue). Outside an activity (scripts, tests) nothing is sent.
 *
 * The `endpoint` label is a route template, never the URL: ids in a path become `:id`, the query is dropped. A
 * label must not carry an id (unbounded, and maybe personal), so the rule errs towards hiding: a path segment
 * stays only if it is a plain lowercase word (`applications`, `identity_questions`, `linked-accounts`) or a version
 * (`v1`); anything with a digit, a capital, an encoded character or more than 40 characters is an id.
 */
import { ApplicationFailure } from '@temporalio/common';
import { PROVIDER_HTTP_METRICS } from '../../contract/metrics.js';
import { PROVIDER_TIMEOUT } from '../../contract/provider-failures.js';
import { currentActivityContext } from './idempotency.js';

const WORD_SEGMENT = /^[a-z][a-z_-]{0,39}$/;
const VERSION_SEGMENT = /^v\d{1,3}$/;

/** `/api/v1/applications/3f1c…/apply/?x=1` → `/api/v1/applications/:id/apply/`. */
export function endpointTemplate(path: string): string {
  const pathname = path.split(/[?#]/, 1)[0] ?? '';
  if (pathname === '' || pathname === '/') return '/';
  return pathname
    .split('/')
    .map((segment) => (segment === '' || WORD_SEGMENT.test(segment) || VERSION_SEGMENT.test(segment) ? segment : ':id'))
    .join('/');
}

/** The `status` label when no HTTP status came back. */
function failureStatus(err: unknown, cancelled: boolean): string {
  if (cancelled) return 'cancelled';
  if (err instanceof ApplicationFailure && err.type === PROVIDER_TIMEOUT) return 'timeout';
  return 'network_error';
}

/** `2xx`…`5xx`, or `error` when no HTTP status came back. */
export function statusClass(status: number | string): string {
  return typeof status === 'number' ? `${Math.floor(status / 100)}xx` : 'error';
}

export interface ProviderCallLabels {
  provider: string;
  method: string;
  /** The request path as given to the client (relative to the base URL); turned into a template here. */
  path: string;
}

/** Runs one HTTP exchange and records its duration with its status (or why there was none). */
export async function observeProviderCall<T extends { status: number }>(
  labels: ProviderCallLabels,
  exchange: () => Promise<T>,
): Promise<T> {
  const context = currentActivityContext();
  if (!context) return exchange();
  const histogram = context.metricMeter.createHistogram(
    PROVIDER_HTTP_METRICS.requestDuration,
    'float',
    's',
    'Provider HTTP request duration, seconds',
  );
  const tags = { provider: labels.provider, endpoint: endpointTemplate(labels.path), method: labels.method };
  const started = performance.now();
  const record = (status: number | string): void => {
    histogram.record((performance.now() - started) / 1000, {
      ...tags,
      status: String(status),
      status_class: statusClass(status),
    });
  };
  try {
    const response = await exchange();
    record(response.status);
    return response;
  } catch (err) {
    record(failureStatus(err, context.cancellationSignal.aborted));
    throw err;
  }
}
