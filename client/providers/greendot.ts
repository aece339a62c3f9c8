/**
 * Green Dot in the client library and the gateway: the start body's `greendot` block, the bodies of Green Dot's
 * customer actions and their Updates, and its webhook intake. The deterministic contract is contract/greendot.ts.
 */
import { z } from 'zod';
import {
  GREENDOT_ACTIONS,
  GREENDOT_ADJUSTMENT_TIMINGS,
  GREENDOT_CARD_KINDS,
  GREENDOT_PROVIDER,
  GREENDOT_REQUIRED_APPLICANT_FIELDS,
  GREENDOT_WALLETS,
  GREENDOT_WORKFLOW_TYPE,
  greendotAcceptTermsUpdate,
  greendotActivateCardUpdate,
  greendotPushProvisioningUpdate,
} from '../../contract/greendot.js';
import type {
  GreendotAcceptTermsActionData,
  GreendotActivateCardActionData,
  GreendotPushProvisioningActionData,
  GreendotAcceptTermsInput,
  GreendotActivateCardInput,
  GreendotPushProvisioningInput,
} from '../../contract/greendot.js';
import { defineAction, defineClientProvider } from '../provider-definition.js';
import { durationSchema } from '../schemas.js';
import { createGreendotWebhookIntake } from '../webhooks/greendot.js';

const identifierSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'an identifier as Green Dot names it');
const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO-8601 time');

// --- the start block --------------------------------------------------------------------------------------------

export const greendotProviderInputSchema = z
  .object({
    productCode: z
      .string()
      .regex(/^[A-Za-z0-9]{1,16}$/, 'a Green Dot product code, e.g. 50001')
      .optional(),
    /** Acceptances collected by the caller; missing or older than 720 h, the customer is asked (acceptTerms). */
    termsAcceptances: z
      .array(
        z.object({
          termsIdentifier: identifierSchema,
          acceptedAt: isoTime.refine((value) => Date.parse(value) <= Date.now() + 5 * 60_000, 'not in the future'),
        }),
      )
      .max(20)
      .optional(),
    card: z.object({ issue: z.enum(GREENDOT_CARD_KINDS) }).optional(),
    pushProvisioning: z.object({ wallet: z.enum(GREENDOT_WALLETS) }).optional(),
    welcomeAdjustment: z
      .object({
        amount: z.number().positive('a credit: more than 0').max(10_000),
        currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
        adjustmentType: z.string().regex(/^[A-Za-z]{1,32}$/, 'a Green Dot adjustment type such as promo'),
        description: z.string().min(1).max(100),
        timing: z.enum(GREENDOT_ADJUSTMENT_TIMINGS).optional(),
      })
      .optional(),
    transactions: z
      .object({ verifyAdjustmentPosted: z.boolean().optional(), notBefore: durationSchema.optional() })
      .optional(),
  })
  .refine((block) => !block.transactions?.verifyAdjustmentPosted || block.welcomeAdjustment !== undefined, {
    message: 'verifyAdjustmentPosted needs a welcomeAdjustment',
    path: ['transactions', 'verifyAdjustmentPosted'],
  })
  .meta({ id: 'GreendotProviderInput' });

// --- customer actions -------------------------------------------------------------------------------------------

export const greendotAcceptTermsBodySchema = z
  .object({ termsIdentifiers: z.array(identifierSchema).min(1, 'every terms identifier shown').max(20) })
  .meta({ id: 'GreendotAcceptTermsBody' });

export const greendotActivateCardBodySchema = z.object({}).strict().meta({ id: 'GreendotActivateCardBody' });

const base64Text = (max: number) => z.string().regex(new RegExp(`^[A-Za-z0-9+/=]{1,${max}}$`), 'base64 text');
const deviceText = z.string().regex(/^[A-Za-z0-9+/=_.:-]{1,512}$/, '1-512 of letters, digits and + / = _ . : -');

export const greendotPushProvisioningBodySchema = z
  .object({
    walletType: z.enum(GREENDOT_WALLETS),
    deviceId: deviceText,
    walletAccountId: deviceText,
    certificates: z.array(base64Text(8192)).max(5).optional(),
    nonce: base64Text(512).optional(),
    nonceSignature: base64Text(512).optional(),
  })
  .refine(
    (body) => body.walletType !== 'applePay' || (body.certificates?.length && body.nonce && body.nonceSignature),
    { message: 'Apple Pay needs certificates, nonce and nonceSignature', path: ['certificates'] },
  )
  .meta({ id: 'GreendotPushProvisioningBody' });

// --- pending-action data (what the customer is shown); `satisfies` keeps them equal to contract/greendot.ts ---

export const greendotAcceptTermsActionDataSchema = z
  .object({ terms: z.array(z.object({ termsIdentifier: z.string(), name: z.string(), url: z.string().nullable() })) })
  .meta({ id: 'GreendotAcceptTermsActionData' }) satisfies z.ZodType<GreendotAcceptTermsActionData>;

export const greendotActivateCardActionDataSchema = z
  .object({ paymentInstrumentIdentifier: z.string(), type: z.string() })
  .meta({ id: 'GreendotActivateCardActionData' }) satisfies z.ZodType<GreendotActivateCardActionData>;

export const greendotPushProvisioningActionDataSchema = z
  .object({ paymentInstrumentIdentifier: z.string(), walletType: z.enum(GREENDOT_WALLETS) })
  .meta({ id: 'GreendotPushProvisioningActionData' }) satisfies z.ZodType<GreendotPushProvisioningActionData>;

// --- the definition ---------------------------------------------------------------------------------------------

export const greendotClientProvider = defineClientProvider({
  provider: GREENDOT_PROVIDER,
  workflowType: GREENDOT_WORKFLOW_TYPE,
  requiredApplicantFields: GREENDOT_REQUIRED_APPLICANT_FIELDS,
  blockSchema: greendotProviderInputSchema.default({}),
  actions: {
    [GREENDOT_ACTIONS.acceptTerms]: defineAction({
      update: greendotAcceptTermsUpdate,
      summary: "The customer accepts Green Dot's terms (pending action data.terms): every identifier at once.",
      bodySchema: greendotAcceptTermsBodySchema,
      dataSchema: greendotAcceptTermsActionDataSchema,
      toUpdateArgument: async (body): Promise<GreendotAcceptTermsInput> => ({
        termsIdentifiers: [...new Set(body.termsIdentifiers)],
      }),
    }),
    [GREENDOT_ACTIONS.activateCard]: defineAction({
      update: greendotActivateCardUpdate,
      summary: 'The customer has received the physical card: Green Dot activates it (answered at once).',
      bodySchema: greendotActivateCardBodySchema,
      dataSchema: greendotActivateCardActionDataSchema,
      toUpdateArgument: async (): Promise<GreendotActivateCardInput> => ({}),
    }),
    [GREENDOT_ACTIONS.pushProvisioning]: defineAction({
      update: greendotPushProvisioningUpdate,
      summary:
        'The app sends wallet and device data; the answer carries the single-use wallet payload in actionResult.',
      bodySchema: greendotPushProvisioningBodySchema,
      dataSchema: greendotPushProvisioningActionDataSchema,
      toUpdateArgument: async (body): Promise<GreendotPushProvisioningInput> => ({
        walletType: body.walletType,
        deviceId: body.deviceId,
        walletAccountId: body.walletAccountId,
        ...(body.certificates ? { certificates: body.certificates } : {}),
        ...(body.nonce ? { nonce: body.nonce } : {}),
        ...(body.nonceSignature ? { nonceSignature: body.nonceSignature } : {}),
      }),
    }),
  },
  createWebhookIntake: (config) => createGreendotWebhookIntake(config),
});
