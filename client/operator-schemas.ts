/**
 * The bodies and answers of the operator commands (client/operator-commands.ts, the gateway's operator routes and
 * `npm run ops`), as zod schemas. Their rules are the plain checks of contract/operator.ts, which the workflows'
 * Update validators run too, so the edge and the onboarding refuse the same things with the same field names.
 */
import { z } from 'zod';
import { PROVIDER_NAME_PATTERN } from '../contract/onboarding.js';
import { extendDeadlineShapeProblems, operatorReasonRule } from '../contract/operator.js';
import { onboardingSummarySchema, zodRule } from './schemas.js';

const reasonSchema = z
  .string()
  .superRefine(zodRule(operatorReasonRule))
  .transform((reason) => reason.trim())
  .meta({ description: 'Why (required): kept in the timeline with who acted', example: 'customer asked for a week' });

const stepNameSchema = z.string().regex(/^[a-z][a-zA-Z0-9_]{0,63}$/, 'a step name as the status shows it');

/** A duration of seconds, minutes, hours or days ('90s', '30m', '12h', '2d'). */
export const OLDER_THAN_PATTERN = /^[1-9]\d{0,5}(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Ten years: older than anything a running onboarding can be blocked, and a cut-off Temporal still parses. */
const OLDER_THAN_MAX_MS = 3650 * UNIT_MS.d;
const olderThanSchema = z
  .string()
  .regex(OLDER_THAN_PATTERN, 'a duration such as 90s, 30m, 12h or 2d')
  .refine(
    (value) =>
      !OLDER_THAN_PATTERN.test(value) || // the regex above already names it
      Number(value.slice(0, -1)) * UNIT_MS[value.slice(-1) as keyof typeof UNIT_MS] <= OLDER_THAN_MAX_MS,
    'at most 3650d',
  );

export const extendDeadlineBodySchema = z
  .object({
    wait: z
      .string()
      .optional()
      .meta({ description: 'The wait or its pending action (e.g. acceptAgreements); needed when several are open' }),
    by: z.string().optional().meta({ description: 'Later by this much, from the current expiry', example: '2d' }),
    until: z
      .string()
      .optional()
      .meta({ description: 'The new expiry (ISO-8601 with a zone), later than the current one' }),
    reason: reasonSchema,
  })
  .superRefine((body, context) => {
    // reason is checked by its own schema; the rest by the rule the workflow's validator runs.
    for (const problem of extendDeadlineShapeProblems({ ...body, reason: 'checked above' })) {
      context.addIssue({ code: 'custom', message: problem.message, path: [problem.field] });
    }
  })
  .meta({ id: 'ExtendDeadlineBody' });
export type ExtendDeadlineBody = z.input<typeof extendDeadlineBodySchema>;

export const blockedFiltersSchema = z
  .object({
    blockedOn: z.enum(['customer', 'provider', 'reviewer', 'retrying']),
    /** Blocked since longer than this: `OnboardingBlockedSince < now - olderThan`. */
    olderThan: olderThanSchema,
    provider: z.string().regex(PROVIDER_NAME_PATTERN, 'a provider name').optional(),
    step: stepNameSchema.optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(50),
  })
  .meta({ id: 'BlockedFilters' });
export type BlockedFilters = z.input<typeof blockedFiltersSchema>;

export const blockedListSchema = z
  .object({
    /** The visibility query that was run: paste it into the Web UI's search box to see the same onboardings. */
    query: z.string(),
    onboardings: z.array(onboardingSummarySchema),
  })
  .meta({ id: 'BlockedOnboardings' });
export type BlockedList = z.infer<typeof blockedListSchema>;

/** `5/s`, `30/m`: at most this many onboardings per second (or minute). */
export const RATE_PATTERN = /^(\d+(?:\.\d+)?)\/(s|m)$/;
export const MAX_REDRIVE_RATE_PER_SECOND = 20;

export const redriveBodySchema = z
  .object({
    provider: z.string().regex(PROVIDER_NAME_PATTERN, 'a provider name'),
    step: stepNameSchema,
    /** Only onboardings whose step's lastError contains this text (case-insensitive). */
    error: z.string().trim().min(1).max(200).optional(),
    reason: reasonSchema,
    /** false (the default): count and list what would be retried, change nothing. */
    apply: z.boolean().default(false),
    rate: z
      .string()
      .regex(RATE_PATTERN, 'a rate such as 5/s or 30/m')
      .refine((rate) => {
        const match = RATE_PATTERN.exec(rate);
        // Not a rate at all: the pattern above says so, once.
        if (!match) return true;
        const perSecond = Number(match?.[1]) / (match?.[2] === 'm' ? 60 : 1);
        return perSecond > 0 && perSecond <= MAX_REDRIVE_RATE_PER_SECOND;
      }, `more than 0 and at most ${MAX_REDRIVE_RATE_PER_SECOND}/s`)
      .default('5/s'),
    /** At most this many onboardings in one call. */
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .meta({ id: 'RedriveBody' });
export type RedriveBody = z.input<typeof redriveBodySchema>;

export const redriveItemSchema = z.object({
  onboardingId: z.string(),
  lastError: z.string().nullable(),
  /** Absent in a dry run. */
  outcome: z.enum(['done', 'failed']).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const redriveResultSchema = z
  .object({
    apply: z.boolean(),
    query: z.string(),
    /** Onboardings that matched provider, step, blockedOn retrying and the error text. */
    matched: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    items: z.array(redriveItemSchema),
  })
  .meta({ id: 'RedriveResult' });
export type RedriveResult = z.infer<typeof redriveResultSchema>;
export type RedriveItem = z.infer<typeof redriveItemSchema>;

/** Milliseconds between two items at `rate` ('5/s' → 200). */
export function intervalOfRate(rate: string): number {
  const match = RATE_PATTERN.exec(rate);
  if (!match) throw new TypeError(`not a rate: ${rate}`);
  return ((match[2] === 'm' ? 60_000 : 1_000) / Number(match[1])) | 0;
}
