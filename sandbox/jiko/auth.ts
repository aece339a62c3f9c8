/**
 * Jiko request authentication (providers.md §4.1), as the simulator enforces it:
 * - `POST /api/v1/login/` issues bearer tokens that live `tokenTtlSeconds` (default 3600).
 * - Every other API call needs `Authorization: Bearer <token>` and
 *   `x-jiko-signature = base64(HMAC-SHA256(signing secret, x-jiko-idempotency + URL path + raw body))`.
 *   The path is the API path (`/api/v1/...`); because the sandbox serves Jiko under `/jiko`, the full request path
 *   (`/jiko/api/v1/...`) is accepted too. A missing idempotency header counts as the empty string (GETs).
 * - Mutating calls need `x-jiko-idempotency`. The same key within the window replays the stored response
 *   (same status and body, header `x-jiko-idempotent-replay: true`); the same key for a different request
 *   (method, path or body) is refused with 409; the same key while the first request is still running → 409.
 *   5xx answers are not stored, so a retry after a server error runs again.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface TokenStore {
  issue(ttlSeconds: number): { token: string; expiresAt: Date };
  check(token: string | undefined): 'ok' | 'missing' | 'invalid' | 'expired';
  expireAll(): void;
  clear(): void;
}

export function createTokenStore(clock: () => Date): TokenStore {
  const tokens = new Map<string, Date>();
  return {
    issue(ttlSeconds) {
      const token = randomBytes(24).toString('base64url');
      const expiresAt = new Date(clock().getTime() + ttlSeconds * 1000);
      tokens.set(token, expiresAt);
      return { token, expiresAt };
    },
    check(token) {
      if (!token) return 'missing';
      const expiresAt = tokens.get(token);
      if (!expiresAt) return 'invalid';
      if (expiresAt.getTime() <= clock().getTime()) return 'expired';
      return 'ok';
    },
    expireAll() {
      const past = new Date(0);
      for (const token of tokens.keys()) tokens.set(token, past);
    },
    clear() {
      tokens.clear();
    },
  };
}

export function sign(secret: string, idempotencyKey: string, path: string, body: Buffer): string {
  return createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(idempotencyKey + path, 'utf8'), body]))
    .digest('base64');
}

function sameBase64(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'base64');
  const b = Buffer.from(given, 'base64');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function verifySignature(
  secret: string,
  request: FastifyRequest,
  mountPrefix: string,
): { ok: true } | { ok: false; reason: string } {
  const given = headerValue(request, 'x-jiko-signature');
  if (!given) return { ok: false, reason: 'Missing signature' };
  const idempotencyKey = headerValue(request, 'x-jiko-idempotency') ?? '';
  const fullPath = request.url.split('?')[0] ?? request.url;
  const apiPath = fullPath.startsWith(`${mountPrefix}/`) ? fullPath.slice(mountPrefix.length) : fullPath;
  const body = request.rawBody ?? Buffer.alloc(0);
  for (const path of new Set([apiPath, fullPath])) {
    if (sameBase64(sign(secret, idempotencyKey, path, body), given)) return { ok: true };
  }
  return { ok: false, reason: 'Invalid signature' };
}

export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = headerValue(request, 'authorization');
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

interface StoredResponse {
  fingerprint: string;
  storedAt: number;
  state: 'running' | 'done';
  statusCode?: number;
  contentType?: string;
  payload?: string;
}

export interface IdempotencyStore {
  /** Called before the handler: what to do with this key. */
  begin(
    key: string,
    request: FastifyRequest,
    windowSeconds: number,
  ): { kind: 'new' } | { kind: 'replay'; response: StoredResponse } | { kind: 'conflict'; reason: string };
  /** Called from onSend with what the handler answered. */
  complete(key: string, statusCode: number, contentType: string | undefined, payload: string): void;
  /** Called when the request ended without a storable response. */
  abandon(key: string): void;
  clear(): void;
  size(): number;
}

export function fingerprintOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? request.url;
  return createHash('sha256')
    .update(`${request.method} ${path}\n`)
    .update(request.rawBody ?? Buffer.alloc(0))
    .digest('hex');
}

export function createIdempotencyStore(clock: () => Date): IdempotencyStore {
  const entries = new Map<string, StoredResponse>();
  return {
    begin(key, request, windowSeconds) {
      const now = clock().getTime();
      const fingerprint = fingerprintOf(request);
      const existing = entries.get(key);
      if (existing && now - existing.storedAt < windowSeconds * 1000) {
        if (existing.fingerprint !== fingerprint) {
          return { kind: 'conflict', reason: 'Idempotency key already used for a different request' };
        }
        if (existing.state === 'running') {
          return { kind: 'conflict', reason: 'A request with this idempotency key is still being processed' };
        }
        return { kind: 'replay', response: existing };
      }
      entries.set(key, { fingerprint, storedAt: now, state: 'running' });
      return { kind: 'new' };
    },
    complete(key, statusCode, contentType, payload) {
      const entry = entries.get(key);
      if (!entry || entry.state !== 'running') return;
      if (statusCode >= 500) {
        entries.delete(key);
        return;
      }
      Object.assign(entry, { state: 'done', statusCode, contentType, payload });
    },
    abandon(key) {
      if (entries.get(key)?.state === 'running') entries.delete(key);
    },
    clear() {
      entries.clear();
    },
    size() {
      return entries.size;
    },
  };
}

export function sendReplay(reply: FastifyReply, response: StoredResponse): FastifyReply {
  reply.code(response.statusCode ?? 200).header('x-jiko-idempotent-replay', 'true');
  if (response.contentType) reply.header('content-type', response.contentType);
  return reply.send(response.payload ?? '');
}
