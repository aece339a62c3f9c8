/**
 * Outbound events to the backend (reminders, state changes), signed Stripe-style:
 *   onboarding-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${rawBody}`)>
 * The event id is derived from the onboarding, the type and the data, so a retried activity re-sends the same id
 * and the backend can drop the duplicate.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../common/config.js';
import { createLogger } from '../common/log.js';
import type { CommonActivities, OutboundEvent } from '../contract/outbound.js';
import { ProviderHttpClient } from './http/client.js';
import { idempotencyKey } from './http/idempotency.js';

export const OUTBOUND_SIGNATURE_HEADER = 'onboarding-signature';
export const OUTBOUND_EVENT_ID_HEADER = 'onboarding-event-id';

export interface OutboundEventBody {
  id: string;
  type: string;
  onboardingId: string;
  createdAt: string;
  data: Record<string, unknown>;
}

export function signOutboundBody(secret: string, timestampSeconds: number, rawBody: Uint8Array | string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** For backends (and tests): constant-time check of the signature header against the raw body and a time window. */
export function verifyOutboundSignature(options: {
  secret: string;
  header: string | undefined;
  rawBody: Uint8Array | string;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): boolean {
  const parts = Object.fromEntries(
    (options.header ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    }),
  );
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || typeof parts.v1 !== 'string') return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signOutboundBody(options.secret, timestamp, options.rawBody).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Key-order-independent JSON, so the same data always yields the same event id. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function outboundEventId(event: OutboundEvent): string {
  return idempotencyKey(`outbound:${event.type}:${stableJson(event.data)}`, event.onboardingId);
}

export interface CommonActivityDeps {
  fetch?: typeof fetch;
  now?: () => Date;
}

export function createCommonActivities(
  config: Pick<Config, 'OUTBOUND_WEBHOOK_URL' | 'OUTBOUND_WEBHOOK_SECRET'>,
  deps: CommonActivityDeps = {},
): CommonActivities {
  const logger = createLogger('outbound');
  const now = deps.now ?? (() => new Date());
  const http = config.OUTBOUND_WEBHOOK_URL
    ? new ProviderHttpClient({
        provider: 'outbound',
        baseUrl: config.OUTBOUND_WEBHOOK_URL,
        defaultTimeoutMs: 10_000,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        hooks: [
          (request) => ({
            [OUTBOUND_SIGNATURE_HEADER]: signOutboundBody(
              config.OUTBOUND_WEBHOOK_SECRET,
              Math.floor(now().getTime() / 1000),
              request.body,
            ),
          }),
        ],
      })
    : undefined;

  return {
    async emitOutboundEvent(event: OutboundEvent): Promise<void> {
      const body: OutboundEventBody = {
        id: outboundEventId(event),
        type: event.type,
        onboardingId: event.onboardingId,
        createdAt: now().toISOString(),
        data: event.data,
      };
      if (!http) {
        logger.info('outbound event (OUTBOUND_WEBHOOK_URL not set: logged only)', { event: body });
        return;
      }
      await http.request({
        method: 'POST',
        path: '',
        body,
        idempotencyKey: body.id,
        headers: { [OUTBOUND_EVENT_ID_HEADER]: body.id },
        schema: z.unknown(),
      });
    },
  };
}
