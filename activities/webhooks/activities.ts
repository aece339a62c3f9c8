/**
 * Webhook routing: from a verified, normalized provider event to the onboarding(s) it concerns, through the
 * OnboardingRefs search attribute (visibility), then the providerEvent signal. Idempotent: the workflow dedupes
 * events by eventId, so a retried activity that signals twice is harmless.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { providerEventSignal } from '../../workflows/contract.js';
import type { ProviderEvent } from '../../workflows/contract.js';
import { createLogger } from '../../common/log.js';
import { ONBOARDING_NOT_FOUND_FOR_REFS } from './types.js';
import type { RouteResult, WebhookActivities } from './types.js';

const log = createLogger('webhook-routing');

/** Refs are `provider:kind:id`; anything else never reaches a visibility query. */
const REF_PATTERN = /^[a-z]+:[A-Za-z0-9_-]+:[A-Za-z0-9_.:-]{1,128}$/;

/** The visibility query that finds every onboarding (open or closed) carrying one of the refs. */
export function onboardingsByRefsQuery(event: Pick<ProviderEvent, 'provider' | 'refs'>): string {
  const refs = event.refs.filter((ref) => REF_PATTERN.test(ref));
  if (refs.length === 0) throw new Error('no routable ref');
  const list = refs.map((ref) => `'${ref}'`).join(', ');
  return `OnboardingProvider = '${event.provider}' AND OnboardingRefs IN (${list})`;
}

export function createWebhookActivities(deps: { client: Client }): WebhookActivities {
  const { client } = deps;
  return {
    async routeProviderEvent(event: ProviderEvent): Promise<RouteResult> {
      if (!event.refs.some((ref) => REF_PATTERN.test(ref))) {
        throw ApplicationFailure.nonRetryable(`event ${event.eventId} carries no routable ref`, 'UnroutableEvent');
      }
      const running: string[] = [];
      const closed: string[] = [];
      for await (const execution of client.workflow.list({ query: onboardingsByRefsQuery(event) })) {
        if (execution.status.name === 'RUNNING') running.push(execution.workflowId);
        else closed.push(execution.workflowId);
      }
      if (running.length === 0 && closed.length === 0) {
        throw ApplicationFailure.retryable(
          `no onboarding carries ${event.refs.join(', ')} yet`,
          ONBOARDING_NOT_FOUND_FOR_REFS,
        );
      }
      const signalled: string[] = [];
      for (const workflowId of new Set(running)) {
        try {
          await client.workflow.getHandle(workflowId).signal(providerEventSignal, event);
          signalled.push(workflowId);
        } catch (err) {
          // Finished between the listing and the signal: nothing left to tell it.
          if (err instanceof WorkflowNotFoundError) closed.push(workflowId);
          else throw err;
        }
      }
      log.info('provider event routed', {
        provider: event.provider,
        eventId: event.eventId,
        type: event.type,
        signalled,
        closed,
      });
      return { signalled, closed: [...new Set(closed)] };
    },
  };
}
