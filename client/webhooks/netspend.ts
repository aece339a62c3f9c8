/**
 * Netspend webhooks: `ns-signature` = hex(HMAC-SHA256(NETSPEND_WEBHOOK_SECRET, raw body)) by default (header and
 * encoding are ASSUMED, Netspend publishes neither: NETSPEND_WEBHOOK_SIGNATURE_HEADER / _ENCODING); the body is
 * `{id, type, created, data}`; `ns-delivery-count` counts attempts. Netspend treats anything but exactly 200 as
 * undelivered and redelivers the identical body (same `created`, same signature) for up to 72 hours.
 *
 * Replay window: Netspend signs no delivery timestamp, and `created` is when the event happened, not when this
 * attempt was sent, so a window of WEBHOOK_TOLERANCE_SECONDS on it would refuse Netspend's own redeliveries (and,
 * refused with a non-200, they would be redelivered until Netspend gives up: the event would be lost). The check
 * is therefore the redelivery window plus that tolerance: a correctly signed body older than anything Netspend can
 * still be sending is a replay and gets 401. Within the window a replay is just a duplicate, collapsed onto the
 * same delivery workflow id and deduplicated again by the onboarding (eventId).
 */
import { z } from 'zod';
import { WebhookAuthenticationError } from '../errors.js';
import type { NormalizedWebhook, ProviderWebhookIntake, WebhookHeaders } from './types.js';
import { parseEnvelope } from './types.js';
import { hmacBodySignature, signHmacBody } from './verifiers.js';

/** The default signature header; the one in use is NETSPEND_WEBHOOK_SIGNATURE_HEADER. */
export const NETSPEND_SIGNATURE_HEADER = 'ns-signature';
export const NETSPEND_DELIVERY_COUNT_HEADER = 'ns-delivery-count';
/** How long Netspend keeps redelivering an event it could not deliver. */
export const NETSPEND_REDELIVERY_WINDOW_SECONDS = 72 * 60 * 60;

/** The events the onboarding acts on (as hints: it re-reads the account or person). Others are recorded only. */
export const NETSPEND_ONBOARDING_EVENTS = ['account.created', 'person.kyc.identity_scan.modified'] as const;

const idSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'an id');

export const netspendWebhookEnvelopeSchema = z.object({
  id: idSchema,
  type: z.string().min(1).max(128),
  created: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO-8601 time'),
  data: z.record(z.string(), z.unknown()).default({}),
});

const accountEventDataSchema = z.union([
  z.object({ id: idSchema }).transform((data) => data.id),
  z.object({ account_id: idSchema }).transform((data) => data.account_id),
]);
const personEventDataSchema = z.union([
  z.object({ person_id: idSchema }).transform((data) => data.person_id),
  z.object({ id: idSchema }).transform((data) => data.id),
]);

export type NetspendSignatureEncoding = 'hex' | 'base64';

export function signNetspendWebhook(
  secret: string,
  rawBody: Buffer | string,
  encoding: NetspendSignatureEncoding = 'hex',
): string {
  return signHmacBody(secret, rawBody, encoding);
}

export interface NetspendWebhookIntakeConfig {
  NETSPEND_WEBHOOK_SECRET: string;
  WEBHOOK_TOLERANCE_SECONDS: number;
  /** Default `ns-signature` (ASSUMED). */
  NETSPEND_WEBHOOK_SIGNATURE_HEADER?: string;
  /** Default `hex` (ASSUMED). */
  NETSPEND_WEBHOOK_SIGNATURE_ENCODING?: NetspendSignatureEncoding;
}

function refsFor(type: string, data: Record<string, unknown>): string[] {
  if (type === 'account.created') {
    const account = accountEventDataSchema.safeParse(data);
    return account.success ? [`netspend:account:${account.data}`] : [];
  }
  if (type === 'person.kyc.identity_scan.modified') {
    const person = personEventDataSchema.safeParse(data);
    return person.success ? [`netspend:person:${person.data}`] : [];
  }
  return [];
}

function parseNetspendEnvelope(rawBody: Buffer): z.output<typeof netspendWebhookEnvelopeSchema> {
  return parseEnvelope(rawBody, netspendWebhookEnvelopeSchema, 'a Netspend event envelope');
}

export function createNetspendWebhookIntake(
  config: NetspendWebhookIntakeConfig,
  options: { now?: () => Date } = {},
): ProviderWebhookIntake {
  const now = options.now ?? (() => new Date());
  const maxAgeMs = (NETSPEND_REDELIVERY_WINDOW_SECONDS + config.WEBHOOK_TOLERANCE_SECONDS) * 1000;
  const verifySignature = hmacBodySignature({
    header: config.NETSPEND_WEBHOOK_SIGNATURE_HEADER ?? NETSPEND_SIGNATURE_HEADER,
    secret: config.NETSPEND_WEBHOOK_SECRET,
    encoding: config.NETSPEND_WEBHOOK_SIGNATURE_ENCODING ?? 'hex',
  });
  return {
    verify(rawBody: Buffer, headers: WebhookHeaders): void {
      verifySignature(rawBody, headers);
      // Authentic, but possibly replayed long after Netspend stopped sending it. A body that is not an envelope
      // is left to normalize() (400).
      let created: unknown;
      try {
        created = (JSON.parse(rawBody.toString('utf8')) as { created?: unknown } | null)?.created;
      } catch {
        return;
      }
      const createdMs = typeof created === 'string' ? Date.parse(created) : Number.NaN;
      if (!Number.isNaN(createdMs) && now().getTime() - createdMs > maxAgeMs) {
        throw new WebhookAuthenticationError(
          'the event is older than Netspend redelivers (72 h plus WEBHOOK_TOLERANCE_SECONDS): a replay',
        );
      }
    },

    /** One event per delivery. */
    normalize(rawBody: Buffer): NormalizedWebhook[] {
      const { id, type, created, data } = parseNetspendEnvelope(rawBody);
      const refs = refsFor(type, data);
      const actedOn = (NETSPEND_ONBOARDING_EVENTS as readonly string[]).includes(type);
      const normalized: NormalizedWebhook = {
        event: {
          provider: 'netspend',
          eventId: id,
          type,
          refs,
          occurredAt: new Date(Date.parse(created)).toISOString(),
          data,
        },
        routable: actedOn && refs.length > 0,
      };
      return [normalized];
    },
  };
}
