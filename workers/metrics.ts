/**
 * The worker's Prometheus endpoint: the SDK's own metrics (`temporal_…`: task latencies, slots, sticky cache,
 * failures) and ours, which go through the same SDK meter (the funnel from workflow code, provider calls from the
 * HTTP core; names in contract/metrics.ts, exported without a prefix). One place, so the worker process and the
 * tests that scrape a worker configure it alike.
 */
import type { TelemetryOptions } from '@temporalio/worker';
import { WORKER_HISTOGRAM_BUCKETS } from '../contract/metrics.js';

/** Telemetry options serving `/metrics` on `host:port`. */
export function prometheusTelemetry(host: string, port: number): TelemetryOptions {
  return {
    metrics: {
      prometheus: {
        bindAddress: `${host}:${port}`,
        // Our histograms are in seconds and span days; the SDK's default buckets (50 to 10 000) are made for milliseconds.
        histogramBucketOverrides: WORKER_HISTOGRAM_BUCKETS,
      },
    },
  };
}
