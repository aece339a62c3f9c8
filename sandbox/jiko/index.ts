/**
 * Jiko Partner API simulator (providers.md §4, seed "Onboarding Individuals"), mounted under `/jiko`:
 *
 *   POST /api/v1/login/                                       {username, password} → {token, expires, expires_in}
 *   GET  /api/v1/agreements/                                  Agreement {version, release_date, documents[]}
 *   POST /api/v1/applications/                                create (201) → application
 *   GET  /api/v1/applications/{id}/                           application
 *   POST /api/v1/applications/{id}/apply/                     CREATED|PENDING → SUBMITTED (200); else 409
 *   POST /api/v1/applications/{id}/documents/{TYPE}/file/     raw bytes → {success: true, document_id}
 *   GET  /api/v1/customers/{customer_id}/jiko-accounts        {offset, count, items, object_type: "List"}
 *   GET  /api/v1/events/types/, /api/v1/subscriptions/…       event types and subscriptions (subscriptions.ts)
 *   POST /api/v1/sandbox/webhook/                             {event_type, payload} → 202 {event_id}
 *   GET  /health                                              "OK" (no auth)
 *
 * Sandbox controls (ours), under `/_sandbox/jiko`: GET|PUT /settings, POST /agreements/bump,
 * POST /applications/{id}/decide {decision}, GET /applications/{id}, POST /tokens/expire.
 * Errors use FastAPI's envelope: `{"detail": "..."}` or, for validation, 422 `{"detail": [{loc, msg, type}]}`.
 * Every choice the documentation leaves open is listed in sandbox/README.md.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from '../core/context.js';
import {
  accountView,
  applicationView,
  decideOutcome,
  EXCEPTION_REASONS,
  jikoTimestamp,
  newApplication,
  newCustomer,
  remainingFlags,
  type DocumentFlags,
  type StoredApplication,
  type StoredCustomer,
} from './applications.js';
import { JikoSubscriptions } from './subscriptions.js';
import {
  bearerToken,
  createIdempotencyStore,
  createTokenStore,
  headerValue,
  sendReplay,
  sign,
  verifySignature,
} from './auth.js';
import {
  accountsQuerySchema,
  createApplicationSchema,
  DOCUMENT_TYPES,
  IMAGE_CONTENT_TYPES,
  issue,
  LARGE_DOCUMENT_LIMIT_BYTES,
  loginSchema,
  PDF_ALLOWED_TYPES,
  SMALL_DOCUMENT_LIMIT_BYTES,
  SMALL_DOCUMENT_TYPES,
  triggerWebhookSchema,
  uuidSchema,
  validationError,
  zodToFastApi,
  type DocumentType,
  type EventType,
  type ValidationIssue,
} from './schemas.js';

export const name = 'jiko';
const MOUNT_PREFIX = `/${name}`;

export interface JikoSettings {
  username: string;
  password: string;
  signingSecret: string;
  webhookSecret: string;
  tokenTtlSeconds: number;
  submittedDelayMs: number;
  agreementVersion: string;
  agreementReleaseDate: string;
  idempotencyWindowSeconds: number;
}

/** The sandbox reads its own env names; defaults match the engine's sandbox defaults in common/config.ts. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): JikoSettings {
  const int = (variable: string, fallback: number): number => {
    const raw = env[variable];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${variable} must be a non-negative integer, got ${raw}`);
    return value;
  };
  return {
    username: env.SANDBOX_JIKO_USERNAME ?? 'sandbox-partner',
    password: env.SANDBOX_JIKO_PASSWORD ?? 'sandbox-password',
    signingSecret: env.SANDBOX_JIKO_SIGNING_SECRET ?? 'jiko-sandbox-signing-secret',
    webhookSecret: env.SANDBOX_JIKO_WEBHOOK_SECRET ?? 'jiko-sandbox-webhook-secret',
    tokenTtlSeconds: int('SANDBOX_JIKO_TOKEN_TTL_SECONDS', 3600),
    submittedDelayMs: int('SANDBOX_JIKO_SUBMITTED_DELAY_MS', 1000),
    agreementVersion: env.SANDBOX_JIKO_AGREEMENT_VERSION ?? '1',
    agreementReleaseDate: env.SANDBOX_JIKO_AGREEMENT_RELEASE_DATE ?? '2023-12-01',
    idempotencyWindowSeconds: int('SANDBOX_JIKO_IDEMPOTENCY_WINDOW_SECONDS', 3600),
  };
}

const settingsPatchSchema = z
  .object({
    tokenTtlSeconds: z.number().int().min(0),
    submittedDelayMs: z.number().int().min(0),
    agreementVersion: z.string().min(1),
    agreementReleaseDate: z.iso.date(),
    idempotencyWindowSeconds: z.number().int().min(0),
  })
  .partial()
  .strict();

const decideSchema = z.object({ decision: z.enum(['APPROVED', 'REJECTED']) });

/** Routes reachable without a bearer token and signature. */
const PUBLIC_ROUTES = new Set(['/api/v1/login/', '/health', '/agreement-documents/:version/:file']);

interface JikoState {
  applications: Map<string, StoredApplication>;
  customers: Map<string, StoredCustomer>;
  timers: Set<NodeJS.Timeout>;
}

/** Injected 5xx/429 in Jiko's (FastAPI) envelope. */
export function faultBody(status: number): unknown {
  if (status === 429) return { detail: 'Too Many Requests' };
  if (status === 504) return { detail: 'Gateway Timeout' };
  if (status === 502) return { detail: 'Bad Gateway' };
  return { detail: 'Service Unavailable' };
}

// One simulator instance per sandbox: register() builds it, registerControls() reuses it.
const instances = new WeakMap<SandboxContext, JikoSimulator>();

export function register(app: FastifyInstance, ctx: SandboxContext): void {
  const simulator = new JikoSimulator(ctx);
  instances.set(ctx, simulator);
  simulator.registerApi(app);
}

export function registerControls(app: FastifyInstance, ctx: SandboxContext): void {
  const simulator = instances.get(ctx);
  if (!simulator) throw new Error('jiko: registerControls called before register');
  simulator.registerControls(app);
}

function detail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ detail: message });
}

function unprocessable(reply: FastifyReply, issues: ValidationIssue[]): FastifyReply {
  return reply.code(422).send(validationError(issues));
}

class JikoSimulator {
  private settings: JikoSettings;
  private readonly tokens;
  private readonly idempotency;
  /** Requests that opened an idempotency entry: only they may complete or abandon it. */
  private readonly idempotencyOwners = new WeakSet<FastifyRequest>();
  private readonly state: JikoState = {
    applications: new Map(),
    customers: new Map(),
    timers: new Set(),
  };
  private readonly subscriptions: JikoSubscriptions;

  constructor(private readonly ctx: SandboxContext) {
    this.settings = settingsFromEnv(ctx.env);
    this.tokens = createTokenStore(ctx.clock);
    this.idempotency = createIdempotencyStore(ctx.clock);
    this.subscriptions = new JikoSubscriptions(ctx, name);
    ctx.onReset(() => this.reset());
  }

  private reset(): void {
    for (const timer of this.state.timers) clearTimeout(timer);
    this.state.timers.clear();
    this.state.applications.clear();
    this.state.customers.clear();
    this.subscriptions.clear();
    this.tokens.clear();
    this.idempotency.clear();
    this.settings = settingsFromEnv(this.ctx.env);
  }

  registerApi(app: FastifyInstance): void {
    app.addHook('onClose', async () => {
      for (const timer of this.state.timers) clearTimeout(timer);
      this.state.timers.clear();
    });
    app.setErrorHandler((error: FastifyError, _request, reply) => {
      if (error.code === 'INVALID_JSON') {
        return unprocessable(reply, [issue(['body', 0], 'JSON decode error', 'json_invalid')]);
      }
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return detail(reply, 413, 'Request Entity Too Large');
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      return detail(reply, status, status >= 500 ? 'Internal Server Error' : error.message);
    });
    app.setNotFoundHandler((_request, reply) => detail(reply, 404, 'Not Found'));

    app.addHook('preHandler', (request, reply, done) => this.authenticate(request, reply, done));
    app.addHook('onSend', async (request, reply, payload) => {
      const key = idempotencyKeyOf(request);
      if (key && this.idempotencyOwners.has(request)) {
        const contentType = reply.getHeader('content-type');
        const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
        this.idempotency.complete(
          key,
          reply.statusCode,
          typeof contentType === 'string' ? contentType : undefined,
          body,
        );
      }
      return payload;
    });
    // A request that began an idempotency entry but never sent (aborted, crashed) must not block its key.
    app.addHook('onResponse', async (request) => {
      const key = idempotencyKeyOf(request);
      if (key && this.idempotencyOwners.has(request)) this.idempotency.abandon(key);
    });
    app.addHook('onRequestAbort', async (request) => {
      const key = idempotencyKeyOf(request);
      if (key && this.idempotencyOwners.has(request)) this.idempotency.abandon(key);
    });

    app.get('/health', async (_request, reply) => reply.type('text/plain').send('OK'));

    app.post('/api/v1/login/', async (request, reply) => {
      const parsed = loginSchema.safeParse(request.body);
      if (!parsed.success) return unprocessable(reply, zodToFastApi(parsed.error, 'body'));
      const { username, password } = parsed.data;
      if (username !== this.settings.username || password !== this.settings.password) {
        return detail(reply, 401, 'Invalid username or password');
      }
      const { token, expiresAt } = this.tokens.issue(this.settings.tokenTtlSeconds);
      return { token, expires: jikoTimestamp(expiresAt), expires_in: this.settings.tokenTtlSeconds };
    });

    app.get('/api/v1/agreements/', async (request) => this.agreementBundle(request));

    app.get('/agreement-documents/:version/:file', async (_request, reply) =>
      reply.type('application/pdf').send(Buffer.from('%PDF-1.4\n% Jiko sandbox agreement placeholder\n%%EOF\n')),
    );

    app.post('/api/v1/applications/', async (request, reply) => {
      const parsed = createApplicationSchema.safeParse(request.body);
      if (!parsed.success) return unprocessable(reply, zodToFastApi(parsed.error, 'body'));
      const body = parsed.data;
      const issues: ValidationIssue[] = [];
      if (!isAdult(body.date_of_birth, this.ctx.clock())) {
        issues.push(issue(['body', 'date_of_birth'], 'Value error, the applicant must be at least 18 years old'));
      }
      if (body.agreement_consent.version !== this.settings.agreementVersion) {
        issues.push(
          issue(
            ['body', 'agreement_consent', 'version'],
            `Value error, agreement version ${body.agreement_consent.version} is not the current version ${this.settings.agreementVersion}`,
          ),
        );
      }
      if (issues.length > 0) return unprocessable(reply, issues);
      const application = newApplication(body, this.ctx.clock());
      this.state.applications.set(application.id, application);
      this.ctx.audit.record(name, 'application', application.id, { status: application.status });
      return reply.code(201).send(applicationView(application));
    });

    app.get('/api/v1/applications/:application_id/', async (request, reply) => {
      const application = this.findApplication(request, reply);
      return application && applicationView(application);
    });

    app.post('/api/v1/applications/:application_id/apply/', async (request, reply) => {
      const application = this.findApplication(request, reply);
      if (!application) return reply;
      if (application.status !== 'CREATED' && application.status !== 'PENDING') {
        return detail(reply, 409, `Application cannot be submitted in status ${application.status}`);
      }
      application.documentsRound = application.status === 'PENDING';
      application.applyCount += 1;
      this.transition(application, 'SUBMITTED');
      this.scheduleDecision(application);
      return applicationView(application);
    });

    app.post('/api/v1/applications/:application_id/documents/:document_type/file/', async (request, reply) =>
      this.uploadDocument(request, reply),
    );

    app.get('/api/v1/customers/:customer_id/jiko-accounts', async (request, reply) => {
      const { customer_id: customerId } = request.params as { customer_id: string };
      if (!uuidSchema.safeParse(customerId).success) {
        return unprocessable(reply, [issue(['path', 'customer_id'], 'Input should be a valid UUID', 'uuid_parsing')]);
      }
      const query = accountsQuerySchema.safeParse(request.query);
      if (!query.success) return unprocessable(reply, zodToFastApi(query.error, 'query'));
      const customer = this.state.customers.get(customerId);
      if (!customer) return detail(reply, 404, 'Not found');
      const { offset, limit } = query.data;
      const items = customer.accounts.slice(offset, offset + limit).map(accountView);
      return { offset, count: customer.accounts.length, items, object_type: 'List' };
    });

    this.subscriptions.register(app);

    const triggerWebhook = async (request: FastifyRequest, reply: FastifyReply) => {
      const parsed = triggerWebhookSchema.safeParse(request.body);
      if (!parsed.success) return unprocessable(reply, zodToFastApi(parsed.error, 'body'));
      const eventId = this.emit(parsed.data.event_type, parsed.data.payload);
      return reply.code(202).send({ event_id: eventId });
    };
    app.post('/api/v1/sandbox/webhook/', triggerWebhook);
    app.post('/api/v1/sandbox/webhook', triggerWebhook);
  }

  registerControls(app: FastifyInstance): void {
    app.get('/settings', async () => this.publicSettings());

    app.put('/settings', async (request, reply) => {
      const parsed = settingsPatchSchema.safeParse(request.body ?? {});
      if (!parsed.success) return reply.code(422).send({ detail: zodToFastApi(parsed.error, 'body') });
      this.settings = { ...this.settings, ...parsed.data };
      return this.publicSettings();
    });

    app.post('/agreements/bump', async () => {
      const current = Number(this.settings.agreementVersion);
      const next = Number.isInteger(current) ? String(current + 1) : `${this.settings.agreementVersion}.1`;
      this.settings = {
        ...this.settings,
        agreementVersion: next,
        agreementReleaseDate: this.ctx.clock().toISOString().slice(0, 10),
      };
      return this.publicSettings();
    });

    app.post('/tokens/expire', async () => {
      this.tokens.expireAll();
      return { expired: true };
    });

    app.get('/applications/:application_id', async (request, reply) => {
      const { application_id: id } = request.params as { application_id: string };
      const application = this.state.applications.get(id);
      if (!application) return detail(reply, 404, 'Not found');
      return {
        ...applicationView(application),
        apply_count: application.applyCount,
        documents_round: application.documentsRound,
      };
    });

    app.post('/applications/:application_id/decide', async (request, reply) => {
      const { application_id: id } = request.params as { application_id: string };
      const application = this.state.applications.get(id);
      if (!application) return detail(reply, 404, 'Not found');
      const parsed = decideSchema.safeParse(request.body);
      if (!parsed.success) return reply.code(422).send({ detail: zodToFastApi(parsed.error, 'body') });
      if (application.status !== 'MANUAL_REVIEW') {
        return detail(reply, 409, `Only an application in MANUAL_REVIEW can be decided (status ${application.status})`);
      }
      this.conclude(application, parsed.data.decision, noFlags());
      return applicationView(application);
    });
  }

  private publicSettings(): Omit<JikoSettings, 'password' | 'signingSecret' | 'webhookSecret'> {
    const { password: _p, signingSecret: _s, webhookSecret: _w, ...visible } = this.settings;
    return visible;
  }

  private authenticate(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    const route = request.routeOptions.url;
    if (route === undefined || PUBLIC_ROUTES.has(route.slice(MOUNT_PREFIX.length))) return done();
    const tokenState = this.tokens.check(bearerToken(request));
    if (tokenState !== 'ok') {
      const message =
        tokenState === 'missing' ? 'Not authenticated' : tokenState === 'expired' ? 'Token expired' : 'Invalid token';
      reply.code(401).header('www-authenticate', 'Bearer').send({ detail: message });
      return;
    }
    const signature = verifySignature(this.settings.signingSecret, request, MOUNT_PREFIX);
    if (!signature.ok) {
      reply.code(401).send({ detail: signature.reason });
      return;
    }
    if (!isMutating(request)) return done();
    const key = idempotencyKeyOf(request);
    if (!key) {
      reply.code(422).send(validationError([issue(['header', 'x-jiko-idempotency'], 'Field required', 'missing')]));
      return;
    }
    const decision = this.idempotency.begin(key, request, this.settings.idempotencyWindowSeconds);
    if (decision.kind === 'conflict') {
      reply.code(409).send({ detail: decision.reason });
      return;
    }
    if (decision.kind === 'replay') {
      sendReplay(reply, decision.response);
      return;
    }
    this.idempotencyOwners.add(request);
    done();
  }

  private agreementBundle(request: FastifyRequest): Record<string, unknown> {
    const origin = `${request.protocol}://${request.host}${MOUNT_PREFIX}`;
    const version = this.settings.agreementVersion;
    const document = (title: string, type: string, category: string) => ({
      title,
      pdf_download_url: `${origin}/agreement-documents/${encodeURIComponent(version)}/${type.toLowerCase()}.pdf`,
      type,
      category,
    });
    return {
      version,
      release_date: this.settings.agreementReleaseDate,
      documents: [
        document('Terms of Use', 'TERMS_OF_USE', 'GENERAL'),
        document('Privacy Policy', 'PRIVACY_POLICY', 'GENERAL'),
        document('Electronic Communications Disclosure and Consent', 'ELECTRONIC_COMMUNICATIONS', 'E-SIGN'),
        document('Bank Account Agreement', 'BANK_ACCOUNT', 'BANK'),
        document('Regulation E Disclosure', 'REGULATION_E', 'BANK'),
        document('Brokerage Account Agreement', 'BROKERAGE', 'BROKERAGE'),
        document('Form CRS', 'FORM_CRS', 'BROKERAGE'),
      ],
    };
  }

  private findApplication(request: FastifyRequest, reply: FastifyReply): StoredApplication | undefined {
    const { application_id: id } = request.params as { application_id: string };
    if (!uuidSchema.safeParse(id).success) {
      unprocessable(reply, [issue(['path', 'application_id'], 'Input should be a valid UUID', 'uuid_parsing')]);
      return undefined;
    }
    const application = this.state.applications.get(id);
    if (!application) {
      detail(reply, 404, 'Not found');
      return undefined;
    }
    return application;
  }

  private uploadDocument(request: FastifyRequest, reply: FastifyReply): FastifyReply | Record<string, unknown> {
    const { document_type: rawType } = request.params as { document_type: string };
    if (!(DOCUMENT_TYPES as readonly string[]).includes(rawType)) {
      return unprocessable(reply, [
        issue(['path', 'document_type'], `Input should be ${DOCUMENT_TYPES.map((t) => `'${t}'`).join(', ')}`, 'enum'),
      ]);
    }
    const type = rawType as DocumentType;
    const application = this.findApplication(request, reply);
    if (!application) return reply;

    const contentType = (headerValue(request, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const allowed: string[] = [
      ...IMAGE_CONTENT_TYPES,
      ...(PDF_ALLOWED_TYPES.includes(type) ? ['application/pdf'] : []),
    ];
    if (!allowed.includes(contentType)) {
      return unprocessable(reply, [
        issue(
          ['header', 'content-type'],
          `Content type must be one of ${allowed.join(', ')} for ${type}`,
          'value_error',
        ),
      ]);
    }
    const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (bytes.length === 0) {
      return unprocessable(reply, [issue(['body'], 'The file is empty', 'value_error')]);
    }
    const limit = SMALL_DOCUMENT_TYPES.includes(type) ? SMALL_DOCUMENT_LIMIT_BYTES : LARGE_DOCUMENT_LIMIT_BYTES;
    if (bytes.length > limit) {
      return detail(reply, 413, `File too large: ${type} documents must be under ${limit / (1024 * 1024)} MB`);
    }

    const now = this.ctx.clock();
    const documentId = randomUUID();
    application.documents.push({
      id: documentId,
      type,
      contentType,
      sizeBytes: bytes.length,
      uploadedAt: jikoTimestamp(now),
      countsForFlags: application.status === 'DOCUMENTS_NEEDED',
      status: 'PENDING_REVIEW',
    });
    application.updatedAt = jikoTimestamp(now);
    this.ctx.audit.record(name, 'document', documentId, {
      applicationId: application.id,
      type,
      sizeBytes: bytes.length,
    });

    if (application.status === 'DOCUMENTS_NEEDED') {
      application.flags = remainingFlags(application);
      application.exceptionReasons = exceptionReasonsFor(application.flags);
      if (!application.flags.id && !application.flags.identificationNumber && !application.flags.address) {
        this.transition(application, 'PENDING');
      }
    }
    return { success: true, document_id: documentId };
  }

  private scheduleDecision(application: StoredApplication): void {
    const timer = setTimeout(() => {
      this.state.timers.delete(timer);
      if (application.status !== 'SUBMITTED' || this.state.applications.get(application.id) !== application) return;
      const { outcome, flags } = decideOutcome(application);
      this.conclude(application, outcome, flags);
    }, this.settings.submittedDelayMs);
    this.state.timers.add(timer);
  }

  private conclude(
    application: StoredApplication,
    outcome: 'APPROVED' | 'REJECTED' | 'MANUAL_REVIEW' | 'DOCUMENTS_NEEDED',
    flags: DocumentFlags,
  ): void {
    application.flags = flags;
    application.exceptionReasons = exceptionReasonsFor(flags);
    if (outcome === 'APPROVED' && application.customerId === null) {
      const customer = newCustomer(application.id, this.ctx.clock());
      this.state.customers.set(customer.id, customer);
      application.customerId = customer.id;
      this.ctx.audit.record(name, 'customer', customer.id, { applicationId: application.id });
      for (const account of customer.accounts) {
        this.ctx.audit.record(name, 'account', account.id, { customerId: customer.id });
      }
    }
    this.transition(application, outcome);
    const eventType: EventType = {
      APPROVED: 'application.approved',
      REJECTED: 'application.rejected',
      MANUAL_REVIEW: 'application.manual_review',
      DOCUMENTS_NEEDED: 'application.documents_needed',
    }[outcome] as EventType;
    this.emit(eventType, { application_id: application.id });
  }

  private transition(application: StoredApplication, status: StoredApplication['status']): void {
    const from = application.status;
    application.status = status;
    application.updatedAt = jikoTimestamp(this.ctx.clock());
    this.ctx.audit.record(name, 'status', application.id, { from, to: status });
  }

  /**
   * Delivers one event to every subscription created through the API for that event type (signed with its shared
   * secret) or, while there is none, to the configured partner endpoint (signed with the webhook secret).
   */
  private emit(eventType: EventType, payload: Record<string, unknown>): string {
    const eventId = randomUUID();
    const body = JSON.stringify({
      event_id: eventId,
      timestamp: jikoTimestamp(this.ctx.clock()),
      event_type: eventType,
      payload,
    });
    // The configured target stands for the subscription Jiko set up out of band; once the partner manages its own
    // subscriptions through the API, only those receive events (else each event would arrive twice).
    const targets: { url?: string; secret: string }[] =
      this.subscriptions.size === 0 ? [{ secret: this.settings.webhookSecret }] : [];
    for (const subscription of this.subscriptions.listening(eventType)) {
      targets.push({ url: subscription.url, secret: subscription.sharedSecret });
    }
    for (const target of targets) {
      const signature = webhookSignature(target.secret, body);
      this.ctx.webhooks.send({
        provider: name,
        ...(target.url ? { url: target.url } : {}),
        body,
        headers: () => ({ 'x-jiko-signature': signature }),
        eventId,
        eventType,
      });
    }
    this.ctx.audit.record(name, 'event', eventId, { eventType, ...payload });
    return eventId;
  }
}

/** base64 HMAC-SHA256 of the raw body (no idempotency key or path on deliveries). */
export function webhookSignature(secret: string, body: string): string {
  return sign(secret, '', '', Buffer.from(body, 'utf8'));
}

function noFlags(): DocumentFlags {
  return { id: false, identificationNumber: false, address: false };
}

function exceptionReasonsFor(flags: DocumentFlags): string[] {
  return (Object.keys(flags) as (keyof DocumentFlags)[])
    .filter((key) => flags[key])
    .map((key) => EXCEPTION_REASONS[key]);
}

function isMutating(request: FastifyRequest): boolean {
  return request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
}

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = headerValue(request, 'x-jiko-idempotency');
  return key && key.length > 0 ? key : undefined;
}

function isAdult(dateOfBirth: string, now: Date): boolean {
  const [year, month, day] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const eighteenth = Date.UTC(year + 18, month - 1, day);
  return eighteenth <= now.getTime();
}
