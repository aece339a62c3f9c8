/**
 * Failure types thrown by the provider HTTP core. Plain constants with no imports, so workflows can import this
 * file to list the non-retryable ones in retry policies and to branch on a failure's type.
 */

/**
 * The provider saying no (validation, business rule, not found, conflict): a 4xx it does not list as retryable, or a
 * refusal inside a 2xx body. Never retried.
 */
export const PROVIDER_BUSINESS_ERROR = 'ProviderBusinessError';
/** A 2xx (or error) body that does not match our schema: the provider changed shape. Never retried. */
export const PROVIDER_RESPONSE_INVALID = 'ProviderResponseInvalid';
/**
 * 408, 429, 5xx, connection failure (or the statuses a provider lists as retryable, or a refusal it flags
 * retryable): retried with the same idempotency key, honouring Retry-After.
 */
export const PROVIDER_UNAVAILABLE = 'ProviderUnavailable';
/**
 * A 5xx the provider says must not be repeated blindly (Green Dot's 500): the call may or may not have taken effect.
 * Never retried automatically; an operator who has checked with the provider retries the step, which sends the
 * same idempotency key, so a call that did take effect answers its first result instead of acting twice.
 */
export const PROVIDER_OUTCOME_UNKNOWN = 'ProviderOutcomeUnknown';
/** Our per-call timeout fired before the provider answered: retried. */
export const PROVIDER_TIMEOUT = 'ProviderTimeout';
/**
 * Still 401 after a fresh token: credentials are wrong or revoked. Retried (an operator can fix the secret
 * without failing every onboarding in flight), so alert on it rather than waiting for workflows to fail.
 */
export const PROVIDER_AUTH_FAILED = 'ProviderAuthFailed';
/** Input we cannot map to the provider's fields (e.g. an unsupported country). Never retried. */
export const PROVIDER_INPUT_INVALID = 'ProviderInputInvalid';
/** A claim-check reference that does not resolve to a stored document. Never retried. */
export const DOCUMENT_NOT_FOUND = 'DocumentNotFound';

export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = [
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_RESPONSE_INVALID,
  PROVIDER_OUTCOME_UNKNOWN,
  PROVIDER_INPUT_INVALID,
  DOCUMENT_NOT_FOUND,
];

export type ProviderErrorKind = 'validation' | 'business' | 'not_found' | 'conflict' | 'forbidden';

/** `details[0]` of a ProviderBusinessError. Never carries request values (they may be PII). */
export interface ProviderErrorDetails {
  provider: string;
  status: number;
  /** The provider's own code (e.g. `account_not_found`, `value_error.missing`), or `http_<status>`. */
  code: string;
  kind: ProviderErrorKind;
  /** Field paths the provider named (validation errors), e.g. `body.address.postal_code`. */
  fields?: string[];
}

/** `details[0]` of a ProviderOutcomeUnknown: what an operator needs to ask the provider whether the call took effect. */
export interface ProviderOutcomeUnknownDetails {
  provider: string;
  status: number;
  /** The provider's own code, or `http_<status>`. */
  code: string;
  /** The key the call was sent with (a hash, no PII); a retried step sends the same one. */
  idempotencyKey?: string;
}

/**
 * The back-off of a provider call that failed retryably: doubling from 1 s up to 1 min. The activities' retry
 * policy uses it, and the HTTP core uses it as the floor under a provider's Retry-After, so a provider that keeps
 * answering "429, retry after 1 s" is still asked less and less often.
 */
export const PROVIDER_RETRY_BACKOFF = { initialIntervalMs: 1_000, coefficient: 2, maximumIntervalMs: 60_000 } as const;

/** The policy's delay before attempt `attempt + 1`, after attempt `attempt` (1-based) failed. */
export function providerRetryBackoffMs(attempt: number): number {
  const { initialIntervalMs, coefficient, maximumIntervalMs } = PROVIDER_RETRY_BACKOFF;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  return Math.min(maximumIntervalMs, initialIntervalMs * coefficient ** Math.min(exponent, 32));
}
