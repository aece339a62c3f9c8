/**
 * Finding and signalling the onboarding(s) a provider event concerns: one place for both paths that route events,
 * the gateway's direct path (client/webhooks/intake.ts) and the delivery workflow's activity
 * (./activities.ts). Plain Temporal client calls, no activity context, so the gateway can use it as is.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { providerEventSignal } from '../contract/onboarding.js';
import type { ProviderEvent } from '../contract/onboarding.js';
import type { RouteResult } from '../contract/webhook-delivery.js';

/** Refs are `provider:kind:id`; anything else never reaches a visibility query. */
const REF_PATTERN = /^[a-z]+:[A-Za-z0-9_-]+:[A-Za-z0-9_.:-]{1,128}$/;

export function hasRoutableRef(event: Pick<ProviderEvent, 'refs'>): boolean {
  return event.refs.some((ref) => REF_PATTERN.test(ref));
}

/** The visibility query that finds every onboarding (open or closed) carrying one of the refs. */
export function onboardingsByRefsQuery(event: Pick<ProviderEvent, 'provider' | 'refs'>): string {
  const refs = event.refs.filter((ref) => REF_PATTERN.test(ref));
  if (refs.length === 0) throw new Error('no routable ref');
  const list = refs.map((ref) => `'${ref}'`).join(', ');
  return `OnboardingProvider = '${event.provider}' AND OnboardingRefs IN (${list})`;
}

export interface OnboardingMatches {
  running: string[];
  closed: string[];
}

/** Every onboarding whose OnboardingRefs contain one of the event's refs, split by whether it still runs. */
export async function findOnboardingsByRefs(client: Client, event: ProviderEvent): Promise<OnboardingMatches> {
  const running = new Set<string>();
  const closed = new Set<string>();
  for await (const execution of client.workflow.list({ query: onboardingsByRefsQuery(event) })) {
    if (execution.status.name === 'RUNNING') running.add(execution.workflowId);
    else closed.add(execution.workflowId);
  }
  return { running: [...running], closed: [...closed] };
}

/**
 * Signals the event to each running match. Once the server accepts a signal it is in that onboarding's history:
 * durable. An onboarding that finished between the listing and the signal moves to `closed`; any other error is
 * thrown (the onboarding dedupes by eventId, so a caller that retries and signals twice does no harm).
 */
export async function signalOnboardings(
  client: Client,
  event: ProviderEvent,
  matches: OnboardingMatches,
): Promise<RouteResult> {
  const signalled: string[] = [];
  const closed = new Set(matches.closed);
  for (const workflowId of matches.running) {
    try {
      await client.workflow.getHandle(workflowId).signal(providerEventSignal, event);
      signalled.push(workflowId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) closed.add(workflowId);
      else throw err;
    }
  }
  return { signalled, closed: [...closed] };
}
