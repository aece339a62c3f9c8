/**
 * Linkcy's documented error body: `{errorCode, error, status, details: [{field, rejectedValue, message}], timestamp}`
 * (e.g. `INVALID_PHONE_CODE`, `PERSON_ID_REQUIRED`, `END_USER_NOT_FOUND`). `message` and the extra fields some
 * errors carry (`remainingAttempts`) are ours (ASSUMED, sandbox/README.md).
 */
export interface LinkcyErrorDetail {
  field: string;
  rejectedValue: unknown;
  message: string;
}

export interface LinkcyErrorBody {
  errorCode: string;
  error: string;
  status: number;
  message: string;
  details: LinkcyErrorDetail[];
  timestamp: string;
  [extra: string]: unknown;
}

export type LinkcyErrorStatus = 400 | 401 | 403 | 404 | 409 | 429;

const ERROR_FAMILY: Record<number, string> = {
  400: 'linkcy.bad.request',
  401: 'linkcy.unauthorized',
  403: 'linkcy.forbidden',
  404: 'linkcy.not.found',
  409: 'linkcy.conflict',
  429: 'linkcy.too.many.requests',
  500: 'linkcy.internal.error',
  502: 'linkcy.internal.error',
  503: 'linkcy.service.unavailable',
  504: 'linkcy.gateway.timeout',
};

export class LinkcyApiError extends Error {
  constructor(
    readonly status: LinkcyErrorStatus,
    readonly errorCode: string,
    message: string,
    readonly details: LinkcyErrorDetail[] = [],
    /** Fields added to the body beside the documented ones, e.g. `remainingAttempts`. */
    readonly extra: Record<string, unknown> = {},
    /** Response headers, e.g. `Retry-After` on a resend refused for being too early. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'LinkcyApiError';
  }

  toBody(now: Date): LinkcyErrorBody {
    return errorBody(this.status, this.errorCode, this.message, now, this.details, this.extra);
  }
}

export function errorBody(
  status: number,
  errorCode: string,
  message: string,
  now: Date,
  details: LinkcyErrorDetail[] = [],
  extra: Record<string, unknown> = {},
): LinkcyErrorBody {
  return {
    ...extra,
    errorCode,
    error: ERROR_FAMILY[status] ?? 'linkcy.internal.error',
    status,
    message,
    details,
    timestamp: now.toISOString(),
  };
}

export const consumerNotFound = (consumerId: string): LinkcyApiError =>
  new LinkcyApiError(404, 'END_USER_NOT_FOUND', `No consumer with id ${consumerId}`, [
    { field: 'consumerId', rejectedValue: consumerId, message: 'Consumer not found' },
  ]);

export const conflict = (errorCode: string, message: string): LinkcyApiError =>
  new LinkcyApiError(409, errorCode, message);

export const badRequest = (errorCode: string, message: string, field?: string, rejectedValue?: unknown) =>
  new LinkcyApiError(
    400,
    errorCode,
    message,
    field === undefined ? [] : [{ field, rejectedValue: rejectedValue ?? null, message }],
  );

/** The body of an injected fault (5xx, 429), in Linkcy's envelope. */
export function linkcyFaultBody(status: number, now: Date = new Date()): LinkcyErrorBody {
  if (status === 429) return errorBody(429, 'TOO_MANY_REQUESTS', 'Too many requests (sandbox fault)', now);
  if (status === 504) return errorBody(504, 'GATEWAY_TIMEOUT', 'Upstream timed out (sandbox fault)', now);
  return errorBody(status, 'SERVICE_UNAVAILABLE', `Service unavailable (sandbox fault ${status})`, now);
}
