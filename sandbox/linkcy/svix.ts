/**
 * Svix (Standard Webhooks) signing, the way Svix signs Linkcy's deliveries: `svix-id`, `svix-timestamp` (unix
 * seconds) and `svix-signature` = `v1,<base64 HMAC-SHA256(key, "${id}.${timestamp}.${body}")>`, the key being the
 * base64-decoded part of the `whsec_…` secret (docs.svix.com, "Verifying webhooks manually"). Kept here because the
 * sandbox imports nothing from the engine.
 */
import { createHmac, randomBytes } from 'node:crypto';

export function svixKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function svixSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', svixKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

export function svixHeaders(secret: string, id: string, now: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'svix-id': id,
    'svix-timestamp': String(timestamp),
    'svix-signature': svixSignature(secret, id, timestamp, body),
  };
}

/** Svix message ids look like `msg_2Lm…`: a prefix and a random base62-ish tail. */
export function svixMessageId(): string {
  return `msg_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
}
