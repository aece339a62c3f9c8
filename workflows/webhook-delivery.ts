/**
 * One verified provider webhook, durably recorded. The gateway starts this workflow with the id
 * `webhook:<provider>:<eventId>` before acknowledging, so the provider's redeliveries collapse onto one execution;
 * the workflow then routes the event to its onboarding, retrying while no onboarding carries the event's refs yet.
 */
import { ActivityFailure, ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities, WebhookDeliveryInput, WebhookDeliveryResult } from '../contract/webhook-delivery.js';

/**
 * How long a webhook may wait for its onboarding to appear in visibility. The onboarding records the provider id
 * moments after the call that created it returns, so minutes are plenty; an hour covers a stalled worker.
 */
const { routeProviderEvent } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2m' },
});

export async function webhookDelivery(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const { event } = input;
  if (!input.routable) {
    log.info('provider event recorded, not routed', { eventId: event.eventId, type: event.type });
    return { outcome: 'ignored', eventId: event.eventId, type: event.type };
  }
  try {
    const routed = await routeProviderEvent(event);
    return { outcome: 'routed', eventId: event.eventId, type: event.type, ...routed };
  } catch (err) {
    if (err instanceof ActivityFailure) {
      // Fail the delivery visibly: an operator can find it (ExecutionStatus='Failed') and reset it once fixed.
      throw ApplicationFailure.nonRetryable(
        `event ${event.eventId} (${event.type}) could not be routed: ${err.cause?.message ?? err.message}`,
        'WebhookUnroutable',
      );
    }
    throw err;
  }
}
