/**
 * Jiko in the client library and the gateway: the start body's `jiko` block, the bodies of Jiko's customer actions
 * and their Updates, and its webhook intake. The deterministic contract (types, Updates, limits) is contract/jiko.ts.
 */
import { z } from 'zod';
import {
  JIKO_DOCUMENT_MAX_BYTES,
  JIKO_DOCUMENT_TYPES,
  JIKO_IDENTIFICATION_TYPES,
  JIKO_PROVIDER,
  JIKO_REQUIRED_APPLICANT_FIELDS,
  JIKO_WORKFLOW_TYPE,
  acceptAgreementsUpdate,
  isNineDigitIdentification,
  uploadDocumentsUpdate,
} from '../../contract/jiko.js';
import type { JikoAgreementBundle, JikoDocumentsActionData, UploadDocumentsInput } from '../../contract/jiko.js';
import { DOCUMENT_CONTENT_TYPES, documentSizeRule } from '../../contract/rules.js';
import { defineAction, defineClientProvider, storeDocuments } from '../provider-definition.js';
import type { StartProblem } from '../provider-definition.js';
import { isoDateTimeSchema } from '../schemas.js';
import { createJikoWebhookIntake } from '../webhooks/jiko.js';

// --- the start block --------------------------------------------------------------------------------------------

const jikoIncome = z.enum(['BELOW_50K', 'BETWEEN_50K_AND_100K', 'BETWEEN_100K_AND_250K', 'OVER_250K']);
const jikoNetWorth = z.enum([
  'BELOW_50K',
  'BETWEEN_50K_AND_200K',
  'BETWEEN_200K_AND_1M',
  'BETWEEN_1M_AND_5M',
  'OVER_5M',
]);

/** The start body's `jiko` block (JikoProviderInput in contract/jiko.ts). */
export const jikoProviderInputSchema = z
  .object({
    investmentProfile: z
      .object({
        employmentStatus: z.enum(['EMPLOYED', 'INDEPENDENT', 'RETIRED', 'STUDENT', 'UNEMPLOYED']),
        income: jikoIncome,
        netWorth: jikoNetWorth,
        occupation: z.string().trim().min(2).max(200).optional(),
      })
      .refine((profile) => profile.employmentStatus !== 'EMPLOYED' || profile.occupation !== undefined, {
        message: 'required when employmentStatus is EMPLOYED',
        path: ['occupation'],
      }),
    /** `SSN` when absent; SSN and TIN are `applicant.ssn`, the other types bring `identificationNumber`. */
    identificationType: z.enum(JIKO_IDENTIFICATION_TYPES).optional(),
    /** A passport, driver's licence or international id number: letters and digits (spaces and hyphens allowed). */
    identificationNumber: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{0,59}$/, 'letters and digits (spaces and hyphens allowed)')
      .refine((value) => value.replace(/[\s-]/g, '').length <= 50, 'at most 50 letters and digits')
      .optional(),
    identificationIssuingCountry: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2, e.g. US')
      .optional(),
    /** Jiko does not check these itself: the partner attests it verified the phone and the email first. */
    contactVerification: z.object({
      phoneVerifiedAt: isoDateTimeSchema,
      emailVerifiedAt: isoDateTimeSchema,
    }),
  })
  .meta({ id: 'JikoProviderInput' });

/** SSN/TIN → the applicant's 9-digit `ssn` (checked by its own schema) and no second number; other types → theirs. */
function identificationProblems(
  applicant: { ssn?: string | undefined },
  block: z.output<typeof jikoProviderInputSchema>,
): StartProblem[] {
  const type = block.identificationType ?? 'SSN';
  if (isNineDigitIdentification(type)) {
    if (applicant.ssn === undefined) {
      return [{ path: ['applicant', 'ssn'], message: `required when jiko.identificationType is ${type}` }];
    }
    if (block.identificationNumber !== undefined) {
      return [{ path: ['jiko', 'identificationNumber'], message: `a ${type} is applicant.ssn; leave this out` }];
    }
    return [];
  }
  if (block.identificationNumber === undefined) {
    return [{ path: ['jiko', 'identificationNumber'], message: `required when jiko.identificationType is ${type}` }];
  }
  return [];
}

// --- customer actions -------------------------------------------------------------------------------------------

export const acceptAgreementsBodySchema = z
  .object({
    /** The agreement bundle version the customer was shown (from the pending action's data). */
    version: z.string().trim().min(1).max(64),
  })
  .meta({ id: 'AcceptAgreementsBody' });

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const decodedBytes = (base64: string): number =>
  Math.floor((base64.length * 3) / 4) - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);

/** The largest document Jiko accepts of any type: what the upload route must let through, base64-encoded. */
export const JIKO_LARGEST_DOCUMENT_BYTES = Math.max(...Object.values(JIKO_DOCUMENT_MAX_BYTES));

/** One document, within Jiko's limit for its type (the same limit the workflow checks and the pending action shows). */
export const documentUploadSchema = z
  .object({
    type: z.enum(JIKO_DOCUMENT_TYPES),
    contentType: z.enum(DOCUMENT_CONTENT_TYPES),
    contentBase64: z
      .string()
      .min(4, 'the document is empty')
      .refine((value) => value.length % 4 === 0 && base64Pattern.test(value), 'must be standard base64'),
  })
  .superRefine((document, context) => {
    const problem = documentSizeRule(JIKO_DOCUMENT_MAX_BYTES[document.type])(decodedBytes(document.contentBase64));
    if (problem) context.addIssue({ code: 'custom', message: `${document.type}: ${problem}`, path: ['contentBase64'] });
  });

export const uploadDocumentsBodySchema = z
  .object({
    documents: z
      .array(documentUploadSchema)
      .min(1)
      .max(10)
      .refine((documents) => new Set(documents.map((d) => d.type)).size === documents.length, {
        message: 'each document type at most once per upload',
      }),
  })
  .meta({ id: 'UploadDocumentsBody' });

export type AcceptAgreementsBody = z.infer<typeof acceptAgreementsBodySchema>;
export type UploadDocumentsBody = z.infer<typeof uploadDocumentsBodySchema>;
export type DocumentUpload = z.infer<typeof documentUploadSchema>;

// --- pending-action data (what the customer is shown); `satisfies` keeps them equal to contract/jiko.ts -------

export const jikoAgreementsActionDataSchema = z
  .object({
    version: z.string(),
    releaseDate: z.string(),
    documents: z.array(z.object({ title: z.string(), url: z.string(), type: z.string(), category: z.string() })),
  })
  .meta({ id: 'JikoAcceptAgreementsActionData' }) satisfies z.ZodType<JikoAgreementBundle>;

export const jikoDocumentsActionDataSchema = z
  .object({
    documents: z.array(z.object({ anyOf: z.array(z.enum(JIKO_DOCUMENT_TYPES)), received: z.boolean() })),
    maxSizeBytes: z.partialRecord(z.enum(JIKO_DOCUMENT_TYPES), z.number().int()),
  })
  .meta({ id: 'JikoUploadDocumentsActionData' }) satisfies z.ZodType<JikoDocumentsActionData>;

// --- the definition ---------------------------------------------------------------------------------------------

/** Base64 grows a document by a third; a little room for the JSON around it. */
const UPLOAD_BODY_LIMIT_BYTES = Math.ceil((JIKO_LARGEST_DOCUMENT_BYTES * 4) / 3) + 1024 * 1024;

export const jikoClientProvider = defineClientProvider({
  provider: JIKO_PROVIDER,
  workflowType: JIKO_WORKFLOW_TYPE,
  requiredApplicantFields: JIKO_REQUIRED_APPLICANT_FIELDS,
  blockSchema: jikoProviderInputSchema,
  actions: {
    acceptAgreements: defineAction({
      update: acceptAgreementsUpdate,
      summary: 'The customer accepts the agreement bundle shown to them (its version, from the pending action).',
      bodySchema: acceptAgreementsBodySchema,
      dataSchema: jikoAgreementsActionDataSchema,
      toUpdateArgument: async (body) => ({ version: body.version }),
    }),
    uploadDocuments: defineAction({
      update: uploadDocumentsUpdate,
      summary:
        'The customer hands over the documents Jiko asked for, each within the size the pending action shows for ' +
        'its type. Images are stored outside the workflow (claim check); only references reach the onboarding.',
      bodySchema: uploadDocumentsBodySchema,
      dataSchema: jikoDocumentsActionDataSchema,
      maxBodyBytes: UPLOAD_BODY_LIMIT_BYTES,
      toUpdateArgument: async (body, deps): Promise<UploadDocumentsInput> => ({
        documents: await storeDocuments(body.documents, deps),
      }),
    }),
  },
  createWebhookIntake: (config) => createJikoWebhookIntake(config),
  checkStart: ({ applicant, block }) => identificationProblems(applicant, block),
});
