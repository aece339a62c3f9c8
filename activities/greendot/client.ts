/**
 * Typed calls to Green Dot's BaaS API on the provider HTTP core. Green Dot specifics live here and only here:
 * client-credentials token (`POST /authentication`, Basic, 24 h), `X-GD-RequestId` on every call (the idempotency
 * key of writes, derived from workflow and step; a fresh GUID for reads), the `responseDetails` envelope, business
 * refusals inside HTTP 200, and its retry rule (greendotRetryableStatus): a 503, a 429 (after its Retry-After) and
 * the API lock 4091 are repeated with the same request id, and so is any 5xx on a read; a 5xx on a write is never
 * repeated blindly (ProviderOutcomeUnknown, for an operator).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Config } from '../../common/config.js';
import type { Logger } from '../../common/log.js';
import type { ProviderErrorKind } from '../../contract/provider-failures.js';
import { TokenAuth, basicAuthorization } from '../http/auth.js';
import {
  ProviderHttpClient,
  isReadMethod,
  type HttpMethod,
  type ParsedProviderError,
  type RetryableStatus,
} from '../http/client.js';
import { responseDetailsEnvelopeSchema, tokenResponseSchema, type GreendotResponseDetail } from './schemas.js';

export const GREENDOT_TOKEN_TTL_MS = 24 * 60 * 60_000;
export const GREENDOT_REQUEST_ID_HEADER = 'x-gd-requestid';
/** Business outcomes of an enrollment in HTTP 200 that the enrollment activity maps itself (not refusals). */
export const ENROLLMENT_OUTCOME_CODES = ['1/31', '2/32'] as const;
/** The API lock: the same request id is still being processed. Worth repeating, with the same id. */
const API_LOCKED = '409/4091';

export type GreendotClientConfig = Pick<
  Config,
  'GREENDOT_BASE_URL' | 'GREENDOT_CLIENT_ID' | 'GREENDOT_CLIENT_SECRET' | 'GREENDOT_PROGRAM_CODE'
>;

export interface GreendotHttpOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  logger?: Logger;
}

export const detailCode = (detail: Pick<GreendotResponseDetail, 'code' | 'subCode'>): string =>
  `${detail.code}/${detail.subCode}`;

/** Validation codes that name no field in their description, and the input they are about. */
const FIELD_OF_CODE: Record<number, string> = {
  200: 'applicant.dateOfBirth',
  700: 'applicant.dateOfBirth',
  630: 'applicant.ssn',
  640: 'applicant.name',
  1020: 'applicant.address',
  1040: 'applicant.address',
  1042: 'applicant.address',
  610: 'greendot.termsAcceptances',
  620: 'greendot.termsAcceptances',
  5020: 'greendot.productCode',
  650: 'greendot.welcomeAdjustment.currency',
  660: 'greendot.welcomeAdjustment.adjustmentType',
};

/** Green Dot's request fields → the start body's, so a refusal names what the caller sent. */
const FIELD_OF_WIRE: [RegExp, string][] = [
  [/^profileData\.firstName/, 'applicant.name.first'],
  [/^profileData\.middleName/, 'applicant.name.middle'],
  [/^profileData\.lastName/, 'applicant.name.last'],
  [/^profileData\.addresses(\[\d+\])?\.addressLine1/, 'applicant.address.line1'],
  [/^profileData\.addresses(\[\d+\])?\.addressLine2/, 'applicant.address.line2'],
  [/^profileData\.addresses(\[\d+\])?\.city/, 'applicant.address.city'],
  [/^profileData\.addresses(\[\d+\])?\.state/, 'applicant.address.state'],
  [/^profileData\.addresses(\[\d+\])?\.zipCode/, 'applicant.address.postalCode'],
  [/^profileData\.addresses/, 'applicant.address'],
  [/^identifyingData\.(ssn|last4Ssn)/, 'applicant.ssn'],
  [/^identifyingData\.dateOfBirth/, 'applicant.dateOfBirth'],
  [/^email/, 'applicant.email'],
  [/^phoneNumbers/, 'applicant.phone'],
  [/^termsAcceptances/, 'greendot.termsAcceptances'],
  [/^productCode/, 'greendot.productCode'],
  [/^(amount|currency|adjustmentType)$/, 'greendot.welcomeAdjustment.$1'],
  [/^adjustmentDescription$/, 'greendot.welcomeAdjustment.description'],
];

/** The field a detail is about: the path its description starts with (ASSUMED format), else its code's field. */
export function fieldOf(detail: GreendotResponseDetail): string | undefined {
  const path = /^([A-Za-z][A-Za-z0-9_.[\]]*):/.exec(detail.description ?? '')?.[1];
  if (path) {
    const mapping = FIELD_OF_WIRE.find(([pattern]) => pattern.test(path));
    if (!mapping) return path;
    const match = mapping[0].exec(path)!;
    return mapping[1].replace(/\$(\d)/g, (_, group: string) => match[Number(group)] ?? '');
  }
  return FIELD_OF_CODE[detail.code];
}

function kindFor(status: number): ProviderErrorKind | undefined {
  if (status === 400) return 'validation';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 403) return 'forbidden';
  return undefined;
}

/**
 * `{responseDetails: [{code, subCode, description}]}` → our details: the codes and the fields named, never the
 * descriptions' text beyond a field path (they could echo what was sent).
 */
export function parseGreendotError(status: number, body: unknown): ParsedProviderError | undefined {
  const parsed = responseDetailsEnvelopeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  // `0/0` names no business reason (a gateway's or a rate limiter's generic body): the HTTP status decides alone.
  const details = parsed.data.responseDetails.filter((detail) => detail.code !== 0);
  if (details.length === 0) return undefined;
  const code = detailCode(details[0]!);
  const fields = [...new Set(details.map(fieldOf).filter((field): field is string => field !== undefined))];
  const kind = kindFor(status);
  return {
    code,
    message: `${details.map(detailCode).join(', ')}${fields.length > 0 ? ` on ${fields.join(', ')}` : ''}`,
    ...(kind ? { kind } : {}),
    ...(fields.length > 0 ? { fields } : {}),
    ...(`${status}/${details[0]!.code}` === API_LOCKED ? { retryable: true } : {}),
  };
}

/**
 * Green Dot: "for a 503, retry the call with the same requestId"; a 500 on a write may have taken effect, so it is
 * not repeated blindly. A 429 is a rate limit (retried after its Retry-After); a read changes nothing, so any 5xx on
 * one is repeated. A 4xx other than 429 is an answer, never repeated.
 */
export const greendotRetryableStatus: RetryableStatus = (status, _parsed, call) =>
  status === 503 || status === 429 || (status >= 500 && isReadMethod(call.method));

/** A 2xx whose responseDetails say no (a code other than 0), except the enrollment outcomes mapped by the activity. */
export function greendotBusinessRefusal(_status: number, body: unknown): ParsedProviderError | undefined {
  const parsed = responseDetailsEnvelopeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const refusal = parsed.data.responseDetails.find(
    (detail) => detail.code !== 0 && !(ENROLLMENT_OUTCOME_CODES as readonly string[]).includes(detailCode(detail)),
  );
  if (!refusal) return undefined;
  const field = fieldOf(refusal);
  return {
    code: detailCode(refusal),
    message: `Green Dot answered ${detailCode(refusal)}`,
    kind: 'business',
    ...(field ? { fields: [field] } : {}),
  };
}

export class GreendotClient {
  readonly http: ProviderHttpClient;
  private readonly programPath: string;

  constructor(config: GreendotClientConfig, options: GreendotHttpOptions = {}) {
    this.programPath = `/programs/${encodeURIComponent(config.GREENDOT_PROGRAM_CODE)}`;
    this.http = new ProviderHttpClient({
      provider: 'greendot',
      baseUrl: config.GREENDOT_BASE_URL,
      parseError: parseGreendotError,
      retryableStatus: greendotRetryableStatus,
      businessRefusal: greendotBusinessRefusal,
      // Every call carries a request id: the idempotency key of a write, a fresh one for a read.
      hooks: [(request) => ({ [GREENDOT_REQUEST_ID_HEADER]: request.idempotencyKey ?? randomUUID() })],
      ...(options.timeoutMs !== undefined ? { defaultTimeoutMs: options.timeoutMs } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      auth: new TokenAuth({
        defaultTtlMs: GREENDOT_TOKEN_TTL_MS,
        acquire: async (http) => {
          const answer = await http.request({
            method: 'POST',
            path: '/authentication',
            auth: false,
            headers: { authorization: basicAuthorization(config.GREENDOT_CLIENT_ID, config.GREENDOT_CLIENT_SECRET) },
            body: { grant_type: 'client_credentials' },
            schema: tokenResponseSchema,
          });
          const expiresIn = answer.expires_in ?? answer.expires_In;
          return { token: answer.access_token, ...(expiresIn ? { expiresInMs: expiresIn * 1000 } : {}) };
        },
      }),
    });
  }

  /** A call under `/programs/{programCode}`; `requestId` makes a write idempotent. */
  program<Schema extends z.ZodType>(
    method: HttpMethod,
    path: string,
    schema: Schema,
    options: { body?: unknown; requestId?: string; query?: Record<string, string | undefined> } = {},
  ): Promise<z.output<Schema>> {
    return this.http.request({
      method,
      path: `${this.programPath}${path}`,
      schema,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.requestId ? { idempotencyKey: options.requestId } : {}),
      ...(options.query ? { query: options.query } : {}),
    });
  }
}
