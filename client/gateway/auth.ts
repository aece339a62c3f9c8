import { createHash, timingSafeEqual } from 'node:crypto';
import { parseApiKeys } from '../../common/api-keys.js';
import type { ApiKeyScope } from '../../common/api-keys.js';

/** Who called: the identity a key was configured under, and what it may do. */
export interface Caller {
  identity: string;
  scopes: ReadonlySet<ApiKeyScope>;
}

/**
 * Resolves `Authorization: Bearer <key>` to its caller against GATEWAY_API_KEYS (common/api-keys.ts). Keys are
 * compared as SHA-256 digests with timingSafeEqual, and every key is compared, so neither a key's length, its
 * leading characters nor its position in the list leak through response times.
 */
export function createApiKeyAuth(keysSpec: string): (authorization: string | undefined) => Caller | undefined {
  const entries = parseApiKeys(keysSpec);
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const presented = createHash('sha256')
      .update(match[1] as string)
      .digest();
    let caller: Caller | undefined;
    for (const entry of entries) {
      if (timingSafeEqual(entry.digest, presented) && caller === undefined) {
        caller = { identity: entry.identity, scopes: entry.scopes };
      }
    }
    return caller;
  };
}

/** Whether `authorization` carries any configured key (the check before scopes existed). */
export function createApiKeyCheck(keysSpec: string): (authorization: string | undefined) => boolean {
  const auth = createApiKeyAuth(keysSpec);
  return (authorization) => auth(authorization) !== undefined;
}
