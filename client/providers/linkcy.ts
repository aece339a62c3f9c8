/**
 * Linkcy in the client library and the gateway: the start body's `linkcy` block, the bodies of Linkcy's customer
 * actions and their Updates, and its webhook intake. The deterministic contract is contract/linkcy.ts. Linkcy is
 * phone-first: the applicant needs only `phone`.
 */
import { z } from 'zod';
import {
  LINKCY_ACTIONS,
  LINKCY_CODE_MESSAGE,
  LINKCY_CODE_PATTERN,
  LINKCY_COUNTRY_CODES,
  LINKCY_EMAIL_MODES,
  LINKCY_KYC_ACCESS_TYPES,
  LINKCY_OCCUPATIONS,
  LINKCY_PROVIDER,
  LINKCY_REQUIRED_APPLICANT_FIELDS,
  LINKCY_SOURCES_OF_FUNDS,
  LINKCY_TEXT_MAX,
  LINKCY_WORKFLOW_TYPE,
  linkcyAcceptTermsUpdate,
  linkcyChangePhoneUpdate,
  linkcyPhoneProblem,
  linkcyResendCodeUpdate,
  linkcyResendEmailUpdate,
  linkcyVerifyPhoneUpdate,
} from '../../contract/linkcy.js';
import type {
  LinkcyAcceptTermsInput,
  LinkcyCompleteKycActionData,
  LinkcyTermsActionData,
  LinkcyVerifyEmailActionData,
  LinkcyVerifyPhoneActionData,
  LinkcyChangePhoneInput,
  LinkcyResendCodeInput,
  LinkcyVerifyPhoneInput,
} from '../../contract/linkcy.js';
import { defineAction, defineClientProvider } from '../provider-definition.js';
import { createLinkcyWebhookIntake } from '../webhooks/linkcy.js';

// --- the start block --------------------------------------------------------------------------------------------

const countryCodeSchema = z
  .string()
  .refine((code) => LINKCY_COUNTRY_CODES.includes(code), "one of Linkcy's phone country codes (digits, no +), e.g. 33");
const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' });
const otherText = z.string().trim().min(1, 'required').max(LINKCY_TEXT_MAX, `at most ${LINKCY_TEXT_MAX} characters`);

/** The start body's `linkcy` block; every field is optional (the phone itself is `applicant.phone`). */
export const linkcyProviderInputSchema = z
  .object({
    /** Splits `applicant.phone`; by default the longest listed code the number starts with. */
    phoneCountryCode: countryCodeSchema.optional(),
    /** Our id for the consumer at Linkcy; the customerRef by default. Never personal data. */
    externalId: z.string().min(1).max(LINKCY_TEXT_MAX, `at most ${LINKCY_TEXT_MAX} characters`).optional(),
    sourceOfFunds: z.enum(LINKCY_SOURCES_OF_FUNDS).optional(),
    otherSourceOfFunds: otherText.optional(),
    occupation: z.enum(LINKCY_OCCUPATIONS).optional(),
    otherOccupation: otherText.optional(),
    kyc: z
      .object({
        accessType: z.enum(LINKCY_KYC_ACCESS_TYPES).optional(),
        urlOnComplete: httpUrlSchema.optional(),
        urlOnFailure: httpUrlSchema.optional(),
      })
      .strict()
      .optional(),
    email: z.enum(LINKCY_EMAIL_MODES).optional(),
    emailVerification: z
      .object({ urlOnSuccess: httpUrlSchema.optional(), urlOnFailure: httpUrlSchema.optional() })
      .strict()
      .optional(),
    ledger: z
      .object({
        type: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'a Linkcy ledger type, e.g. EUR_BELGIUM'),
        friendlyName: z.string().trim().min(1).max(100).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((block, context) => {
    const pairs = [
      ['sourceOfFunds', 'otherSourceOfFunds'],
      ['occupation', 'otherOccupation'],
    ] as const;
    for (const [choice, text] of pairs) {
      if (block[choice] === 'OTHER' && block[text] === undefined) {
        context.addIssue({ code: 'custom', path: [text], message: `required when ${choice} is OTHER` });
      }
      if (block[choice] !== 'OTHER' && block[text] !== undefined) {
        context.addIssue({ code: 'custom', path: [text], message: `only with ${choice} OTHER` });
      }
    }
  })
  .meta({ id: 'LinkcyProviderInput' });

// --- customer actions -------------------------------------------------------------------------------------------

export const linkcyAcceptTermsBodySchema = z
  .object({ version: z.string().trim().min(1, 'required').max(32) })
  .meta({ id: 'LinkcyAcceptTermsBody' });

/** The code never appears in an error: the message names the rule only (zod does not echo input by default). */
export const linkcyVerifyPhoneBodySchema = z
  .object({ code: z.string(LINKCY_CODE_MESSAGE).regex(LINKCY_CODE_PATTERN, LINKCY_CODE_MESSAGE) })
  .meta({ id: 'LinkcyVerifyPhoneBody' });
/** The verifyPhone body as the customer's app sends it: the code in clear, sealed by the client before the Update. */
export type LinkcyVerifyPhoneBody = z.input<typeof linkcyVerifyPhoneBodySchema>;

export const linkcyEmptyBodySchema = z.object({}).strict().meta({ id: 'LinkcyEmptyBody' });

export const linkcyChangePhoneBodySchema = z
  .object({ phone: z.string(), phoneCountryCode: z.string().optional() })
  .superRefine((body, context) => {
    const problem = linkcyPhoneProblem(body.phone, body.phoneCountryCode);
    if (problem) context.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
  })
  .meta({ id: 'LinkcyChangePhoneBody' });

// --- what each pending action shows the customer (`pendingActions[].data`) ---------------------------------------

export const linkcyTermsActionDataSchema = z
  .object({ version: z.string(), url: z.string(), reacceptance: z.boolean() })
  .meta({ id: 'LinkcyTermsActionData' }) satisfies z.ZodType<LinkcyTermsActionData>;

export const linkcyVerifyPhoneActionDataSchema = z
  .object({
    channel: z.literal('sms'),
    codeFormat: z.literal('six digits'),
    codeExpiresAt: z.string(),
    newCodeRequired: z.boolean(),
    codesSent: z.number().int(),
    otherActions: z.array(z.string()),
    attemptsLeft: z.number().int().optional(),
  })
  .meta({ id: 'LinkcyVerifyPhoneActionData' }) satisfies z.ZodType<LinkcyVerifyPhoneActionData>;

export const linkcyCompleteKycActionDataSchema = z
  .object({
    kycId: z.string(),
    accessType: z.enum(LINKCY_KYC_ACCESS_TYPES),
    url: z.string().nullable(),
    sdkToken: z.string().nullable(),
    linkExpiresAt: z.string().nullable(),
    attempt: z.number().int(),
  })
  .meta({ id: 'LinkcyCompleteKycActionData' }) satisfies z.ZodType<LinkcyCompleteKycActionData>;

export const linkcyVerifyEmailActionDataSchema = z
  .object({ sentAt: z.string(), linkExpiresAt: z.string(), otherActions: z.array(z.string()) })
  .meta({ id: 'LinkcyVerifyEmailActionData' }) satisfies z.ZodType<LinkcyVerifyEmailActionData>;

export const linkcyClientProvider = defineClientProvider({
  provider: LINKCY_PROVIDER,
  workflowType: LINKCY_WORKFLOW_TYPE,
  requiredApplicantFields: LINKCY_REQUIRED_APPLICANT_FIELDS,
  // A phone-only start needs no block at all.
  blockSchema: linkcyProviderInputSchema.default({}),
  actions: {
    [LINKCY_ACTIONS.acceptTerms]: defineAction({
      update: linkcyAcceptTermsUpdate,
      summary: "The customer accepts Linkcy's terms and conditions: the version shown in the pending action.",
      bodySchema: linkcyAcceptTermsBodySchema,
      dataSchema: linkcyTermsActionDataSchema,
      toUpdateArgument: async (body): Promise<LinkcyAcceptTermsInput> => ({ version: body.version }),
    }),
    [LINKCY_ACTIONS.verifyPhone]: defineAction({
      update: linkcyVerifyPhoneUpdate,
      summary: 'The customer sends the six-digit code Linkcy sent by SMS; a wrong one is a 422 with the attempts left.',
      bodySchema: linkcyVerifyPhoneBodySchema,
      dataSchema: linkcyVerifyPhoneActionDataSchema,
      // Checked in clear above (six digits), sealed here: the Update and the activity carry only `{sealed}`.
      toUpdateArgument: async (body, deps): Promise<LinkcyVerifyPhoneInput> => ({ code: deps.secrets.seal(body.code) }),
    }),
    [LINKCY_ACTIONS.resendCode]: defineAction({
      update: linkcyResendCodeUpdate,
      summary: 'Linkcy sends a new SMS code (the previous one stops working); 409 while its resend limit holds.',
      bodySchema: linkcyEmptyBodySchema,
      toUpdateArgument: async (): Promise<LinkcyResendCodeInput> => ({}),
    }),
    [LINKCY_ACTIONS.changePhone]: defineAction({
      update: linkcyChangePhoneUpdate,
      summary: 'The customer gives another phone number (E.164); Linkcy texts a new code to it.',
      bodySchema: linkcyChangePhoneBodySchema,
      toUpdateArgument: async (body): Promise<LinkcyChangePhoneInput> => ({
        phone: body.phone,
        ...(body.phoneCountryCode ? { phoneCountryCode: body.phoneCountryCode } : {}),
      }),
    }),
    [LINKCY_ACTIONS.resendEmail]: defineAction({
      update: linkcyResendEmailUpdate,
      summary: 'Linkcy emails a new verification link (the previous one stops working).',
      bodySchema: linkcyEmptyBodySchema,
      toUpdateArgument: async (): Promise<Record<string, never>> => ({}),
    }),
  },
  actionsElsewhere: {
    [LINKCY_ACTIONS.completeKyc]: {
      summary: "The customer completes KYC on Linkcy's hosted page (or the SDK) opened from `data.url`.",
      dataSchema: linkcyCompleteKycActionDataSchema,
    },
    [LINKCY_ACTIONS.verifyEmail]: {
      summary: 'The customer clicks the verification link Linkcy emailed; resendEmail sends a new one.',
      dataSchema: linkcyVerifyEmailActionDataSchema,
    },
  },
  createWebhookIntake: (config) => createLinkcyWebhookIntake(config),
});
