/**
 * Partner authentication: login answers a JWT (HS256; `sub`, `partnerName`, `iat`, `exp`, `jti`) and a refresh
 * token [doc: `{token, refreshToken}`, "expires after a defined time"]. Lifetimes are judged by the sandbox clock so
 * tests can expire tokens by moving time; refresh tokens are single-use (ASSUMED).
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { LinkcyApiError } from './errors.js';

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export interface IssuedTokens {
  token: string;
  refreshToken: string;
  subject: string;
}

export class LinkcyTokens {
  /** Signs this process's JWTs; tokens from another sandbox run are simply invalid. */
  private readonly signingKey = randomBytes(32);
  private readonly accessExpiries = new Map<string, number>();
  private readonly refreshExpiries = new Map<string, { expiresAt: number; subject: string }>();

  constructor(
    private readonly clock: () => Date,
    private readonly ttls: () => { tokenTtlSeconds: number; refreshTtlSeconds: number },
    private readonly partnerName: string,
  ) {}

  sameSecret(given: string, expected: string): boolean {
    return timingSafeEqual(digest(given), digest(expected));
  }

  issue(subject: string): IssuedTokens {
    const now = this.clock().getTime();
    const { tokenTtlSeconds, refreshTtlSeconds } = this.ttls();
    const jti = randomUUID();
    const expiresAt = now + tokenTtlSeconds * 1000;
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        sub: subject,
        partnerName: this.partnerName,
        iat: Math.floor(now / 1000),
        exp: Math.floor(expiresAt / 1000),
        jti,
      }),
    );
    const signature = createHmac('sha256', this.signingKey).update(`${header}.${payload}`).digest('base64url');
    this.accessExpiries.set(jti, expiresAt);
    const refreshToken = randomBytes(32).toString('base64url');
    this.refreshExpiries.set(refreshToken, { expiresAt: now + refreshTtlSeconds * 1000, subject });
    return { token: `${header}.${payload}.${signature}`, refreshToken, subject };
  }

  /** Throws the documented 401 unless `authorization` carries a live token of ours. */
  authenticate(authorization: string | undefined): void {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new LinkcyApiError(401, 'UNAUTHORIZED', 'Authorization: Bearer <token> is required');
    const [header, payload, signature] = match[1]!.split('.');
    if (header === undefined || payload === undefined || signature === undefined) throw invalidToken();
    const expected = createHmac('sha256', this.signingKey).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken();
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: string };
    const expiresAt = claims.jti === undefined ? undefined : this.accessExpiries.get(claims.jti);
    if (expiresAt === undefined) throw invalidToken();
    if (this.clock().getTime() >= expiresAt) throw new LinkcyApiError(401, 'TOKEN_EXPIRED', 'The token has expired');
  }

  refresh(refreshToken: string): IssuedTokens {
    const entry = this.refreshExpiries.get(refreshToken);
    if (!entry || this.clock().getTime() >= entry.expiresAt) {
      throw new LinkcyApiError(401, 'INVALID_REFRESH_TOKEN', 'The refresh token is unknown, spent or expired');
    }
    this.refreshExpiries.delete(refreshToken);
    return this.issue(entry.subject);
  }

  expireAll(): number {
    const now = this.clock().getTime();
    for (const jti of this.accessExpiries.keys()) this.accessExpiries.set(jti, now);
    for (const entry of this.refreshExpiries.values()) entry.expiresAt = now;
    return this.accessExpiries.size;
  }

  reset(): void {
    this.accessExpiries.clear();
    this.refreshExpiries.clear();
  }
}

const invalidToken = (): LinkcyApiError => new LinkcyApiError(401, 'INVALID_TOKEN', 'The token is not valid');
