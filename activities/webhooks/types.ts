/**
 * What the webhook delivery workflow sees of its activity: plain types only (workflows import this file as types).
 */
import type { ProviderEvent } from '../../workflows/contract.js';

/** Failure type thrown while no onboarding carries the event's refs yet; retried with backoff by the workflow. */
export const ONBOARDING_NOT_FOUND_FOR_REFS = 'OnboardingNotFoundForRefs';

export interface RouteResult {
  /** Running onboardings that received the event as a providerEvent signal. */
  signalled: string[];
  /** Onboardings that carry the ref but have already finished: the event is moot for them. */
  closed: string[];
}

export interface WebhookActivities {
  /**
   * Finds the onboardings whose OnboardingRefs contain one of `event.refs` and signals each running one with the
   * event. Throws a retryable `OnboardingNotFoundForRefs` failure while none carries them: a webhook can arrive
   * before the workflow has recorded the provider's id.
   */
  routeProviderEvent(event: ProviderEvent): Promise<RouteResult>;
}
