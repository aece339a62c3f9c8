/**
 * The one provider HTTP core. Each provider client is a thin typed layer on a ProviderHttpClient configured with
 * its base URL, auth strategy, signing hooks, error parser, and its answers to "which failed statuses are worth
 * repeating?" and "is this 2xx body a refusal?"; the core never branches on a provider's name. It owns what must be
 * the same everywhere: timeouts, schema validation of every response, error classification into retryable /
 * non-retryable Temporal failures, Retry-After, redacted structured logs, and latency metrics (./metrics.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { createLogger, type Logger } from '../../common/log.js';
import { isSealedSecret, SecretUnreadableError } from '../../common/secret-seal.js';
import type { SecretOpener } from '../../common/secret-seal.js';
import type { Authorization, AuthStrategy } from './auth.js';
import {
  PROVIDER_AUTH_FAILED,
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_OUTCOME_UNKNOWN,
  PROVIDER_RESPONSE_INVALID,
  PROVIDER_TIMEOUT,
  PROVIDER_UNAVAILABLE,
  providerRetryBackoffMs,
  type ProviderErrorDetails,
  type ProviderErrorKind,
  type ProviderOutcomeUnknownDetails,
} from '../../contract/provider-failures.js';
import { currentActivityContext } from './idempotency.js';
import { observeProviderCall } from './metrics.js';
import { traceProviderCall } from './tracing.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions<Schema extends z.ZodType> {
  method: HttpMethod;
  /** Relative to the base URL (`/api/v1/applications/`); may carry a query string. `''` = the base URL itself. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** A Buffer/Uint8Array is sent as is (give `contentType`); URLSearchParams as a form; anything else as JSON. */
  body?: unknown;
  contentType?: string;
  /** Every response is validated: a body that does not match is a non-retryable ProviderResponseInvalid. */
  schema: Schema;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Default true. False for the token call itself. */
  auth?: boolean;
}

/** What signing hooks see: the exact request about to go out. */
export interface PreparedRequest {
  provider: string;
  method: HttpMethod;
  /** As passed to request(), relative to the base URL. */
  path: string;
  url: URL;
  /** The URL's pathname (no host, no query), which is what providers sign. */
  urlPath: string;
  idempotencyKey: string | undefined;
  /** The exact bytes sent (empty for no body). */
  body: Buffer;
  headers: Readonly<Record<string, string>>;
}

/** Adds headers (signatures, request ids) computed from the final request. */
export type RequestHook = (
  request: PreparedRequest,
) => Record<string, string> | undefined | Promise<Record<string, string> | undefined>;

export interface ParsedProviderError {
  code: string;
  message: string;
  kind?: ProviderErrorKind;
  fields?: string[];
  /**
   * The provider's way of saying "try again" (e.g. an idempotent twin still in flight): retried whatever the
   * status, with the same idempotency key.
   */
  retryable?: boolean;
}

/** Reads a provider's error envelope. Must not copy request values into the result (they may be PII). */
export type ErrorParser = (status: number, body: unknown) => ParsedProviderError | undefined;

/**
 * Whether a failed (>= 400) status is worth repeating with the same idempotency key. `parsed` is what the error
 * parser read from the body. A status it answers false for is final: a 5xx becomes a non-retryable
 * ProviderOutcomeUnknown (the call may have taken effect), anything else a ProviderBusinessError. Only the
 * statuses it accepts retry: a provider that answers `status === 503` makes 408 and 429 business errors too.
 * `call` says what was asked (a read may be repeated where a write may not) and when the provider said to come
 * back (Retry-After, which the core also hands to Temporal as the next retry delay).
 */
export type RetryableStatus = (status: number, parsed: ParsedProviderError | undefined, call: FailedCall) => boolean;

/** What a RetryableStatus may weigh beside the status and the parsed body. */
export interface FailedCall {
  method: HttpMethod;
  /** The response's Retry-After in milliseconds, undefined when absent or unreadable. */
  retryAfterMs: number | undefined;
}

/** A read changes nothing at the provider, so a failed one can always be repeated. */
export const isReadMethod = (method: HttpMethod): boolean => method === 'GET';

/**
 * Reads a business refusal out of a 2xx body (a provider that answers "no" with HTTP 200 and a code), or undefined
 * when the body is not one. Same rule as ErrorParser: no request values in the result.
 */
export type BusinessRefusalReader = (status: number, body: unknown) => ParsedProviderError | undefined;

/** Today's rule, and the default: timeouts, rate limits and every server error are worth repeating. */
export const defaultRetryableStatus: RetryableStatus = (status) => status === 408 || status === 429 || status >= 500;

export interface ProviderHttpClientOptions {
  /** Lowercase provider name: appears in logs and failure details. */
  provider: string;
  baseUrl: string;
  auth?: AuthStrategy;
  hooks?: RequestHook[];
  parseError?: ErrorParser;
  /** Default `defaultRetryableStatus` (408, 429, 5xx). A parsed error marked `retryable` is retried regardless. */
  retryableStatus?: RetryableStatus;
  /**
   * Checked on every 2xx before the response schema. A refusal throws what a 4xx would (non-retryable
   * ProviderBusinessError with its code, kind and fields), or retryable ProviderUnavailable if marked `retryable`.
   */
  businessRefusal?: BusinessRefusalReader;
  defaultTimeoutMs?: number;
  defaultHeaders?: Record<string, string>;
  fetch?: typeof fetch;
  logger?: Logger;
  /**
   * Opens the sealed secrets (`{sealed}`, common/secret-seal.ts) of a JSON body while it is written, so a PIN or a
   * code is in clear only in the bytes sent to the provider. Without it, a body with a sealed secret is refused.
   */
  secrets?: SecretOpener;
}

/** A sealed secret this worker cannot open (no SECRET_SEAL_KEYS, or not the key it was sealed with). */
export const SECRET_UNREADABLE = 'SecretUnreadable';

interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class ProviderHttpClient {
  readonly provider: string;
  private readonly baseUrl: string;
  private readonly rawBaseUrl: string;
  private readonly options: ProviderHttpClientOptions;
  private readonly fetchImpl: typeof fetch;
  private readonly logger: Logger;

  constructor(options: ProviderHttpClientOptions) {
    this.options = options;
    this.provider = options.provider;
    this.rawBaseUrl = options.baseUrl;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.logger = options.logger ?? createLogger(`http.${options.provider}`);
  }

  async request<Schema extends z.ZodType>(options: RequestOptions<Schema>): Promise<z.output<Schema>> {
    const url = this.buildUrl(options.path, options.query);
    const { bytes, contentType } = encodeBody(options.body, options.contentType, (sealed) => this.openSecret(sealed));
    const useAuth = options.auth !== false && this.options.auth !== undefined;
    const operation = `${this.provider} ${options.method} ${url.pathname}`;

    let response: RawResponse | undefined;
    for (let authAttempt = 1; authAttempt <= 2; authAttempt++) {
      const authorization = useAuth ? await this.authorize(operation) : undefined;
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...this.options.defaultHeaders,
        ...options.headers,
        ...(contentType ? { 'content-type': contentType } : {}),
        ...authorization?.headers,
      };
      const prepared: PreparedRequest = {
        provider: this.provider,
        method: options.method,
        path: options.path,
        url,
        urlPath: url.pathname,
        idempotencyKey: options.idempotencyKey,
        body: bytes,
        headers,
      };
      for (const hook of this.options.hooks ?? []) {
        Object.assign(headers, await hook({ ...prepared, headers: { ...headers } }));
      }
      response = await observeProviderCall(
        { provider: this.provider, method: options.method, path: options.path },
        () => this.send(operation, url, options.method, headers, bytes, options.timeoutMs),
      );
      this.logResponse(operation, options, response);
      if (response.status === 401 && authorization && authAttempt === 1) {
        // The cached token expired early or was revoked: forget it and try once with a fresh one.
        this.options.auth!.invalidate(authorization.token);
        continue;
      }
      break;
    }
    return this.interpret(operation, options, response!, useAuth);
  }

  /** The secret's clear value for the request body; failures name the key, never a value. */
  private openSecret(sealed: unknown): string {
    try {
      if (!this.options.secrets) throw new SecretUnreadableError('this client was built without SECRET_SEAL_KEYS');
      return this.options.secrets.open(sealed as Parameters<SecretOpener['open']>[0]);
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      this.logger.error('cannot open a sealed secret', { provider: this.provider, reason: err.message });
      throw ApplicationFailure.nonRetryable(
        `${this.provider}: cannot open a sealed secret: ${err.message}`,
        SECRET_UNREADABLE,
      );
    }
  }

  /** A token call refused with 401/403 means our credentials are wrong: retryable, so fixing them resumes work. */
  private async authorize(operation: string): Promise<Authorization> {
    try {
      return await this.options.auth!.authorize(this);
    } catch (err) {
      const status = err instanceof ApplicationFailure ? (err.details?.[0] as { status?: number })?.status : undefined;
      if (
        err instanceof ApplicationFailure &&
        err.type === PROVIDER_BUSINESS_ERROR &&
        (status === 401 || status === 403)
      ) {
        this.logger.error('provider refused our credentials', { operation, status });
        throw ApplicationFailure.create({
          message: `${this.provider} refused our credentials (${status}) while authorizing ${operation}`,
          type: PROVIDER_AUTH_FAILED,
          details: [{ provider: this.provider, status, code: 'credentials_rejected' }],
          cause: err,
        });
      }
      throw err;
    }
  }

  private buildUrl(path: string, query: RequestOptions<z.ZodType>['query']): URL {
    if (path && !path.startsWith('/') && !path.startsWith('?')) {
      throw new Error(`${this.provider}: request path must start with '/' (got ${path})`);
    }
    const url = new URL(path ? this.baseUrl + path : this.rawBaseUrl);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async send(
    operation: string,
    url: URL,
    method: HttpMethod,
    headers: Record<string, string>,
    body: Buffer,
    timeoutMs = this.options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
  ): Promise<RawResponse> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const cancellation = currentActivityContext()?.cancellationSignal;
    const signal = cancellation ? AbortSignal.any([timeout, cancellation]) : timeout;
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await traceProviderCall({ provider: this.provider, method, url }, headers, () =>
        this.fetchImpl(url, {
          method,
          headers,
          body: body.length > 0 ? new Uint8Array(body) : undefined,
          signal,
          redirect: 'manual',
        }),
      );
      text = await response.text();
    } catch (err) {
      if (cancellation?.aborted) throw cancellation.reason instanceof Error ? cancellation.reason : err;
      const durationMs = Math.round(performance.now() - started);
      if (timeout.aborted) {
        this.logger.warn('provider call timed out', { operation, durationMs, timeoutMs });
        throw ApplicationFailure.create({
          message: `${operation} timed out after ${timeoutMs} ms`,
          type: PROVIDER_TIMEOUT,
          details: [{ provider: this.provider, status: 0, code: 'timeout' }],
        });
      }
      const reason = describeNetworkError(err);
      this.logger.warn('provider call failed', { operation, durationMs, reason });
      throw ApplicationFailure.create({
        message: `${operation} failed: ${reason}`,
        type: PROVIDER_UNAVAILABLE,
        details: [{ provider: this.provider, status: 0, code: 'network_error' }],
      });
    }
    return {
      status: response.status,
      headers: response.headers,
      body: decodeBody(text, response.headers.get('content-type')),
      durationMs: Math.round(performance.now() - started),
    };
  }

  private interpret<Schema extends z.ZodType>(
    operation: string,
    options: RequestOptions<Schema>,
    response: RawResponse,
    usedAuth: boolean,
  ): z.output<Schema> {
    const { status } = response;
    if (status >= 200 && status < 300) {
      if (response.body instanceof InvalidJson) {
        throw this.invalidResponse(operation, status, 'body is not valid JSON');
      }
      // Before the schema: a refusal body rarely matches the success schema, and must not read as a shape change.
      const refusal = this.readRefusal(operation, status, response.body);
      if (refusal?.retryable) throw this.unavailable(operation, response, refusal);
      if (refusal) return this.throwBusinessError(`${operation} refused`, status, refusal);
      const parsed = options.schema.safeParse(response.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue ? formatPath(issue.path) : '(root)';
        throw this.invalidResponse(operation, status, `field ${field}: ${issue?.message ?? 'invalid'}`, field);
      }
      return parsed.data;
    }

    const parsed = status >= 400 ? this.parseError(status, response.body) : undefined;
    const retryableStatus = this.options.retryableStatus ?? defaultRetryableStatus;
    const call: FailedCall = {
      method: options.method,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    };
    if (parsed?.retryable || (status >= 400 && retryableStatus(status, parsed, call))) {
      throw this.unavailable(operation, response, parsed);
    }
    if (status === 401 && usedAuth) {
      throw ApplicationFailure.create({
        message: `${operation} answered 401 with a fresh token: check the ${this.provider} credentials`,
        type: PROVIDER_AUTH_FAILED,
        details: [{ provider: this.provider, status, code: 'unauthorized' }],
      });
    }
    if (status >= 500) throw this.outcomeUnknown(operation, status, parsed, options.idempotencyKey);
    if (status >= 400) return this.throwBusinessError(`${operation} rejected`, status, parsed);
    throw this.invalidResponse(operation, status, `unexpected status ${status}`);
  }

  /** A detector that throws has met a body it did not expect: a shape change, not a reason to retry forever. */
  private readRefusal(operation: string, status: number, body: unknown): ParsedProviderError | undefined {
    const reader = this.options.businessRefusal;
    if (!reader) return undefined;
    try {
      return reader(status, body);
    } catch {
      throw this.invalidResponse(operation, status, 'the business refusal check could not read the body');
    }
  }

  private unavailable(operation: string, response: RawResponse, parsed: ParsedProviderError | undefined) {
    const { status } = response;
    const retryDelayMs = retryDelayAfter(parseRetryAfter(response.headers.get('retry-after')));
    return ApplicationFailure.create({
      message: `${operation} answered ${status}${parsed ? ` (${parsed.code})` : ''}`,
      type: PROVIDER_UNAVAILABLE,
      details: [{ provider: this.provider, status, code: parsed?.code ?? `http_${status}` }],
      ...(retryDelayMs !== undefined ? { nextRetryDelay: retryDelayMs } : {}),
    });
  }

  private throwBusinessError(what: string, status: number, parsed: ParsedProviderError | undefined): never {
    const details: ProviderErrorDetails = {
      provider: this.provider,
      status,
      code: parsed?.code ?? `http_${status}`,
      kind: parsed?.kind ?? kindOf(status),
      ...(parsed?.fields?.length ? { fields: parsed.fields } : {}),
    };
    throw ApplicationFailure.nonRetryable(
      `${what} (${status} ${details.code}): ${parsed?.message ?? 'no message'}`,
      PROVIDER_BUSINESS_ERROR,
      details,
    );
  }

  private outcomeUnknown(
    operation: string,
    status: number,
    parsed: ParsedProviderError | undefined,
    idempotencyKey: string | undefined,
  ): ApplicationFailure {
    const details: ProviderOutcomeUnknownDetails = {
      provider: this.provider,
      status,
      code: parsed?.code ?? `http_${status}`,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    };
    // An operator has to find out from the provider whether the call took effect: say so loudly.
    this.logger.error('provider call outcome unknown, not retried', { operation, ...details });
    return ApplicationFailure.nonRetryable(
      `${operation} answered ${status} (${details.code}), which ${this.provider} says not to repeat blindly: ` +
        'it may have taken effect; retry the step with the same idempotency key once checked',
      PROVIDER_OUTCOME_UNKNOWN,
      details,
    );
  }

  private parseError(status: number, body: unknown): ParsedProviderError | undefined {
    const parser = this.options.parseError ?? defaultErrorParser;
    try {
      return parser(status, body) ?? defaultErrorParser(status, body);
    } catch {
      return defaultErrorParser(status, body);
    }
  }

  private invalidResponse(operation: string, status: number, problem: string, field?: string): ApplicationFailure {
    this.logger.error('provider response does not match the schema', { operation, status, field, problem });
    return ApplicationFailure.create({
      message: `${operation} returned an unexpected response (${status}): ${problem}`,
      type: PROVIDER_RESPONSE_INVALID,
      nonRetryable: true,
      details: [{ provider: this.provider, status, code: 'response_invalid', field: field ?? null }],
    });
  }

  private logResponse(operation: string, options: RequestOptions<z.ZodType>, response: RawResponse): void {
    const context = currentActivityContext()?.info;
    const fields = {
      operation,
      status: response.status,
      durationMs: response.durationMs,
      idempotencyKey: options.idempotencyKey,
      workflowId: context?.workflowExecution?.workflowId,
      activityAttempt: context?.attempt,
    };
    if (response.status >= 500 || response.status === 429) this.logger.warn('provider call', fields);
    else this.logger.info('provider call', fields);
    // Bodies only at debug level, and redacted by the logger.
    this.logger.debug('provider response body', { operation, body: response.body });
  }
}

function kindOf(status: number): ProviderErrorKind {
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 403) return 'forbidden';
  if (status === 400 || status === 422) return 'validation';
  return 'business';
}

class InvalidJson {
  constructor(readonly text: string) {}
}

function encodeBody(
  body: unknown,
  contentType: string | undefined,
  openSecret: (sealed: unknown) => string,
): { bytes: Buffer; contentType?: string } {
  if (body === undefined) return { bytes: Buffer.alloc(0), ...(contentType ? { contentType } : {}) };
  if (body instanceof Uint8Array) {
    return { bytes: Buffer.from(body), contentType: contentType ?? 'application/octet-stream' };
  }
  if (body instanceof URLSearchParams) {
    return { bytes: Buffer.from(body.toString()), contentType: contentType ?? 'application/x-www-form-urlencoded' };
  }
  const json = JSON.stringify(body, (_key, value: unknown) => (isSealedSecret(value) ? openSecret(value) : value));
  return { bytes: Buffer.from(json), contentType: contentType ?? 'application/json' };
}

function decodeBody(text: string, contentType: string | null): unknown {
  if (text.length === 0) return undefined;
  const looksJson = /json/i.test(contentType ?? '') || /^\s*[[{]/.test(text);
  if (!looksJson) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return /json/i.test(contentType ?? '') ? new InvalidJson(text) : text;
  }
}

/** `a.b[0].c` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/**
 * The delay before the next attempt when the provider named one: its Retry-After, but never shorter than the retry
 * policy's own back-off for this attempt (a provider saying "1 s" forever must not be asked every second). Without
 * a Retry-After, undefined: the policy's exponential back-off applies as is.
 */
export function retryDelayAfter(
  retryAfterMs: number | undefined,
  attempt = currentActivityContext()?.info.attempt ?? 1,
): number | undefined {
  if (retryAfterMs === undefined) return undefined;
  return Math.max(retryAfterMs, providerRetryBackoffMs(attempt));
}

/** Retry-After as delta-seconds or an HTTP date → milliseconds (undefined when absent or unreadable). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : undefined;
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** Fallback reader for common envelopes: `{error_code|code|errorCode, message|error|detail}`. */
export function defaultErrorParser(status: number, body: unknown): ParsedProviderError | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return typeof body === 'string' && body.length > 0 && body.length < 300
      ? { code: `http_${status}`, message: body }
      : undefined;
  }
  const record = body as Record<string, unknown>;
  const code = [record.error_code, record.code, record.errorCode].find((v) => typeof v === 'string');
  const message = [record.message, record.error, record.detail, record.description].find((v) => typeof v === 'string');
  if (typeof code !== 'string' && typeof message !== 'string') return undefined;
  return {
    code: typeof code === 'string' ? code : `http_${status}`,
    message: typeof message === 'string' ? message : '',
  };
}
