/** Netspend's environment variables: merged into the one config schema by ./index.ts. */
import { z } from 'zod';
import { rateLimit, url } from './types.js';

export const netspendConfig = {
  NETSPEND_BASE_URL: url.default('http://127.0.0.1:4010/netspend/netspend-api/v1'),
  NETSPEND_API_KEY: z.string().default('sandbox-key'),
  NETSPEND_API_SECRET: z.string().default('sandbox-secret'),
  NETSPEND_WEBHOOK_SECRET: z.string().min(16).default('netspend-sandbox-webhook-secret'),
  /**
   * ASSUMED: Netspend shares an HMAC key but publishes neither the header nor the encoding of the signature, so
   * both are settings (the defaults are the simulator's choice); set them to what Netspend's onboarding kit says.
   */
  NETSPEND_WEBHOOK_SIGNATURE_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name')
    .transform((header) => header.toLowerCase())
    .default('ns-signature'),
  NETSPEND_WEBHOOK_SIGNATURE_ENCODING: z.enum(['hex', 'base64']).default('hex'),
  /** Account creation contexts (`provided_id`) Netspend configured for the partner, used when a start names none. */
  NETSPEND_DDA_PROVIDED_ID: z.string().min(1).default('sandbox-dda-checking'),
  NETSPEND_GPR_PROVIDED_ID: z.string().min(1).default('sandbox-gpr-prepaid'),
  NETSPEND_RATE_LIMIT_PER_SECOND: rateLimit,
};
