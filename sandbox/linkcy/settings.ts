/**
 * The simulator's adjustable behaviour (ours): read from SANDBOX_LINKCY_* at start and on reset, changed through
 * `PUT /_sandbox/linkcy/settings`. Credentials and the webhook secret are fixed at start and never shown.
 */
import { z } from 'zod';

export const settingsSchema = z
  .object({
    otpCode: z.string().regex(/^[0-9]{6}$/),
    otpTtlSeconds: z.number().int().min(1),
    otpMaxAttempts: z.number().int().min(1),
    otpResendIntervalSeconds: z.number().int().min(0),
    otpMaxSendsPerHour: z.number().int().min(1),
    kycVerificationDelayMs: z.number().int().min(0),
    /** null: nobody finishes the hosted page unless a test or script plays the customer through the controls. */
    kycAutoCompleteMs: z.number().int().min(0).nullable(),
    kycLinkTtlHours: z.number().int().min(1),
    emailLinkTtlHours: z.number().int().min(1),
    tokenTtlSeconds: z.number().int().min(1),
    refreshTtlSeconds: z.number().int().min(1),
  })
  .strict();
export type LinkcySettings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: LinkcySettings = {
  otpCode: '123456',
  otpTtlSeconds: 600,
  otpMaxAttempts: 5,
  otpResendIntervalSeconds: 30,
  otpMaxSendsPerHour: 5,
  kycVerificationDelayMs: 2000,
  kycAutoCompleteMs: null,
  kycLinkTtlHours: 720,
  emailLinkTtlHours: 48,
  tokenTtlSeconds: 3600,
  refreshTtlSeconds: 86_400,
};

const ENV_NAMES: Record<Exclude<keyof LinkcySettings, 'otpCode'>, string> = {
  otpTtlSeconds: 'SANDBOX_LINKCY_OTP_TTL_SECONDS',
  otpMaxAttempts: 'SANDBOX_LINKCY_OTP_MAX_ATTEMPTS',
  otpResendIntervalSeconds: 'SANDBOX_LINKCY_OTP_RESEND_INTERVAL_SECONDS',
  otpMaxSendsPerHour: 'SANDBOX_LINKCY_OTP_MAX_SENDS_PER_HOUR',
  kycVerificationDelayMs: 'SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS',
  kycAutoCompleteMs: 'SANDBOX_LINKCY_KYC_AUTO_COMPLETE_MS',
  kycLinkTtlHours: 'SANDBOX_LINKCY_KYC_LINK_TTL_HOURS',
  emailLinkTtlHours: 'SANDBOX_LINKCY_EMAIL_LINK_TTL_HOURS',
  tokenTtlSeconds: 'SANDBOX_LINKCY_TOKEN_TTL_SECONDS',
  refreshTtlSeconds: 'SANDBOX_LINKCY_REFRESH_TTL_SECONDS',
};

export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): LinkcySettings {
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  const otpCode = env.SANDBOX_LINKCY_OTP_CODE;
  if (otpCode) settings.otpCode = otpCode;
  for (const [key, envName] of Object.entries(ENV_NAMES)) {
    const raw = env[envName];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${envName} must be a non-negative integer, got ${raw}`);
    settings[key] = value;
  }
  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    const envName = key === 'otpCode' ? 'SANDBOX_LINKCY_OTP_CODE' : ENV_NAMES[key as keyof typeof ENV_NAMES];
    throw new Error(`${envName} is invalid: ${issue.message}`);
  }
  return parsed.data;
}

export interface LinkcyCredentials {
  partnerName: string;
  userName: string;
  password: string;
  webhookSecret: string;
  termsVersion: string;
}

export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): LinkcyCredentials {
  const webhookSecret = env.SANDBOX_LINKCY_WEBHOOK_SECRET || 'whsec_bGlua2N5LXNhbmRib3gtd2ViaG9vay1zZWNyZXQta2V5';
  if (!webhookSecret.startsWith('whsec_') || Buffer.from(webhookSecret.slice(6), 'base64').length < 16) {
    throw new Error('SANDBOX_LINKCY_WEBHOOK_SECRET must be whsec_ followed by a base64 key of at least 16 bytes');
  }
  return {
    partnerName: env.SANDBOX_LINKCY_PARTNER_NAME || 'sandbox-partner',
    userName: env.SANDBOX_LINKCY_USERNAME || 'sandbox-user',
    password: env.SANDBOX_LINKCY_PASSWORD || 'sandbox-password',
    webhookSecret,
    termsVersion: env.SANDBOX_LINKCY_TERMS_VERSION || '1.0',
  };
}
