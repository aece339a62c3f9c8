/**
 * Jiko Partner API wire format (providers.md §4), as our client sends and expects it. Responses are read
 * leniently where Jiko adds fields (unknown keys are dropped) and strictly where we act on a value (statuses,
 * flags, ids), so a change of shape that matters is a ProviderResponseInvalid naming the field.
 */
import { z } from 'zod';
import { JIKO_DOCUMENT_TYPES, JIKO_IDENTIFICATION_TYPES, isNineDigitIdentification } from '../../contract/jiko.js';

// --- auth ---------------------------------------------------------------------------------------------------------

export const loginRequestSchema = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(128),
});

export const loginResponseSchema = z.object({
  token: z.string().min(1),
  /** Absolute expiry (`2024-01-01T13:00:00+00:00`); absent or unreadable → the documented 60 minutes. */
  expires: z.string().nullish(),
});

// --- agreements ---------------------------------------------------------------------------------------------------

const agreementSchema = z.object({
  version: z.union([z.string().min(1), z.number()]).transform(String),
  release_date: z.string(),
  documents: z.array(
    z.object({
      title: z.string(),
      pdf_download_url: z.string(),
      type: z.string(),
      category: z.string(),
    }),
  ),
});
export type JikoWireAgreement = z.output<typeof agreementSchema>;

/** Documented as one `Agreement`; a list is accepted too (the newest release wins), see providers.md §4.7. */
export const agreementsResponseSchema = z
  .union([agreementSchema, z.array(agreementSchema).min(1)])
  .transform((value) =>
    Array.isArray(value)
      ? value.reduce((latest, item) => (item.release_date > latest.release_date ? item : latest))
      : value,
  );

// --- applications -------------------------------------------------------------------------------------------------

export const JIKO_APPLICATION_STATUSES = [
  'CREATED',
  'SUBMITTED',
  'DOCUMENTS_NEEDED',
  'PENDING',
  'MANUAL_REVIEW',
  'APPROVED',
  'REJECTED',
] as const;

const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME',
  'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA',
  'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'DC', 'AS', 'FM', 'MH', 'MP', 'PW', 'AA',
  'AE', 'AP', 'GU', 'PR', 'VI',
] as const; // prettier-ignore

const income = z.enum(['BELOW_50K', 'BETWEEN_50K_AND_100K', 'BETWEEN_100K_AND_250K', 'OVER_250K']);
const netWorth = z.enum(['BELOW_50K', 'BETWEEN_50K_AND_200K', 'BETWEEN_200K_AND_1M', 'BETWEEN_1M_AND_5M', 'OVER_5M']);
const occupation = z.string().min(2).max(200);

/** oneOf on `employment_status`: EMPLOYED requires an occupation. */
export const investmentProfileSchema = z.discriminatedUnion('employment_status', [
  z.object({ employment_status: z.literal('EMPLOYED'), income, net_worth: netWorth, occupation }),
  z.object({
    employment_status: z.literal('INDEPENDENT'),
    income,
    net_worth: netWorth,
    occupation: occupation.optional(),
  }),
  z.object({ employment_status: z.literal('RETIRED'), income, net_worth: netWorth }),
  z.object({ employment_status: z.literal('STUDENT'), income, net_worth: netWorth }),
  z.object({ employment_status: z.literal('UNEMPLOYED'), income, net_worth: netWorth }),
]);

/**
 * Only an SSN or a TIN is 9 digits; a passport, driver's licence or international id is letters and digits of its
 * own length (Jiko: `identification_number` string, `identification_type` enum, issuing country ISO alpha-2).
 */
const identificationSchema = z
  .object({
    identification_number: z.string().min(1).max(50),
    identification_type: z.enum(JIKO_IDENTIFICATION_TYPES),
    identification_number_issuing_country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. US')
      .optional(),
  })
  .superRefine((identification, context) => {
    const nineDigits = isNineDigitIdentification(identification.identification_type);
    const pattern = nineDigits ? /^\d{9}$/ : /^[A-Z0-9]{1,50}$/;
    if (!pattern.test(identification.identification_number)) {
      context.addIssue({
        code: 'custom',
        path: ['identification_number'],
        message: nineDigits
          ? `a ${identification.identification_type} is nine digits without separators`
          : `a ${identification.identification_type} number is letters and digits`,
      });
    }
  });
export type JikoIdentification = z.input<typeof identificationSchema>;

const applicationFieldsSchema = z.object({
  name: z.object({
    first_name: z.string().min(1).max(50),
    middle_name: z.string().min(1).max(50).optional(),
    last_name: z.string().min(1).max(50),
  }),
  email: z.email(),
  /** E.164 with the plus, as Jiko announces it (`^\+[1-9]\d{1,14}$`); its older samples' bare digits are refused. */
  phone_number: z.string().regex(/^\+[1-9]\d{1,14}$/, 'E.164 with the plus, e.g. +15551234567'),
  date_of_birth: z.iso.date(),
  address: z.object({
    street_address: z.string().min(1).max(250),
    street_address2: z.string().min(1).max(250).optional(),
    city: z.string().min(1).max(100),
    postal_code: z.string().min(1).max(50),
    state: z.enum(US_STATES),
    country: z.string().regex(/^[A-Z]{3}$/, 'ISO 3166-1 alpha-3, e.g. USA'),
  }),
  investment_profile: investmentProfileSchema,
  agreement_consent: z.object({
    version: z.string().min(1),
    timestamp: z.iso.datetime({ offset: true }),
  }),
});

export const createApplicationRequestSchema = z.intersection(identificationSchema, applicationFieldsSchema);
export type JikoCreateApplicationRequest = z.input<typeof createApplicationRequestSchema>;

const documentSchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  status: z.enum(['PENDING_UPLOAD', 'PENDING_REVIEW', 'APPROVED', 'INVALID']),
  exception_reason: z.string().nullish(),
});

/**
 * The application object. The identification-number flag has two spellings in Jiko's own material (seed:
 * `identification_number_document_needed`, OpenAPI: `identification_number_verification_document_needed`):
 * either is accepted, and they are merged.
 */
export const applicationResponseSchema = z
  .object({
    id: z.string().min(1),
    status: z.enum(JIKO_APPLICATION_STATUSES),
    customer_id: z.string().nullish(),
    exception_reasons: z.array(z.string()).nullish(),
    documents: z.array(documentSchema).nullish(),
    id_verification_documents_needed: z.boolean().nullish(),
    identification_number_document_needed: z.boolean().nullish(),
    identification_number_verification_document_needed: z.boolean().nullish(),
    address_verification_document_needed: z.boolean().nullish(),
  })
  .refine((application) => application.status !== 'APPROVED' || Boolean(application.customer_id), {
    message: 'an APPROVED application must carry a customer_id',
    path: ['customer_id'],
  });
export type JikoWireApplication = z.output<typeof applicationResponseSchema>;

export const documentTypeSchema = z.enum(JIKO_DOCUMENT_TYPES);

export const uploadDocumentResponseSchema = z.object({
  success: z.literal(true),
  document_id: z.string().min(1),
});

// --- customers ----------------------------------------------------------------------------------------------------

export const customerAccountsResponseSchema = z.object({
  offset: z.number().int().min(0),
  count: z.number().int().min(0),
  items: z.array(z.object({ id: z.string().min(1) })),
});

// --- events and webhook subscriptions -----------------------------------------------------------------------------

/** `List Event Types`: an offset List of `{event, object_type: "EventType"}`. */
export const eventTypesResponseSchema = z.object({
  items: z.array(z.object({ event: z.string().min(1) })),
});

/** A `Subscription` (the shared secret is write-only: Jiko never returns it). */
export const subscriptionResponseSchema = z.object({
  id: z.string().min(1),
  description: z.string().nullish(),
  events: z.array(z.string()),
  url: z.string().min(1),
  status: z.enum(['enabled', 'disabled']),
});
export type JikoWireSubscription = z.output<typeof subscriptionResponseSchema>;

/** `List Subscriptions`: a CursorList; `next_page` is the cursor of the next page, null (or absent) on the last. */
export const subscriptionListResponseSchema = z.object({
  items: z.array(subscriptionResponseSchema),
  next_page: z.string().nullish(),
});

export const subscriptionRequestSchema = z.object({
  description: z.string().max(500).optional(),
  events: z.array(z.string().min(1)).min(1),
  url: z.url().max(2083),
  shared_secret: z.string().min(16),
});
export type JikoSubscriptionRequest = z.input<typeof subscriptionRequestSchema>;

// --- errors -------------------------------------------------------------------------------------------------------

/** FastAPI's `HTTPValidationError` (422) and plain `HTTPException` (`{detail: "Not found"}`). */
export const fastApiErrorSchema = z.object({
  detail: z.union([
    z.string(),
    z.array(
      z.object({
        loc: z.array(z.union([z.string(), z.number()])),
        msg: z.string(),
        type: z.string(),
      }),
    ),
  ]),
});
