/**
 * Partner access tokens (OAuth 2.0 client credentials): opaque, valid for the configured TTL (24 h documented),
 * judged by the sandbox clock so tests can expire them by moving time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenVerdict = 'valid' | 'expired' | 'unknown';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export class TokenStore {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly clock: () => Date,
    readonly ttlSeconds: number,
  ) {}

  issue(): { token: string; ttlSeconds: number; fingerprint: string } {
    const token = randomBytes(24).toString('base64url');
    this.expiries.set(token, this.clock().getTime() + this.ttlSeconds * 1000);
    return { token, ttlSeconds: this.ttlSeconds, fingerprint: digest(token).toString('hex').slice(0, 16) };
  }

  check(token: string): TokenVerdict {
    const expiresAt = this.expiries.get(token);
    if (expiresAt === undefined) return 'unknown';
    return this.clock().getTime() < expiresAt ? 'valid' : 'expired';
  }

  /** Constant-time comparison of `key:secret` pairs. */
  sameCredentials(given: string, expected: string): boolean {
    return timingSafeEqual(digest(given), digest(expected));
  }

  expireAll(): number {
    const now = this.clock().getTime();
    for (const token of this.expiries.keys()) this.expiries.set(token, now);
    return this.expiries.size;
  }

  reset(): void {
    this.expiries.clear();
  }
}
