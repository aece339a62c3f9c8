/**
 * Typed calls to Linkcy's partner API on the provider HTTP core. Linkcy specifics live here and only here: the
 * partner login (`{userName, partnerName, password}` → a JWT whose `exp` says how long it lives; on expiry a fresh
 * login, which the docs allow as the partner's fallback to refresh), the `{errorCode, error, status, details}`
 * envelope, and which refusals are final. Linkcy documents no idempotency header: activities.ts dedupes by
 * reading (the phone is unique per consumer, `externalId` is ours).
 */
import type { Config } from '../../common/config.js';
import type { Logger } from '../../common/log.js';
import { SecretKeyRing } from '../../common/secret-seal.js';
import type { SecretValue } from '../../common/secret-seal.js';
import { TokenAuth } from '../http/auth.js';
import {
  ProviderHttpClient,
  defaultRetryableStatus,
  type FailedCall,
  type ParsedProviderError,
} from '../http/client.js';
import { currentActivityContext } from '../http/idempotency.js';
import type { ProviderErrorKind } from '../../contract/provider-failures.js';
import { LINKCY_ERROR_CODES } from '../../contract/linkcy.js';
import type { LinkcyKycAccessType } from '../../contract/linkcy.js';
import {
  consumerPageSchema,
  consumerSchema,
  createdSchema,
  errorEnvelopeSchema,
  kycSchema,
  ledgerPageSchema,
  ledgerSchema,
  loginResponseSchema,
  noContentSchema,
  termsSchema,
  ttlSchema,
  type LinkcyCreateConsumerRequest,
} from './schemas.js';

/** Used when a token carries no readable `exp` (Linkcy: "expires after a defined time"). */
export const LINKCY_DEFAULT_TOKEN_TTL_MS = 15 * 60_000;

export type LinkcyClientConfig = Pick<
  Config,
  'LINKCY_BASE_URL' | 'LINKCY_USERNAME' | 'LINKCY_PASSWORD' | 'LINKCY_PARTNER_NAME' | 'LINKCY_TERMS_LANGUAGE'
> &
  Partial<Pick<Config, 'SECRET_SEAL_KEYS'>>;

export interface LinkcyHttpOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  logger?: Logger;
}

function kindFor(status: number): ProviderErrorKind | undefined {
  if (status === 400 || status === 422) return 'validation';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'business';
  return undefined;
}

/** Linkcy's envelope → our details: the code and field paths, never `rejectedValue` (it may be a phone or a code). */
export function parseLinkcyError(status: number, body: unknown): ParsedProviderError | undefined {
  const parsed = errorEnvelopeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { errorCode, message, error, details } = parsed.data;
  const fields = (details ?? []).flatMap((detail) => (detail.field ? [detail.field] : []));
  const kind = kindFor(status);
  return {
    code: errorCode,
    message: message ?? error ?? errorCode,
    ...(kind ? { kind } : {}),
    ...(fields.length > 0 ? { fields } : {}),
  };
}

/** The longest resend-limit wait a repeated send waits out itself; a longer one is the workflow's to handle. */
export const LINKCY_RESEND_WAIT_RETRIED_MS = 60_000;

/**
 * Linkcy's resend limit is a 429 the customer must wait out, not an outage. On a first attempt it is final, so the
 * workflow can say "not yet" (409) instead of holding the customer's call while it retries. On a repeated attempt
 * it is most likely our own lost first attempt that started the limit: nobody is told "not yet" for a code they did
 * not ask twice for, so a short wait (Retry-After ≤ 60 s, which the core hands Temporal as the next retry delay) is
 * waited out and the send repeated; a long or unstated one stays final.
 */
export function linkcyRetryableStatus(
  status: number,
  parsed: ParsedProviderError | undefined,
  call: FailedCall,
  attempt: number = currentActivityContext()?.info.attempt ?? 1,
): boolean {
  if (status === 429 && parsed?.code === LINKCY_ERROR_CODES.resendLimit) {
    return attempt > 1 && call.retryAfterMs !== undefined && call.retryAfterMs <= LINKCY_RESEND_WAIT_RETRIED_MS;
  }
  return defaultRetryableStatus(status, parsed, call);
}

/** The `exp` claim of a JWT (seconds), or undefined when it cannot be read. */
export function jwtExpiry(token: string): Date | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

const enc = encodeURIComponent;
const P = '/api/partner';

export class LinkcyClient {
  readonly http: ProviderHttpClient;

  constructor(
    private readonly config: LinkcyClientConfig,
    options: LinkcyHttpOptions = {},
  ) {
    this.http = new ProviderHttpClient({
      provider: 'linkcy',
      baseUrl: config.LINKCY_BASE_URL,
      parseError: parseLinkcyError,
      ...(config.SECRET_SEAL_KEYS ? { secrets: SecretKeyRing.fromSpec(config.SECRET_SEAL_KEYS) } : {}),
      retryableStatus: linkcyRetryableStatus,
      ...(options.timeoutMs !== undefined ? { defaultTimeoutMs: options.timeoutMs } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      auth: new TokenAuth({
        defaultTtlMs: LINKCY_DEFAULT_TOKEN_TTL_MS,
        acquire: async (http) => {
          const answer = await http.request({
            method: 'POST',
            path: `${P}/login`,
            auth: false,
            body: {
              userName: config.LINKCY_USERNAME,
              partnerName: config.LINKCY_PARTNER_NAME,
              password: config.LINKCY_PASSWORD,
            },
            schema: loginResponseSchema,
          });
          const expiresAt = jwtExpiry(answer.token);
          return { token: answer.token, ...(expiresAt ? { expiresAt } : {}) };
        },
      }),
    });
  }

  getTerms() {
    return this.http.request({
      method: 'GET',
      path: `${P}/terms`,
      query: { language: this.config.LINKCY_TERMS_LANGUAGE },
      schema: termsSchema,
    });
  }

  createConsumer(body: LinkcyCreateConsumerRequest) {
    return this.http.request({ method: 'POST', path: `${P}/consumers`, body, schema: createdSchema });
  }

  /** `phone` as digits: country code then number. */
  findConsumersByPhone(phoneDigits: string) {
    return this.http.request({
      method: 'GET',
      path: `${P}/consumers`,
      query: { phone: phoneDigits, pageSize: 100 },
      schema: consumerPageSchema,
    });
  }

  getConsumer(consumerId: string) {
    return this.http.request({ method: 'GET', path: `${P}/consumers/${enc(consumerId)}`, schema: consumerSchema });
  }

  patchConsumer(consumerId: string, body: Record<string, unknown>) {
    return this.http.request({
      method: 'PATCH',
      path: `${P}/consumers/${enc(consumerId)}`,
      body,
      schema: consumerSchema,
    });
  }

  sendPhoneCode(consumerId: string) {
    return this.http.request({
      method: 'POST',
      path: `${P}/verifications/phone/send`,
      body: { consumerId },
      schema: ttlSchema,
    });
  }

  /**
   * The code goes only into this request's body, sealed until the core writes the bytes: the core logs no request
   * body, and errors carry no values.
   */
  async verifyPhoneCode(consumerId: string, code: SecretValue): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `${P}/verifications/phone/verify`,
      body: { consumerId, code },
      schema: noContentSchema,
    });
  }

  createKyc(
    consumerId: string,
    kycConfiguration: { accessType: LinkcyKycAccessType; urlOnComplete?: string; urlOnFailure?: string },
  ) {
    return this.http.request({
      method: 'POST',
      path: `${P}/kyc`,
      body: { consumerId, kycConfiguration },
      schema: kycSchema,
    });
  }

  getKyc(kycId: string) {
    return this.http.request({ method: 'GET', path: `${P}/kyc/${enc(kycId)}`, schema: kycSchema });
  }

  sendEmailVerification(body: { consumerId: string; urlOnSuccess?: string; urlOnFailure?: string }) {
    return this.http.request({ method: 'POST', path: `${P}/verifications/email/send`, body, schema: ttlSchema });
  }

  createLedger(body: { endUserId: string; type: string; friendlyName?: string }) {
    return this.http.request({ method: 'POST', path: `${P}/ledgers`, body, schema: ledgerSchema });
  }

  listLedgers(endUserId: string) {
    return this.http.request({ method: 'GET', path: `${P}/ledgers`, query: { endUserId }, schema: ledgerPageSchema });
  }
}
