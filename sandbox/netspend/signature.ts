/**
 * How the simulator signs its webhooks. Netspend shares an HMAC key with the partner but publishes neither the
 * header nor the encoding of the signature (ASSUMED, sandbox/README.md): HMAC-SHA256 of the raw body, in the header
 * SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_HEADER (default `ns-signature`), encoded as
 * SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_ENCODING (`hex` default, or `base64`), so a test can mirror another choice.
 */
import { createHmac } from 'node:crypto';

export const WEBHOOK_SIGNATURE_DEFAULTS = {
  secret: 'netspend-sandbox-webhook-secret',
  header: 'ns-signature',
  encoding: 'hex',
} as const;

const ENCODINGS = ['hex', 'base64'] as const;
type Encoding = (typeof ENCODINGS)[number];

export interface WebhookSignatureScheme {
  /** The signature header(s) for one body: the same on every redelivery, since the body does not change. */
  headers(body: string): Record<string, string>;
}

export function webhookSignatureFromEnv(env: Readonly<Record<string, string | undefined>>): WebhookSignatureScheme {
  const secret = env.SANDBOX_NETSPEND_WEBHOOK_SECRET || WEBHOOK_SIGNATURE_DEFAULTS.secret;
  const header = (env.SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_HEADER || WEBHOOK_SIGNATURE_DEFAULTS.header).toLowerCase();
  const rawEncoding = env.SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_ENCODING || WEBHOOK_SIGNATURE_DEFAULTS.encoding;
  if (!(ENCODINGS as readonly string[]).includes(rawEncoding)) {
    throw new Error(`SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_ENCODING must be hex or base64, got ${rawEncoding}`);
  }
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) {
    throw new Error(`SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_HEADER is not an HTTP header name: ${header}`);
  }
  const encoding = rawEncoding as Encoding;
  return {
    headers: (body) => ({ [header]: createHmac('sha256', secret).update(body).digest(encoding) }),
  };
}
