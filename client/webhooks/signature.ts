import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha256(secret: string, message: Buffer): Buffer {
  return createHmac('sha256', secret).update(message).digest();
}

/**
 * Compares a received base64 signature with the expected digest, in constant time. The comparison is on the
 * canonical base64 text, because Node's base64 decoder is lenient (it ignores junk after the padding, so decoding
 * first would accept `<signature>AAAA`). timingSafeEqual needs equal lengths, so a signature of the wrong length
 * is compared against the expected text itself (same work, then refused): the time taken never depends on how many
 * leading characters an attacker guessed right.
 */
export function base64SignatureMatches(expected: Buffer, receivedBase64: string): boolean {
  const expectedText = Buffer.from(expected.toString('base64'), 'utf8');
  const received = Buffer.from(receivedBase64.trim(), 'utf8');
  const sameLength = received.length === expectedText.length;
  const equal = timingSafeEqual(expectedText, sameLength ? received : expectedText);
  return sameLength && equal;
}

/**
 * The hex twin of base64SignatureMatches: compared as canonical lowercase hex text (hex is case-insensitive, so
 * `ABCD` and `abcd` are the same signature), equal lengths for timingSafeEqual, same work whatever is presented.
 */
export function hexSignatureMatches(expected: Buffer, receivedHex: string): boolean {
  const expectedText = Buffer.from(expected.toString('hex'), 'utf8');
  const received = Buffer.from(receivedHex.trim().toLowerCase(), 'utf8');
  const sameLength = received.length === expectedText.length;
  const equal = timingSafeEqual(expectedText, sameLength ? received : expectedText);
  return sameLength && equal;
}
