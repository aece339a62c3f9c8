/**
 * Auth strategies for the provider HTTP core. Tokens are cached in-process (one per provider client, shared by
 * all activities of a worker) and refreshed before they expire; concurrent callers share one login call.
 */
import type { ProviderHttpClient } from './client.js';

export interface Authorization {
  headers: Record<string, string>;
  /** Identifies what was used, so a 401 invalidates this token and not a newer one fetched meanwhile. */
  token: string;
}

export interface AuthStrategy {
  authorize(client: ProviderHttpClient): Promise<Authorization>;
  /** The provider rejected `token` (401): drop it so the next authorize() fetches a fresh one. */
  invalidate(token: string): void;
}

export interface AcquiredToken {
  token: string;
  /** Absolute expiry, when the provider tells us one. */
  expiresAt?: Date;
  /** Relative lifetime, when the provider tells us `expires_in` instead. */
  expiresInMs?: number;
}

export interface TokenAuthOptions {
  /** Performs the token call through `client.request({ ..., auth: false })`, so it gets timeouts and validation. */
  acquire(client: ProviderHttpClient): Promise<AcquiredToken>;
  /** Lifetime assumed when the provider gives none (its documented token lifetime, e.g. 60 min or 24 h). */
  defaultTtlMs: number;
  /** Refresh this long before expiry; default: 10% of the lifetime, at most 5 minutes. */
  refreshMarginMs?: number;
  /** Headers carrying the token; default `Authorization: Bearer <token>`. */
  toHeaders?(token: string): Record<string, string>;
  now?(): number;
}

export class TokenAuth implements AuthStrategy {
  private cached: { token: string; refreshAt: number } | undefined;
  private inFlight: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: TokenAuthOptions) {
    this.now = options.now ?? Date.now;
  }

  async authorize(client: ProviderHttpClient): Promise<Authorization> {
    const token = await this.token(client);
    const headers = this.options.toHeaders?.(token) ?? { authorization: `Bearer ${token}` };
    return { headers, token };
  }

  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async token(client: ProviderHttpClient): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.token;
    this.inFlight ??= this.acquire(client).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async acquire(client: ProviderHttpClient): Promise<string> {
    const acquiredAt = this.now();
    const acquired = await this.options.acquire(client);
    const lifetimeMs = acquired.expiresAt
      ? acquired.expiresAt.getTime() - acquiredAt
      : (acquired.expiresInMs ?? this.options.defaultTtlMs);
    const effectiveLifetime = lifetimeMs > 0 ? lifetimeMs : this.options.defaultTtlMs;
    const margin = this.options.refreshMarginMs ?? Math.min(effectiveLifetime / 10, 5 * 60_000);
    this.cached = { token: acquired.token, refreshAt: acquiredAt + Math.max(0, effectiveLifetime - margin) };
    return acquired.token;
  }
}

/** `Basic base64(user:secret)`, as token calls with client credentials in a Basic header expect. */
export function basicAuthorization(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

/** A fixed header (API key schemes). */
export class StaticHeaderAuth implements AuthStrategy {
  constructor(private readonly headers: Record<string, string>) {}
  async authorize(): Promise<Authorization> {
    return { headers: this.headers, token: 'static' };
  }
  invalidate(): void {}
}
