import { z } from 'zod';

/**
 * Every environment variable the engine reads, validated once at start. A bad value stops the process with a
 * message naming the variable. The Temporal connection itself (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key)
 * is read by @temporalio/envconfig in common/temporal.ts, with the names the Temporal CLI and Temporal Cloud use.
 */
import { port, url, duration, bool } from './config-fragments/types.js';
import { PROVIDER_CONFIG } from './config-fragments/index.js';
import { ApiKeysInvalid, parseApiKeys } from './api-keys.js';
import {
  DEFAULT_PII_KEYS_FILE,
  DEFAULT_SECRET_SEAL_KEYS_FILE,
  secretsAtTheirDefault,
  withPiiKeysFromFile,
} from './config-guards.js';
import { parsePiiKeys, PiiKeyError } from './codec.js';
import { parseCodecUiScopes } from './codec-masking.js';

/** What every process reads whatever the providers; each provider's own variables are a fragment merged below. */
export const coreConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),

  /** Task queue names are `${TASK_QUEUE_PREFIX}-<provider>`; webhook deliveries use `${TASK_QUEUE_PREFIX}-webhooks`. */
  TASK_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default('onboarding'),

  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port.default(3000),
  /** Public base URL of the gateway, used in links (e.g. codec endpoint) and by the sandbox to post webhooks. */
  GATEWAY_PUBLIC_URL: url.default('http://127.0.0.1:3000'),
  /**
   * API keys accepted as `Authorization: Bearer <key>` on /v1 and /codec, comma-separated: `<key>`,
   * `<identity>:<key>` or `<identity>:<key>:<scope>+<scope>` (scopes: onboarding, operator, pii.read; see
   * common/api-keys.ts).
   */
  GATEWAY_API_KEYS: z
    .string()
    .min(1)
    .superRefine((spec, context) => {
      try {
        parseApiKeys(spec);
      } catch (err) {
        if (!(err instanceof ApiKeysInvalid)) throw err;
        context.addIssue({ code: 'custom', message: err.message });
      }
    })
    .default('dev-api-key'),
  /** Origin of the Temporal Web UI allowed to call the codec endpoint (CORS). */
  TEMPORAL_UI_URL: url.default('http://127.0.0.1:8233'),
  /**
   * Local development only: accept codec requests from the Web UI's origin without an API key (the dev UI sends
   * none). Never in production: a non-browser client can claim any Origin.
   */
  GATEWAY_CODEC_TRUST_UI_ORIGIN: bool.default(false),
  /** Who may scrape the gateway's GET /metrics: `open` (no credentials), `api-key` (a GATEWAY_API_KEYS key), `off`. */
  GATEWAY_METRICS: z.enum(['open', 'api-key', 'off']).default('open'),
  /**
   * The scopes of that trusted Web UI origin (caller `web-ui-origin`), `+`-separated; empty (the default) = none,
   * so its decoded payloads come back with PII masked. `pii.read` shows them in clear.
   */
  GATEWAY_CODEC_UI_SCOPES: z
    .string()
    .superRefine((spec, context) => {
      const problem = parseCodecUiScopes(spec).problem;
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .default(''),

  WORKER_METRICS_PORT: port.default(9464),
  /** Interface the worker's Prometheus endpoint binds (0.0.0.0 in a container); WORKER_METRICS_PORT=0 turns it off. */
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  /** Seconds a worker waits for running activities to finish on SIGTERM before it gives up. */
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().positive().default(30),

  /** Where PII_KEYS is read from when the variable is not set (the key `npm start` generates and keeps). */
  PII_KEYS_FILE: z.string().default(DEFAULT_PII_KEYS_FILE),
  /** PII payload codec keys: `keyId:base64(32 bytes)` comma-separated; the first one encrypts, all decrypt. */
  PII_KEYS: z
    .string()
    .min(1, 'set PII_KEYS to keyId:base64key[,oldKeyId:base64key] (32-byte AES-256 keys)')
    .default('dev-2026:ZGV2LW9ubHkta2V5LW5ldmVyLXVzZS1pbi1wcm9kISE='),
  /** Where SECRET_SEAL_KEYS is read from when the variable is not set (the key `npm start` generates and keeps). */
  SECRET_SEAL_KEYS_FILE: z.string().default(DEFAULT_SECRET_SEAL_KEYS_FILE),
  /**
   * Keys that seal secrets (PINs, SMS codes) at the edge, `keyId:base64(32 bytes)` like PII_KEYS (the first seals,
   * all open). Held by the gateway/library and the worker only: never give it to a codec endpoint.
   */
  SECRET_SEAL_KEYS: z
    .string()
    .min(1, 'set SECRET_SEAL_KEYS to keyId:base64key[,oldKeyId:base64key] (32-byte AES-256 keys)')
    .superRefine((spec, context) => {
      try {
        parsePiiKeys(spec);
      } catch (err) {
        if (!(err instanceof PiiKeyError)) throw err;
        context.addIssue({ code: 'custom', message: err.message.replaceAll('PII_KEYS', 'SECRET_SEAL_KEYS') });
      }
    })
    .default('dev-seal-2026:ZGV2LW9ubHktc2VjcmV0LXNlYWwta2V5LWNoYW5nZSE='),
  /** Where uploaded documents (claim checks) are kept, encrypted; must be shared by gateway and worker. */
  DOCUMENT_STORE_DIR: z.string().default('.data/documents'),
  /** Where the gateway durably records received webhooks before acknowledging them. */
  WEBHOOK_INBOX_DIR: z.string().default('.data/webhooks'),

  /** Outbound events (reminders, state changes) go here, signed with OUTBOUND_WEBHOOK_SECRET; unset = logged only. */
  OUTBOUND_WEBHOOK_URL: url.optional(),
  OUTBOUND_WEBHOOK_SECRET: z
    .string()
    .regex(
      /^whsec_[A-Za-z0-9+/]{22,}={0,2}$/,
      'a Standard Webhooks secret: whsec_ followed by a base64 key (16+ bytes)',
    )
    .default('whsec_ZGV2LW91dGJvdW5kLXNlY3JldC1jaGFuZ2UtbWU='),

  /** When each delivery attempt of an outbound event goes out after the previous one failed (Svix's schedule). */
  OUTBOUND_RETRY_SCHEDULE: z
    .string()
    .regex(/^\d+(ms|s|m|h|d)(,\d+(ms|s|m|h|d))*$/, 'comma-separated durations such as 0s,5s,5m,30m')
    .default('0s,5s,5m,30m,2h,5h,10h,10h'),

  SANDBOX_HOST: z.string().default('127.0.0.1'),
  SANDBOX_PORT: port.default(4010),

  /** Default deadlines for waits on a person; each start may override them. */
  DEFAULT_CUSTOMER_EXPIRY: duration.default('14d'),
  DEFAULT_CUSTOMER_REMINDER: duration.default('2d'),
  DEFAULT_REVIEW_SLA: duration.default('3d'),
  /** Webhook timestamp tolerance where a provider signs one. */
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().positive().default(300),
  OPEN_BROWSER: bool.default(false),
};

export const configSchema = z.object({ ...coreConfigShape, ...PROVIDER_CONFIG });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The environment validated against `schema`: the engine's own by default, or one extended with a further
 * provider's fragment (`configSchema.extend(fragment)`), as a deployment or a test that adds a provider does.
 */
export function parseConfig<Schema extends z.ZodType<Config> = typeof configSchema>(
  env: Record<string, string | undefined> = process.env,
  schema?: Schema,
): z.output<Schema> {
  const effectiveSchema = schema ?? configSchema;
  const parsed = effectiveSchema.safeParse(withPiiKeysFromFile(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const variable = issue.path.join('.') || '(environment)';
      // Secrets are never echoed, whatever is wrong with them.
      const shown = /SECRET|PASSWORD|TOKEN|KEY/.test(variable) ? '(hidden)' : JSON.stringify(env[variable] ?? null);
      return `  ${variable}: ${issue.message} (got ${shown})`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data as z.output<Schema>;
  if (config.NODE_ENV === 'production' && 'shape' in effectiveSchema) {
    const published = secretsAtTheirDefault(effectiveSchema.shape as Record<string, z.ZodType>, config);
    if (published.length > 0) {
      throw new ConfigError(
        `Invalid configuration:\n${published
          .map((name) => `  ${name}: still the built-in development value; set your own for production`)
          .join('\n')}`,
      );
    }
  }
  return config;
}

let cached: Config | undefined;

/** The process's config; exits with the list of bad variables when the environment is wrong. */
export function loadConfig(): Config {
  if (cached) return cached;
  try {
    cached = parseConfig();
    return cached;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export function taskQueueFor(config: Pick<Config, 'TASK_QUEUE_PREFIX'>, provider: string): string {
  return `${config.TASK_QUEUE_PREFIX}-${provider}`;
}
