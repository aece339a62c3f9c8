/**
 * Netspend in the client library and the gateway: the start body's `netspend` block, the bodies of Netspend's
 * customer actions and their Updates, and its webhook intake. The deterministic contract is contract/netspend.ts.
 */
import { z } from 'zod';
import {
  NETSPEND_ACTIONS,
  NETSPEND_CARD_TYPES,
  NETSPEND_PROVIDER,
  NETSPEND_REQUIRED_APPLICANT_FIELDS,
  NETSPEND_WORKFLOW_TYPE,
  netspendAcceptAgreementsUpdate,
  netspendActivateCardUpdate,
  netspendAnswerExpectedUseUpdate,
  netspendChooseCardUpdate,
  netspendCureKycUpdate,
  netspendUploadKycDocumentsUpdate,
  NETSPEND_KYC_DOCUMENT_MAX_BYTES,
} from '../../contract/netspend.js';
import type {
  NetspendAcceptAgreementsInput,
  NetspendActivateCardActionData,
  NetspendAgreementsActionData,
  NetspendChooseCardActionData,
  NetspendCureKycActionData,
  NetspendExpectedUseActionData,
  NetspendUploadKycDocumentsActionData,
  NetspendActivateCardInput,
  NetspendAnswersInput,
  NetspendChooseCardInput,
  NetspendUploadKycDocumentsInput,
} from '../../contract/netspend.js';
import { DOCUMENT_CONTENT_TYPES, PIN_MESSAGE, documentSizeRule, pinRule, usAddressRule } from '../../contract/rules.js';
import { defineAction, defineClientProvider, storeDocuments } from '../provider-definition.js';
import { addressSchema, zodRule, zodShapeRule } from '../schemas.js';
import { createNetspendWebhookIntake } from '../webhooks/netspend.js';

// --- the start block --------------------------------------------------------------------------------------------

/** Netspend's device fingerprint (from its SDK) is opaque to us; the cap keeps a start body from carrying a blob. */
export const MAX_NETSPEND_DEVICE_DATA_CHARS = 16 * 1024;

/**
 * The start body's `netspend` block: the account-creation context to open under, named directly (`providedId`,
 * Netspend's `provided_id` as configured for the partner) or by account type (the worker maps DDA/GPR to its
 * configured context). Either is enough; with both, `providedId` decides.
 */
export const netspendProviderInputSchema = z
  .object({
    providedId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a Netspend provided_id: 1-64 of A-Z a-z 0-9 _ . -')
      .optional(),
    accountType: z.enum(['DDA', 'GPR']).optional(),
    /** The Netspend SDK's encrypted device data, passed through to the session as-is. */
    deviceData: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .refine(
        (value) => (typeof value === 'string' ? value : JSON.stringify(value)).length <= MAX_NETSPEND_DEVICE_DATA_CHARS,
        `at most ${MAX_NETSPEND_DEVICE_DATA_CHARS} characters`,
      )
      .optional(),
  })
  .refine((block) => block.providedId !== undefined || block.accountType !== undefined, {
    message: 'give providedId or accountType (DDA or GPR)',
  })
  .meta({ id: 'NetspendProviderInput' });

// --- customer actions -------------------------------------------------------------------------------------------
// The onboarding re-checks each against what Netspend offered (ids, answers, brands) and answers 422 naming the
// field; these schemas only refuse what is malformed before it reaches the onboarding.

const netspendIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'an id as shown in the pending action');

export const netspendAcceptAgreementsBodySchema = z
  .object({
    /** Any subset of the pending action's `data.agreements[].agreementId`; repeat until all are accepted. */
    agreementIds: z.array(netspendIdSchema).min(1, 'at least one agreement id').max(20),
  })
  .meta({ id: 'NetspendAcceptAgreementsBody' });

export const netspendAnswersBodySchema = z
  .object({
    /** One answer per question of the pending action's `data.questions`. */
    answers: z
      .array(z.object({ questionId: netspendIdSchema, answerId: netspendIdSchema }))
      .min(1, 'one answer per question')
      .max(20)
      .refine((answers) => new Set(answers.map((a) => a.questionId)).size === answers.length, {
        message: 'each question at most once',
      }),
  })
  .meta({ id: 'NetspendAnswersBody' });

export const netspendChooseCardBodySchema = z
  .object({
    type: z.enum(NETSPEND_CARD_TYPES),
    /** One of the pending action's `data.brands[].brandName`. */
    brandName: netspendIdSchema,
    /** Physical cards only; the applicant's address when absent. */
    shippingAddress: addressSchema.superRefine(zodShapeRule(usAddressRule)).optional(),
  })
  .refine((body) => body.type === 'physical' || body.shippingAddress === undefined, {
    message: 'only a physical card is shipped',
    path: ['shippingAddress'],
  })
  .meta({ id: 'NetspendChooseCardBody' });

/** The PIN never appears in an error: the messages name the rule only (zod does not echo input by default). */
export const netspendActivateCardBodySchema = z
  .object({
    pin: z.string(PIN_MESSAGE).superRefine(zodRule(pinRule)),
  })
  .meta({ id: 'NetspendActivateCardBody' });

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const decodedBytes = (base64: string): number =>
  Math.floor((base64.length * 3) / 4) - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);

/**
 * KYC documents for Netspend's document request: the types come from the pending action (`data.documents`), which
 * the onboarding checks; here only the shape, the content type and the size limit.
 */
export const netspendUploadKycDocumentsBodySchema = z
  .object({
    documents: z
      .array(
        z
          .object({
            type: z.string().regex(/^[a-z0-9_]{1,64}$/, 'a document type from the pending action'),
            contentType: z.enum(DOCUMENT_CONTENT_TYPES),
            contentBase64: z
              .string()
              .min(4, 'the document is empty')
              .refine((value) => value.length % 4 === 0 && base64Pattern.test(value), 'must be standard base64'),
          })
          .superRefine((document, context) => {
            const problem = documentSizeRule(NETSPEND_KYC_DOCUMENT_MAX_BYTES)(decodedBytes(document.contentBase64));
            if (problem) context.addIssue({ code: 'custom', message: problem, path: ['contentBase64'] });
          }),
      )
      .min(1)
      .max(10)
      .refine((documents) => new Set(documents.map((d) => d.type)).size === documents.length, {
        message: 'each document type at most once per upload',
      }),
  })
  .meta({ id: 'NetspendUploadKycDocumentsBody' });

/** Base64 grows a document by a third; a little room for the JSON around it. */
const KYC_UPLOAD_BODY_LIMIT_BYTES = Math.ceil((NETSPEND_KYC_DOCUMENT_MAX_BYTES * 4) / 3) + 1024 * 1024;

export type NetspendAcceptAgreementsBody = z.infer<typeof netspendAcceptAgreementsBodySchema>;
export type NetspendAnswersBody = z.infer<typeof netspendAnswersBodySchema>;
export type NetspendChooseCardBody = z.infer<typeof netspendChooseCardBodySchema>;
export type NetspendActivateCardBody = z.infer<typeof netspendActivateCardBodySchema>;

// --- pending-action data (what the customer is shown); `satisfies` keeps them equal to contract/netspend.ts ---

const netspendQuestionSchema = z.object({
  questionId: z.string(),
  text: z.string(),
  answers: z.array(z.object({ answerId: z.string(), text: z.string() })),
});

export const netspendCureKycActionDataSchema = z
  .object({ method: z.literal('identity_questions'), questions: z.array(netspendQuestionSchema) })
  .meta({ id: 'NetspendCureKycActionData' }) satisfies z.ZodType<NetspendCureKycActionData>;

export const netspendUploadKycDocumentsActionDataSchema = z
  .object({
    method: z.literal('provide_documents'),
    documentRequestId: z.string(),
    documents: z.array(z.object({ type: z.string(), received: z.boolean() })),
    contentTypes: z.array(z.string()),
    maxBytes: z.number().int(),
  })
  .meta({ id: 'NetspendUploadKycDocumentsActionData' }) satisfies z.ZodType<NetspendUploadKycDocumentsActionData>;

export const netspendAgreementsActionDataSchema = z
  .object({
    agreements: z.array(
      z.object({
        agreementId: z.string(),
        type: z.enum(['cardholder_terms', 'esign', 'privacy_policy']),
        name: z.string(),
        version: z.string(),
        url: z.string(),
        accepted: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'NetspendAcceptAgreementsActionData' }) satisfies z.ZodType<NetspendAgreementsActionData>;

export const netspendExpectedUseActionDataSchema = z
  .object({ questions: z.array(netspendQuestionSchema) })
  .meta({ id: 'NetspendAnswerExpectedUseActionData' }) satisfies z.ZodType<NetspendExpectedUseActionData>;

export const netspendChooseCardActionDataSchema = z
  .object({
    cardTypes: z.array(z.enum(NETSPEND_CARD_TYPES)),
    brands: z.array(
      z.object({
        brandName: z.string(),
        displayName: z.string(),
        network: z.string(),
        imageUrl: z.string().nullable(),
      }),
    ),
    defaultShippingAddress: z.literal('applicant'),
  })
  .meta({ id: 'NetspendChooseCardActionData' }) satisfies z.ZodType<NetspendChooseCardActionData>;

export const netspendActivateCardActionDataSchema = z
  .object({ cardId: z.string(), brandName: z.string().nullable(), pinFormat: z.literal('four digits') })
  .meta({ id: 'NetspendActivateCardActionData' }) satisfies z.ZodType<NetspendActivateCardActionData>;

// --- the definition ---------------------------------------------------------------------------------------------

export const netspendClientProvider = defineClientProvider({
  provider: NETSPEND_PROVIDER,
  workflowType: NETSPEND_WORKFLOW_TYPE,
  requiredApplicantFields: NETSPEND_REQUIRED_APPLICANT_FIELDS,
  blockSchema: netspendProviderInputSchema,
  actions: {
    [NETSPEND_ACTIONS.cureKyc]: defineAction({
      update: netspendCureKycUpdate,
      summary:
        "The customer answers Netspend's identity questions (pending action data.questions) to cure a conditional " +
        'or rejected KYC.',
      bodySchema: netspendAnswersBodySchema,
      dataSchema: netspendCureKycActionDataSchema,
      toUpdateArgument: async (body): Promise<NetspendAnswersInput> => ({ answers: body.answers }),
    }),
    [NETSPEND_ACTIONS.uploadKycDocuments]: defineAction({
      update: netspendUploadKycDocumentsUpdate,
      summary:
        'The customer hands over the documents Netspend asked for to cure a rejected KYC (pending action ' +
        'data.documents). Images are stored outside the workflow (claim check); only references reach it.',
      bodySchema: netspendUploadKycDocumentsBodySchema,
      dataSchema: netspendUploadKycDocumentsActionDataSchema,
      maxBodyBytes: KYC_UPLOAD_BODY_LIMIT_BYTES,
      toUpdateArgument: async (body, deps): Promise<NetspendUploadKycDocumentsInput> => ({
        documents: await storeDocuments(body.documents, deps),
      }),
    }),
    [NETSPEND_ACTIONS.acceptAgreements]: defineAction({
      update: netspendAcceptAgreementsUpdate,
      summary:
        'The customer accepts Netspend agreements by id (pending action data.agreements), in one call or several.',
      bodySchema: netspendAcceptAgreementsBodySchema,
      dataSchema: netspendAgreementsActionDataSchema,
      toUpdateArgument: async (body): Promise<NetspendAcceptAgreementsInput> => ({
        agreementIds: [...new Set(body.agreementIds)],
      }),
    }),
    [NETSPEND_ACTIONS.answerExpectedUse]: defineAction({
      update: netspendAnswerExpectedUseUpdate,
      summary: "The customer answers Netspend's expected-use questions (DDA accounts only).",
      bodySchema: netspendAnswersBodySchema,
      dataSchema: netspendExpectedUseActionDataSchema,
      toUpdateArgument: async (body): Promise<NetspendAnswersInput> => ({ answers: body.answers }),
    }),
    [NETSPEND_ACTIONS.chooseCard]: defineAction({
      update: netspendChooseCardUpdate,
      summary:
        'The customer picks a card type and brand (pending action data.brands) and, for a physical card, where to ship it.',
      bodySchema: netspendChooseCardBodySchema,
      dataSchema: netspendChooseCardActionDataSchema,
      toUpdateArgument: async (body): Promise<NetspendChooseCardInput> => ({
        type: body.type,
        brandName: body.brandName,
        ...(body.shippingAddress ? { shippingAddress: body.shippingAddress } : {}),
      }),
    }),
    [NETSPEND_ACTIONS.activateCard]: defineAction({
      update: netspendActivateCardUpdate,
      summary: 'The customer sets the PIN of the physical card they received (four digits), which activates it.',
      bodySchema: netspendActivateCardBodySchema,
      dataSchema: netspendActivateCardActionDataSchema,
      // Checked in clear above (four digits), sealed here: the Update and the activity carry only `{sealed}`.
      toUpdateArgument: async (body, deps): Promise<NetspendActivateCardInput> => ({
        pin: deps.secrets.seal(body.pin),
      }),
    }),
  },
  createWebhookIntake: (config) => createNetspendWebhookIntake(config),
});
