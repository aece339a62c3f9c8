/**
 * Per-provider fault injection.
 *
 * Config (all optional, per provider; rates are probabilities 0..1):
 *   latencyMs, latencyJitterMs        added before every provider request
 *   errorRate, errorStatus (503)      5xx instead of handling the request (nothing happens server-side)
 *   rateLimitRate, retryAfterSeconds  429 with `Retry-After`
 *   timeoutRate, timeoutMs (30000)    hang this long (past any sane client timeout), then 504
 *   lostResponseRate                  the request IS handled, but the client gets a 5xx (tests idempotency)
 *   webhookDropRate, webhookDuplicateRate, webhookDelayMs,
 *   webhookReorder, webhookReorderWindowMs (250)   applied by the WebhookSender
 *   seed                              makes the random draws reproducible
 *   failNextRequests, rateLimitNextRequests, timeoutNextRequests, loseNextResponses,
 *   dropNextWebhooks, duplicateNextWebhooks        exact counters, consumed before any rate is drawn
 *   pathPattern                       only requests whose URL path matches this regex are faulted
 *   loseNextResponsesTo               regexes on `METHOD /path`: the next request matching one loses its response
 *                                     (the entry is used up), whatever pathPattern says, before any other fault
 *
 * Set at start from env `SANDBOX_FAULTS` (JSON keyed by provider) or the `faults` option, and at run time with
 * `PUT /_sandbox/faults/:provider` (replaces) / `PATCH` (merges) / `GET`. Applied as an onRequest hook scoped to
 * the provider's own routes, never to `/_sandbox` control routes.
 */
import { z } from 'zod';
import type { FastifyReply, FastifyRequest, onRequestHookHandler, onSendHookHandler } from 'fastify';

const rate = z.number().min(0).max(1);
const count = z.number().int().min(0);
const millis = z.number().int().min(0);

const regexSource = z.string().refine(
  (pattern) => {
    try {
      new RegExp(pattern);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const faultConfigSchema = z
  .object({
    latencyMs: millis,
    latencyJitterMs: millis,
    errorRate: rate,
    errorStatus: z.number().int().min(500).max(599),
    rateLimitRate: rate,
    retryAfterSeconds: z.number().int().min(0),
    timeoutRate: rate,
    timeoutMs: millis,
    lostResponseRate: rate,
    webhookDropRate: rate,
    webhookDuplicateRate: rate,
    webhookDelayMs: millis,
    webhookReorder: z.boolean(),
    webhookReorderWindowMs: millis,
    seed: z.number().int(),
    failNextRequests: count,
    rateLimitNextRequests: count,
    timeoutNextRequests: count,
    loseNextResponses: count,
    dropNextWebhooks: count,
    duplicateNextWebhooks: count,
    pathPattern: regexSource,
    loseNextResponsesTo: z.array(regexSource),
  })
  .partial()
  .strict();

export type FaultConfig = z.infer<typeof faultConfigSchema>;
export type FaultConfigByProvider = Record<string, FaultConfig>;

export const faultConfigByProviderSchema = z.record(z.string(), faultConfigSchema);

export function parseFaultsEnv(raw: string | undefined): FaultConfigByProvider {
  if (!raw || raw.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`SANDBOX_FAULTS is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = faultConfigByProviderSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`SANDBOX_FAULTS is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Small seedable PRNG (mulberry32): reproducible fault sequences for tests. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RequestFault =
  | { kind: 'none' }
  | { kind: 'error'; status: number }
  | { kind: 'rateLimit'; retryAfterSeconds: number }
  | { kind: 'timeout'; hangMs: number }
  | { kind: 'loseResponse' };

export type WebhookFault = { drop: boolean; duplicate: boolean; delayMs: number; reorder: boolean; windowMs: number };

type CounterName =
  | 'failNextRequests'
  | 'rateLimitNextRequests'
  | 'timeoutNextRequests'
  | 'loseNextResponses'
  | 'dropNextWebhooks'
  | 'duplicateNextWebhooks';

export interface FaultStats {
  errors: number;
  rateLimited: number;
  timeouts: number;
  lostResponses: number;
  webhooksDropped: number;
  webhooksDuplicated: number;
}

const emptyStats = (): FaultStats => ({
  errors: 0,
  rateLimited: 0,
  timeouts: 0,
  lostResponses: 0,
  webhooksDropped: 0,
  webhooksDuplicated: 0,
});

export class FaultRegistry {
  private readonly configs = new Map<string, FaultConfig>();
  private readonly randoms = new Map<string, () => number>();
  private readonly stats = new Map<string, FaultStats>();
  private readonly hangs = new Set<() => void>();

  constructor(private readonly initial: FaultConfigByProvider = {}) {
    this.reset();
  }

  /** Back to the configuration the sandbox started with (env / options). */
  reset(): void {
    this.configs.clear();
    this.randoms.clear();
    this.stats.clear();
    for (const [provider, config] of Object.entries(this.initial)) this.set(provider, config);
  }

  get(provider: string): FaultConfig {
    return { ...(this.configs.get(provider) ?? {}) };
  }

  all(): FaultConfigByProvider {
    return Object.fromEntries([...this.configs.entries()].map(([k, v]) => [k, { ...v }]));
  }

  statsFor(provider: string): FaultStats {
    return { ...(this.stats.get(provider) ?? emptyStats()) };
  }

  set(provider: string, config: FaultConfig): void {
    this.configs.set(provider, { ...config });
    this.randoms.set(provider, config.seed === undefined ? Math.random : seededRandom(config.seed));
  }

  merge(provider: string, patch: FaultConfig): void {
    const merged = { ...this.get(provider), ...patch };
    this.configs.set(provider, merged);
    if (patch.seed !== undefined || !this.randoms.has(provider)) {
      this.randoms.set(provider, merged.seed === undefined ? Math.random : seededRandom(merged.seed));
    }
  }

  private bump(provider: string, key: keyof FaultStats): void {
    const stats = this.stats.get(provider) ?? emptyStats();
    stats[key] += 1;
    this.stats.set(provider, stats);
  }

  private draw(provider: string, probability: number | undefined): boolean {
    if (!probability) return false;
    const random = this.randoms.get(provider) ?? Math.random;
    return random() < probability;
  }

  private takeCounter(provider: string, name: CounterName): boolean {
    const config = this.configs.get(provider);
    const remaining = config?.[name] ?? 0;
    if (!config || remaining <= 0) return false;
    config[name] = remaining - 1;
    return true;
  }

  /** Uses up the first `loseNextResponsesTo` entry matching `route` (`METHOD /path`), if any. */
  private takeRouteLoss(config: FaultConfig, route: string): boolean {
    const patterns = config.loseNextResponsesTo;
    const index = patterns?.findIndex((pattern) => new RegExp(pattern).test(route)) ?? -1;
    if (!patterns || index < 0) return false;
    config.loseNextResponsesTo = patterns.filter((_, i) => i !== index);
    return true;
  }

  latencyFor(provider: string): number {
    const config = this.configs.get(provider);
    if (!config) return 0;
    const jitter = config.latencyJitterMs
      ? Math.floor((this.randoms.get(provider) ?? Math.random)() * config.latencyJitterMs)
      : 0;
    return (config.latencyMs ?? 0) + jitter;
  }

  /** Decides the fault for one request (consumes counters first, then draws the rates). */
  nextRequestFault(provider: string, path: string, method = 'GET'): RequestFault {
    const config = this.configs.get(provider);
    if (!config) return { kind: 'none' };
    if (this.takeRouteLoss(config, `${method.toUpperCase()} ${path}`)) return { kind: 'loseResponse' };
    if (config.pathPattern && !new RegExp(config.pathPattern).test(path)) return { kind: 'none' };
    const errorStatus = config.errorStatus ?? 503;
    const retryAfterSeconds = config.retryAfterSeconds ?? 1;
    const hangMs = config.timeoutMs ?? 30_000;
    if (this.takeCounter(provider, 'failNextRequests')) return { kind: 'error', status: errorStatus };
    if (this.takeCounter(provider, 'rateLimitNextRequests')) return { kind: 'rateLimit', retryAfterSeconds };
    if (this.takeCounter(provider, 'timeoutNextRequests')) return { kind: 'timeout', hangMs };
    if (this.takeCounter(provider, 'loseNextResponses')) return { kind: 'loseResponse' };
    if (this.draw(provider, config.errorRate)) return { kind: 'error', status: errorStatus };
    if (this.draw(provider, config.rateLimitRate)) return { kind: 'rateLimit', retryAfterSeconds };
    if (this.draw(provider, config.timeoutRate)) return { kind: 'timeout', hangMs };
    if (this.draw(provider, config.lostResponseRate)) return { kind: 'loseResponse' };
    return { kind: 'none' };
  }

  /** Decides what happens to one outbound webhook of this provider. */
  nextWebhookFault(provider: string): WebhookFault {
    const config = this.configs.get(provider) ?? {};
    const drop = this.takeCounter(provider, 'dropNextWebhooks') || this.draw(provider, config.webhookDropRate);
    const duplicate =
      !drop &&
      (this.takeCounter(provider, 'duplicateNextWebhooks') || this.draw(provider, config.webhookDuplicateRate));
    if (drop) this.bump(provider, 'webhooksDropped');
    if (duplicate) this.bump(provider, 'webhooksDuplicated');
    return {
      drop,
      duplicate,
      delayMs: config.webhookDelayMs ?? 0,
      reorder: config.webhookReorder ?? false,
      windowMs: config.webhookReorderWindowMs ?? 250,
    };
  }

  /**
   * Fastify hooks for one provider's routes. `faultBody` renders the provider's own error envelope.
   * The onSend hook implements "lost response": the handler ran, the client sees a 5xx.
   */
  hooksFor(
    provider: string,
    faultBody: (status: number) => unknown,
  ): { onRequest: onRequestHookHandler; onSend: onSendHookHandler } {
    const lostResponses = new WeakSet<FastifyRequest>();
    const onRequest: onRequestHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
      const latency = this.latencyFor(provider);
      if (latency > 0) await this.sleep(latency);
      const fault = this.nextRequestFault(provider, request.url.split('?')[0] ?? request.url, request.method);
      switch (fault.kind) {
        case 'none':
          return;
        case 'error':
          this.bump(provider, 'errors');
          return reply.code(fault.status).header('x-sandbox-fault', 'error').send(faultBody(fault.status));
        case 'rateLimit':
          this.bump(provider, 'rateLimited');
          return reply
            .code(429)
            .header('retry-after', String(fault.retryAfterSeconds))
            .header('x-sandbox-fault', 'rate-limit')
            .send(faultBody(429));
        case 'timeout':
          this.bump(provider, 'timeouts');
          await this.sleep(fault.hangMs);
          return reply.code(504).header('x-sandbox-fault', 'timeout').send(faultBody(504));
        case 'loseResponse':
          this.bump(provider, 'lostResponses');
          lostResponses.add(request);
          return;
      }
    };
    const onSend: onSendHookHandler = async (request, reply, payload) => {
      if (!lostResponses.has(request)) return payload;
      lostResponses.delete(request);
      reply.code(502).header('x-sandbox-fault', 'lost-response').type('application/json');
      return JSON.stringify(faultBody(502));
    };
    return { onRequest, onSend };
  }

  /** A sleep that `releaseHangs()` ends early, so closing the sandbox never waits for a simulated timeout. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.hangs.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.hangs.add(release);
    });
  }

  releaseHangs(): void {
    for (const release of [...this.hangs]) release();
  }
}
