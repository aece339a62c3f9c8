/**
 * Operator commands every onboarding answers, whatever its provider. Deterministic (workflows import it).
 */
import { defineUpdate } from '@temporalio/workflow';
import type { Actor, OnboardingStatus } from './onboarding.js';

/**
 * Retry a step that stopped on a provider call whose outcome is unknown (ProviderOutcomeUnknown: the provider
 * answered a 5xx it says must not be repeated blindly). The operator first checks with the provider; the retried
 * call sends the same idempotency key, so a call that did take effect answers its first result.
 */
export interface RetryStepRequest {
  /** The step named in the status (`step`, with `blockedOn: "retrying"`). */
  step: string;
  /** Why retrying is safe now (e.g. "Green Dot confirmed nothing was created"); kept in the timeline. */
  reason: string;
  actor?: Actor;
}

export const retryStepUpdate = defineUpdate<OnboardingStatus, [RetryStepRequest]>('retryStep');
