/**
 * A provider's webhook intake: how its deliveries are authenticated and how they become a ProviderEvent.
 * One file per provider beside this one; client/providers.ts wires each into the registry.
 */
import type { ProviderEvent } from '../../contract/onboarding.js';

/** Header names lowercased, as Node and Fastify deliver them. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface NormalizedWebhook {
  event: ProviderEvent;
  /** False when the onboarding flow has nothing to do with this event type: recorded, acknowledged, not routed. */
  routable: boolean;
}

export interface ProviderWebhookIntake {
  /** Throws WebhookAuthenticationError (401) unless the raw bytes carry the provider's valid signature. */
  verify(rawBody: Buffer, headers: WebhookHeaders): void;
  /** Throws WebhookPayloadError (400) when a verified body is not the provider's envelope. */
  normalize(rawBody: Buffer, headers: WebhookHeaders): NormalizedWebhook;
}

export function singleHeader(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
