/**
 * Our sandbox controls for Linkcy, mounted by the core under `/_sandbox/linkcy` (no token, never faulted): they
 * play the customer (opening and finishing the hosted KYC page, clicking the email link), Linkcy's reviewers
 * (deciding a KYC under review) and Linkcy itself (publishing new terms), and expose the outbox of messages
 * "sent". Documented in sandbox/README.md, "Linkcy" → "Sandbox controls".
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorBody, LinkcyApiError } from './errors.js';
import { registerHostedPages } from './hosted.js';
import { parse } from './routes.js';
import type { LinkcyRuntime } from './runtime.js';
import { settingsSchema } from './settings.js';
import { consumerView, kycView } from './views.js';

const outcomeSchema = z.enum(['approved', 'rejected', 'review', 'abandon']);
const completeSchema = z.object({ outcome: outcomeSchema.optional() }).strict();
const presetSchema = z.object({ outcome: outcomeSchema.nullable() }).strict();
const decideSchema = z.object({ status: z.enum(['VALIDATED', 'DECLINED']) }).strict();
const publishSchema = z.object({ version: z.string().min(1).max(20).optional() }).strict();
const outboxQuery = z.object({ consumerId: z.string().optional(), channel: z.enum(['SMS', 'EMAIL']).optional() });

const param = (request: FastifyRequest, key: string): string =>
  (request.params as Record<string, string | undefined>)[key] ?? '';

export function registerControlRoutes(app: FastifyInstance, runtime: LinkcyRuntime): void {
  const { store, kyc, verifications, tokens } = runtime;
  const now = () => store.deps.now();
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof LinkcyApiError) return reply.code(error.status).send(error.toBody(now()));
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status < 500) {
      const invalidJson = (error as { code?: string }).code === 'INVALID_JSON';
      return reply
        .code(400)
        .send(errorBody(400, invalidJson ? 'INVALID_JSON' : 'INVALID_REQUEST', 'The request could not be read', now()));
    }
    return reply.code(500).send(errorBody(500, 'INTERNAL_ERROR', 'Unexpected sandbox error', now()));
  });

  app.get('/settings', async () => runtime.settings);
  app.put('/settings', async (request) => {
    runtime.settings = { ...runtime.settings, ...parse(settingsSchema.partial(), request.body) };
    return runtime.settings;
  });

  // Every SMS and email "sent" (nothing leaves the sandbox), with the code or link the customer would receive.
  app.get('/outbox', async (request) => {
    const query = parse(outboxQuery, request.query);
    return {
      messages: store.outbox.filter(
        (m) =>
          (query.consumerId === undefined || m.consumerId === query.consumerId) &&
          (query.channel === undefined || m.channel === query.channel),
      ),
    };
  });

  // The consumer as the API shows it, plus the code's bookkeeping (never the code) and the KYC ids.
  app.get('/consumers/:consumerId', async (request) => {
    const consumer = store.consumer(param(request, 'consumerId'));
    const code = consumer.phoneCode;
    const hourAgo = store.deps.now().getTime() - 3600_000;
    return {
      ...consumerView(consumer, kyc.latest(consumer)),
      otp: {
        sent: code !== null,
        attemptsLeft: code?.attemptsLeft ?? null,
        expiresAt: code ? new Date(code.expiresAt).toISOString() : null,
        sendsInLastHour: consumer.phoneCodeSends.filter((at) => at > hourAgo).length,
      },
      kycIds: [...consumer.kycIds],
      kycOutcome: consumer.kycOutcome,
    };
  });

  // What this consumer's next KYC verifications give (null: by the phone number's last digits).
  app.put('/consumers/:consumerId/kyc-outcome', async (request) => {
    const consumer = store.consumer(param(request, 'consumerId'));
    consumer.kycOutcome = parse(presetSchema, request.body).outcome;
    return { consumerId: consumer.id, kycOutcome: consumer.kycOutcome };
  });

  app.post('/kyc/:kycId/open', async (request) => kycView(kyc.open(param(request, 'kycId'))));
  app.post('/kyc/:kycId/complete', async (request) => {
    const body = parse(completeSchema, request.body);
    return kycView(kyc.complete(param(request, 'kycId'), body.outcome));
  });
  app.post('/kyc/:kycId/decide', async (request) =>
    kycView(kyc.decide(param(request, 'kycId'), parse(decideSchema, request.body).status)),
  );
  app.post('/kyc/:kycId/expire', async (request) => kycView(kyc.expire(param(request, 'kycId'))));

  app.post('/email/:consumerId/confirm', async (request) => {
    const consumer = store.consumer(param(request, 'consumerId'));
    verifications.confirmEmail(consumer);
    return consumerView(consumer, kyc.latest(consumer));
  });

  app.post('/terms/publish', async (request) => store.publishTerms(parse(publishSchema, request.body).version));

  app.post('/tokens/expire', async () => ({ expired: tokens.expireAll() }));

  registerHostedPages(app, kyc, verifications);
}
