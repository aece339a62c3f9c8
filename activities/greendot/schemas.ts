/**
 * Green Dot's wire format (zod), as its developer portal documents it and sandbox/README.md (Green Dot) writes down
 * where it does not (ASSUMED there). Every answer carries `responseDetails`; unknown fields are ignored, so a new
 * field is not a shape change.
 */
import { z } from 'zod';

export const responseDetailSchema = z.object({
  code: z.number().int(),
  subCode: z.number().int().default(0),
  description: z.string().optional(),
});
export type GreendotResponseDetail = z.output<typeof responseDetailSchema>;
export const responseDetailsSchema = z.array(responseDetailSchema);

/** Some refusals (and every business outcome) arrive as `{responseDetails}` only. */
export const responseDetailsEnvelopeSchema = z.object({ responseDetails: responseDetailsSchema });

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  // Green Dot's other products spell it `expires_In`: accept both.
  expires_in: z.number().positive().optional(),
  expires_In: z.number().positive().optional(),
});

const id = z.string().min(1).max(128);
const checkStatus = z.enum(['pending', 'passed', 'failed']);

export const paymentInstrumentSchema = z.object({
  paymentInstrumentIdentifier: id,
  paymentInstrumentType: z.string().min(1),
  status: z.enum(['notActivated', 'activated', 'blocked', 'deactivated', 'closed']),
});
export type GreendotWirePaymentInstrument = z.output<typeof paymentInstrumentSchema>;

export const accountSchema = z.object({
  accountIdentifier: id,
  accountReferenceNumber: z.string().nullish(),
  status: z.enum(['pending', 'normal', 'restricted', 'locked', 'closed']),
  statusReasons: z.array(z.string()).default([]),
  accountHolders: z
    .array(
      z.object({
        user: z.object({
          userIdentifier: id,
          isPrimaryAccountHolder: z.boolean().default(true),
          kycStateData: z.object({ ofacStatus: checkStatus }).optional(),
        }),
        paymentInstruments: z.array(paymentInstrumentSchema).default([]),
      }),
    )
    .default([]),
});
export type GreendotWireAccount = z.output<typeof accountSchema>;

export const accountResponseSchema = z.object({ account: accountSchema, responseDetails: responseDetailsSchema });
/** A decline at enrollment may come without an account. */
export const enrollmentResponseSchema = z.object({
  account: accountSchema.optional(),
  responseDetails: responseDetailsSchema.min(1),
});
export const paymentInstrumentResponseSchema = z.object({ paymentInstrument: paymentInstrumentSchema });

export const pushProvisioningResponseSchema = z
  .object({ walletType: z.enum(['applePay', 'googlePay']) })
  .catchall(z.unknown());

export const adjustmentResponseSchema = z.object({
  adjustmentIdentifier: z.string().min(1).max(50),
  adjustmentStatus: z.enum(['pending', 'completed', 'failed']),
  adjustmentStatusReason: z.string().nullish(),
});

export const transactionsResponseSchema = z.object({
  transactions: z.array(
    z.object({
      transactionIdentifier: id,
      adjustmentIdentifier: z.string().nullish(),
      transactionAmount: z.number(),
      status: z.enum(['pending', 'completed', 'reversed', 'declined']),
    }),
  ),
});

// --- requests -----------------------------------------------------------------------------------------------------

/** Green Dot's name rules: letters (with Latin diacritics), space ' - .; start and end with a letter; ≤ 25. */
const nameSchema = z
  .string()
  .max(25, 'at most 25 characters')
  .regex(
    /^[A-Za-zÀ-ÖØ-öø-ſ](?:[A-Za-zÀ-ÖØ-öø-ſ]|[ '.-](?![ '.-]))*$/,
    "letters, space, ' - . (start and end with a letter)",
  )
  .refine((value) => /[A-Za-zÀ-ÖØ-öø-ſ]$/.test(value), 'must end with a letter');

export const enrollmentRequestSchema = z.object({
  productCode: z.string().min(1),
  profileData: z.object({
    firstName: nameSchema,
    middleName: nameSchema.optional(),
    lastName: nameSchema,
    addresses: z
      .array(
        z.object({
          type: z.literal('home'),
          addressLine1: z.string().min(1).max(40, 'at most 40 characters'),
          addressLine2: z.string().max(40, 'at most 40 characters').optional(),
          city: z.string().min(1),
          state: z.string().regex(/^[A-Z]{2}$/, 'a two-letter US state'),
          zipCode: z.string().regex(/^\d{5}(\d{4})?$/, 'a 5 or 9 digit ZIP code'),
          isDefault: z.literal(true),
        }),
      )
      .length(1),
  }),
  identifyingData: z.object({
    ssn: z.string().regex(/^\d{9}$/, 'an SSN of 9 digits'),
    dateOfBirth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD'),
  }),
  email: z.object({ emailAddress: z.string().email('an e-mail address') }),
  phoneNumbers: z
    .array(
      z.object({
        number: z.string().regex(/^\d{10}$/, 'a US number of 10 digits'),
        type: z.literal('mobile'),
        isDefault: z.literal(true),
      }),
    )
    .length(1),
  termsAcceptances: z
    .array(
      z.object({
        termsIdentifier: z.string().min(1),
        termsAcceptanceFlag: z.literal(true),
        termsAcceptanceDateTime: z.string(),
      }),
    )
    .min(1),
});
export type GreendotEnrollmentRequest = z.output<typeof enrollmentRequestSchema>;
