/**
 * What every provider simulator receives: the shared services of one sandbox process.
 *
 * A provider is a module exporting `name` and `register` (and optionally `registerControls`, `faultBody`):
 *
 *   export const name = 'jiko';
 *   export function register(app: FastifyInstance, ctx: SandboxContext): void | Promise<void>
 *     // mounted under `/<name>`; the provider's fault injection applies to these routes only
 *   export function registerControls(app: FastifyInstance, ctx: SandboxContext): void | Promise<void>
 *     // optional, mounted under `/_sandbox/<name>`; never faulted (documented-as-ours test controls)
 *   export function faultBody(status: number): unknown
 *     // optional: the provider's own error envelope for injected 5xx/429 (default `{error: 'sandbox_fault'}`)
 *
 * Providers keep their state in closures created by `register` and clear it in a `ctx.onReset` callback,
 * so `POST /_sandbox/reset` returns the whole sandbox to a blank slate.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from './audit.js';
import type { FaultRegistry } from './faults.js';
import type { WebhookSender } from './webhooks.js';

export interface SandboxContext {
  /** The sandbox's notion of now; tests pass a movable clock to expire tokens or idempotency windows. */
  clock: () => Date;
  /** The environment the sandbox was started with (providers read their own SANDBOX_<PROVIDER>_* names). */
  env: Readonly<Record<string, string | undefined>>;
  audit: AuditLog;
  faults: FaultRegistry;
  webhooks: WebhookSender;
  /** Called on `POST /_sandbox/reset`, after the core has cleared audit, webhooks and faults. */
  onReset(callback: () => void): void;
}

export interface SandboxProvider {
  /** Lowercase, url-safe: the route prefix, the fault key and the webhook target key. */
  name: string;
  register(app: FastifyInstance, ctx: SandboxContext): void | Promise<void>;
  registerControls?(app: FastifyInstance, ctx: SandboxContext): void | Promise<void>;
  faultBody?(status: number): unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes received (JSON, form and binary bodies): providers that sign requests verify these. */
    rawBody?: Buffer;
  }
}
