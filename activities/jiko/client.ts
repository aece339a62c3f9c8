/**
 * Typed calls to Jiko's Partner API on the provider HTTP core. Jiko specifics live here and only here:
 * login token (60 min), `x-jiko-idempotency` on every call, `x-jiko-signature` = base64 HMAC-SHA256(signing secret,
 * idempotency key + URL path + raw body) computed on the exact bytes sent, and FastAPI error envelopes.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Config } from '../../common/config.js';
import type { Logger } from '../../common/log.js';
import { TokenAuth } from '../http/auth.js';
import { ProviderHttpClient, type ParsedProviderError, type PreparedRequest } from '../http/client.js';
import {
  agreementsResponseSchema,
  applicationResponseSchema,
  customerAccountsResponseSchema,
  eventTypesResponseSchema,
  fastApiErrorSchema,
  loginResponseSchema,
  subscriptionListResponseSchema,
  subscriptionResponseSchema,
  uploadDocumentResponseSchema,
  type JikoCreateApplicationRequest,
  type JikoSubscriptionRequest,
  type JikoWireSubscription,
  type JikoWireAgreement,
  type JikoWireApplication,
} from './schemas.js';
import type { JikoDocumentType } from '../../contract/jiko.js';

export const JIKO_TOKEN_TTL_MS = 60 * 60_000;
export const JIKO_IDEMPOTENCY_HEADER = 'x-jiko-idempotency';
export const JIKO_SIGNATURE_HEADER = 'x-jiko-signature';

export type JikoClientConfig = Pick<
  Config,
  'JIKO_BASE_URL' | 'JIKO_USERNAME' | 'JIKO_PASSWORD' | 'JIKO_SIGNING_SECRET'
>;

export interface JikoHttpOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  logger?: Logger;
}

export function jikoSignature(secret: string, idempotencyKey: string, urlPath: string, body: Uint8Array): string {
  return createHmac('sha256', secret)
    .update(idempotencyKey + urlPath, 'utf8')
    .update(body)
    .digest('base64');
}

/**
 * FastAPI envelopes → our error details. Validation issues name their field paths (never the values). A 409 that
 * says the same idempotency key is still being processed is the one 4xx worth retrying.
 */
export function parseJikoError(status: number, body: unknown): ParsedProviderError | undefined {
  const parsed = fastApiErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { detail } = parsed.data;
  if (Array.isArray(detail)) {
    const fields = detail.map((issue) => issue.loc.join('.'));
    return {
      code: detail[0]?.type ?? `http_${status}`,
      message: detail.map((issue) => `${issue.loc.join('.')}: ${issue.msg}`).join('; '),
      kind: 'validation',
      fields,
    };
  }
  if (status === 409 && /still being processed/i.test(detail)) {
    return { code: 'idempotency_request_in_flight', message: detail, retryable: true };
  }
  if (status === 409 && /idempotency/i.test(detail)) {
    return { code: 'idempotency_key_reused', message: detail, kind: 'conflict' };
  }
  if (status === 404) return { code: 'not_found', message: detail, kind: 'not_found' };
  return { code: `http_${status}`, message: detail };
}

export class JikoClient {
  readonly http: ProviderHttpClient;

  constructor(config: JikoClientConfig, options: JikoHttpOptions = {}) {
    const sign = (request: PreparedRequest): Record<string, string> => {
      // Jiko wants a key on every call; reads get a fresh one (nothing to dedupe), writes bring their step's key.
      const key = request.idempotencyKey ?? randomUUID();
      return {
        [JIKO_IDEMPOTENCY_HEADER]: key,
        [JIKO_SIGNATURE_HEADER]: jikoSignature(config.JIKO_SIGNING_SECRET, key, request.urlPath, request.body),
      };
    };
    this.http = new ProviderHttpClient({
      provider: 'jiko',
      baseUrl: config.JIKO_BASE_URL,
      hooks: [sign],
      parseError: parseJikoError,
      ...(options.timeoutMs !== undefined ? { defaultTimeoutMs: options.timeoutMs } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      auth: new TokenAuth({
        defaultTtlMs: JIKO_TOKEN_TTL_MS,
        acquire: async (http) => {
          const login = await http.request({
            method: 'POST',
            path: '/api/v1/login/',
            auth: false,
            body: { username: config.JIKO_USERNAME, password: config.JIKO_PASSWORD },
            schema: loginResponseSchema,
          });
          const expiresAt = login.expires ? new Date(login.expires) : undefined;
          return {
            token: login.token,
            ...(expiresAt && !Number.isNaN(expiresAt.getTime()) ? { expiresAt } : {}),
          };
        },
      }),
    });
  }

  getAgreements(): Promise<JikoWireAgreement> {
    return this.http.request({ method: 'GET', path: '/api/v1/agreements/', schema: agreementsResponseSchema });
  }

  createApplication(body: JikoCreateApplicationRequest, idempotencyKey: string): Promise<JikoWireApplication> {
    return this.http.request({
      method: 'POST',
      path: '/api/v1/applications/',
      body,
      idempotencyKey,
      schema: applicationResponseSchema,
    });
  }

  applyApplication(applicationId: string, idempotencyKey: string): Promise<JikoWireApplication> {
    return this.http.request({
      method: 'POST',
      path: `/api/v1/applications/${encodeURIComponent(applicationId)}/apply/`,
      idempotencyKey,
      schema: applicationResponseSchema,
    });
  }

  getApplication(applicationId: string): Promise<JikoWireApplication> {
    return this.http.request({
      method: 'GET',
      path: `/api/v1/applications/${encodeURIComponent(applicationId)}/`,
      schema: applicationResponseSchema,
    });
  }

  /** Raw bytes with the image's own content type; the signature covers exactly these bytes. */
  uploadDocument(input: {
    applicationId: string;
    type: JikoDocumentType;
    bytes: Uint8Array;
    contentType: string;
    idempotencyKey: string;
  }): Promise<{ success: true; document_id: string }> {
    return this.http.request({
      method: 'POST',
      path: `/api/v1/applications/${encodeURIComponent(input.applicationId)}/documents/${input.type}/file/`,
      body: input.bytes,
      contentType: input.contentType,
      idempotencyKey: input.idempotencyKey,
      schema: uploadDocumentResponseSchema,
      // Up to 50 MB: allow more than the default per-call timeout.
      timeoutMs: 120_000,
    });
  }

  /** Every account of a customer, following Jiko's offset pagination (limit ≤ 100). */
  async listCustomerAccounts(customerId: string): Promise<{ id: string }[]> {
    const accounts: { id: string }[] = [];
    for (let offset = 0; ;) {
      const page = await this.http.request({
        method: 'GET',
        path: `/api/v1/customers/${encodeURIComponent(customerId)}/jiko-accounts`,
        query: { offset, limit: 100 },
        schema: customerAccountsResponseSchema,
      });
      accounts.push(...page.items);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.count) return accounts;
    }
  }

  /** The event types Jiko offers for subscriptions. */
  async listEventTypes(): Promise<string[]> {
    const page = await this.http.request({
      method: 'GET',
      path: '/api/v1/events/types/',
      schema: eventTypesResponseSchema,
    });
    return page.items.map((item) => item.event);
  }

  /** Every webhook subscription of the partner, following Jiko's cursor pagination (limit ≤ 100). */
  async listSubscriptions(): Promise<JikoWireSubscription[]> {
    const subscriptions: JikoWireSubscription[] = [];
    for (let cursor = ''; ;) {
      const page = await this.http.request({
        method: 'GET',
        path: '/api/v1/subscriptions/',
        query: { limit: 100, ...(cursor ? { cursor } : {}) },
        schema: subscriptionListResponseSchema,
      });
      subscriptions.push(...page.items);
      if (!page.next_page || page.items.length === 0) return subscriptions;
      cursor = page.next_page;
    }
  }

  createSubscription(body: JikoSubscriptionRequest, idempotencyKey: string): Promise<JikoWireSubscription> {
    return this.http.request({
      method: 'POST',
      path: '/api/v1/subscriptions/',
      body,
      idempotencyKey,
      schema: subscriptionResponseSchema,
    });
  }

  updateSubscription(
    subscriptionId: string,
    body: Partial<JikoSubscriptionRequest>,
    idempotencyKey: string,
  ): Promise<JikoWireSubscription> {
    return this.http.request({
      method: 'PATCH',
      path: `/api/v1/subscriptions/${encodeURIComponent(subscriptionId)}/`,
      body,
      idempotencyKey,
      schema: subscriptionResponseSchema,
    });
  }
}
