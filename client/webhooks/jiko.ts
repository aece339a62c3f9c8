/**
 * Jiko webhooks: `x-jiko-signature` = base64(HMAC-SHA256(subscription shared secret, raw body)); the body is
 * `{event_id, timestamp, event_type, payload}`. Jiko signs no delivery timestamp (the body's `timestamp` is when
 * the event happened, and redeliveries keep it), so there is no replay window to enforce: a replayed delivery
 * collapses onto the same delivery workflow id and the onboarding dedupes by eventId.
 */
import { z } from 'zod';
import { JIKO_ROUTED_EVENT_TYPES } from '../../contract/jiko.js';
import type { NormalizedWebhook, ProviderWebhookIntake } from './types.js';
import { parseEnvelope } from './types.js';
import { hmacBodySignature, signHmacBody } from './verifiers.js';

export const JIKO_SIGNATURE_HEADER = 'x-jiko-signature';

/** The application events the onboarding acts on; Jiko's other events (cards, transfers) are recorded only. */
export const JIKO_APPLICATION_EVENTS = JIKO_ROUTED_EVENT_TYPES;

const eventIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'an event id');

export const jikoWebhookEnvelopeSchema = z.object({
  event_id: eventIdSchema,
  timestamp: z.string().min(1),
  event_type: z.string().min(1).max(128),
  payload: z.record(z.string(), z.unknown()).default({}),
});

const applicationPayloadSchema = z.object({
  application_id: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'an application id'),
});

export function signJikoWebhook(secret: string, rawBody: Buffer | string): string {
  return signHmacBody(secret, rawBody, 'base64');
}

function normalizeTimestamp(value: string): string {
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
}

export function createJikoWebhookIntake(config: { JIKO_WEBHOOK_SECRET: string }): ProviderWebhookIntake {
  return {
    verify: hmacBodySignature({
      header: JIKO_SIGNATURE_HEADER,
      secret: config.JIKO_WEBHOOK_SECRET,
      encoding: 'base64',
    }),

    /** One event per delivery. */
    normalize(rawBody: Buffer): NormalizedWebhook[] {
      const { event_id, timestamp, event_type, payload } = parseEnvelope(
        rawBody,
        jikoWebhookEnvelopeSchema,
        'a Jiko event envelope',
      );
      const isApplicationEvent = (JIKO_APPLICATION_EVENTS as readonly string[]).includes(event_type);
      const application = applicationPayloadSchema.safeParse(payload);
      const refs = application.success ? [`jiko:application:${application.data.application_id}`] : [];
      const normalized: NormalizedWebhook = {
        event: {
          provider: 'jiko',
          eventId: event_id,
          type: event_type,
          refs,
          occurredAt: normalizeTimestamp(timestamp),
          data: payload,
        },
        routable: isApplicationEvent && refs.length > 0,
      };
      return [normalized];
    },
  };
}
