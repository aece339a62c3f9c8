/**
 * The HTTP gateway (v1), built from an OnboardingClient so tests can run it in-process with fastify.inject or on
 * a port. Routes as in DESIGN.md "HTTP gateway (v1)"; every error is `{error:{code,message,details?}}`.
 */
import cors from '@fastify/cors';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PayloadCodec } from '@temporalio/common';
import {
  CodecRequestInvalid,
  DecryptionError,
  decodePayloadsJson,
  encodePayloadsJson,
  UnknownKeyIdError,
} from '../../common/codec.js';
import { maskPayloadsJson, parseCodecUiScopes, PII_READ_SCOPE } from '../../common/codec-masking.js';
import type { Config } from '../../common/config.js';
import { createLogger, maskedBindings, pinoOf } from '../../common/log.js';
import type { Logger } from '../../common/log.js';
import { OnboardingError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { OnboardingClient, StartBodyInput } from '../onboarding-client.js';
import type { ErrorEnvelope, ListFilters } from '../schemas.js';
import { createApiKeyAuth } from './auth.js';
import type { Caller } from './auth.js';
import type { ApiKeyScope } from '../../common/api-keys.js';
import { registerGatewayMetrics } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerRequestContext, requestIdOf } from './request-context.js';
import { operatorIdentity, registerOperatorRoutes } from './operator-routes.js';

export interface GatewayOptions {
  onboarding: OnboardingClient;
  config: Config;
  /** The PII codec for the Web UI's codec endpoint; without it /codec answers 503. */
  codec?: PayloadCodec;
  logger?: Logger;
}

const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
const MAX_PATH_PARAM_LENGTH = 512;
const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

function envelope(code: ErrorCode, message: string, details?: unknown): ErrorEnvelope {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

function sendError(
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
  details?: unknown,
): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send(envelope(code, message, details));
}

/** The UI may be opened as 127.0.0.1 or localhost: both name the same local origin. */
export function uiOrigins(uiUrl: string): string[] {
  const origin = new URL(uiUrl).origin;
  const twins = [origin];
  if (origin.includes('//127.0.0.1')) twins.push(origin.replace('//127.0.0.1', '//localhost'));
  if (origin.includes('//localhost')) twins.push(origin.replace('//localhost', '//127.0.0.1'));
  return twins;
}

function isTemporalUnavailable(err: unknown): boolean {
  const text = `${err instanceof Error ? err.name : ''} ${String(err)}`;
  return /ServiceError|UNAVAILABLE|ECONNREFUSED|DEADLINE_EXCEEDED|Failed to connect/i.test(text);
}

/** `Idempotency-Key: <key>`: a retried action or cancel gets the first answer and changes nothing. */
function idempotencyOf(request: FastifyRequest): { idempotencyKey?: string } {
  const key = request.headers['idempotency-key'];
  const value = Array.isArray(key) ? key[0] : key;
  return value === undefined ? {} : { idempotencyKey: value };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller of a /v1 or /codec request (set by the API-key hook). */
    caller?: Caller;
  }
  interface FastifyContextConfig {
    /** The scope a /v1 route needs; `onboarding` when unset. */
    scope?: ApiKeyScope;
  }
}

interface IdParams {
  id: string;
}
interface ActionParams extends IdParams {
  action: string;
}

export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const { onboarding, config, codec } = options;
  const log = options.logger ?? createLogger('gateway');
  const authenticate = createApiKeyAuth(config.GATEWAY_API_KEYS);

  const app = Fastify({
    // Our pino logger (PII redactor as its formatter); one line per request from registerRequestContext instead of
    // Fastify's two, which would log the raw URL.
    loggerInstance: pinoOf(log) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    childLoggerFactory: (logger, bindings, childOptions) => logger.child(maskedBindings(bindings), childOptions),
    bodyLimit: DEFAULT_BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // Ids run to ~100 characters (an outbound event's id wraps an onboarding id), Fastify's default limit: room to
    // spare, and a longer one is an id that cannot exist (404), answered in our envelope like every other error.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return sendError(reply, 404, 'not_found', `no such id: longer than ${MAX_PATH_PARAM_LENGTH} characters`);
      }
      return sendError(reply, 400, 'bad_request', 'the URL is malformed (e.g. a bad percent-encoding)');
    },
  });
  // Request id, X-Request-Id echo, reqId on every log line, the request's trace span and its log line.
  registerRequestContext(app);

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof OnboardingError) {
      return sendError(reply, error.httpStatus, error.code, error.message, error.details);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, 'body_too_large', 'the body is larger than this route accepts');
    }
    if (
      typeof fastifyError.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      return sendError(reply, fastifyError.statusCode, 'bad_request', fastifyError.message);
    }
    if (isTemporalUnavailable(error)) {
      log.warn('Temporal unavailable', { route: request.routeOptions.url, error: String(error) });
      return sendError(reply, 503, 'temporarily_unavailable', 'Temporal is not reachable right now; retry later');
    }
    log.error('unhandled error', { route: request.routeOptions.url, error });
    return sendError(reply, 500, 'internal', 'internal error');
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  const requireApiKey = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.method === 'OPTIONS') return;
    const caller = authenticate(request.headers.authorization);
    if (!caller) {
      await sendError(reply, 401, 'unauthenticated', 'send Authorization: Bearer <API key>');
      return;
    }
    request.caller = caller;
  };
  /** Refuses (403) a caller whose key lacks the scope the route declares (`config.scope`, else `onboarding`). */
  const requireRouteScope = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.method === 'OPTIONS' || reply.sent || !request.caller) return;
    const scope = request.routeOptions.config.scope ?? 'onboarding';
    if (request.caller.scopes.has(scope)) return;
    await sendError(reply, 403, 'forbidden', `this API key lacks the ${scope} scope`);
  };

  // Before the routes: Prometheus's GET /metrics and the measurement of every route (./metrics.ts).
  registerGatewayMetrics(app, { mode: config.GATEWAY_METRICS, requireApiKey });

  // --- health and description -------------------------------------------------------------------------------------
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (await onboarding.ready()) return { status: 'ready', namespace: onboarding.namespace };
    return sendError(reply, 503, 'temporal_unreachable', 'Temporal does not answer');
  });
  const openApi = buildOpenApiDocument({ serverUrl: config.GATEWAY_PUBLIC_URL, providers: onboarding.providers });
  app.get('/openapi.json', async () => openApi);

  // --- v1: the onboarding API ---------------------------------------------------------------------------------------
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', requireApiKey);
      v1.addHook('onRequest', requireRouteScope);

      v1.post('/onboardings', async (request, reply) => {
        // start() validates the body with the zod schema before anything reaches Temporal.
        const { created, status } = await onboarding.start(request.body as StartBodyInput);
        return reply
          .code(created ? 201 : 200)
          .header('location', `/v1/onboardings/${encodeURIComponent(status.onboardingId)}`)
          .send(status);
      });

      v1.get('/onboardings', async (request) => {
        const query = Object.fromEntries(
          Object.entries(request.query as Record<string, unknown>).filter(([, value]) => value !== ''),
        ) as ListFilters;
        return onboarding.list(query);
      });

      v1.get<{ Params: IdParams }>('/onboardings/:id', async (request) => onboarding.get(request.params.id));

      // The route admits the largest body any action needs (documents travel base64 in JSON); each action then
      // holds its own limit, so a 60 MB body is refused for an action that takes a four-digit PIN.
      const largestActionBody = Math.max(
        DEFAULT_BODY_LIMIT_BYTES,
        ...onboarding.providers.definitions.flatMap((definition) =>
          Object.values(definition.actions).map((action) => action.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES),
        ),
      );
      const act = async (
        request: FastifyRequest<{ Params: IdParams }>,
        reply: FastifyReply,
        actionName: string,
        provider?: string,
      ): Promise<unknown> => {
        const action = onboarding.actionOf(request.params.id, actionName, provider);
        const limit = action.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES;
        if (Number(request.headers['content-length'] ?? 0) > limit) {
          return sendError(reply, 413, 'body_too_large', `the ${action.name} body is larger than ${limit} bytes`);
        }
        return onboarding.act(request.params.id, actionName, request.body, {
          ...idempotencyOf(request),
          ...(provider ? { provider } : {}),
        });
      };
      // The untyped form: any action of the onboarding's provider, by name.
      v1.post<{ Params: ActionParams }>(
        '/onboardings/:id/actions/:action',
        { bodyLimit: largestActionBody },
        async (request, reply) => act(request, reply, request.params.action),
      );
      // The typed form: one literal path per provider and action (from the registry), so a client generated from
      // /openapi.json has one body type per path; an onboarding of another provider is not found there (404).
      for (const definition of onboarding.providers.definitions) {
        for (const action of Object.values(definition.actions)) {
          v1.post<{ Params: IdParams }>(
            `/providers/${definition.provider}/onboardings/:id/actions/${action.name}`,
            { bodyLimit: action.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES },
            async (request, reply) => act(request, reply, action.name, definition.provider),
          );
        }
      }

      v1.get<{ Params: IdParams }>('/onboardings/:id/events', async (request) => ({
        events: await onboarding.listEvents(request.params.id),
      }));

      v1.post<{ Params: IdParams }>('/events/:id/redeliver', async (request, reply) =>
        reply.code(202).send(await onboarding.redeliverEvent(request.params.id)),
      );

      v1.post<{ Params: IdParams; Querystring: { wait?: string } }>(
        '/onboardings/:id/cancel',
        async (request, reply) => {
          const wait = request.query.wait === 'true';
          const status = await onboarding.cancel(request.params.id, (request.body ?? {}) as { reason: string }, {
            wait,
            ...idempotencyOf(request),
            operator: operatorIdentity(request),
          });
          // Accepted, compensation under way; `?wait=true` answers once it has settled.
          return reply.code(wait ? 200 : 202).send(status);
        },
      );

      v1.post<{ Params: IdParams }>('/onboardings/:id/retry-step', { config: { scope: 'operator' } }, async (request) =>
        onboarding.retryStep(
          request.params.id,
          (request.body ?? {}) as { step: string; reason: string },
          operatorIdentity(request),
        ),
      );

      registerOperatorRoutes(v1, onboarding);
    },
    { prefix: '/v1' },
  );

  // --- provider webhooks: the raw bytes are what the provider signed ------------------------------------------------
  await app.register(async (webhooks) => {
    webhooks.removeAllContentTypeParsers();
    webhooks.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES },
      (_request, body, done) => done(null, body),
    );
    webhooks.post<{ Params: { provider: string } }>('/webhooks/:provider', async (request, reply) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // The provider's own acknowledgement (status, echoed headers, body), or the default 200 WebhookAck.
      const ack = await onboarding.deliverWebhook(request.params.provider, rawBody, request.headers);
      return reply
        .code(ack.status)
        .headers(ack.headers ?? {})
        .send(ack.body);
    });
    // What a provider calls before pushing (e.g. to obtain the bearer token it then sends), if its intake serves it.
    webhooks.post<{ Params: { provider: string; '*': string } }>('/webhooks/:provider/*', async (request, reply) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const answer = onboarding.webhookAuthentication(
        request.params.provider,
        request.params['*'],
        rawBody,
        request.headers,
      );
      return reply
        .code(answer.status)
        .headers(answer.headers ?? {})
        .send(answer.body);
    });
  });

  // --- the Temporal Web UI's codec endpoint -------------------------------------------------------------------------
  await app.register(
    async (codecRoutes) => {
      await codecRoutes.register(cors, {
        origin: uiOrigins(config.TEMPORAL_UI_URL),
        credentials: true,
        methods: ['POST', 'OPTIONS'],
        allowedHeaders: ['Content-Type', 'Authorization', 'X-Namespace'],
        maxAge: 600,
      });
      const trustedOrigins = config.GATEWAY_CODEC_TRUST_UI_ORIGIN ? uiOrigins(config.TEMPORAL_UI_URL) : [];
      // The key-less local Web UI is a caller too, with the scopes GATEWAY_CODEC_UI_SCOPES gives it (none by default).
      const webUiCaller: Caller = {
        identity: 'web-ui-origin',
        scopes: parseCodecUiScopes(config.GATEWAY_CODEC_UI_SCOPES).scopes,
      };
      codecRoutes.addHook('onRequest', async (request, reply) => {
        const origin = request.headers.origin;
        if (origin && trustedOrigins.includes(origin)) {
          // A key of ours, if it sends one, decides what it sees; otherwise the origin's own scopes do.
          request.caller = authenticate(request.headers.authorization) ?? webUiCaller;
          return;
        }
        await requireApiKey(request, reply);
      });
      const codecRoute = (direction: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
        if (!codec) return sendError(reply, 503, 'codec_unavailable', 'no codec is configured on this gateway');
        try {
          if (direction === 'encode') return await encodePayloadsJson(codec, request.body);
          const decoded = await decodePayloadsJson(codec, request.body);
          // PII in clear only for a key that may read it; the decision is logged, the data never.
          const unmasked = request.caller?.scopes.has(PII_READ_SCOPE) === true;
          log.info('codec decode', {
            identity: request.caller?.identity ?? 'unknown',
            pii: unmasked ? 'unmasked' : 'masked',
            payloads: decoded.payloads.length,
          });
          return unmasked ? decoded : maskPayloadsJson(decoded);
        } catch (err) {
          if (err instanceof CodecRequestInvalid) return sendError(reply, 400, 'bad_request', err.message);
          if (err instanceof UnknownKeyIdError || err instanceof DecryptionError) {
            return sendError(reply, 422, 'cannot_decrypt', err.message);
          }
          throw err;
        }
      };
      codecRoutes.post('/encode', codecRoute('encode'));
      codecRoutes.post('/decode', codecRoute('decode'));
    },
    { prefix: '/codec' },
  );

  return app;
}
