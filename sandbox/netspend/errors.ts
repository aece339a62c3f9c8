/**
 * Netspend publishes "business errors" named by snake_case codes (e.g. `account_not_found`, `account_inactive`);
 * the envelope and the HTTP statuses are not public. Ours (ASSUMED): `{error_code, message, details?}` with
 * 400 malformed or invalid input, 401 authentication / session, 404 a referenced resource does not exist,
 * 409 the resource's state forbids the action now, 422 the request is well formed but breaks a business rule.
 */
export interface NetspendErrorBody {
  error_code: string;
  message: string;
  details?: unknown;
}

export class NetspendApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 422,
    readonly errorCode: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'NetspendApiError';
  }

  toBody(): NetspendErrorBody {
    const body: NetspendErrorBody = { error_code: this.errorCode, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export const notFound = (resource: string, id: string): NetspendApiError =>
  new NetspendApiError(404, `${resource}_not_found`, `No ${resource.replace(/_/g, ' ')} with id ${id}`);

export const conflict = (code: string, message: string): NetspendApiError => new NetspendApiError(409, code, message);

export const businessRule = (code: string, message: string, details?: unknown): NetspendApiError =>
  new NetspendApiError(422, code, message, details);

/** The body of an injected fault (5xx, 429), in the same envelope as real errors. */
export function netspendFaultBody(status: number): NetspendErrorBody {
  if (status === 429) return { error_code: 'rate_limit_exceeded', message: 'Too many requests (sandbox fault)' };
  if (status === 504) return { error_code: 'gateway_timeout', message: 'Upstream timed out (sandbox fault)' };
  return { error_code: 'service_unavailable', message: `Service unavailable (sandbox fault ${status})` };
}
