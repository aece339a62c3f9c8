import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES, PROVIDER_RETRY_BACKOFF } from '../../contract/provider-failures.js';

/**
 * How every provider's activities are called, unless the provider says otherwise. No attempt limit: an outage
 * delays an onboarding; only the provider saying no (a non-retryable error type) ends it.
 */
export function providerActivityOptions(overrides: Partial<ActivityOptions> = {}): ActivityOptions {
  return {
    startToCloseTimeout: '30s',
    ...overrides,
    retry: {
      initialInterval: PROVIDER_RETRY_BACKOFF.initialIntervalMs,
      backoffCoefficient: PROVIDER_RETRY_BACKOFF.coefficient,
      maximumInterval: PROVIDER_RETRY_BACKOFF.maximumIntervalMs,
      nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
      ...overrides.retry,
    },
  };
}
