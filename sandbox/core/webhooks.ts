/**
 * Outbound webhooks for every simulator: `ctx.webhooks.send({...})` posts in the background and redelivers.
 *
 *   send({ provider, body, headers: (attempt) => ({...}), url?, isDelivered?, shouldRetry?, onAttempt?,
 *          maxAttempts?, backoffMs?, maxBackoffMs?, timeoutMs?, eventId?, eventType? }) => WebhookDelivery
 *
 * - `body` is the exact string posted (providers sign it); `headers(attempt)` is called per attempt (1-based) so a
 *   provider can add e.g. a delivery counter. It may be async (e.g. fetch a token from the receiver first); if it
 *   throws, the attempt fails with that error and nothing is posted.
 * - `isDelivered(status, responseHeaders)` defaults to 2xx (Netspend needs exactly 200; a provider may also check
 *   a header the receiver must echo).
 * - Redelivery on a non-delivered status, a network error or a timeout, with exponential backoff
 *   (backoffMs · 2^(n-1), capped by maxBackoffMs) up to maxAttempts, unless `shouldRetry(attempt)` says no (e.g.
 *   retry only on 5xx and timeouts). `onAttempt(attempt)` sees every attempt once recorded. Redirects are never
 *   followed.
 * - The provider's webhook faults apply: drop, duplicate (a second delivery of the same body), delay, and reorder
 *   (hold deliveries for a window, then deliver the batch newest-first).
 * - Every delivery and attempt is recorded: `list({provider})`, served as `GET /_sandbox/webhooks?provider=`.
 * - Tests: `idle()` waits until nothing is pending; `flush()` also skips backoff and hold waits.
 * - Target: `url` if given, else per provider from the `webhookTargets` option, env
 *   `SANDBOX_WEBHOOK_URL_<PROVIDER>`, or `${SANDBOX_WEBHOOK_BASE_URL ?? 'http://127.0.0.1:3000'}/webhooks/<provider>`;
 *   `setTarget()` / `PUT /_sandbox/webhook-targets/:provider {url}` change it.
 */
import { randomUUID } from 'node:crypto';
import type { FaultRegistry } from './faults.js';

export interface WebhookSendRequest {
  provider: string;
  url?: string;
  body: string;
  headers: (attempt: number) => Record<string, string> | Promise<Record<string, string>>;
  isDelivered?: (status: number, responseHeaders: Headers) => boolean;
  /** Whether a failed attempt is worth another; default: always (until maxAttempts). */
  shouldRetry?: (attempt: WebhookAttempt) => boolean;
  /** Called with each attempt once recorded (e.g. to drop a cached token after a 401). */
  onAttempt?: (attempt: WebhookAttempt) => void;
  maxAttempts?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  /** Only for listing and tests: the provider's event id and type. */
  eventId?: string;
  eventType?: string;
}

export interface WebhookAttempt {
  attempt: number;
  at: string;
  url: string;
  status: number | null;
  error: string | null;
  delivered: boolean;
  durationMs: number;
}

export type WebhookDeliveryState =
  'held' | 'scheduled' | 'delivering' | 'delivered' | 'failed' | 'dropped' | 'cancelled';

export interface WebhookDelivery {
  id: string;
  provider: string;
  url: string;
  eventId: string | null;
  eventType: string | null;
  body: string;
  state: WebhookDeliveryState;
  createdAt: string;
  /** Set on the extra copy made by the duplicate fault. */
  duplicateOf: string | null;
  attempts: WebhookAttempt[];
}

export interface WebhookDefaults {
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookDefaults = {
  maxAttempts: 6,
  backoffMs: 1_000,
  maxBackoffMs: 60_000,
  timeoutMs: 10_000,
};

interface Pending {
  delivery: WebhookDelivery;
  request: WebhookSendRequest;
}

export class WebhookSender {
  private deliveries: WebhookDelivery[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly wakers = new Set<() => void>();
  private readonly held = new Map<string, { batch: Pending[] }>();
  private readonly targets = new Map<string, string>();
  private abort = new AbortController();
  private flushing = 0;
  private generation = 0;

  constructor(
    private readonly options: {
      faults: FaultRegistry;
      clock: () => Date;
      env: Readonly<Record<string, string | undefined>>;
      targets?: Record<string, string>;
      defaults?: Partial<WebhookDefaults>;
    },
  ) {
    this.resetTargets();
  }

  private get defaults(): WebhookDefaults {
    return { ...DEFAULT_WEBHOOK_SETTINGS, ...this.options.defaults };
  }

  targetFor(provider: string): string {
    const set = this.targets.get(provider);
    if (set) return set;
    const fromEnv = this.options.env[`SANDBOX_WEBHOOK_URL_${provider.toUpperCase()}`];
    if (fromEnv) return fromEnv;
    const base = (this.options.env.SANDBOX_WEBHOOK_BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
    return `${base}/webhooks/${provider}`;
  }

  setTarget(provider: string, url: string): void {
    this.targets.set(provider, url);
  }

  allTargets(providers: string[]): Record<string, string> {
    return Object.fromEntries(providers.map((provider) => [provider, this.targetFor(provider)]));
  }

  private resetTargets(): void {
    this.targets.clear();
    for (const [provider, url] of Object.entries(this.options.targets ?? {})) this.targets.set(provider, url);
  }

  list(filter: { provider?: string; eventId?: string } = {}): WebhookDelivery[] {
    return this.deliveries
      .filter(
        (d) =>
          (filter.provider === undefined || d.provider === filter.provider) &&
          (filter.eventId === undefined || d.eventId === filter.eventId),
      )
      .map((d) => ({ ...d, attempts: d.attempts.map((a) => ({ ...a })) }));
  }

  send(request: WebhookSendRequest): WebhookDelivery {
    const fault = this.options.faults.nextWebhookFault(request.provider);
    const original = this.newDelivery(request, null);
    if (fault.drop) {
      original.state = 'dropped';
      return original;
    }
    const copies: Pending[] = [{ delivery: original, request }];
    if (fault.duplicate) copies.push({ delivery: this.newDelivery(request, original.id), request });

    if (fault.reorder) {
      for (const pending of copies) this.hold(request.provider, pending, fault.windowMs, fault.delayMs);
    } else {
      for (const pending of copies) this.track(this.run(pending, fault.delayMs));
    }
    return original;
  }

  private newDelivery(request: WebhookSendRequest, duplicateOf: string | null): WebhookDelivery {
    const delivery: WebhookDelivery = {
      id: randomUUID(),
      provider: request.provider,
      url: request.url ?? this.targetFor(request.provider),
      eventId: request.eventId ?? null,
      eventType: request.eventType ?? null,
      body: request.body,
      state: 'scheduled',
      createdAt: this.options.clock().toISOString(),
      duplicateOf,
      attempts: [],
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  /** Reorder fault: collect deliveries for `windowMs`, then deliver the batch newest-first. */
  private hold(provider: string, pending: Pending, windowMs: number, delayMs: number): void {
    pending.delivery.state = 'held';
    const existing = this.held.get(provider);
    if (existing) {
      existing.batch.push(pending);
      return;
    }
    const entry = { batch: [pending] };
    this.held.set(provider, entry);
    const generation = this.generation;
    this.track(
      (async () => {
        await this.wait(windowMs);
        if (this.held.get(provider) === entry) this.held.delete(provider);
        const batch = entry.batch.reverse();
        if (delayMs > 0) await this.wait(delayMs);
        // First attempts go out strictly one after the other so the receiver sees the reversed order.
        const rest: Promise<void>[] = [];
        for (const item of batch) {
          if (generation !== this.generation) return;
          item.delivery.state = 'scheduled';
          const first = this.attemptOnce(item, 1);
          const delivered = await first;
          if (delivered) continue;
          if (this.worthRetrying(item.request, item.delivery)) rest.push(this.run(item, 0, 2));
          else item.delivery.state = 'failed';
        }
        await Promise.all(rest);
      })(),
    );
  }

  private track(promise: Promise<void>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async run(pending: Pending, delayMs: number, fromAttempt = 1): Promise<void> {
    const generation = this.generation;
    const { delivery, request } = pending;
    if (delayMs > 0) await this.wait(delayMs);
    const maxAttempts = request.maxAttempts ?? this.defaults.maxAttempts;
    for (let attempt = fromAttempt; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await this.wait(this.backoff(request, attempt));
      if (generation !== this.generation) return;
      if (await this.attemptOnce(pending, attempt)) return;
      if (!this.worthRetrying(request, delivery)) break;
    }
    if (generation === this.generation) delivery.state = 'failed';
  }

  private worthRetrying(request: WebhookSendRequest, delivery: WebhookDelivery): boolean {
    const last = delivery.attempts.at(-1);
    return request.shouldRetry === undefined || last === undefined || request.shouldRetry(last);
  }

  private backoff(request: WebhookSendRequest, attempt: number): number {
    const base = request.backoffMs ?? this.defaults.backoffMs;
    const cap = request.maxBackoffMs ?? this.defaults.maxBackoffMs;
    return Math.min(cap, base * 2 ** (attempt - 2));
  }

  /** One POST; records the attempt; true when delivered. */
  private async attemptOnce(pending: Pending, attempt: number): Promise<boolean> {
    const { delivery, request } = pending;
    const isDelivered = request.isDelivered ?? ((status: number) => status >= 200 && status < 300);
    const timeoutMs = request.timeoutMs ?? this.defaults.timeoutMs;
    delivery.state = 'delivering';
    const startedAt = Date.now();
    const record: WebhookAttempt = {
      attempt,
      at: this.options.clock().toISOString(),
      url: delivery.url,
      status: null,
      error: null,
      delivered: false,
      durationMs: 0,
    };
    try {
      const headers = await request.headers(attempt);
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.abort.signal]),
      });
      record.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      record.delivered = isDelivered(response.status, response.headers);
    } catch (err) {
      const error = err as Error;
      record.error = error.name === 'TimeoutError' ? `timeout after ${timeoutMs}ms` : error.message;
    }
    record.durationMs = Date.now() - startedAt;
    delivery.attempts.push(record);
    delivery.state = record.delivered ? 'delivered' : 'scheduled';
    request.onAttempt?.({ ...record });
    return record.delivered;
  }

  /** A wait that `flush()` and `close()` cut short. */
  private wait(ms: number): Promise<void> {
    if (ms <= 0 || this.flushing > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Resolves when no delivery is pending (retries included). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Delivers everything pending now, skipping backoff, delay and reorder windows, and waits for it. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      this.wakeAll();
      await this.idle();
    } finally {
      this.flushing--;
    }
  }

  /** Cancels everything pending and forgets all deliveries (targets back to their start values). */
  async reset(): Promise<void> {
    await this.cancelPending();
    this.deliveries = [];
    this.resetTargets();
  }

  async close(): Promise<void> {
    await this.cancelPending();
  }

  private async cancelPending(): Promise<void> {
    this.generation++;
    this.abort.abort();
    this.flushing++;
    try {
      this.wakeAll();
      await this.idle();
    } finally {
      this.flushing--;
    }
    for (const delivery of this.deliveries) {
      if (delivery.state === 'scheduled' || delivery.state === 'held' || delivery.state === 'delivering') {
        delivery.state = 'cancelled';
      }
    }
    this.held.clear();
    this.abort = new AbortController();
  }
}
