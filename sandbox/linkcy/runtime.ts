/**
 * One Linkcy simulator per sandbox context, shared by the API routes and the `/_sandbox/linkcy` controls: the store,
 * the KYC machine, verifications, ledgers, tokens, settings, and the Svix-signed webhook emitter.
 */
import type { SandboxContext } from '../core/context.js';
import { LinkcyTokens } from './auth.js';
import { KycMachine } from './kyc.js';
import { Ledgers } from './ledgers.js';
import { LinkcyStore, type LinkcyEventType } from './model.js';
import { credentialsFromEnv, settingsFromEnv, type LinkcyCredentials, type LinkcySettings } from './settings.js';
import { svixHeaders, svixMessageId } from './svix.js';
import { Verifications } from './verifications.js';
import { createTaskScheduler } from '../core/timers.js';

export const PROVIDER = 'linkcy';
/** Svix gives an endpoint 15 s to answer (docs.svix.com/retries). */
const SVIX_TIMEOUT_MS = 15_000;

export interface LinkcyRuntime {
  store: LinkcyStore;
  kyc: KycMachine;
  verifications: Verifications;
  ledgers: Ledgers;
  tokens: LinkcyTokens;
  credentials: LinkcyCredentials;
  settings: LinkcySettings;
  /** SANDBOX_LINKCY_PUBLIC_URL: the sandbox's address as a customer's browser reaches it (else the request's host). */
  publicUrl: string | undefined;
  /** Cancels every pending timer for good: the sandbox is closing. */
  shutdown(): void;
}

const runtimes = new WeakMap<SandboxContext, LinkcyRuntime>();

export function runtimeFor(ctx: SandboxContext): LinkcyRuntime {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const credentials = credentialsFromEnv(ctx.env);

  const emit = (type: LinkcyEventType, data: Record<string, unknown>): void => {
    const id = svixMessageId();
    const body = JSON.stringify({ type, timestamp: ctx.clock().toISOString(), data });
    ctx.webhooks.send({
      provider: PROVIDER,
      body,
      // Same svix-id on every attempt; Svix signs each attempt with that attempt's timestamp.
      headers: () => svixHeaders(credentials.webhookSecret, id, ctx.clock(), body),
      timeoutMs: SVIX_TIMEOUT_MS,
      eventId: id,
      eventType: type,
    });
  };

  const tasks = createTaskScheduler();
  const schedule = tasks.schedule;

  const store = new LinkcyStore({
    now: ctx.clock,
    audit: (kind, id, data) => void ctx.audit.record(PROVIDER, kind, id, data),
    emit,
    settings: () => runtime.settings,
    schedule,
    partnerName: credentials.partnerName,
    initialTermsVersion: credentials.termsVersion,
  });
  const runtime: LinkcyRuntime = {
    store,
    kyc: new KycMachine(store),
    verifications: new Verifications(store),
    ledgers: new Ledgers(store),
    tokens: new LinkcyTokens(ctx.clock, () => runtime.settings, credentials.partnerName),
    credentials,
    settings: settingsFromEnv(ctx.env),
    publicUrl: ctx.env.SANDBOX_LINKCY_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    shutdown: () => tasks.close(),
  };
  runtimes.set(ctx, runtime);
  ctx.onReset(() => {
    tasks.cancelPending();
    runtime.kyc.reset();
    runtime.ledgers.reset();
    runtime.tokens.reset();
    runtime.settings = settingsFromEnv(ctx.env);
    store.reset();
  });
  return runtime;
}
