/**
 * Green Dot Embedded Finance ("Arc") BaaS API simulator, mounted by the core under `/greendot` (Green Dot's
 * `{BaasUrl}`). Documented behaviour and our ASSUMED choices: sandbox/README.md, section "Green Dot".
 *
 * Files: runtime.ts (settings from SANDBOX_GREENDOT_*, tokens, timers), http.ts (request id, auth, idempotency),
 * routes-accounts.ts / routes-money.ts (endpoints), enrollment.ts (validation codes, outcome by name), state.ts
 * and adjustments.ts (rules), outbox.ts + webhooks.ts (multi-event messages, partner token, opt-in retries),
 * controls.ts (`/_sandbox/greendot`).
 */
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../core/context.js';
import { detail, greenDotFaultBody, invalidField } from './errors.js';
import { registerAccountRoutes } from './routes-accounts.js';
import { registerMoneyRoutes } from './routes-money.js';
import { PROVIDER, runtimeFor } from './runtime.js';

export { registerControls } from './controls.js';

export const name = PROVIDER;

export function faultBody(status: number): unknown {
  return greenDotFaultBody(status);
}

export function register(app: FastifyInstance, ctx: SandboxContext): void {
  const runtime = runtimeFor(ctx);
  // No timer may fire (and send a webhook) once the sandbox is closing, nor keep the process alive.
  app.addHook('onClose', async () => runtime.shutdown());
  app.setErrorHandler((error, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Never echo the parser's message: Node's JSON errors quote the body, which may hold an SSN.
      const invalidJson = (error as { code?: string }).code === 'INVALID_JSON';
      return reply
        .code(400)
        .send({ responseDetails: [invalidField('(body)', invalidJson ? 'not valid JSON' : 'could not be read')] });
    }
    return reply.code(500).send({ responseDetails: [detail(0, 0, 'General Exception')] });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ responseDetails: [detail(0, 0, `No route ${request.method} ${request.url}`)] }),
  );
  registerAccountRoutes(app, ctx, runtime);
  registerMoneyRoutes(app, runtime);
}
