/** Failures the shared onboarding machinery throws and recognises. Deterministic: no Node modules. */
import { ActivityFailure, ApplicationFailure, TemporalFailure } from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import { ACTION_NOT_EXPECTED, INVALID_ACTION } from '../../contract/onboarding.js';
import type { InvalidField } from '../../contract/rules.js';

/** A wait on the customer passed its expiry: the saga records `expired` and compensates. */
export const CUSTOMER_DEADLINE_EXPIRED = 'CustomerDeadlineExpired';
/** A customer action refused too often within one wait (e.g. a wrong SMS code five times): the step fails. */
export const CUSTOMER_ATTEMPTS_EXHAUSTED = 'CustomerAttemptsExhausted';
/** A customer action whose provider call failed for a reason that is not the customer's (outage, timeout). */
export const PROVIDER_ACTION_UNAVAILABLE = 'ProviderActionUnavailable';
/** The provider answered with something the workflow cannot act on (e.g. documents needed but none named). */
export const UNEXPECTED_PROVIDER_STATE = 'UnexpectedProviderState';

export type { InvalidField } from '../../contract/rules.js';

export function actionNotExpected(message: string, details: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type: ACTION_NOT_EXPECTED, message, nonRetryable: true, details: [details] });
}

export function invalidAction(reason: InvalidField): ApplicationFailure {
  return ApplicationFailure.create({
    type: INVALID_ACTION,
    message: `${reason.field}: ${reason.message}`,
    nonRetryable: true,
    details: [{ field: reason.field }],
  });
}

export function customerDeadlineExpired(wait: string, action: string, expiresAt: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: CUSTOMER_DEADLINE_EXPIRED,
    message: `${action} was not done before ${expiresAt}`,
    nonRetryable: true,
    details: [{ wait, action, expiresAt }],
  });
}

export function customerAttemptsExhausted(wait: string, action: string, attempts: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: CUSTOMER_ATTEMPTS_EXHAUSTED,
    message: `${action} was refused ${attempts} times; no attempts left`,
    nonRetryable: true,
    details: [{ wait, action, attempts }],
  });
}

export function isCustomerDeadlineExpired(err: unknown): err is ApplicationFailure {
  return err instanceof ApplicationFailure && err.type === CUSTOMER_DEADLINE_EXPIRED;
}

/**
 * True when an activity's single first try failed with an error its full retry policy would retry: the server
 * stopped only because that first call allowed one attempt.
 */
export function isRetryableFirstTryFailure(err: unknown): err is ActivityFailure {
  return err instanceof ActivityFailure && err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED;
}

/** The `Retry-After` the provider asked for, carried by the HTTP core as `nextRetryDelay`. */
export function requestedRetryDelay(err: ActivityFailure): ApplicationFailure['nextRetryDelay'] {
  return err.cause instanceof ApplicationFailure ? err.cause.nextRetryDelay : undefined;
}

/** A short, PII-free description of a failure for `steps[].lastError` and the timeline. */
export function describeFailure(err: unknown): string {
  let failure: unknown = err;
  // The useful part of an ActivityFailure is its cause: the provider error type and message.
  while (failure instanceof ActivityFailure && failure.cause) failure = failure.cause;
  if (failure instanceof ApplicationFailure) return `${failure.type ?? 'Error'}: ${failure.message}`;
  if (failure instanceof TemporalFailure) return `${failure.name}: ${failure.message}`;
  if (failure instanceof Error) return `${failure.name}: ${failure.message}`;
  return String(failure);
}

/** The type of a failure (the provider error type under an ActivityFailure), without its message. */
export function failureType(err: unknown): string {
  let failure: unknown = err;
  while (failure instanceof ActivityFailure && failure.cause) failure = failure.cause;
  if (failure instanceof ApplicationFailure) return failure.type ?? 'Error';
  return failure instanceof Error ? failure.name : typeof failure;
}

/** The provider's answer leaves nothing sensible to do (e.g. documents needed, none named): a permanent failure. */
export function unexpectedProviderState(message: string, details: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({
    type: UNEXPECTED_PROVIDER_STATE,
    message,
    nonRetryable: true,
    details: [details],
  });
}
