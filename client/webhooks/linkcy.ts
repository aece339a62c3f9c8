/**
 * Linkcy webhooks, delivered by Svix: `svix-id` (the same on every redelivery: the event id), `svix-timestamp`
 * (unix seconds of the attempt) and `svix-signature` (`v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`, key =
 * the `whsec_` secret decoded). Svix signs each attempt's timestamp, so a replay window of
 * WEBHOOK_TOLERANCE_SECONDS refuses a stale or replayed delivery (401) without losing Linkcy's own retries. The body
 * is `{type, timestamp, data}` (envelope ASSUMED, sandbox/README.md); events route by `linkcy:consumer:<id>` and
 * `linkcy:kyc:<id>`. Any 2xx is a delivery for Svix, so the default acknowledgement fits.
 */
import { z } from 'zod';
import { providerRef } from '../../contract/onboarding.js';
import { LINKCY_PROVIDER } from '../../contract/linkcy.js';
import type { NormalizedWebhook, ProviderWebhookIntake, WebhookHeaders } from './types.js';
import { parseEnvelope, singleHeader } from './types.js';
import { signStandardWebhook, standardWebhookSignature } from './verifiers.js';

/** The events the onboarding acts on (as hints: it re-reads the KYC or the consumer). Others are recorded only. */
export const LINKCY_ONBOARDING_EVENTS = [
  'CONSUMER_UPDATED',
  'CONSUMER_KYC_CREATED',
  'CONSUMER_KYC_UPDATED',
  'CONSUMER_KYC_VALIDATED',
] as const;

const idSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'an id');

export const linkcyWebhookEnvelopeSchema = z.object({
  type: z.string().min(1).max(128),
  timestamp: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO-8601 time'),
  data: z.object({ consumerId: idSchema.optional(), kycId: idSchema.optional() }).loose().default({}),
});

export interface LinkcyWebhookIntakeConfig {
  /** One `whsec_` secret, or several comma-separated during a rotation. */
  LINKCY_WEBHOOK_SECRET: string;
  WEBHOOK_TOLERANCE_SECONDS: number;
}

/** Signs a delivery as Svix does (tests, the bench's floor). */
export function signLinkcyWebhook(input: {
  secret: string;
  id: string;
  timestamp: number;
  rawBody: string;
}): Record<string, string> {
  return {
    'svix-id': input.id,
    'svix-timestamp': String(input.timestamp),
    'svix-signature': signStandardWebhook(input),
  };
}

export function createLinkcyWebhookIntake(
  config: LinkcyWebhookIntakeConfig,
  options: { now?: () => Date } = {},
): ProviderWebhookIntake {
  const verify = standardWebhookSignature({
    secret: config.LINKCY_WEBHOOK_SECRET.split(',').map((secret) => secret.trim()),
    toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
    prefix: 'svix',
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    verify,
    /** One event per delivery; its id is the `svix-id` (verify() has made sure it is there and signed). */
    normalize(rawBody: Buffer, headers: WebhookHeaders): NormalizedWebhook[] {
      const { type, timestamp, data } = parseEnvelope(rawBody, linkcyWebhookEnvelopeSchema, 'a Linkcy event envelope');
      const refs = [
        ...(data.consumerId ? [providerRef(LINKCY_PROVIDER, 'consumer', data.consumerId)] : []),
        ...(data.kycId ? [providerRef(LINKCY_PROVIDER, 'kyc', data.kycId)] : []),
      ];
      const actedOn = (LINKCY_ONBOARDING_EVENTS as readonly string[]).includes(type);
      return [
        {
          event: {
            provider: LINKCY_PROVIDER,
            eventId: singleHeader(headers, 'svix-id') ?? '',
            type,
            refs,
            occurredAt: new Date(Date.parse(timestamp)).toISOString(),
            data,
          },
          routable: actedOn && refs.length > 0,
        },
      ];
    },
  };
}
