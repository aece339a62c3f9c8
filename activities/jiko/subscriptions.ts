/**
 * The webhook subscription bootstrap: Jiko signs each subscription's deliveries with the `shared_secret` the partner
 * chose when creating it, so the engine owns that subscription. `ensureJikoSubscription` makes one exist for our
 * gateway URL, the event types we route and our secret (JIKO_WEBHOOK_SECRET), and is safe to run again and again:
 *
 * - it lists the existing subscriptions first (every page) and reuses the one pointed at our URL, so it never
 *   creates a second one; a subscription there missing some of our events is updated in place;
 * - a create carries an idempotency key derived from what it asks for, so a retry after a lost answer within
 *   Jiko's 1-hour window replays the first create instead of making another;
 * - Jiko never shows a secret back, so an existing subscription keeps its secret unless `rotateSecret` is set.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { JIKO_ROUTED_EVENT_TYPES } from '../../contract/jiko.js';
import type { JikoClient } from './client.js';
import type { JikoWireSubscription } from './schemas.js';

export const JIKO_SUBSCRIPTION_DESCRIPTION = 'Onboarding engine: application events';

export interface JikoSubscriptionTarget {
  /** Where Jiko delivers: our gateway's `/webhooks/jiko`. */
  url: string;
  /** JIKO_WEBHOOK_SECRET: what the gateway verifies `x-jiko-signature` with. */
  sharedSecret: string;
  /** The event types to receive; those the gateway routes by default. */
  events?: readonly string[];
  /** Send the secret to an existing subscription too (after changing JIKO_WEBHOOK_SECRET). */
  rotateSecret?: boolean;
}

export interface JikoSubscriptionOutcome {
  outcome: 'created' | 'updated' | 'unchanged';
  subscriptionId: string;
  url: string;
  events: string[];
  /** Jiko may disable a subscription on its side; the API offers no way to enable it again (ask Jiko). */
  status: JikoWireSubscription['status'];
}

/**
 * A UUID (Jiko wants one) derived from the request: the same bootstrap asks with the same key. The secret enters
 * only through a hash, and the key is itself hashed, so it reveals nothing about the secret.
 */
export function subscriptionIdempotencyKey(url: string, events: readonly string[], sharedSecret: string): string {
  const secretDigest = createHash('sha256').update(sharedSecret).digest('hex');
  const hex = createHash('sha256')
    .update(['jiko:subscription', url, [...events].sort().join(','), secretDigest].join('\n'))
    .digest('hex');
  // Shaped as a version-5-style UUID so any UUID validator takes it.
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The same address, whatever a trailing slash or the host's case: Jiko compares nothing for us. */
function sameUrl(a: string, b: string): boolean {
  const normalize = (value: string): string => {
    try {
      const parsed = new URL(value);
      return `${parsed.protocol}//${parsed.host.toLowerCase()}${parsed.pathname.replace(/\/+$/, '')}${parsed.search}`;
    } catch {
      return value;
    }
  };
  return normalize(a) === normalize(b);
}

export async function ensureJikoSubscription(
  client: JikoClient,
  target: JikoSubscriptionTarget,
): Promise<JikoSubscriptionOutcome> {
  const wanted = [...(target.events ?? JIKO_ROUTED_EVENT_TYPES)];
  const offered = new Set(await client.listEventTypes());
  const unknown = wanted.filter((event) => !offered.has(event));
  if (unknown.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `Jiko does not offer the event types ${unknown.join(', ')}; cannot subscribe to them`,
      'JikoSubscriptionInvalid',
    );
  }

  const existing = (await client.listSubscriptions()).filter((subscription) => sameUrl(subscription.url, target.url));
  const [current] = existing;
  if (!current) {
    const created = await client.createSubscription(
      {
        description: JIKO_SUBSCRIPTION_DESCRIPTION,
        events: wanted,
        url: target.url,
        shared_secret: target.sharedSecret,
      },
      subscriptionIdempotencyKey(target.url, wanted, target.sharedSecret),
    );
    return outcome('created', created);
  }

  const missing = wanted.filter((event) => !current.events.includes(event));
  if (missing.length === 0 && !target.rotateSecret) return outcome('unchanged', current);
  // Keep whatever else the subscription listens to: another team may rely on it.
  const events = [...current.events, ...missing];
  const updated = await client.updateSubscription(
    current.id,
    { events, ...(target.rotateSecret ? { shared_secret: target.sharedSecret } : {}) },
    subscriptionIdempotencyKey(`${target.url}#${current.id}`, events, target.sharedSecret),
  );
  return outcome('updated', updated);
}

function outcome(
  kind: JikoSubscriptionOutcome['outcome'],
  subscription: JikoWireSubscription,
): JikoSubscriptionOutcome {
  return {
    outcome: kind,
    subscriptionId: subscription.id,
    url: subscription.url,
    events: [...subscription.events],
    status: subscription.status,
  };
}
