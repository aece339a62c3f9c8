/**
 * Request bodies as the simulator reads them (shapes in sandbox/README.md, section "Green Dot"). zod checks the
 * structure and answers 400 code 400/0 naming each field; the documented business codes (DOB 200/700, SSN 630,
 * addresses 1020/1040/1042, names 640, terms 610/620, currency 650) are checked afterwards in enrollment.ts and
 * the routes, so each gets its own code. Unknown fields are ignored (Green Dot's partners send many we skip).
 */
import { z } from 'zod';
import { GreenDotError, invalidField } from './errors.js';

const US_STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
    'OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP'
  ).split(' '),
);

const text = (max: number) => z.string().trim().min(1, 'required').max(max, `at most ${max} characters`);

export const addressSchema = z.object({
  type: z.enum(['home', 'mailing']),
  addressLine1: text(40),
  addressLine2: z.string().max(40, 'at most 40 characters').optional(),
  city: text(40),
  state: z.string().refine((value) => US_STATES.has(value), 'must be a US postal state code, e.g. CA'),
  zipCode: z.string().regex(/^\d{5}(\d{4})?$/, 'must be 5 or 9 digits'),
  isDefault: z.boolean().optional(),
});

export const enrollmentSchema = z.object({
  productCode: text(20),
  profileData: z.object({
    firstName: z.string(),
    middleName: z.string().optional(),
    lastName: z.string(),
    addresses: z.array(addressSchema).min(1, 'at least one address (home) is required'),
  }),
  identifyingData: z.object({
    ssn: z
      .string()
      .regex(/^\d{9}$/, 'must be 9 digits')
      .optional(),
    last4Ssn: z
      .string()
      .regex(/^\d{4}$/, 'must be 4 digits')
      .optional(),
    dateOfBirth: z.string().optional(),
  }),
  email: z.object({ emailAddress: z.email('must be an e-mail address') }),
  phoneNumbers: z
    .array(
      z.object({
        number: z.string().regex(/^\d{10}$/, 'must be 10 digits'),
        type: z.enum(['mobile', 'home', 'work']),
        isDefault: z.boolean().optional(),
      }),
    )
    .min(1, 'at least one phone number is required'),
  termsAcceptances: z.array(
    z.object({
      termsIdentifier: text(50),
      termsAcceptanceFlag: z.boolean(),
      termsAcceptanceDateTime: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' }),
    }),
  ),
});
export type EnrollmentRequest = z.output<typeof enrollmentSchema>;

export const tokenRequestSchema = z.object({
  grant_type: z.string().optional(),
  scope: z.string().max(200).optional(),
});

export const PAYMENT_INSTRUMENT_TYPES = ['virtual', 'contactlessEmv'] as const;
export type PaymentInstrumentType = (typeof PAYMENT_INSTRUMENT_TYPES)[number];
export const issueCardSchema = z.object({ paymentInstrumentType: z.enum(PAYMENT_INSTRUMENT_TYPES) });

export const pushProvisioningSchema = z
  .object({
    walletType: z.enum(['applePay', 'googlePay']),
    deviceId: text(100),
    walletAccountId: text(100),
    certificates: z.array(z.string().min(1)).min(1).optional(),
    nonce: z.string().min(1).optional(),
    nonceSignature: z.string().min(1).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.walletType !== 'applePay') return;
    for (const field of ['certificates', 'nonce', 'nonceSignature'] as const) {
      if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required for applePay' });
    }
  });
export type PushProvisioningRequest = z.output<typeof pushProvisioningSchema>;

/** The ten documented adjustment types; a program enables some of them. */
export const ADJUSTMENT_TYPES = [
  'promo',
  'promoReversal',
  'instructionCredit',
  'instructionDebit',
  'disbursement',
  'disbursementReversal',
  'anyDebitOut',
  'anyDebitOutReversal',
  'achOut',
  'achOutReversal',
] as const;

export const adjustmentSchema = z.object({
  adjustmentIdentifier: text(50),
  amount: z
    .number()
    .refine((value) => Number.isFinite(value) && value !== 0, 'must be a non-zero amount')
    .refine((value) => Math.abs(value) <= 10_000, 'at most 10000 in absolute value'),
  currency: z.string(),
  adjustmentType: z.enum(ADJUSTMENT_TYPES),
  adjustmentDescription: text(100),
  fee: z.number().min(0).optional(),
  debitToNegative: z.boolean().optional(),
});
export type AdjustmentRequest = z.output<typeof adjustmentSchema>;

export const closeSchema = z.object({ reason: z.string().max(50).optional() });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
export const transactionsQuerySchema = z.object({
  startDate: isoDate.optional(),
  endDate: isoDate.optional(),
  status: z.enum(['pending', 'completed']).optional(),
  transactionType: z.string().optional(),
});

export const reviewDecisionSchema = z.strictObject({ decision: z.enum(['approved', 'declined']) });

export const settingsSchema = z.strictObject({
  reviewDelayMs: z.number().int().min(0).nullable().optional(),
  cardIssueDelayMs: z.number().int().min(0).optional(),
  transactionPostDelayMs: z.number().int().min(0).optional(),
  enrollmentProcessingMs: z.number().int().min(0).optional(),
  webhookRetries: z.boolean().optional(),
  webhookAuth: z.enum(['token', 'apikey']).optional(),
});

/** Parses a JSON body (a missing body is `{}`); problems become 400 code 400/0 entries naming the field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (Buffer.isBuffer(body)) {
    throw new GreenDotError(400, invalidField('(body)', 'Content-Type must be application/json'));
  }
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new GreenDotError(
      400,
      parsed.error.issues.map((issue) => invalidField(issue.path.join('.') || '(body)', issue.message)),
    );
  }
  return parsed.data;
}
