import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks `Authorization: Bearer <key>` against the configured keys. Keys are compared as SHA-256 digests with
 * timingSafeEqual, so neither a key's length nor its leading characters leak through response times.
 */
export function createApiKeyCheck(keysSpec: string): (authorization: string | undefined) => boolean {
  const digests = keysSpec
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0)
    .map((key) => createHash('sha256').update(key).digest());
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return false;
    const presented = createHash('sha256')
      .update(match[1] as string)
      .digest();
    let accepted = false;
    for (const digest of digests) accepted = timingSafeEqual(digest, presented) || accepted;
    return accepted;
  };
}
