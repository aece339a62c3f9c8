/**
 * The ways a provider proves a webhook is its own, as reusable verifiers a provider's intake composes:
 * - hmacBodySignature: an HMAC-SHA256 of the raw body in one header, base64 or hex;
 * - issuedToken: a bearer token or API key we issued to the provider;
 * - standardWebhookSignature: Standard Webhooks / Svix, an HMAC over `id.timestamp.body` with a replay window.
 * Every comparison runs in constant time on equal-length buffers, every configured secret or token is compared
 * (no early exit tells which one matched), and every refusal is a WebhookAuthenticationError (401) naming what
 * failed, never a secret or what was presented. The signing helpers exist for tests and simulators.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookAuthenticationError } from '../errors.js';
import { singleHeader } from './types.js';
import {
  signStandardWebhook,
  standardWebhookKey,
  standardWebhookSignedContent,
} from '../../common/standard-webhooks.js';
import type { WebhookHeaders } from './types.js';

/** Throws WebhookAuthenticationError unless the delivery is authentic. */
export type WebhookVerifier = (rawBody: Buffer, headers: WebhookHeaders) => void;

/** One secret, or several during a rotation (any of them verifies). */
export type Secrets = string | readonly string[];

function secretList(secrets: Secrets, what: string): readonly string[] {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  // A configuration mistake, not a forged delivery: refuse to build a verifier that nothing could pass.
  if (list.length === 0 || list.some((secret) => secret.length === 0)) {
    throw new Error(`${what}: configure at least one non-empty secret`);
  }
  return list;
}

export function hmacSha256(secret: string | Buffer, message: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(message).digest();
}

/**
 * Compares two texts in constant time. timingSafeEqual needs equal lengths, so a text of the wrong length is
 * compared against the expected text itself (same work, then refused): the time taken never depends on how many
 * leading characters an attacker guessed right.
 */
function sameText(expected: string, received: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const receivedBytes = Buffer.from(received, 'utf8');
  const sameLength = receivedBytes.length === expectedBytes.length;
  const equal = timingSafeEqual(expectedBytes, sameLength ? receivedBytes : expectedBytes);
  return sameLength && equal;
}

/**
 * Compares a received base64 signature with the expected digest, in constant time. The comparison is on the
 * canonical base64 text, because Node's base64 decoder is lenient (it ignores junk after the padding, so decoding
 * first would accept `<signature>AAAA`).
 */
export function base64SignatureMatches(expected: Buffer, receivedBase64: string): boolean {
  return sameText(expected.toString('base64'), receivedBase64.trim());
}

/** The hex twin: compared as canonical lowercase hex text (hex is case-insensitive, `ABCD` is `abcd`). */
export function hexSignatureMatches(expected: Buffer, receivedHex: string): boolean {
  return sameText(expected.toString('hex'), receivedHex.trim().toLowerCase());
}

// --- (a) HMAC-SHA256 of the raw body in a header -----------------------------------------------------------------

export type SignatureEncoding = 'base64' | 'hex';

export interface HmacBodySignatureOptions {
  /** The header carrying the signature, e.g. `x-<provider>-signature`. */
  header: string;
  secret: Secrets;
  encoding: SignatureEncoding;
}

export function signHmacBody(secret: string, rawBody: Buffer | string, encoding: SignatureEncoding): string {
  return hmacSha256(secret, rawBody).toString(encoding);
}

export function hmacBodySignature(options: HmacBodySignatureOptions): WebhookVerifier {
  const header = options.header.toLowerCase();
  const secrets = secretList(options.secret, `the ${header} verifier`);
  const matches = options.encoding === 'base64' ? base64SignatureMatches : hexSignatureMatches;
  return (rawBody, headers) => {
    const signature = singleHeader(headers, header);
    if (!signature) throw new WebhookAuthenticationError(`missing ${header} header`);
    let matched = false;
    for (const secret of secrets) {
      // Non-short-circuiting on purpose: every secret costs the same whichever one matches.
      matched = matches(hmacSha256(secret, rawBody), signature) || matched;
    }
    if (!matched) throw new WebhookAuthenticationError(`${header} does not match the body`);
  };
}

// --- (b) a bearer token or API key we issued ---------------------------------------------------------------------

export interface IssuedTokenOptions {
  /**
   * `authorization` (the default) expects `Authorization: Bearer <token>`; any other header name (e.g.
   * `x-api-key`) carries the token as its whole value.
   */
  header?: string;
  /** The tokens currently valid: the new one and the old one during a rotation. */
  tokens: Secrets;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** A token as a fixed-length digest, so comparing never reveals a token's length. */
function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function issuedToken(options: IssuedTokenOptions): WebhookVerifier {
  const header = (options.header ?? 'authorization').toLowerCase();
  const expected = secretList(options.tokens, `the ${header} token verifier`).map(tokenDigest);
  const bearer = header === 'authorization';
  return (_rawBody, headers) => {
    const value = singleHeader(headers, header)?.trim();
    if (!value) throw new WebhookAuthenticationError(`missing ${header} header`);
    let token = value;
    if (bearer) {
      const match = BEARER.exec(value);
      if (!match?.[1]) throw new WebhookAuthenticationError(`${header} is not a Bearer token`);
      token = match[1];
    }
    const presented = tokenDigest(token);
    let matched = false;
    for (const digest of expected) matched = timingSafeEqual(digest, presented) || matched;
    if (!matched) throw new WebhookAuthenticationError(`the ${header} token is not one we issued`);
  };
}

// --- (c) Standard Webhooks / Svix ---------------------------------------------------------------------------------

export type StandardWebhookPrefix = 'webhook' | 'svix';

export interface StandardWebhookOptions {
  /** `whsec_<base64 key>` as the provider's portal shows it (the prefix is optional); several during a rotation. */
  secret: Secrets;
  /** Accepted distance between the signed timestamp and our clock, both ways (stale or future). */
  toleranceSeconds: number;
  /** Which header family to read; by default `webhook-*`, or `svix-*` (what Svix sends) when only `svix-id` is present. */
  prefix?: StandardWebhookPrefix;
  now?: () => Date;
}

const TIMESTAMP = /^\d{1,15}$/;

function requiredHeader(headers: WebhookHeaders, name: string): string {
  const value = singleHeader(headers, name);
  if (!value) throw new WebhookAuthenticationError(`missing ${name} header`);
  return value;
}

export { signStandardWebhook };

export function standardWebhookSignature(options: StandardWebhookOptions): WebhookVerifier {
  const keys = secretList(options.secret, 'the Standard Webhooks verifier').map(standardWebhookKey);
  const toleranceMs = options.toleranceSeconds * 1000;
  const now = options.now ?? (() => new Date());
  return (rawBody, headers) => {
    // All three headers from one family: a mix would let a sender sign one id and present another.
    const prefix =
      options.prefix ?? (singleHeader(headers, 'webhook-id') || !singleHeader(headers, 'svix-id') ? 'webhook' : 'svix');
    const names = { id: `${prefix}-id`, timestamp: `${prefix}-timestamp`, signature: `${prefix}-signature` };
    const id = requiredHeader(headers, names.id);
    const timestamp = requiredHeader(headers, names.timestamp).trim();
    const signatures = requiredHeader(headers, names.signature);
    if (!TIMESTAMP.test(timestamp)) throw new WebhookAuthenticationError(`${names.timestamp} is not unix seconds`);

    const content = standardWebhookSignedContent(id, timestamp, rawBody);
    const expected = keys.map((key) => hmacSha256(key, content));
    let matched = false;
    for (const entry of signatures.split(' ')) {
      const comma = entry.indexOf(',');
      // Only v1 (HMAC-SHA256) is ours; other versions (v1a asymmetric…) are skipped, not refused.
      if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
      const signature = entry.slice(comma + 1);
      for (const digest of expected) matched = base64SignatureMatches(digest, signature) || matched;
    }
    if (!matched) throw new WebhookAuthenticationError(`no v1 entry of ${names.signature} matches the delivery`);

    // Checked after the signature, so "stale" or "future" is only ever said of an authentic delivery.
    const skewMs = now().getTime() - Number(timestamp) * 1000;
    if (skewMs > toleranceMs) {
      throw new WebhookAuthenticationError(
        `${names.timestamp} is older than the ${options.toleranceSeconds} s tolerance: stale or replayed`,
      );
    }
    if (-skewMs > toleranceMs) {
      throw new WebhookAuthenticationError(
        `${names.timestamp} is more than ${options.toleranceSeconds} s in the future`,
      );
    }
  };
}
