/**
 * What every gateway request carries from its first hook to its last log line: a request id (the caller's
 * X-Request-Id when it is sane, else a fresh one; echoed in the response), that id on every log line written while
 * the request runs, and — with tracing on — a SERVER span named by the route template, parent of the Temporal
 * client's spans. The span's attributes are the method, the route template and the status: never the URL, which
 * holds onboarding ids and query strings.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runWithLogContext } from '../../common/log.js';
import { activeTracing } from '../../common/tracing.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Letters, digits and `._:-`, up to 128: what a proxy or a caller's UUID looks like, and nothing to inject in a log. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId`: the caller's X-Request-Id when sane, so one id follows a call across services. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

interface RequestTrace {
  span: Span;
  context: Context;
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

function startServerSpan(request: FastifyRequest): RequestTrace {
  // A caller that sent traceparent gets our spans in its trace.
  const parent = propagation.extract(context.active(), request.headers);
  const route = routeOf(request);
  const span = trace.getTracer('onboarding-gateway').startSpan(
    `${request.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_HTTP_ROUTE]: route },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/**
 * The hooks, on the root instance before any route. The log and trace contexts are entered twice: in onRequest, and
 * again in preHandler, because Node runs body parsing outside the hook's async context and the handler would lose
 * them for any request with a body.
 */
export function registerRequestContext(app: FastifyInstance): void {
  const enter = (request: FastifyRequest, done: () => void): void => {
    const traced = traces.get(request);
    const next = (): void => runWithLogContext({ reqId: request.id }, done);
    if (traced) context.with(traced.context, next);
    else next();
  };

  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    if (activeTracing()) traces.set(request, startServerSpan(request));
    enter(request, done);
  });

  app.addHook('preHandler', (request, _reply, done) => enter(request, done));

  app.addHook('onError', (request, _reply, error, done) => {
    traces.get(request)?.span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
    done();
  });

  // One line per request, with its reqId (request.log binds it) and, with tracing on, its trace and span ids.
  app.addHook('onResponse', (request, reply, done) => {
    const traced = traces.get(request);
    const line = (): void =>
      request.log.info(
        {
          method: request.method,
          route: routeOf(request),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    if (traced) context.with(traced.context, line);
    else line();
    if (traced) {
      traced.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      if (reply.statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
      traced.span.end();
      traces.delete(request);
    }
    done();
  });
}
