/**
 * The webhook delivery workflow's contract: its type name, input and result, and the activity it calls. The gateway
 * starts it (client/webhooks/intake.ts); workflows/webhook-delivery.ts implements it.
 */
import type { ProviderEvent } from './onboarding.js';

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

export const WEBHOOK_DELIVERY_WORKFLOW_TYPE = 'webhookDelivery';

export interface WebhookDeliveryInput {
  event: ProviderEvent;
  /**
   * False for event types the onboarding flow does not act on (or does not know): recorded and acknowledged,
   * never routed.
   */
  routable: boolean;
}

export type WebhookDeliveryResult =
  | { outcome: 'ignored'; eventId: string; type: string }
  | ({ outcome: 'routed'; eventId: string; type: string } & RouteResult);

/** The workflow's signature, for a typed `client.workflow.start<WebhookDeliveryWorkflow>(…)`. */
export type WebhookDeliveryWorkflow = (input: WebhookDeliveryInput) => Promise<WebhookDeliveryResult>;
