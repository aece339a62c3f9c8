/**
 * Linkcy partner API simulator ("Consumer creation as a partner"), mounted by the core under `/linkcy`, so the API
 * lives at `/linkcy/api/partner/...` (the real sandbox server is `https://api.sandbox.linkcy.cloud`).
 * What is documented and what we chose (ASSUMED) is in sandbox/README.md, section "Linkcy".
 *
 * Files: ./routes.ts (API), ./controls.ts (`/_sandbox/linkcy`), ./runtime.ts (wiring, Svix-signed webhooks),
 * ./model.ts (consumers, terms), ./verifications.ts (SMS code, email link), ./kyc.ts (hosted KYC), ./ledgers.ts,
 * ./auth.ts (JWT login/refresh), ./svix.ts (signing), ./hosted.ts (our hosted KYC and email pages), ./schemas.ts,
 * ./settings.ts (SANDBOX_LINKCY_*), ./views.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../core/context.js';
import { registerControlRoutes } from './controls.js';
import { linkcyFaultBody } from './errors.js';
import { registerApi } from './routes.js';
import { PROVIDER, runtimeFor } from './runtime.js';

export const name = PROVIDER;

export function faultBody(status: number): unknown {
  return linkcyFaultBody(status);
}

export function register(app: FastifyInstance, ctx: SandboxContext): void {
  const runtime = runtimeFor(ctx);
  // No KYC verification may fire (and send a webhook) once the sandbox is closing, nor keep the process alive.
  app.addHook('onClose', async () => runtime.shutdown());
  registerApi(app, runtime);
}

export function registerControls(app: FastifyInstance, ctx: SandboxContext): void {
  registerControlRoutes(app, runtimeFor(ctx));
}
