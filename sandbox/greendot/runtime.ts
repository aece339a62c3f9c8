/**
 * One Green Dot simulator per sandbox: settings (env at start and on reset, changed by the control), tokens,
 * idempotency, state, adjustments, the outbox and its delivery. Timers never outlive the sandbox.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SandboxContext } from '../core/context.js';
import { Adjustments } from './adjustments.js';
import { IdempotencyStore } from './idempotency.js';
import { Outbox } from './outbox.js';
import { GreenDotState } from './state.js';
import { GreenDotDelivery } from './webhooks.js';
import { createTaskScheduler } from '../core/timers.js';

export const PROVIDER = 'greendot';

export interface GreenDotSettings {
  /** `null`: no automatic review decision, only the control decides. */
  reviewDelayMs: number | null;
  cardIssueDelayMs: number;
  transactionPostDelayMs: number;
  enrollmentProcessingMs: number;
  webhookRetries: boolean;
  webhookAuth: 'token' | 'apikey';
}

type Env = Readonly<Record<string, string | undefined>>;

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got ${raw}`);
  return value;
}

export function settingsFromEnv(env: Env): GreenDotSettings {
  const review = env.SANDBOX_GREENDOT_REVIEW_DELAY_MS;
  return {
    reviewDelayMs:
      review?.toLowerCase() === 'off' ? null : nonNegativeInt(env, 'SANDBOX_GREENDOT_REVIEW_DELAY_MS', 2000),
    cardIssueDelayMs: nonNegativeInt(env, 'SANDBOX_GREENDOT_CARD_ISSUE_DELAY_MS', 0),
    transactionPostDelayMs: nonNegativeInt(env, 'SANDBOX_GREENDOT_TRANSACTION_POST_DELAY_MS', 1000),
    enrollmentProcessingMs: nonNegativeInt(env, 'SANDBOX_GREENDOT_ENROLLMENT_PROCESSING_MS', 0),
    webhookRetries: oneOf(env, 'SANDBOX_GREENDOT_WEBHOOK_RETRIES', ['on', 'off'], 'off') === 'on',
    webhookAuth: oneOf(env, 'SANDBOX_GREENDOT_WEBHOOK_AUTH', ['token', 'apikey'], 'token'),
  };
}

/** Opaque access tokens judged by the sandbox clock (24 h by default [doc]). */
export class AccessTokens {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly clock: () => Date,
    readonly ttlSeconds: number,
  ) {}

  issue(): { token: string; fingerprint: string } {
    const token = randomBytes(24).toString('base64url');
    this.expiries.set(token, this.clock().getTime() + this.ttlSeconds * 1000);
    return { token, fingerprint: createHash('sha256').update(token).digest('hex').slice(0, 16) };
  }

  check(token: string): 'valid' | 'expired' | 'unknown' {
    const expiresAt = this.expiries.get(token);
    if (expiresAt === undefined) return 'unknown';
    return this.clock().getTime() < expiresAt ? 'valid' : 'expired';
  }

  expireAll(): number {
    const now = this.clock().getTime();
    for (const token of this.expiries.keys()) this.expiries.set(token, now);
    return this.expiries.size;
  }

  clear(): void {
    this.expiries.clear();
  }
}

export interface GreenDotRuntime {
  programCode: string;
  clientId: string;
  clientSecret: string;
  settings: GreenDotSettings;
  tokens: AccessTokens;
  idempotency: IdempotencyStore;
  state: GreenDotState;
  adjustments: Adjustments;
  /** Waits `ms` (enrollment processing), cut short when the sandbox closes. */
  pause(ms: number): Promise<void>;
  shutdown(): void;
}

const runtimes = new WeakMap<SandboxContext, GreenDotRuntime>();

export function runtimeFor(ctx: SandboxContext): GreenDotRuntime {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const env = ctx.env;
  const programCode = env.SANDBOX_GREENDOT_PROGRAM_CODE || 'sandbox-program';
  const ttl = nonNegativeInt(env, 'SANDBOX_GREENDOT_TOKEN_TTL_SECONDS', 86_400);
  const tasks = createTaskScheduler();
  const schedule = tasks.schedule;
  const pauses = new Set<() => void>();
  const delivery = new GreenDotDelivery(
    ctx,
    PROVIDER,
    {
      tokenUrl: env.SANDBOX_GREENDOT_WEBHOOK_TOKEN_URL || undefined,
      clientId: env.SANDBOX_GREENDOT_WEBHOOK_CLIENT_ID || 'greendot-webhook-client',
      clientSecret: env.SANDBOX_GREENDOT_WEBHOOK_CLIENT_SECRET || 'greendot-webhook-secret',
      apiKey: env.SANDBOX_GREENDOT_WEBHOOK_API_KEY || 'greendot-sandbox-webhook-key',
      programCode,
    },
    () => runtime.settings,
  );
  const outbox = new Outbox(ctx.clock, (message) => {
    if (!tasks.closed) delivery.send(message);
  });
  const audit = (kind: string, id: string, data?: Record<string, unknown>): void =>
    void ctx.audit.record(PROVIDER, kind, id, data);
  const state = new GreenDotState({ now: ctx.clock, audit, outbox, schedule, settings: () => runtime.settings });
  const adjustments = new Adjustments(state, {
    now: ctx.clock,
    audit,
    outbox,
    schedule,
    postDelayMs: () => runtime.settings.transactionPostDelayMs,
  });
  const runtime: GreenDotRuntime = {
    programCode,
    clientId: env.SANDBOX_GREENDOT_CLIENT_ID || 'greendot-sandbox-client',
    clientSecret: env.SANDBOX_GREENDOT_CLIENT_SECRET || 'greendot-sandbox-secret',
    settings: settingsFromEnv(env),
    tokens: new AccessTokens(ctx.clock, ttl > 0 ? ttl : 86_400),
    idempotency: new IdempotencyStore(),
    state,
    adjustments,
    pause: (ms) =>
      new Promise<void>((resolve) => {
        if (ms <= 0 || tasks.closed) return resolve();
        const done = (): void => {
          pauses.delete(done);
          cancel();
          resolve();
        };
        const cancel = schedule(done, ms);
        pauses.add(done);
      }),
    shutdown: () => {
      for (const done of [...pauses]) done();
      tasks.close();
    },
  };
  runtimes.set(ctx, runtime);
  ctx.onReset(() => {
    state.reset();
    adjustments.reset();
    runtime.tokens.clear();
    runtime.idempotency.clear();
    delivery.reset();
    runtime.settings = settingsFromEnv(env);
  });
  return runtime;
}
