/** Green Dot's environment variables: merged into the one config schema by ./index.ts. */
import { z } from 'zod';
import { rateLimit, url } from './types.js';

const list = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .refine((items) => items.length > 0, 'at least one comma-separated value');
const secretList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .refine(
    (items) => items.length > 0 && items.every((item) => item.length >= 16),
    'comma-separated, 16+ characters each',
  );

export const greendotConfig = {
  GREENDOT_BASE_URL: url.default('http://127.0.0.1:4010/greendot'),
  GREENDOT_CLIENT_ID: z.string().min(1).default('greendot-sandbox-client'),
  GREENDOT_CLIENT_SECRET: z.string().min(1).default('greendot-sandbox-secret'),
  /** Every resource lives under `/programs/{programCode}`. */
  GREENDOT_PROGRAM_CODE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('sandbox-program'),
  /** The product a start enrolls in unless its `greendot.productCode` names another. */
  GREENDOT_PRODUCT_CODE: z
    .string()
    .regex(/^[A-Za-z0-9]{1,16}$/)
    .default('50001'),
  /** The terms the program requires at enrollment (identifiers as Green Dot configured them). */
  GREENDOT_TERMS_IDENTIFIERS: list.default(['eSignConsent', 'cardholderAgreement']),
  /** What Green Dot presents (Basic) to our token endpoint before it pushes webhooks. */
  GREENDOT_WEBHOOK_CLIENT_ID: z.string().min(1).default('greendot-webhook-client'),
  GREENDOT_WEBHOOK_CLIENT_SECRET: z.string().min(16).default('greendot-webhook-secret'),
  /** Bearer tokens we issue to Green Dot (the first is handed out; the others still accepted during a rotation). */
  GREENDOT_WEBHOOK_TOKENS: secretList.default(['greendot-sandbox-webhook-token-change-me']),
  /** Or the API key Green Dot sends as `x-api-key`, when the partner configured that instead of a token. */
  GREENDOT_WEBHOOK_API_KEYS: secretList.default(['greendot-sandbox-webhook-key']),
  GREENDOT_RATE_LIMIT_PER_SECOND: rateLimit,
};
