/**
 * `X-GD-RequestId` as the idempotency key of every POST/PUT [doc]: same id + same request → the stored answer;
 * the same id while the first call still runs → 409 code 4091 (API locking [doc]); the same id for a different
 * request → 409 code 4092 (ASSUMED, see sandbox/README.md). Only answers produced by handling are stored.
 */
import { createHash } from 'node:crypto';
import { detail, GreenDotError } from './errors.js';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

type Entry = { fingerprint: string; answer: StoredAnswer | null };

export type Claim = { kind: 'fresh' } | { kind: 'replay'; answer: StoredAnswer };

export function fingerprintOf(method: string, path: string, rawBody: Buffer | undefined): string {
  return createHash('sha256')
    .update(`${method} ${path}\n`)
    .update(rawBody ?? Buffer.alloc(0))
    .digest('hex');
}

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  /** Claims the key for a new call, or returns the stored answer; throws the documented 409s. */
  claim(requestId: string, fingerprint: string): Claim {
    const entry = this.entries.get(requestId);
    if (entry === undefined) {
      this.entries.set(requestId, { fingerprint, answer: null });
      return { kind: 'fresh' };
    }
    if (entry.answer === null) {
      throw new GreenDotError(409, detail(4091, 0, 'API locked: a request with this X-GD-RequestId is in progress'));
    }
    if (entry.fingerprint !== fingerprint) {
      throw new GreenDotError(
        409,
        detail(4092, 0, 'X-GD-RequestId was already used for a different request; send a new GUID'),
      );
    }
    return { kind: 'replay', answer: entry.answer };
  }

  complete(requestId: string, answer: StoredAnswer): void {
    const entry = this.entries.get(requestId);
    if (entry) entry.answer = answer;
  }

  /** The call ended without an answer worth keeping (unexpected error): the key is free again. */
  abandon(requestId: string): void {
    if (this.entries.get(requestId)?.answer === null) this.entries.delete(requestId);
  }

  clear(): void {
    this.entries.clear();
  }
}
