/**
 * Webhook routing as the delivery workflow's activity: from a verified, normalized provider event to the
 * onboarding(s) it concerns, through the OnboardingRefs search attribute (visibility), then the providerEvent
 * signal (./routing.ts, shared with the gateway's direct path). Idempotent: the workflow dedupes events by eventId,
 * so a retried activity that signals twice is harmless.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { ProviderEvent } from '../../contract/onboarding.js';
import { createLogger } from '../../common/log.js';
import { findOnboardingsByRefs, hasRoutableRef, signalOnboardings } from '../../common/routing.js';
import { ONBOARDING_NOT_FOUND_FOR_REFS } from '../../contract/webhook-delivery.js';
import type { RouteResult, WebhookActivities } from '../../contract/webhook-delivery.js';

export { onboardingsByRefsQuery } from '../../common/routing.js';

const log = createLogger('webhook-routing');

export function createWebhookActivities(deps: { client: Client }): WebhookActivities {
  const { client } = deps;
  return {
    async routeProviderEvent(event: ProviderEvent): Promise<RouteResult> {
      if (!hasRoutableRef(event)) {
        throw ApplicationFailure.nonRetryable(`event ${event.eventId} carries no routable ref`, 'UnroutableEvent');
      }
      const matches = await findOnboardingsByRefs(client, event);
      if (matches.running.length === 0 && matches.closed.length === 0) {
        throw ApplicationFailure.retryable(
          `no onboarding carries ${event.refs.join(', ')} yet`,
          ONBOARDING_NOT_FOUND_FOR_REFS,
        );
      }
      const routed = await signalOnboardings(client, event, matches);
      log.info('provider event routed', {
        provider: event.provider,
        eventId: event.eventId,
        type: event.type,
        ...routed,
      });
      return routed;
    },
  };
}
