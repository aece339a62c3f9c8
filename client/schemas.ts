/**
 * Every body the onboarding API accepts or returns, as zod schemas: the single source of truth for validation
 * (library and gateway), for the TypeScript types backends compile against, and for /openapi.json.
 * The deterministic twins of these shapes live in workflows/contract.ts (workflows import no zod).
 */
import { z } from 'zod';
import { JIKO_DOCUMENT_TYPES } from '../contract/jiko.js';
import type { OnboardingState } from '../contract/onboarding.js';

// --- building blocks ---------------------------------------------------------------------------------------------

/** A Temporal-style duration, as accepted in per-start options ('30s', '2d'). */
export const durationSchema = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 5m, 2h or 7d')
  .meta({ example: '2d' });

const SSN_LIKE = /^\d{3}-?\d{2}-?\d{4}$/;
const PHONE_LIKE = /^\+?\d{7,15}$/;

/**
 * The caller's opaque customer id. It becomes part of the workflow id, which is neither encrypted nor erasable, so
 * anything that looks like personal data (an email, a phone number, an SSN) is refused outright.
 */
export const customerRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an opaque id: 1-64 of A-Z a-z 0-9 _ . -')
  .refine((ref) => !SSN_LIKE.test(ref), 'looks like an SSN: use an opaque id (it ends up in the workflow id)')
  .refine((ref) => !PHONE_LIKE.test(ref), 'looks like a phone number: use an opaque id (it ends up in the workflow id)')
  .meta({ example: 'cust_8f2c' });

export const MINIMUM_APPLICANT_AGE = 18;

/** The calendar day YYYY-MM-DD names, or undefined when it names none (2001-02-30, 31/01/1990). */
function calendarDay(value: string): { year: number; month: number; day: number } | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? { year, month, day } : undefined;
}

function ageOn(birth: { year: number; month: number; day: number }, today: Date): number {
  const beforeBirthday =
    today.getUTCMonth() + 1 < birth.month ||
    (today.getUTCMonth() + 1 === birth.month && today.getUTCDate() < birth.day);
  return today.getUTCFullYear() - birth.year - (beforeBirthday ? 1 : 0);
}

export const calendarDateSchema = z
  .string()
  .refine((value) => calendarDay(value) !== undefined, 'a real date as YYYY-MM-DD');

/** One message per problem: a malformed date is not also reported as too young. */
export const dateOfBirthSchema = z
  .string()
  .superRefine((value, context) => {
    const birth = calendarDay(value);
    if (!birth) context.addIssue({ code: 'custom', message: 'a real date as YYYY-MM-DD' });
    else if (birth.year < 1900) context.addIssue({ code: 'custom', message: 'must be on or after 1900-01-01' });
    else if (ageOn(birth, new Date()) < MINIMUM_APPLICANT_AGE) {
      context.addIssue({
        code: 'custom',
        message: `the applicant must be at least ${MINIMUM_APPLICANT_AGE} years old`,
      });
    }
  })
  .meta({ example: '1990-01-31', format: 'date' });

const isoDateTimeSchema = z.iso.datetime({ offset: true });

export const nameSchema = z.object({
  first: z.string().trim().min(1).max(50),
  middle: z.string().trim().max(50).nullish(),
  last: z.string().trim().min(1).max(50),
});

export const addressSchema = z.object({
  line1: z.string().trim().min(1).max(250),
  line2: z.string().trim().max(250).nullish(),
  city: z.string().trim().min(1).max(100),
  state: z.string().regex(/^[A-Z]{2}$/, 'a two-letter state or region code, e.g. CA'),
  postalCode: z.string().trim().min(1).max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code, e.g. US'),
});

/** The one person shape every provider maps from. */
export const applicantSchema = z
  .object({
    name: nameSchema,
    dateOfBirth: dateOfBirthSchema,
    ssn: z.string().regex(/^\d{9}$/, 'must be 9 digits, no dashes'),
    email: z.email(),
    phone: z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be E.164, e.g. +15551234567'),
    address: addressSchema,
  })
  .meta({ id: 'Applicant' });

export const waitDeadlineSchema = z.object({
  expireAfter: durationSchema.optional(),
  remindAfter: durationSchema.optional(),
});

export const onboardingOptionsSchema = z
  .object({
    /** Keyed by wait name ('agreements', 'documents', 'manualReview'…) or 'default'. */
    deadlines: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a wait name'), waitDeadlineSchema).optional(),
    pollInitialInterval: durationSchema.optional(),
    pollMaxInterval: durationSchema.optional(),
  })
  .meta({ id: 'OnboardingOptions' });

// --- provider blocks ---------------------------------------------------------------------------------------------

const jikoIncome = z.enum(['BELOW_50K', 'BETWEEN_50K_AND_100K', 'BETWEEN_100K_AND_250K', 'OVER_250K']);
const jikoNetWorth = z.enum([
  'BELOW_50K',
  'BETWEEN_50K_AND_200K',
  'BETWEEN_200K_AND_1M',
  'BETWEEN_1M_AND_5M',
  'OVER_5M',
]);

/** The start body's `jiko` block (JikoProviderInput in activities/jiko/types.ts). */
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
    identificationType: z.enum(['SSN', 'PASSPORT', 'TIN', 'DRIVERS_LICENSE']).optional(),
    /** Jiko does not check these itself: the partner attests it verified the phone and the email first. */
    contactVerification: z.object({
      phoneVerifiedAt: isoDateTimeSchema,
      emailVerifiedAt: isoDateTimeSchema,
    }),
  })
  .meta({ id: 'JikoProviderInput' });

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

// --- customer actions --------------------------------------------------------------------------------------------

export const acceptAgreementsBodySchema = z
  .object({
    /** The agreement bundle version the customer was shown (from the pending action's data). */
    version: z.string().trim().min(1).max(64),
  })
  .meta({ id: 'AcceptAgreementsBody' });

export const DOCUMENT_CONTENT_TYPES = ['image/png', 'image/jpeg', 'application/pdf'] as const;
/** Per image, decoded. Jiko accepts up to 5 MB for ID images and more for other types. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

export const documentUploadSchema = z.object({
  type: z.enum(JIKO_DOCUMENT_TYPES),
  contentType: z.enum(DOCUMENT_CONTENT_TYPES),
  contentBase64: z
    .string()
    .min(4, 'the document is empty')
    .refine((value) => value.length % 4 === 0 && base64Pattern.test(value), 'must be standard base64')
    .refine(
      (value) => Math.floor((value.length * 3) / 4) <= MAX_DOCUMENT_BYTES + 2,
      `must be at most ${MAX_DOCUMENT_BYTES} bytes once decoded`,
    ),
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

// Netspend's actions. The onboarding re-checks each against what Netspend offered (ids, answers, brands) and
// answers 422 naming the field; these schemas only refuse what is malformed before it reaches the onboarding.

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

export const NETSPEND_CARD_TYPE_CHOICES = ['physical', 'virtual', 'digital'] as const;

export const netspendChooseCardBodySchema = z
  .object({
    type: z.enum(NETSPEND_CARD_TYPE_CHOICES),
    /** One of the pending action's `data.brands[].brandName`. */
    brandName: netspendIdSchema,
    /** Physical cards only; the applicant's address when absent. */
    shippingAddress: addressSchema.optional(),
  })
  .refine((body) => body.type === 'physical' || body.shippingAddress === undefined, {
    message: 'only a physical card is shipped',
    path: ['shippingAddress'],
  })
  .meta({ id: 'NetspendChooseCardBody' });

/** The PIN never appears in an error: the messages name the rule only (zod does not echo input by default). */
export const netspendActivateCardBodySchema = z
  .object({
    pin: z.string('must be exactly four digits').regex(/^\d{4}$/, 'must be exactly four digits'),
  })
  .meta({ id: 'NetspendActivateCardBody' });

export const cancelBodySchema = z
  .object({
    reason: z.string().trim().min(1).max(500),
    /** Who asked: the customer (through the backend) or an operator. */
    actor: z.enum(['customer', 'operator']).default('operator'),
  })
  .meta({ id: 'CancelBody' });

// --- start ------------------------------------------------------------------------------------------------------

const startCommon = {
  customerRef: customerRefSchema,
  applicant: applicantSchema,
  options: onboardingOptionsSchema.optional(),
};

export const jikoStartBodySchema = z.object({
  provider: z.literal('jiko'),
  ...startCommon,
  jiko: jikoProviderInputSchema,
});

export const netspendStartBodySchema = z.object({
  provider: z.literal('netspend'),
  ...startCommon,
  netspend: netspendProviderInputSchema,
});

/**
 * The start body. One option per provider the engine can onboard with (see client/providers.ts): each requires
 * the block named after its provider. A provider is listed here only once its workflow exists.
 */
export const startBodySchema = z
  .discriminatedUnion('provider', [jikoStartBodySchema, netspendStartBodySchema], {
    error: (issue) => (issue.code === 'invalid_union' ? 'provider must be one of: jiko, netspend' : undefined),
  })
  .meta({ id: 'StartOnboardingBody' });

export type StartBody = z.infer<typeof startBodySchema>;
export type JikoStartBody = z.infer<typeof jikoStartBodySchema>;
export type NetspendStartBody = z.infer<typeof netspendStartBodySchema>;
export type NetspendAcceptAgreementsBody = z.infer<typeof netspendAcceptAgreementsBodySchema>;
export type NetspendAnswersBody = z.infer<typeof netspendAnswersBodySchema>;
export type NetspendChooseCardBody = z.infer<typeof netspendChooseCardBodySchema>;
export type NetspendActivateCardBody = z.infer<typeof netspendActivateCardBodySchema>;
/** The block named after the start body's provider: what becomes the workflow's `providerInput`. */
export function providerBlock(body: StartBody): JikoStartBody['jiko'] | NetspendStartBody['netspend'] {
  switch (body.provider) {
    case 'jiko':
      return body.jiko;
    case 'netspend':
      return body.netspend;
  }
}

export type AcceptAgreementsBody = z.infer<typeof acceptAgreementsBodySchema>;
export type UploadDocumentsBody = z.infer<typeof uploadDocumentsBodySchema>;
export type DocumentUpload = z.infer<typeof documentUploadSchema>;
export type CancelBody = z.infer<typeof cancelBodySchema>;

// --- responses --------------------------------------------------------------------------------------------------

const onboardingStates = [
  'in_progress',
  'action_required',
  'in_review',
  'completed',
  'rejected',
  'failed',
  'cancelled',
  'expired',
] as const satisfies readonly OnboardingState[];
export const onboardingStateSchema = z.enum(onboardingStates);
export const blockedOnSchema = z.enum(['customer', 'provider', 'reviewer', 'retrying']);

export const onboardingStatusSchema = z
  .object({
    onboardingId: z.string(),
    provider: z.string(),
    customerRef: z.string(),
    state: onboardingStateSchema,
    step: z.string(),
    blockedOn: blockedOnSchema.nullable(),
    blockedSince: z.string().nullable(),
    pendingActions: z.array(
      z.object({
        action: z.string(),
        description: z.string(),
        data: z.record(z.string(), z.unknown()),
        expiresAt: z.string(),
      }),
    ),
    steps: z.array(
      z.object({
        name: z.string(),
        status: z.enum(['pending', 'running', 'done', 'failed', 'skipped', 'compensated']),
        startedAt: z.string().nullable(),
        endedAt: z.string().nullable(),
        attempts: z.number(),
        lastError: z.string().nullable(),
      }),
    ),
    result: z.record(z.string(), z.string()),
    timeline: z.array(
      z.object({
        at: z.string(),
        actor: z.enum(['system', 'customer', 'operator', 'provider']),
        what: z.string(),
        why: z.string().optional(),
      }),
    ),
    startedAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'OnboardingStatus' });

export const startResponseSchema = z
  .object({ created: z.boolean(), status: onboardingStatusSchema })
  .meta({ id: 'StartOnboardingResponse' });

export const onboardingSummarySchema = z
  .object({
    onboardingId: z.string(),
    provider: z.string().nullable(),
    state: z.string().nullable(),
    step: z.string().nullable(),
    blockedOn: z.string().nullable(),
    blockedSince: z.string().nullable(),
    /** Temporal's execution status: Running, Completed, Failed, Canceled, Terminated, TimedOut, ContinuedAsNew. */
    executionStatus: z.string(),
    startedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
  })
  .meta({ id: 'OnboardingSummary' });

export const listResponseSchema = z
  .object({ onboardings: z.array(onboardingSummarySchema), nextPageToken: z.string().nullable() })
  .meta({ id: 'OnboardingList' });

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;
export type OnboardingSummary = z.infer<typeof onboardingSummarySchema>;
export type ListResponse = z.infer<typeof listResponseSchema>;

// --- list filters -----------------------------------------------------------------------------------------------

export const listFiltersSchema = z
  .object({
    provider: z.enum(['jiko', 'netspend', 'greendot', 'linkcy']).optional(),
    state: onboardingStateSchema.optional(),
    step: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a step name')
      .optional(),
    /** `none` lists onboardings that are blocked on nobody. */
    blockedOn: z.enum(['customer', 'provider', 'reviewer', 'retrying', 'none']).optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
    nextPageToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'the nextPageToken of a previous page')
      .max(4096)
      .optional(),
  })
  .meta({ id: 'ListFilters' });

export type ListFilters = z.input<typeof listFiltersSchema>;

// --- webhook acknowledgement ------------------------------------------------------------------------------------

const webhookAckEventSchema = z.object({
  eventId: z.string(),
  /** false when this event id was already recorded (a redelivery): acknowledged, not processed twice. */
  firstDelivery: z.boolean(),
});

/** The default answer to a recorded delivery (a provider may ask for its own, client/webhooks/types.ts). */
export const webhookAckSchema = z
  .object({
    received: z.literal(true),
    /** The delivery's only event, when it carried exactly one (the fields of `events[0]`). */
    eventId: z.string().optional(),
    firstDelivery: z.boolean().optional(),
    /** Every event of the delivery, in order; empty when it carried none. */
    events: z.array(webhookAckEventSchema),
  })
  .meta({ id: 'WebhookAck' });
export type WebhookAck = z.infer<typeof webhookAckSchema>;

// --- error formatting -------------------------------------------------------------------------------------------

export interface FieldIssue {
  path: string;
  message: string;
}

/** zod issues as `{path: 'applicant.ssn', message}`; root issues get the path '(body)'. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(body)',
    message: issue.message,
  }));
}
