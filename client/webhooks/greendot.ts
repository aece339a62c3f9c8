/**
 * Green Dot webhooks ("Publish Notifications"). Not an HMAC: Green Dot authenticates with a bearer token it first
 * obtains from us (OAuth client credentials at `POST /webhooks/greendot/authentication/<programCode>/accesstoken`,
 * served here), or with an API key in `x-api-key`; both are tokens we issue, checked in constant time. One message
 * may carry several events (`{accounts:[{accountIdentifier, events:[…]}]}`), each becoming its own event; the
 * answer echoes the message's `X-GD-RequestId` (Green Dot counts a delivery only then) with a `responseDetails`
 * body. Event data keeps ids and statuses only: the account object's holder names never reach an onboarding.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { GREENDOT_EVENTS, GREENDOT_PROVIDER } from '../../contract/greendot.js';
import type { GreendotEventData } from '../../contract/greendot.js';
import { WebhookAuthenticationError, WebhookPayloadError } from '../errors.js';
import type { NormalizedWebhook, ProviderWebhookIntake, WebhookAcknowledgement, WebhookHeaders } from './types.js';
import { parseEnvelope, singleHeader } from './types.js';
import { issuedToken } from './verifiers.js';

export const GREENDOT_REQUEST_ID_HEADER = 'x-gd-requestid';
export const GREENDOT_API_KEY_HEADER = 'x-api-key';
/** What we tell Green Dot the token lasts: it fetches a new one before then (the token itself is rotated by config). */
const TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
const SUCCESS = { responseDetails: [{ code: 0, subCode: 0, description: 'Success' }] };

export interface GreendotWebhookIntakeConfig {
  GREENDOT_PROGRAM_CODE: string;
  GREENDOT_WEBHOOK_CLIENT_ID: string;
  GREENDOT_WEBHOOK_CLIENT_SECRET: string;
  GREENDOT_WEBHOOK_TOKENS: readonly string[];
  GREENDOT_WEBHOOK_API_KEYS: readonly string[];
}

const id = z.string().min(1).max(128);
const eventSchema = z
  .object({
    eventIdentifier: id,
    eventType: z.string().min(1).max(64),
    eventDateTime: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO-8601 time'),
  })
  .catchall(z.unknown());
export const greendotWebhookEnvelopeSchema = z.object({
  accounts: z.array(z.object({ accountIdentifier: id, events: z.array(eventSchema) })),
});
type GreendotWireEvent = z.output<typeof eventSchema>;

const detailsSchema = z.array(
  z.object({ code: z.number(), subCode: z.number().optional(), description: z.string().optional() }),
);
const cardSchema = z.object({ paymentInstrumentIdentifier: id }).nullish();
const transactionSchema = z.object({ adjustmentIdentifier: id.nullish() }).optional();
const adjustmentSchema = z
  .object({
    adjustmentIdentifier: id,
    adjustmentStatus: z.string().optional(),
    adjustmentStatusReason: z.string().nullish(),
  })
  .optional();

/** The ids and statuses an onboarding may read from one event; nothing personal. */
export function greendotEventData(accountIdentifier: string, event: GreendotWireEvent): GreendotEventData {
  const data: GreendotEventData = { accountIdentifier };
  const details = detailsSchema.safeParse(event.responseDetails);
  const first = details.success ? details.data[0] : undefined;
  if (first) {
    data.responseCode = `${first.code}/${first.subCode ?? 0}`;
    if (first.code !== 0 && first.description) data.reason = first.description;
  }
  if (event.eventType === GREENDOT_EVENTS.cardUpdated) {
    if (typeof event.cardUpdateType === 'string') data.cardUpdateType = event.cardUpdateType;
    const card = cardSchema.safeParse(event.paymentInstrument);
    if (card.success && card.data) data.paymentInstrumentIdentifier = card.data.paymentInstrumentIdentifier;
  }
  if (event.eventType === GREENDOT_EVENTS.transaction) {
    const transaction = transactionSchema.safeParse(event.transaction);
    if (transaction.success && transaction.data?.adjustmentIdentifier) {
      data.adjustmentIdentifier = transaction.data.adjustmentIdentifier;
    }
  }
  if (event.eventType === GREENDOT_EVENTS.adjustmentFinalStatus) {
    const adjustment = adjustmentSchema.safeParse(event.adjustment);
    if (adjustment.success && adjustment.data) {
      data.adjustmentIdentifier = adjustment.data.adjustmentIdentifier;
      if (adjustment.data.adjustmentStatus) data.adjustmentStatus = adjustment.data.adjustmentStatus;
      if (adjustment.data.adjustmentStatusReason) data.reason = adjustment.data.adjustmentStatusReason;
    }
  }
  return data;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function createGreendotWebhookIntake(config: GreendotWebhookIntakeConfig): ProviderWebhookIntake {
  const verifyBearer = issuedToken({ tokens: config.GREENDOT_WEBHOOK_TOKENS });
  const verifyApiKey = issuedToken({ header: GREENDOT_API_KEY_HEADER, tokens: config.GREENDOT_WEBHOOK_API_KEYS });
  const tokenPath = `authentication/${config.GREENDOT_PROGRAM_CODE}/accesstoken`;
  const expectedClient = digest(
    `Basic ${Buffer.from(`${config.GREENDOT_WEBHOOK_CLIENT_ID}:${config.GREENDOT_WEBHOOK_CLIENT_SECRET}`).toString('base64')}`,
  );

  return {
    verify(rawBody: Buffer, headers: WebhookHeaders): void {
      // The partner configures one scheme; whichever header Green Dot sent is the one checked.
      if (singleHeader(headers, GREENDOT_API_KEY_HEADER) !== undefined) verifyApiKey(rawBody, headers);
      else verifyBearer(rawBody, headers);
    },

    normalize(rawBody: Buffer): NormalizedWebhook[] {
      const envelope = parseEnvelope(rawBody, greendotWebhookEnvelopeSchema, 'a Green Dot notification');
      return envelope.accounts.flatMap(({ accountIdentifier, events }) =>
        events.map((event): NormalizedWebhook => {
          const data = greendotEventData(accountIdentifier, event);
          const refs = [`${GREENDOT_PROVIDER}:account:${accountIdentifier}`];
          if (data.adjustmentIdentifier) refs.push(`${GREENDOT_PROVIDER}:adjustment:${data.adjustmentIdentifier}`);
          return {
            event: {
              provider: GREENDOT_PROVIDER,
              eventId: event.eventIdentifier,
              type: event.eventType,
              refs,
              occurredAt: new Date(Date.parse(event.eventDateTime)).toISOString(),
              data,
            },
            routable: (Object.values(GREENDOT_EVENTS) as string[]).includes(event.eventType),
          };
        }),
      );
    },

    acknowledge(_outcome, requestHeaders): WebhookAcknowledgement {
      const requestId = singleHeader(requestHeaders, GREENDOT_REQUEST_ID_HEADER);
      return { status: 200, headers: requestId ? { [GREENDOT_REQUEST_ID_HEADER]: requestId } : {}, body: SUCCESS };
    },

    authenticationEndpoint(path, rawBody, headers): WebhookAcknowledgement | undefined {
      if (path !== tokenPath) return undefined;
      const presented = digest(singleHeader(headers, 'authorization')?.trim() ?? '');
      if (!timingSafeEqual(presented, expectedClient)) {
        throw new WebhookAuthenticationError('the client credentials are not the ones we gave Green Dot');
      }
      const form = new URLSearchParams(rawBody.toString('utf8'));
      if (form.get('grant_type') !== 'client_credentials') {
        throw new WebhookPayloadError('grant_type must be client_credentials', [
          { path: 'grant_type', message: 'must be client_credentials' },
        ]);
      }
      return {
        status: 200,
        headers: { 'cache-control': 'no-store' },
        body: {
          access_token: config.GREENDOT_WEBHOOK_TOKENS[0],
          token_type: 'Bearer',
          scope: 'post:webhook',
          expires_In: TOKEN_LIFETIME_SECONDS,
        },
      };
    },
  };
}
