/**
 * Our test controls under `/_sandbox/greendot` (Green Dot documents none): settings, the OFAC review decision,
 * processor failure, settling adjustments, token expiry, and a look at an account. Never faulted, no auth.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { SandboxContext } from '../core/context.js';
import { sandboxError } from '../core/errors.js';
import { GreenDotError } from './errors.js';
import { runtimeFor } from './runtime.js';
import { reviewDecisionSchema, settingsSchema } from './schemas.js';
import { accountView } from './view.js';

function parse<T extends z.ZodType>(schema: T, body: unknown, reply: FastifyReply): z.output<T> | undefined {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    field: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  void reply.code(400).send(sandboxError('invalid_request', 'The control body is invalid', details));
  return undefined;
}

/** Runs a control; a refusal by the rules becomes the core's envelope with the same status. */
function attempt(reply: FastifyReply, action: () => unknown): FastifyReply {
  try {
    return reply.send(action());
  } catch (error) {
    if (!(error instanceof GreenDotError)) throw error;
    const code = error.status === 404 ? 'not_found' : 'conflict';
    return reply.code(error.status === 404 ? 404 : 409).send(sandboxError(code, error.message));
  }
}

export function registerControls(app: FastifyInstance, ctx: SandboxContext): void {
  const runtime = runtimeFor(ctx);
  const { state, adjustments } = runtime;
  const id = (params: unknown, key: string): string => (params as Record<string, string>)[key] ?? '';

  app.get('/settings', async () => runtime.settings);
  app.put('/settings', async (request, reply) => {
    const body = parse(settingsSchema, request.body, reply);
    if (!body) return reply;
    runtime.settings = { ...runtime.settings, ...body };
    return runtime.settings;
  });

  app.post('/accounts/:accountIdentifier/ofac-review', async (request, reply) => {
    const body = parse(reviewDecisionSchema, request.body, reply);
    if (!body) return reply;
    return attempt(reply, () => ({
      account: accountView(state.decideReview(id(request.params, 'accountIdentifier'), body.decision)),
    }));
  });

  app.post('/accounts/:accountIdentifier/processor-failure', async (request, reply) =>
    attempt(reply, () => ({ account: accountView(state.failProcessor(id(request.params, 'accountIdentifier'))) })),
  );

  app.post('/adjustments/:adjustmentIdentifier/fail', async (request, reply) =>
    attempt(reply, () => adjustments.settleNow(id(request.params, 'adjustmentIdentifier'), 'failed')),
  );
  app.post('/adjustments/:adjustmentIdentifier/post', async (request, reply) =>
    attempt(reply, () => adjustments.settleNow(id(request.params, 'adjustmentIdentifier'), 'completed')),
  );

  app.post('/tokens/expire', async () => ({ expired: runtime.tokens.expireAll() }));

  app.get('/accounts/:accountIdentifier', async (request, reply) =>
    attempt(reply, () => {
      const account = state.get(id(request.params, 'accountIdentifier'));
      return {
        account: accountView(account),
        pendingCard: account.pendingCard !== null,
        pendingReview: account.pendingReview !== null,
        processorFails: account.processorFails,
      };
    }),
  );
}
