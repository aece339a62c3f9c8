/**
 * Every body the onboarding API accepts or returns, as zod schemas: the single source of truth for validation
 * (library and gateway), for the TypeScript types backends compile against, and for /openapi.json.
 * The deterministic twins of these shapes live in contract/ (workflows import no zod); rules shared by both sides
 * are written once in contract/rules.ts. Provider blocks and action bodies live in client/providers/<provider>.ts.
 */
import { z } from 'zod';
import { APPLICANT_FIELDS, PROVIDER_NAME_PATTERN } from '../contract/onboarding.js';
import type { ApplicantField, OnboardingState } from '../contract/onboarding.js';
import { addressRule, cancelReasonRule, plainTextRule } from '../contract/rules.js';
import { personalDataShape } from './customer-ref.js';
import { ERROR_CODES } from './errors.js';
import type { ShapeRule, ValueRule } from '../contract/rules.js';

// --- building blocks ---------------------------------------------------------------------------------------------

/** A rule of contract/rules.ts as a zod refinement: the edge and the workflow run the very same check. */
export function zodRule(rule: ValueRule): (value: unknown, context: z.RefinementCtx) => void {
  return (value, context) => {
    const message = rule(value);
    if (message) context.addIssue({ code: 'custom', message });
  };
}

/** A nested rule of contract/rules.ts as a zod refinement, each problem at its own path. */
export function zodShapeRule(rule: ShapeRule): (value: unknown, context: z.RefinementCtx) => void {
  return (value, context) => {
    for (const problem of rule(value)) {
      context.addIssue({
        code: 'custom',
        message: problem.message,
        path: problem.field ? problem.field.split('.') : [],
      });
    }
  };
}

/** A Temporal-style duration, as accepted in per-start options ('30s', '2d'). */
export const durationSchema = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 5m, 2h or 7d')
  .meta({ example: '2d' });

/**
 * The caller's opaque customer id. It becomes part of the workflow id, which is neither encrypted nor erasable, so
 * anything that looks like personal data (an email, a phone number, an SSN, a date) is refused outright.
 */
export const customerRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an opaque id: 1-64 of A-Z a-z 0-9 _ . -')
  .superRefine((ref, context) => {
    const shape = personalDataShape(ref);
    if (shape)
      context.addIssue({ code: 'custom', message: `${shape}: use an opaque id (it ends up in the workflow id)` });
  })
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

export const isoDateTimeSchema = z.iso.datetime({ offset: true });

/** A person's name: each part plain text (no control characters), the rule the workflow side uses too. */
const namePart = z.string().trim().superRefine(zodRule(plainTextRule));
export const nameSchema = z.object({
  first: namePart.pipe(z.string().min(1).max(50)),
  middle: namePart.pipe(z.string().max(50)).nullish(),
  last: namePart.pipe(z.string().min(1).max(50)),
});

/** The address rule of contract/rules.ts, enforced here on the same fields the workflow checks. */
export const addressSchema = z
  .object({
    line1: z.string(),
    line2: z.string().nullish(),
    city: z.string(),
    state: z.string(),
    postalCode: z.string(),
    country: z.string(),
  })
  .superRefine(zodShapeRule(addressRule))
  .meta({ id: 'Address' });

/** Each applicant field's schema; a provider's start requires the fields its contract lists, the rest are optional. */
export const applicantFieldSchemas = {
  name: nameSchema,
  dateOfBirth: dateOfBirthSchema,
  ssn: z.string().regex(/^\d{9}$/, 'must be 9 digits, no dashes'),
  email: z.email(),
  phone: z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be E.164, e.g. +15551234567'),
  address: addressSchema,
} satisfies Record<ApplicantField, z.ZodType>;

type ApplicantFieldSchemas = typeof applicantFieldSchemas;
/** The applicant object schema for a provider requiring `required` (every other field optional). */
export type ApplicantSchemaFor<Required extends ApplicantField> = z.ZodObject<
  { [K in Required]: ApplicantFieldSchemas[K] } & {
    [K in Exclude<ApplicantField, Required>]: z.ZodOptional<ApplicantFieldSchemas[K]>;
  }
>;

export function applicantSchemaFor<const Required extends ApplicantField>(
  required: readonly Required[],
): ApplicantSchemaFor<Required> {
  const shape = Object.fromEntries(
    APPLICANT_FIELDS.map((field) => {
      const schema: z.ZodType = applicantFieldSchemas[field];
      return [field, (required as readonly ApplicantField[]).includes(field) ? schema : schema.optional()];
    }),
  );
  return z.object(shape) as unknown as ApplicantSchemaFor<Required>;
}

/** The applicant with every field, as the OpenAPI document names it. */
export const applicantSchema = applicantSchemaFor(APPLICANT_FIELDS).meta({ id: 'Applicant' });

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

export const cancelBodySchema = z
  .object({
    reason: z
      .string()
      .superRefine(zodRule(cancelReasonRule))
      .transform((reason) => reason.trim()),
    /** Who asked: the customer (through the backend) or an operator. */
    actor: z.enum(['customer', 'operator']).default('operator'),
  })
  .meta({ id: 'CancelBody' });

/** An operator's retry of a step that stopped on a provider call of unknown outcome (blockedOn `retrying`). */
export const retryStepBodySchema = z
  .object({
    /** The step the status names. */
    step: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a step name as the status shows it'),
    /** Why retrying is safe now (what the provider confirmed); kept in the timeline. */
    reason: z
      .string()
      .superRefine(zodRule(cancelReasonRule))
      .transform((reason) => reason.trim()),
  })
  .meta({ id: 'RetryStepBody' });

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
        /** Who exactly acted when an operator (or a backend's key) did: the API key identity[/operator name]. */
        by: z.string().optional(),
      }),
    ),
    startedAt: z.string(),
    updatedAt: z.string(),
    /** Only in the answer to an action whose provider call returned something for the caller. */
    actionResult: z.record(z.string(), z.unknown()).optional(),
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
      /** Stable, machine-readable; new codes may be added in a minor version, so a client keeps a default branch. */
      code: z.enum(ERROR_CODES),
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
    provider: z.string().regex(PROVIDER_NAME_PATTERN, 'a provider name').optional(),
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
      .regex(/^[A-Za-z0-9_.-]+$/, 'the nextPageToken of a previous page')
      .max(4096)
      .optional(),
  })
  .meta({ id: 'ListFilters' });

export type ListFilters = z.input<typeof listFiltersSchema>;

// --- outbound events --------------------------------------------------------------------------------------------

export const outboundEventSchema = z
  .object({
    id: z
      .string()
      .meta({ description: '`<onboardingId>:<sequence>`: the `webhook-id` header, stable across redeliveries' }),
    type: z.string().meta({ example: 'onboarding.action_required' }),
    onboardingId: z.string(),
    sequence: z.number().int().meta({ description: '1, 2, 3… per onboarding, in the order it emitted them' }),
    createdAt: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'OutboundEvent' });

export const outboundDeliverySchema = z
  .object({
    event: outboundEventSchema,
    eventId: z.string(),
    type: z.string(),
    onboardingId: z.string(),
    sequence: z.number().int(),
    state: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.array(z.object({ at: z.string(), status: z.number().int().nullable(), error: z.string().nullable() })),
    nextAttemptAt: z.string().nullable(),
  })
  .meta({ id: 'OutboundDelivery' });

export const eventListSchema = z.object({ events: z.array(outboundDeliverySchema) }).meta({ id: 'OutboundEventList' });

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

/** zod issues as `{path: 'applicant.ssn', message}` (`documents[0].type`); root issues get the path '(body)'. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? fieldPath(issue.path) : '(body)',
    message: issue.message,
  }));
}

/**
 * `documents[0].contentType`: the one notation of field paths, the same the workflows' validators use
 * (`documents[${index}].sizeBytes`), so a backend matches on one shape whichever side refused.
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}
