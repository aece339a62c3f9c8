/**
 * List page tokens as we hand them out: Temporal's opaque token, bound to the query it pages through by a
 * checksum. A token that was not ours, was altered, or belongs to another filter is refused at once (422) instead
 * of reaching Temporal, which answers garbage slowly and with an internal error.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
const CHECKSUM_BYTES = 12;

function checksum(token: Uint8Array, query: string): Buffer {
  return createHash('sha256')
    .update(`onboarding-page-token/${VERSION}\n${query}\n`)
    .update(token)
    .digest()
    .subarray(0, CHECKSUM_BYTES);
}

export function encodePageToken(token: Uint8Array, query: string): string {
  return `${VERSION}.${Buffer.from(token).toString('base64url')}.${checksum(token, query).toString('base64url')}`;
}

/** Temporal's token, or undefined when `value` is not a token this gateway issued for `query`. */
export function decodePageToken(value: string, query: string): Buffer | undefined {
  const [version, body, sum, ...rest] = value.split('.');
  if (version !== VERSION || body === undefined || sum === undefined || rest.length > 0) return undefined;
  const token = Buffer.from(body, 'base64url');
  const presented = Buffer.from(sum, 'base64url');
  const expected = checksum(token, query);
  if (token.length === 0 || presented.length !== expected.length) return undefined;
  return timingSafeEqual(presented, expected) ? token : undefined;
}
