/**
 * The Standard Webhooks signature (https://www.standardwebhooks.com, what Svix sends): HMAC-SHA256 over
 * `${id}.${timestamp}.${body}` with the key of a `whsec_<base64>` secret, sent as `v1,<base64>`. One definition
 * for both directions: the gateway verifies providers' deliveries with it, and our outbound events are signed with
 * it, so a backend verifies them with any Standard Webhooks or Svix library.
 */
import { createHmac } from 'node:crypto';

export const STANDARD_WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The HMAC key of a `whsec_<base64>` secret (the prefix is optional, as Svix's libraries accept). */
export function standardWebhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_WEBHOOK_SECRET_PREFIX)
    ? secret.slice(STANDARD_WEBHOOK_SECRET_PREFIX.length)
    : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('a Standard Webhooks secret must be whsec_ followed by a base64 key');
  return key;
}

export function standardWebhookSignedContent(id: string, timestamp: string, rawBody: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), Buffer.from(rawBody)]);
}

/** `v1,<base64 HMAC>` for one message. */
export function signStandardWebhook(input: {
  secret: string;
  id: string;
  timestamp: number | string;
  rawBody: Buffer | string;
}): string {
  const content = standardWebhookSignedContent(input.id, String(input.timestamp), input.rawBody);
  return `v1,${createHmac('sha256', standardWebhookKey(input.secret)).update(content).digest('base64')}`;
}
