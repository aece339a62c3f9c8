/**
 * Netspend Partner API wire format (providers.md §1), as our client sends and expects it. Where Netspend's public
 * docs stop (body shapes beyond the quoted field names, the error envelope, close endpoints), we follow the
 * simulator's documented choices (sandbox/README.md, "Netspend"). Responses are read leniently where Netspend may
 * add fields (unknown keys are dropped) and strictly where we act on a value (ids, statuses, types).
 */
import { z } from 'zod';

const id = z.string().min(1);

// --- auth ---------------------------------------------------------------------------------------------------------

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  /** Seconds; a string in Netspend's own example (`"86399"`). */
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
});

// --- errors -------------------------------------------------------------------------------------------------------

/** `{error_code, message, details?}`; validation details list `{field, message}`. */
export const errorEnvelopeSchema = z.object({
  error_code: z.string().min(1),
  message: z.string().optional(),
  details: z.unknown().optional(),
});

export const validationDetailsSchema = z.array(z.object({ field: z.string() }).loose());

// --- sessions -----------------------------------------------------------------------------------------------------

export const sessionSchema = z.object({
  id,
  source_type: z.enum(['anonymous', 'account', 'person']),
  source_id: z.string().nullish(),
});
export type NetspendWireSession = z.output<typeof sessionSchema>;

// --- accounts -----------------------------------------------------------------------------------------------------

export const accountSchema = z.object({
  id,
  provided_id: id,
  account_type: z.enum(['DDA', 'GPR']),
  status: z.enum(['new', 'active', 'closed']),
  primary_person_id: z.string().nullish(),
});
export type NetspendWireAccount = z.output<typeof accountSchema>;

// --- people -------------------------------------------------------------------------------------------------------

export const personSchema = z.object({
  id,
  account_id: id,
  status: z.enum(['pending', 'active', 'inactive']),
  kyc_status: z.enum(['pending', 'approved', 'conditional', 'rejected']),
  ofac_status: z.enum(['pending', 'approved', 'rejected']),
  kyc_data_missing: z.array(z.string()).optional(),
});
export type NetspendWirePerson = z.output<typeof personSchema>;

const name = z.string().trim().min(1).max(50);

export const addressRequestSchema = z.object({
  address1: z.string().trim().min(1).max(100),
  address2: z.string().trim().max(100).optional(),
  city: z.string().trim().min(1).max(50),
  state: z.string().regex(/^[A-Z]{2}$/, 'a two-letter US state code'),
  postal_code: z.string().regex(/^\d{5}(-\d{4})?$/, 'a US ZIP code'),
  country: z.literal('US'),
});
export type NetspendAddressRequest = z.output<typeof addressRequestSchema>;

/**
 * `encrypted_data` is what the Netspend SDK encrypts on the customer's device. The simulator takes the plain
 * object; against the real API this object must be encrypted with the partner's Netspend key first.
 */
export const createPersonRequestSchema = z.object({
  first_name: name,
  middle_name: name.optional(),
  last_name: name,
  identity_context: z.object({ account_id: id, relationship: z.literal('primary') }),
  encrypted_data: z.object({
    date_of_birth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD'),
    government_id: z.object({ type: z.literal('ssn'), value: z.string().regex(/^\d{9}$/, 'an SSN of 9 digits') }),
    address: addressRequestSchema,
    email: z.string().email(),
    phone: z.string().regex(/^\+?\d{10,15}$/, 'a phone number of 10 to 15 digits'),
  }),
});
export type NetspendCreatePersonRequest = z.output<typeof createPersonRequestSchema>;

const questionSchema = z.object({
  question_id: id,
  text: z.string(),
  answers: z.array(z.object({ answer_id: id, text: z.string() })).min(1),
});
export type NetspendWireQuestion = z.output<typeof questionSchema>;

export const questionsResponseSchema = z.object({ questions: z.array(questionSchema) });

export const answersRequestSchema = z.object({
  answers: z.array(z.object({ question_id: id, answer_id: id })).min(1),
});

// --- agreements ---------------------------------------------------------------------------------------------------

const agreementSchema = z.object({
  agreement_id: id,
  type: z.enum(['cardholder_terms', 'esign', 'privacy_policy']),
  name: z.string(),
  version: z.union([z.string(), z.number()]).transform(String),
  url: z.string(),
  /** Absent = an onboarding agreement: Netspend's search returns the ones that apply to onboarding. */
  required_for_onboarding: z.boolean().optional(),
});
export type NetspendWireAgreement = z.output<typeof agreementSchema>;

export const agreementsResponseSchema = z.object({ agreements: z.array(agreementSchema) });

export const personAgreementsResponseSchema = z.object({
  agreements: z.array(z.object({ agreement_id: id, accepted: z.boolean() })),
});

export const acceptAgreementResponseSchema = z.object({ agreement_id: id, accepted: z.literal(true) });

// --- cards --------------------------------------------------------------------------------------------------------

export const brandsResponseSchema = z.object({
  brands: z.array(
    z.object({
      brand_name: id,
      display_name: z.string(),
      network: z.string(),
      image_url: z.string().nullish(),
    }),
  ),
});

export const cardSchema = z.object({
  id,
  account_id: id,
  card_type: z.enum(['physical', 'virtual', 'digital']),
  brand_name: z.string().nullish(),
  status: z.enum(['ordered', 'active', 'closed']),
});
export type NetspendWireCard = z.output<typeof cardSchema>;

export const cardsResponseSchema = z.object({ cards: z.array(cardSchema) });

export const physicalCardRequestSchema = z.object({
  account_id: id,
  person_id: id,
  brand_name: id,
  address: addressRequestSchema,
});

// --- KYC cures ----------------------------------------------------------------------------------------------------

/** `GET /accounts/{id}/workflows/kyc_approve` (path ASSUMED; workflow and step names documented). */
export const workflowSchema = z.object({
  workflow_name: z.string(),
  status: z.string(),
  steps: z.array(z.object({ name: z.string(), status: z.string() })),
});

/** `GET /people/{id}/kyc/identity_scan` [doc]: the id the SDK's scan runs under. */
export const identityScanSchema = z.object({
  identity_scan_id: id,
  status: z.enum(['pending', 'completed']),
});

export const documentRequestSchema = z.object({
  document_request_id: id,
  status: z.enum(['requested', 'accepted']),
  document_types: z.array(z.string()),
  received: z.array(z.object({ document_type: z.string() }).loose()).default([]),
});
export type NetspendWireDocumentRequest = z.output<typeof documentRequestSchema>;

export const documentRequestsResponseSchema = z.object({ document_requests: z.array(documentRequestSchema) });
