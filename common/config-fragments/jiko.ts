/** Jiko's environment variables: merged into the one config schema by ./index.ts. */
import { z } from 'zod';
import { rateLimit, url } from './types.js';

export const jikoConfig = {
  JIKO_BASE_URL: url.default('http://127.0.0.1:4010/jiko'),
  JIKO_USERNAME: z.string().default('sandbox-partner'),
  JIKO_PASSWORD: z.string().default('sandbox-password'),
  /** Key for request signatures (x-jiko-signature). */
  JIKO_SIGNING_SECRET: z.string().min(16).default('jiko-sandbox-signing-secret'),
  /** The shared secret of our Jiko webhook subscription: verifies x-jiko-signature on deliveries. */
  JIKO_WEBHOOK_SECRET: z.string().min(16).default('jiko-sandbox-webhook-secret'),
  JIKO_RATE_LIMIT_PER_SECOND: rateLimit,
};
