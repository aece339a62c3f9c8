/**
 * Netspend Partner API simulator, mounted by the core under `/netspend`, so the API lives at
 * `/netspend/netspend-api/v1/...` (the real base is `https://apis-cert.netspend.com/netspend-api/v1`).
 * What is documented and what we chose (ASSUMED) is in sandbox/README.md, section "Netspend".
 *
 * Env (all optional): SANDBOX_NETSPEND_API_KEY (sandbox-key), SANDBOX_NETSPEND_API_SECRET (sandbox-secret),
 * SANDBOX_NETSPEND_WEBHOOK_SECRET (netspend-sandbox-webhook-secret), SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_HEADER
 * (ns-signature) and SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_ENCODING (hex | base64; both ASSUMED, see signature.ts),
 * SANDBOX_NETSPEND_TOKEN_TTL_SECONDS (86400),
 * SANDBOX_NETSPEND_ACTIVATION_DELAY_MS (1000; 0 = activate in the call that meets the last requirement).
 * Controls (ours) under `/_sandbox/netspend`: POST /people/{id}/kyc, POST /people/{id}/identity_scan, POST /tokens/expire, GET|PUT /settings,
 * GET /activations, POST /accounts/{id}/activate.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { SandboxContext } from '../core/context.js';
import { NetspendApiError, netspendFaultBody } from './errors.js';
import {
  acceptAgreementSchema,
  agreementSearchSchema,
  answersRequestSchema,
  brandSearchSchema,
  closeRequestSchema,
  createAccountSchema,
  createPersonSchema,
  createSessionSchema,
  documentUploadSchema,
  identityScanControlSchema,
  kycControlSchema,
  nonPhysicalCardSchema,
  patchPersonSchema,
  patchSessionSchema,
  physicalCardSchema,
  setPinSchema,
  settingsControlSchema,
  tokenRequestSchema,
} from './schemas.js';
import { NetspendState, type NetspendEventType } from './state.js';
import { webhookSignatureFromEnv } from './signature.js';
import { TokenStore } from './tokens.js';
import { createTaskScheduler } from '../core/timers.js';

export const name = 'netspend';
export const API_PREFIX = '/netspend-api/v1';

const DEFAULTS = {
  apiKey: 'sandbox-key',
  apiSecret: 'sandbox-secret',
  tokenTtlSeconds: 86_400,
  activationDelayMs: 1000,
};

/** The simulator's adjustable behaviour (ours): read from env at start and on reset, changed by the control. */
export interface NetspendSettings {
  activationDelayMs: number;
}

export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): NetspendSettings {
  const raw = env.SANDBOX_NETSPEND_ACTIVATION_DELAY_MS;
  if (raw === undefined || raw === '') return { activationDelayMs: DEFAULTS.activationDelayMs };
  const activationDelayMs = Number(raw);
  if (!Number.isInteger(activationDelayMs) || activationDelayMs < 0) {
    throw new Error(`SANDBOX_NETSPEND_ACTIVATION_DELAY_MS must be a non-negative integer, got ${raw}`);
  }
  return { activationDelayMs };
}

export function faultBody(status: number): unknown {
  return netspendFaultBody(status);
}

/** Per-sandbox state shared by the API routes and the `/_sandbox/netspend` controls. */
interface NetspendRuntime {
  state: NetspendState;
  tokens: TokenStore;
  settings: NetspendSettings;
  /** Stops every pending activation for good: the sandbox is closing. */
  shutdown(): void;
}

const runtimes = new WeakMap<SandboxContext, NetspendRuntime>();

function runtimeFor(ctx: SandboxContext): NetspendRuntime {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const signature = webhookSignatureFromEnv(ctx.env);
  const emit = (type: NetspendEventType, data: Record<string, unknown>): void => {
    const event = { id: randomUUID(), type, created: ctx.clock().toISOString(), data };
    const body = JSON.stringify(event);
    const signed = signature.headers(body);
    ctx.webhooks.send({
      provider: name,
      body,
      // Between attempts only the delivery counter changes (documented).
      headers: (attempt) => ({ ...signed, 'ns-delivery-count': String(attempt) }),
      // Netspend redelivers on anything but exactly 200, and does not wait longer than 10 s (documented).
      isDelivered: (status) => status === 200,
      timeoutMs: 10_000,
      eventId: event.id,
      eventType: type,
    });
  };
  const tasks = createTaskScheduler();
  const schedule = tasks.schedule;
  const state = new NetspendState({
    now: ctx.clock,
    audit: (kind, id, data) => void ctx.audit.record(name, kind, id, data),
    emit,
    activationDelayMs: () => runtime.settings.activationDelayMs,
    schedule,
  });
  const ttl = Number(ctx.env.SANDBOX_NETSPEND_TOKEN_TTL_SECONDS || DEFAULTS.tokenTtlSeconds);
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw new Error(`SANDBOX_NETSPEND_TOKEN_TTL_SECONDS must be a positive integer, got ${String(ttl)}`);
  }
  const tokens = new TokenStore(ctx.clock, ttl);
  const runtime: NetspendRuntime = {
    state,
    tokens,
    settings: settingsFromEnv(ctx.env),
    shutdown: () => {
      state.cancelPendingActivations();
      tasks.close();
    },
  };
  runtimes.set(ctx, runtime);
  ctx.onReset(() => {
    state.reset();
    tokens.reset();
    runtime.settings = settingsFromEnv(ctx.env);
  });
  return runtime;
}

type Auth = 'none' | 'token' | 'session';

function header(request: FastifyRequest, headerName: string): string | undefined {
  const value = request.headers[headerName];
  return Array.isArray(value) ? value[0] : value;
}

function param(request: FastifyRequest, key: string): string {
  const params = request.params as Record<string, string | undefined>;
  return params[key] ?? '';
}

/** Parses a body with zod; a missing body is an empty object (several bodies are entirely optional). */
function parseBody<T extends z.ZodType>(schema: T, request: FastifyRequest): z.output<T> {
  if (Buffer.isBuffer(request.body)) {
    throw new NetspendApiError(400, 'invalid_request', 'The body must be application/json');
  }
  const parsed = schema.safeParse(request.body ?? {});
  if (!parsed.success) {
    throw new NetspendApiError(
      400,
      'validation_error',
      'The request body is invalid',
      parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message })),
    );
  }
  return parsed.data;
}

export function register(app: FastifyInstance, ctx: SandboxContext): void {
  const runtime = runtimeFor(ctx);
  const { state, tokens } = runtime;
  // No activation may fire (and send a webhook) once the sandbox is closing, nor keep the process alive.
  app.addHook('onClose', async () => runtime.shutdown());
  const apiKey = ctx.env.SANDBOX_NETSPEND_API_KEY || DEFAULTS.apiKey;
  const apiSecret = ctx.env.SANDBOX_NETSPEND_API_SECRET || DEFAULTS.apiSecret;

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof NetspendApiError) return reply.code(error.status).send(error.toBody());
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Never echo the parser's message: Node's JSON errors quote the body, which may hold a PIN or an SSN.
      const invalidJson = (error as { code?: string }).code === 'INVALID_JSON';
      return reply.code(400).send({
        error_code: invalidJson ? 'invalid_json' : 'invalid_request',
        message: invalidJson ? 'The body is not valid JSON' : 'The request could not be read',
      });
    }
    return reply.code(500).send({ error_code: 'internal_error', message: 'Unexpected sandbox error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error_code: 'resource_not_found', message: `No route ${request.method} ${request.url}` }),
  );

  const authenticate = (request: FastifyRequest, auth: Auth): void => {
    if (auth === 'none') return;
    const authorization = header(request, 'authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new NetspendApiError(401, 'unauthorized', 'Authorization: Bearer <access_token> is required');
    const verdict = tokens.check(match[1]!);
    if (verdict === 'expired') throw new NetspendApiError(401, 'token_expired', 'The access token has expired');
    if (verdict === 'unknown') throw new NetspendApiError(401, 'invalid_token', 'The access token is not valid');
    if (auth === 'token') return;
    const sessionId = header(request, 'ns-session-id');
    if (!sessionId) throw new NetspendApiError(401, 'session_required', 'The ns-session-id header is required');
    if (!state.hasSession(sessionId)) {
      throw new NetspendApiError(401, 'invalid_session', 'The ns-session-id does not name a session');
    }
    // Ours, for the audit: a session some call used, as against one created and never heard of again.
    state.markSessionInUse(sessionId);
  };

  const route = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    path: string,
    auth: Auth,
    handler: (request: FastifyRequest, reply: FastifyReply) => unknown,
  ): void => {
    app.route({
      method,
      url: `${API_PREFIX}${path}`,
      handler: async (request, reply) => {
        authenticate(request, auth);
        return handler(request, reply);
      },
    });
  };

  // ---- partner authentication (documented) ----------------------------------------------------------------

  route('POST', '/oauth/accesstoken', 'none', (request, reply) => {
    const basic = /^Basic\s+(\S+)$/i.exec(header(request, 'authorization') ?? '');
    const [key, ...secretParts] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
    if (!tokens.sameCredentials(`${key ?? ''}:${secretParts.join(':')}`, `${apiKey}:${apiSecret}`) || !basic) {
      throw new NetspendApiError(401, 'invalid_client', 'Unknown API key or secret');
    }
    if (!(header(request, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      throw new NetspendApiError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const body = parseBody(tokenRequestSchema, request);
    if (body.grant_type !== 'client_credentials') {
      throw new NetspendApiError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    }
    const issued = tokens.issue();
    ctx.audit.record(name, 'access_token', issued.fingerprint);
    return reply.code(200).send({
      access_token: issued.token,
      token_type: 'BearerToken',
      scope: 'owned_accounts_full',
      // A string in Netspend's own example, one second short of the 24 h lifetime.
      expires_in: String(issued.ttlSeconds - 1),
    });
  });

  // ---- sessions -------------------------------------------------------------------------------------------

  route('POST', '/sessions', 'token', (request, reply) => {
    const body = parseBody(createSessionSchema, request);
    const sourceType = body.source_type ?? 'anonymous';
    return reply.code(201).send(state.createSession(sourceType, body.source_id ?? null));
  });
  route('GET', '/sessions/:session_id', 'session', (request) => state.getSession(param(request, 'session_id')));
  route('PATCH', '/sessions/:session_id', 'session', (request) => {
    const body = parseBody(patchSessionSchema, request);
    return state.patchSession(param(request, 'session_id'), body.source_type, body.source_id);
  });

  // ---- accounts -------------------------------------------------------------------------------------------

  route('POST', '/accounts', 'session', (request, reply) => {
    const body = parseBody(createAccountSchema, request);
    return reply.code(201).send(state.createAccount(body.provided_id, header(request, 'ns-session-id')));
  });
  route('GET', '/accounts/:account_id', 'session', (request) => state.getAccount(param(request, 'account_id')));
  route('POST', '/accounts/:account_id/close', 'session', (request) => {
    const body = parseBody(closeRequestSchema, request);
    return state.closeAccount(param(request, 'account_id'), body.reason);
  });
  route('GET', '/accounts/:account_id/cards', 'session', (request) => ({
    cards: state.listAccountCards(param(request, 'account_id')),
  }));
  route('GET', '/accounts/:account_id/workflows/:workflow_name', 'session', (request) =>
    state.workflow(param(request, 'account_id'), param(request, 'workflow_name')),
  );

  // ---- people and KYC -------------------------------------------------------------------------------------

  route('POST', '/people', 'session', (request, reply) => {
    const body = parseBody(createPersonSchema, request);
    const person = state.createPerson({
      first_name: body.first_name,
      middle_name: body.middle_name,
      last_name: body.last_name,
      account_id: body.identity_context.account_id,
      relationship: body.identity_context.relationship,
      personal: body.encrypted_data ?? {},
    });
    return reply.code(201).send(person);
  });
  route('GET', '/people/:person_id', 'session', (request) => state.getPerson(param(request, 'person_id')));
  route('PATCH', '/people/:person_id', 'session', (request) => {
    const body = parseBody(patchPersonSchema, request);
    return state.patchPerson(param(request, 'person_id'), {
      first_name: body.first_name,
      middle_name: body.middle_name,
      last_name: body.last_name,
      personal: body.encrypted_data,
    });
  });
  route('GET', '/people/:person_id/kyc/identity_questions', 'session', (request) =>
    state.identityQuestions(param(request, 'person_id')),
  );
  route('PUT', '/people/:person_id/kyc/identity_questions', 'session', (request) => {
    const body = parseBody(answersRequestSchema, request);
    return state.answerIdentityQuestions(param(request, 'person_id'), body.answers);
  });
  route('GET', '/people/:person_id/kyc/identity_scan', 'session', (request) =>
    state.identityScan(param(request, 'person_id')),
  );
  route('GET', '/people/:person_id/document_requests', 'session', (request) =>
    state.documentRequests(param(request, 'person_id')),
  );
  route('POST', '/document_requests/:document_request_id/documents', 'session', (request, reply) => {
    const body = parseBody(documentUploadSchema, request);
    const sizeBytes = Buffer.from(body.content_base64, 'base64').length;
    return reply
      .code(201)
      .send(state.uploadDocument(param(request, 'document_request_id'), body.document_type, sizeBytes));
  });

  // ---- agreements -----------------------------------------------------------------------------------------

  route('POST', '/agreements/search', 'session', (request) => {
    const body = parseBody(agreementSearchSchema, request);
    return state.searchAgreements(body.provided_id);
  });
  route('GET', '/agreements/:agreement_id', 'session', (request) => state.getAgreement(param(request, 'agreement_id')));
  route('GET', '/people/:person_id/agreements', 'session', (request) =>
    state.personAgreements(param(request, 'person_id')),
  );
  route('PUT', '/people/:person_id/agreements/:agreement_id', 'session', (request) => {
    parseBody(acceptAgreementSchema, request);
    return state.acceptAgreement(param(request, 'person_id'), param(request, 'agreement_id'));
  });

  // ---- expected use (DDA only) ----------------------------------------------------------------------------

  route('GET', '/people/:person_id/expected_use', 'session', (request) =>
    state.expectedUse(param(request, 'person_id')),
  );
  route('PUT', '/people/:person_id/expected_use', 'session', (request) => {
    const body = parseBody(answersRequestSchema, request);
    return state.answerExpectedUse(param(request, 'person_id'), body.answers);
  });

  // ---- cards ----------------------------------------------------------------------------------------------

  route('POST', '/cards/brands/search', 'session', (request) => {
    const body = parseBody(brandSearchSchema, request);
    return state.brands(body.person_id);
  });
  route('POST', '/cards/physical', 'session', (request, reply) => {
    const body = parseBody(physicalCardSchema, request);
    return reply.code(201).send(state.orderCard('physical', body));
  });
  for (const cardType of ['virtual', 'digital'] as const) {
    route('POST', `/cards/${cardType}`, 'session', (request, reply) => {
      const body = parseBody(nonPhysicalCardSchema, request);
      return reply.code(201).send(state.orderCard(cardType, body));
    });
  }
  route('GET', '/cards/:card_id', 'session', (request) => state.getCard(param(request, 'card_id')));
  route('PUT', '/cards/:card_id/pin', 'session', (request) => {
    const body = parseBody(setPinSchema, request);
    return state.setPin(param(request, 'card_id'), body.pin);
  });
  route('POST', '/cards/:card_id/close', 'session', (request) => {
    const body = parseBody(closeRequestSchema, request);
    return state.closeCard(param(request, 'card_id'), body.reason);
  });
}

/** Documented-as-ours test controls under `/_sandbox/netspend` (never faulted, no token needed). */
export function registerControls(app: FastifyInstance, ctx: SandboxContext): void {
  const runtime = runtimeFor(ctx);
  const { state, tokens } = runtime;
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof NetspendApiError) return reply.code(error.status).send(error.toBody());
    return reply.code(500).send({ error_code: 'internal_error', message: (error as Error).message });
  });

  // A reviewer's decision at Netspend: sets kyc_status / ofac_status and fires person.kyc.identity_scan.modified.
  app.post('/people/:person_id/kyc', async (request) => {
    const body = parseBody(kycControlSchema, request);
    return state.forceKyc(param(request, 'person_id'), body.kyc_status, body.ofac_status);
  });

  // The customer finished Netspend's identity scan (in its SDK): Netspend's decision, as the webhook announces it.
  app.post('/people/:person_id/identity_scan', async (request) => {
    const body = parseBody(identityScanControlSchema, request);
    return state.completeIdentityScan(param(request, 'person_id'), body.outcome);
  });

  // The simulator's settings; a changed activation delay applies to accounts that qualify from now on.
  app.get('/settings', async () => runtime.settings);
  app.put('/settings', async (request) => {
    const body = parseBody(settingsControlSchema, request);
    runtime.settings = { ...runtime.settings, ...body };
    return runtime.settings;
  });

  // Accounts that met every requirement and await activation, with when each is due.
  app.get('/activations', async () => ({ pending: state.listPendingActivations() }));
  // Netspend finishes one of them now (and fires account.created), whatever the delay said.
  app.post('/accounts/:account_id/activate', async (request) => state.activatePendingNow(param(request, 'account_id')));

  // Expires every access token now, so a client's refresh path can be exercised against a running sandbox.
  app.post('/tokens/expire', async () => ({ expired: tokens.expireAll() }));
}
