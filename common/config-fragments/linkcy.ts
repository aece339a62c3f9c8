/** Linkcy's environment variables: merged into the one config schema by ./index.ts. */
import { z } from 'zod';
import { rateLimit, url } from './types.js';

export const linkcyConfig = {
  LINKCY_BASE_URL: url.default('http://127.0.0.1:4010/linkcy'),
  /** Partner login (`userName`, `partnerName`, `password`). */
  LINKCY_USERNAME: z.string().min(1).default('sandbox-user'),
  LINKCY_PASSWORD: z.string().min(1).default('sandbox-password'),
  LINKCY_PARTNER_NAME: z.string().min(1).default('sandbox-partner'),
  /** The Svix endpoint secret (`whsec_<base64 key>`) from Linkcy's webhook portal; several comma-separated in a rotation. */
  LINKCY_WEBHOOK_SECRET: z
    .string()
    .regex(/^(whsec_)?[A-Za-z0-9+/=]{16,}(,(whsec_)?[A-Za-z0-9+/=]{16,})*$/, 'whsec_ followed by a base64 key')
    .default('whsec_bGlua2N5LXNhbmRib3gtd2ViaG9vay1zZWNyZXQta2V5'),
  /** The language of the terms and conditions shown to customers (Linkcy's default: English). */
  LINKCY_TERMS_LANGUAGE: z.enum(['EN', 'FR']).default('EN'),
  LINKCY_RATE_LIMIT_PER_SECOND: rateLimit,
};
