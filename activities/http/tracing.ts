/**
 * The provider call's CLIENT span (a child of the activity's RunActivity span when tracing is on; a no-op otherwise),
 * and the W3C `traceparent` it sends along so a provider that traces can join the trace. Attributes are the provider,
 * the method, the route template and the status: paths hold provider ids, so the span never sees the URL itself.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
} from '@opentelemetry/semantic-conventions';

export const ATTR_PROVIDER = 'onboarding.provider';

/** A path segment kept as is: a word (`applications`, `file`, `partner-api`) or an API version (`v1`, `v2.1`). */
const WORD_SEGMENT = /^(?:[A-Za-z][A-Za-z_-]{0,31}|v\d+(?:\.\d+)?)$/;

/** `/api/v1/applications/ap_123/apply/` → `/api/v1/applications/{id}/apply/`: ids out, structure kept. */
export function routeTemplate(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => (segment === '' || WORD_SEGMENT.test(segment) ? segment : '{id}'))
    .join('/');
}

export interface ProviderCallDescription {
  provider: string;
  method: string;
  url: URL;
}

/**
 * Runs `call` (the fetch) inside a CLIENT span; `headers` gets the trace context first. The span ends when the
 * answer's status is known or the call threw (timeouts, network errors).
 */
export async function traceProviderCall<T extends { status: number }>(
  description: ProviderCallDescription,
  headers: Record<string, string>,
  call: () => Promise<T>,
): Promise<T> {
  const route = routeTemplate(description.url.pathname);
  const span = trace.getTracer('onboarding-provider-http').startSpan(`${description.method} ${route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_PROVIDER]: description.provider,
      [ATTR_HTTP_REQUEST_METHOD]: description.method,
      [ATTR_HTTP_ROUTE]: route,
      [ATTR_SERVER_ADDRESS]: description.url.hostname,
    },
  });
  const spanContext = trace.setSpan(context.active(), span);
  propagation.inject(spanContext, headers);
  try {
    const response = await context.with(spanContext, call);
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  } catch (err) {
    // The error's class only: messages can quote the URL.
    span.setAttribute(ATTR_ERROR_TYPE, err instanceof Error ? err.name : 'error');
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}
