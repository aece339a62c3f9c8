/**
 * One Fastify app serving every provider simulator, plus the `/_sandbox` control API.
 *
 *   createSandbox(options?) => Promise<Sandbox>          built and ready, not listening (use app.inject or listen)
 *   startSandbox({ host?, port?, ...options }) => Promise<Sandbox & { url }>   listening; port 0 = any free port
 *   Sandbox = { app: FastifyInstance; ctx: SandboxContext; providers: string[]; close(): Promise<void> }
 *
 * Options: faults (else env SANDBOX_FAULTS), webhookTargets (else env SANDBOX_WEBHOOK_URL_<PROVIDER>),
 * webhookDefaults (retry schedule), clock, env (default process.env), providers (default ./providers.ts), logger.
 *
 * Each provider is mounted under `/<name>` with its fault hooks scoped to its own routes; its optional controls
 * under `/_sandbox/<name>`. Bodies: JSON and form bodies are parsed and their bytes kept in `request.rawBody`;
 * any other content type (images, PDFs, octet-stream…) arrives as a Buffer (also in `request.rawBody`).
 *
 * Control API (never faulted):
 *   GET    /_sandbox/health                      "OK"
 *   GET    /_sandbox                             providers, faults, webhook targets
 *   GET    /_sandbox/faults                      all fault configs
 *   GET    /_sandbox/faults/:provider            {config, stats}
 *   PUT    /_sandbox/faults/:provider            replace the config (body: FaultConfig)
 *   PATCH  /_sandbox/faults/:provider            merge into the config
 *   DELETE /_sandbox/faults/:provider            no faults
 *   GET    /_sandbox/webhooks?provider=&eventId= deliveries with their attempts
 *   POST   /_sandbox/webhooks/flush              deliver everything pending now (skips backoff) and wait
 *   GET    /_sandbox/webhook-targets             {provider: url}
 *   PUT    /_sandbox/webhook-targets/:provider   {url}
 *   GET    /_sandbox/audit?provider=&kind=&id=   what was created
 *   POST   /_sandbox/reset                       clear all state; faults and targets back to their start values
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { z } from 'zod';
import { AuditLog } from './audit.js';
import type { SandboxContext, SandboxProvider } from './context.js';
import { defaultFaultBody, sandboxError } from './errors.js';
import { FaultRegistry, faultConfigSchema, parseFaultsEnv, type FaultConfigByProvider } from './faults.js';
import { providers as defaultProviders } from './providers.js';
import { WebhookSender, type WebhookDefaults } from './webhooks.js';

export type { SandboxContext, SandboxProvider } from './context.js';

export interface SandboxOptions {
  faults?: FaultConfigByProvider;
  webhookTargets?: Record<string, string>;
  webhookDefaults?: Partial<WebhookDefaults>;
  clock?: () => Date;
  env?: Record<string, string | undefined>;
  providers?: readonly SandboxProvider[];
  logger?: FastifyServerOptions['logger'];
}

export interface Sandbox {
  app: FastifyInstance;
  ctx: SandboxContext;
  providers: string[];
  close(): Promise<void>;
}

/** Large enough for Jiko's 50 MB documents, so the provider (not Fastify) answers "too large" in its own format. */
const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? (() => new Date());
  const providerList = options.providers ?? defaultProviders;
  const providerNames = providerList.map((p) => p.name);

  const faults = new FaultRegistry(options.faults ?? parseFaultsEnv(env.SANDBOX_FAULTS));
  const audit = new AuditLog(clock);
  const webhookDefaults: Partial<WebhookDefaults> = { ...webhookDefaultsFromEnv(env), ...options.webhookDefaults };
  const webhooks = new WebhookSender({
    faults,
    clock,
    env,
    targets: options.webhookTargets,
    defaults: webhookDefaults,
  });
  const resetCallbacks: (() => void)[] = [];
  const ctx: SandboxContext = {
    clock,
    env,
    audit,
    faults,
    webhooks,
    onReset: (callback) => resetCallbacks.push(callback),
  };

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    forceCloseConnections: true,
  });
  installBodyParsers(app);

  for (const provider of providerList) {
    const { onRequest, onSend } = faults.hooksFor(provider.name, provider.faultBody ?? defaultFaultBody);
    await app.register(
      async (scope) => {
        scope.addHook('onRequest', onRequest);
        await provider.register(scope, ctx);
        // Added last so it runs after the provider's own onSend hooks (e.g. Jiko storing idempotent responses):
        // a "lost response" is lost on the wire, after the provider recorded what it answered.
        scope.addHook('onSend', onSend);
      },
      { prefix: `/${provider.name}` },
    );
    if (provider.registerControls) {
      const registerControls = provider.registerControls.bind(provider);
      await app.register(async (scope) => registerControls(scope, ctx), { prefix: `/_sandbox/${provider.name}` });
    }
  }

  registerControlRoutes(app, ctx, providerNames, async () => {
    faults.reset();
    audit.clear();
    await webhooks.reset();
    for (const callback of resetCallbacks) callback();
  });

  await app.ready();

  let closed = false;
  return {
    app,
    ctx,
    providers: providerNames,
    async close() {
      if (closed) return;
      closed = true;
      faults.releaseHangs();
      // Providers' onClose hooks cancel their timers (e.g. pending activations) before the sender stops, so no
      // timer can queue a webhook after the sender is gone.
      await app.close();
      await webhooks.close();
    },
  };
}

export async function startSandbox(
  options: SandboxOptions & { host?: string; port?: number } = {},
): Promise<Sandbox & { url: string }> {
  const sandbox = await createSandbox(options);
  const host = options.host ?? '127.0.0.1';
  await sandbox.app.listen({ host, port: options.port ?? 4010 });
  const address = sandbox.app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { ...sandbox, url: `http://${shownHost}:${port}` };
}

function webhookDefaultsFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<WebhookDefaults> {
  const read = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
    return value;
  };
  const defaults: Partial<WebhookDefaults> = {};
  const maxAttempts = read('SANDBOX_WEBHOOK_MAX_ATTEMPTS');
  const backoffMs = read('SANDBOX_WEBHOOK_BACKOFF_MS');
  const maxBackoffMs = read('SANDBOX_WEBHOOK_MAX_BACKOFF_MS');
  const timeoutMs = read('SANDBOX_WEBHOOK_TIMEOUT_MS');
  if (maxAttempts !== undefined) defaults.maxAttempts = maxAttempts;
  if (backoffMs !== undefined) defaults.backoffMs = backoffMs;
  if (maxBackoffMs !== undefined) defaults.maxBackoffMs = maxBackoffMs;
  if (timeoutMs !== undefined) defaults.timeoutMs = timeoutMs;
  return defaults;
}

function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch (err) {
      const error = err as Error & { statusCode?: number; code?: string };
      error.statusCode = 400;
      error.code = 'INVALID_JSON';
      done(error, undefined);
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (request, body: Buffer, done) => {
      request.rawBody = body;
      done(null, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    },
  );
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    done(null, body);
  });
}

const providerParams = z.object({ provider: z.string() });
const targetBody = z.object({ url: z.url() });
const auditQuery = z.object({
  provider: z.string().optional(),
  kind: z.string().optional(),
  id: z.string().optional(),
});
const webhooksQuery = z.object({ provider: z.string().optional(), eventId: z.string().optional() });

function registerControlRoutes(
  app: FastifyInstance,
  ctx: SandboxContext,
  providerNames: string[],
  reset: () => Promise<void>,
): void {
  const knownProvider = (raw: unknown): string | undefined => {
    const parsed = providerParams.safeParse(raw);
    return parsed.success && providerNames.includes(parsed.data.provider) ? parsed.data.provider : undefined;
  };
  const unknownProvider = {
    statusCode: 404,
    body: sandboxError('unknown_provider', `known: ${providerNames.join(', ')}`),
  };

  app.get('/_sandbox/health', async (_request, reply) => reply.type('text/plain').send('OK'));

  app.get('/_sandbox', async () => ({
    providers: providerNames,
    faults: ctx.faults.all(),
    webhookTargets: ctx.webhooks.allTargets(providerNames),
  }));

  app.get('/_sandbox/faults', async () => ctx.faults.all());

  app.get('/_sandbox/faults/:provider', async (request, reply) => {
    const provider = knownProvider(request.params);
    if (!provider) return reply.code(unknownProvider.statusCode).send(unknownProvider.body);
    return { config: ctx.faults.get(provider), stats: ctx.faults.statsFor(provider) };
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/_sandbox/faults/:provider',
      handler: async (request, reply) => {
        const provider = knownProvider(request.params);
        if (!provider) return reply.code(unknownProvider.statusCode).send(unknownProvider.body);
        const parsed = faultConfigSchema.safeParse(request.body ?? {});
        if (!parsed.success) {
          return reply.code(422).send(sandboxError('invalid_fault_config', z.prettifyError(parsed.error)));
        }
        if (method === 'PUT') ctx.faults.set(provider, parsed.data);
        else ctx.faults.merge(provider, parsed.data);
        return { config: ctx.faults.get(provider) };
      },
    });
  }

  app.delete('/_sandbox/faults/:provider', async (request, reply) => {
    const provider = knownProvider(request.params);
    if (!provider) return reply.code(unknownProvider.statusCode).send(unknownProvider.body);
    ctx.faults.set(provider, {});
    return { config: {} };
  });

  app.get('/_sandbox/webhooks', async (request) => {
    const query = webhooksQuery.parse(request.query);
    return { items: ctx.webhooks.list(query) };
  });

  app.post('/_sandbox/webhooks/flush', async () => {
    await ctx.webhooks.flush();
    return { flushed: true };
  });

  app.get('/_sandbox/webhook-targets', async () => ctx.webhooks.allTargets(providerNames));

  app.put('/_sandbox/webhook-targets/:provider', async (request, reply) => {
    const provider = knownProvider(request.params);
    if (!provider) return reply.code(unknownProvider.statusCode).send(unknownProvider.body);
    const parsed = targetBody.safeParse(request.body);
    if (!parsed.success) return reply.code(422).send(sandboxError('invalid_target', z.prettifyError(parsed.error)));
    ctx.webhooks.setTarget(provider, parsed.data.url);
    return { provider, url: parsed.data.url };
  });

  app.get('/_sandbox/audit', async (request) => {
    const query = auditQuery.parse(request.query);
    return { items: ctx.audit.list(query) };
  });

  app.post('/_sandbox/reset', async () => {
    await reset();
    return { reset: true };
  });
}
