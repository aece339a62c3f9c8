/**
 * Jiko Partner API wire schemas as the simulator accepts them (providers.md §4.3), and FastAPI-style errors.
 * Deliberately independent of activities/jiko/schemas.ts: a mismatch between our client and this server must show.
 */
import { z } from 'zod';

export const DOCUMENT_TYPES = [
  'ID_FRONT',
  'ID_BACK',
  'SELFIE',
  'PASSPORT',
  'IDENTIFICATION_NUMBER_VERIFICATION',
  'ADDRESS_VERIFICATION',
  'OTHER',
  'ID_BARCODE',
] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Changelog: 5 MB for identity images, 50 MB for everything else. */
export const SMALL_DOCUMENT_TYPES: readonly DocumentType[] = [
  'ID_FRONT',
  'ID_BACK',
  'SELFIE',
  'PASSPORT',
  'ID_BARCODE',
];
export const SMALL_DOCUMENT_LIMIT_BYTES = 5 * 1024 * 1024;
export const LARGE_DOCUMENT_LIMIT_BYTES = 50 * 1024 * 1024;
/** Images for every type; PDFs only where a scan of paperwork is expected (bills, SSN letters, tax forms). */
export const IMAGE_CONTENT_TYPES = ['image/png', 'image/jpeg'] as const;
export const PDF_ALLOWED_TYPES: readonly DocumentType[] = [
  'IDENTIFICATION_NUMBER_VERIFICATION',
  'ADDRESS_VERIFICATION',
  'OTHER',
];

export const EVENT_TYPES = [
  'application.approved',
  'application.documents_needed',
  'application.manual_review',
  'application.rejected',
  'card.status.closed',
  'card.status.frozen',
  'card.status.locked',
  'card.status.open',
  'card.transaction.approved',
  'card.transaction.rejected',
  'card.transaction.on_hold',
  'card.transaction.reversed',
  'transfers.ach.out.sent',
  'transfers.ach.out.success',
  'transfers.ach.out.rejected',
  'transfers.ach.in.success',
  'transfers.ach.in.rejected',
  'transfers.wire.out.processing',
  'transfers.wire.out.success',
  'transfers.wire.out.rejected',
  'transfers.on-us.processing',
  'transfers.on-us.success',
  'transfers.on-us.rejected',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME',
  'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA',
  'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'DC', 'AS', 'FM', 'MH', 'MP', 'PW', 'AA',
  'AE', 'AP', 'GU', 'PR', 'VI',
] as const; // prettier-ignore

export const loginSchema = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(128),
});

const income = z.enum(['BELOW_50K', 'BETWEEN_50K_AND_100K', 'BETWEEN_100K_AND_250K', 'OVER_250K']);
const netWorth = z.enum(['BELOW_50K', 'BETWEEN_50K_AND_200K', 'BETWEEN_200K_AND_1M', 'BETWEEN_1M_AND_5M', 'OVER_5M']);
const profileExtras = {
  income,
  net_worth: netWorth,
  bd_association: z.string().max(200).nullish(),
  director_policy_maker_of_company: z.string().max(200).nullish(),
};

const investmentProfileSchema = z.discriminatedUnion('employment_status', [
  z.object({ employment_status: z.literal('EMPLOYED'), occupation: z.string().min(2).max(200), ...profileExtras }),
  z.object({
    employment_status: z.literal('INDEPENDENT'),
    occupation: z.string().min(2).max(200).nullish(),
    ...profileExtras,
  }),
  z.object({ employment_status: z.literal('RETIRED'), ...profileExtras }),
  z.object({ employment_status: z.literal('STUDENT'), ...profileExtras }),
  z.object({ employment_status: z.literal('UNEMPLOYED'), ...profileExtras }),
]);

const isoCountry2 = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code');

export const createApplicationSchema = z
  .object({
    identification_number: z.string().min(1).max(50),
    identification_type: z.enum(['SSN', 'PASSPORT', 'TIN', 'DRIVERS_LICENSE', 'INTERNATIONAL_ID']).default('SSN'),
    identification_number_issuing_country: isoCountry2.nullish(),
    name: z.object({
      first_name: z.string().min(1).max(50),
      middle_name: z.string().max(50).nullish(),
      last_name: z.string().min(1).max(50),
    }),
    email: z.email(),
    /** Jiko announces E.164 with the plus as mandatory (`^\+[1-9]\d{1,14}$`); the older samples' bare digits fail. */
    phone_number: z.string().regex(/^\+[1-9]\d{1,14}$/, 'a phone number in E.164 form, e.g. +14155550100'),
    date_of_birth: z.iso.date(),
    address: z.object({
      street_address: z.string().min(1).max(250),
      street_address2: z.string().max(250).nullish(),
      city: z.string().min(1).max(100),
      postal_code: z.string().min(1).max(50),
      state: z.enum(US_STATES).nullish(),
      country: z.string().regex(/^[A-Z]{2,3}$/, 'an ISO 3166 country code, e.g. US or USA'),
    }),
    investment_profile: investmentProfileSchema,
    agreement_consent: z.object({
      version: z.string().min(1),
      timestamp: z.iso.datetime({ offset: true }),
    }),
    originally_onboarded_at: z.iso.datetime({ offset: true }).nullish(),
    citizenship_country: isoCountry2.default('US'),
  })
  .superRefine((body, refinement) => {
    if (
      (body.identification_type === 'SSN' || body.identification_type === 'TIN') &&
      !/^\d{9}$/.test(body.identification_number)
    ) {
      refinement.addIssue({
        code: 'custom',
        path: ['identification_number'],
        message: `a ${body.identification_type} is 9 digits without separators`,
      });
    }
  });

export type CreateApplicationBody = z.infer<typeof createApplicationSchema>;

export const triggerWebhookSchema = z.object({
  event_type: z.enum(EVENT_TYPES),
  payload: z.record(z.string(), z.unknown()).default({}),
});

/** `retry_policy` is not in the reference we follow; a partner that sends one gets it kept and shown back. */
const retryPolicySchema = z.record(z.string(), z.unknown()).nullish();

export const subscriptionSchema = z.object({
  description: z.string().max(500).nullish(),
  events: z.array(z.enum(EVENT_TYPES)).min(1),
  url: z.url().max(2083),
  shared_secret: z.string().min(16).max(256),
  retry_policy: retryPolicySchema,
});

/** Update Subscription: any of the create fields (the reference's `UpdateSubscriptionRequest`). */
export const subscriptionUpdateSchema = subscriptionSchema.partial();

export const accountsQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});

export const uuidSchema = z.uuid();

/** FastAPI's `HTTPValidationError`: `{detail: [{loc, msg, type}]}`, 422. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export function validationError(issues: ValidationIssue[]): { detail: ValidationIssue[] } {
  return { detail: issues };
}

export function issue(loc: (string | number)[], msg: string, type = 'value_error'): ValidationIssue {
  return { loc, msg, type };
}

/** Maps zod issues to pydantic-looking ones (the `type` names pydantic v2 uses for the same failure). */
export function zodToFastApi(error: z.ZodError, location: 'body' | 'query' | 'path' | 'header'): ValidationIssue[] {
  return error.issues.map((zodIssue) => {
    const loc = [location, ...zodIssue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    switch (zodIssue.code) {
      case 'invalid_type':
        if (zodIssue.input === undefined) return { loc, msg: 'Field required', type: 'missing' };
        return { loc, msg: `Input should be a valid ${zodIssue.expected}`, type: `${zodIssue.expected}_type` };
      case 'too_big':
        return zodIssue.origin === 'string'
          ? { loc, msg: `String should have at most ${zodIssue.maximum} characters`, type: 'string_too_long' }
          : { loc, msg: `Input should be less than or equal to ${zodIssue.maximum}`, type: 'less_than_equal' };
      case 'too_small':
        return zodIssue.origin === 'string'
          ? { loc, msg: `String should have at least ${zodIssue.minimum} characters`, type: 'string_too_short' }
          : zodIssue.origin === 'array'
            ? { loc, msg: `List should have at least ${zodIssue.minimum} item`, type: 'too_short' }
            : { loc, msg: `Input should be greater than or equal to ${zodIssue.minimum}`, type: 'greater_than_equal' };
      case 'invalid_value':
        return {
          loc,
          msg: `Input should be ${zodIssue.values.map((v) => `'${String(v)}'`).join(' or ')}`,
          type: 'enum',
        };
      case 'invalid_union':
        return { loc, msg: zodIssue.message, type: 'union_tag_invalid' };
      case 'invalid_format':
        return { loc, msg: `Value error, ${zodIssue.message}`, type: 'value_error' };
      default:
        return { loc, msg: `Value error, ${zodIssue.message}`, type: 'value_error' };
    }
  });
}
