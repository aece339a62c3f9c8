/**
 * A provider's webhook intake: how its deliveries are authenticated (client/webhooks/verifiers.ts has the usual
 * schemes), how one delivery becomes zero or more ProviderEvents, and how the provider wants to be answered.
 * One file per provider beside this one, wired into the provider registry; client/webhooks/intake.ts runs them.
 */
import type { z } from 'zod';
import type { ProviderEvent } from '../../contract/onboarding.js';
import { WebhookPayloadError } from '../errors.js';
import { fieldIssues } from '../schemas.js';

/** Header names lowercased, as Node and Fastify deliver them. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface NormalizedWebhook {
  event: ProviderEvent;
  /** False when the onboarding flow has nothing to do with this event type: recorded, acknowledged, not routed. */
  routable: boolean;
}

/** What became of one event of the delivery, once it is durable. */
export interface WebhookEventOutcome {
  eventId: string;
  type: string;
  /**
   * False when the event's delivery workflow already existed (a redelivery). True on the direct path, where the
   * intake cannot tell: the onboarding drops repeated eventIds itself.
   */
  firstDelivery: boolean;
}

/** Every event of the delivery, in the order normalize() returned them; all of them are durable. */
export interface WebhookDeliveryOutcome {
  events: readonly WebhookEventOutcome[];
}

/** The HTTP answer to a delivery whose events are all durable. */
export interface WebhookAcknowledgement {
  status: number;
  /** Response headers, e.g. a request id the provider expects echoed back. */
  headers?: Record<string, string>;
  /** Sent as JSON when it is an object, as is when it is a string. */
  body: unknown;
}

export interface ProviderWebhookIntake {
  /** Throws WebhookAuthenticationError (401) unless the raw bytes carry the provider's valid credentials. */
  verify(rawBody: Buffer, headers: WebhookHeaders): void;
  /**
   * The delivery's events, possibly none (a batch may be empty). Throws WebhookPayloadError (400) when a verified
   * body is not the provider's envelope; nothing of it is recorded then.
   */
  normalize(rawBody: Buffer, headers: WebhookHeaders): NormalizedWebhook[];
  /**
   * The answer the provider expects once every event is durable. Without it the intake answers 200 with the
   * WebhookAck JSON (client/schemas.ts). Refusals (401, 400, 503) keep the gateway's error envelope.
   */
  acknowledge?(outcome: WebhookDeliveryOutcome, requestHeaders: WebhookHeaders): WebhookAcknowledgement;
  /**
   * For providers that first obtain credentials from us before pushing (an OAuth client-credentials token they
   * then send as `Authorization: Bearer`): answers `POST /webhooks/<provider>/<path>`. Throws
   * WebhookAuthenticationError (401) for wrong client credentials, WebhookPayloadError (400) for a malformed
   * request; returns undefined when `path` is not one it serves (404).
   */
  authenticationEndpoint?(path: string, rawBody: Buffer, headers: WebhookHeaders): WebhookAcknowledgement | undefined;
}

export function singleHeader(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** A verified body as the provider's envelope: 400 (WebhookPayloadError naming the fields) when it is not one. */
export function parseEnvelope<Schema extends z.ZodType>(
  rawBody: Buffer,
  schema: Schema,
  what: string,
): z.output<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookPayloadError('the body is not JSON');
  }
  const envelope = schema.safeParse(json);
  if (!envelope.success) throw new WebhookPayloadError(`not ${what}`, fieldIssues(envelope.error));
  return envelope.data;
}
