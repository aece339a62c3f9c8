/**
 * Request bodies the simulator accepts. Field names beyond the ones the seed quotes (provided_id, identity_context,
 * account_id, relationship, encrypted_data, date_of_birth, government_id, person_id, brand_name, address, pin,
 * source_type, source_id) are ours (ASSUMED) and listed in sandbox/README.md. Objects are strict: a client that
 * sends a field under another name gets a 400 naming it instead of a silently different outcome.
 */
import { z } from 'zod';
import { DOCUMENT_CONTENT_TYPES, DOCUMENT_REQUEST_TYPES } from './cures.js';

const id = z.string().trim().min(1).max(100);
const name = z.string().trim().min(1).max(50);

export const kycStatusSchema = z.enum(['pending', 'approved', 'conditional', 'rejected']);
export const ofacStatusSchema = z.enum(['pending', 'approved', 'rejected']);
export type KycStatus = z.infer<typeof kycStatusSchema>;
export type OfacStatus = z.infer<typeof ofacStatusSchema>;

export const tokenRequestSchema = z.object({ grant_type: z.string().min(1) });

export const createSessionSchema = z
  .object({
    source_type: z.enum(['anonymous', 'account', 'person']).optional(),
    source_id: id.optional(),
    /** The SDK's encrypted device fingerprint; opaque to the simulator. */
    encrypted_data: z.unknown().optional(),
  })
  .strict()
  .refine(
    (body) => (body.source_type === undefined || body.source_type === 'anonymous') === (body.source_id === undefined),
    {
      message: 'source_id is required with source_type account or person, and not allowed otherwise',
      path: ['source_id'],
    },
  );

export const patchSessionSchema = z
  .object({ source_type: z.enum(['anonymous', 'account', 'person']), source_id: id })
  .strict();

export const createAccountSchema = z.object({ provided_id: id }).strict();
export const closeRequestSchema = z.object({ reason: z.string().max(200).optional() }).strict();

export const addressSchema = z
  .object({
    address1: z.string().trim().min(1).max(100),
    address2: z.string().trim().max(100).nullish(),
    city: z.string().trim().min(1).max(50),
    state: z.string().regex(/^[A-Z]{2}$/, 'a two-letter US state code'),
    postal_code: z.string().regex(/^\d{5}(-\d{4})?$/, 'a US ZIP code (12345 or 12345-6789)'),
    country: z.literal('US').default('US'),
  })
  .strict();
export type Address = z.infer<typeof addressSchema>;

const ssn = z
  .string()
  .transform((value) => value.replace(/-/g, ''))
  .pipe(z.string().regex(/^\d{9}$/, 'an SSN of 9 digits'));

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'not a calendar date');

/**
 * The real `encrypted_data` is a blob only the Netspend SDK can produce. The simulator takes the plain JSON object
 * the SDK would encrypt, or that object as base64 JSON (ASSUMED).
 */
export const personalDataSchema = z
  .object({
    date_of_birth: isoDate.optional(),
    government_id: z.union([ssn, z.object({ type: z.literal('ssn'), value: ssn }).strict()]).optional(),
    address: addressSchema.optional(),
    email: z.string().email().optional(),
    phone: z
      .string()
      .regex(/^\+?\d{10,15}$/, 'a phone number of 10 to 15 digits')
      .optional(),
  })
  .strict();
export type PersonalData = z.infer<typeof personalDataSchema>;

const encryptedDataSchema = z.union([
  personalDataSchema,
  z
    .string()
    .min(1)
    .transform((blob, ctx) => {
      try {
        return JSON.parse(Buffer.from(blob, 'base64').toString('utf8')) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'encrypted_data is neither an object nor base64-encoded JSON' });
        return z.NEVER;
      }
    })
    .pipe(personalDataSchema),
]);

export const createPersonSchema = z
  .object({
    first_name: name,
    middle_name: name.optional(),
    last_name: name,
    identity_context: z.object({ account_id: id, relationship: z.enum(['primary', 'secondary']) }).strict(),
    encrypted_data: encryptedDataSchema.optional(),
  })
  .strict();

export const patchPersonSchema = z
  .object({
    first_name: name.optional(),
    middle_name: name.optional(),
    last_name: name.optional(),
    encrypted_data: encryptedDataSchema.optional(),
  })
  .strict();

export const agreementSearchSchema = z.object({ provided_id: id }).strict();
export const acceptAgreementSchema = z.object({ accepted: z.literal(true).optional() }).strict();

const answersSchema = z
  .array(z.object({ question_id: id, answer_id: id }).strict())
  .min(1)
  .refine((answers) => new Set(answers.map((answer) => answer.question_id)).size === answers.length, {
    message: 'each question may be answered once',
  });
export const answersRequestSchema = z.object({ answers: answersSchema }).strict();
export type AnswerList = z.infer<typeof answersSchema>;

export const brandSearchSchema = z.object({ person_id: id }).strict();
export const physicalCardSchema = z
  .object({ account_id: id, person_id: id, brand_name: id, address: addressSchema })
  .strict();
export const nonPhysicalCardSchema = z.object({ account_id: id, person_id: id, brand_name: id.optional() }).strict();
export const setPinSchema = z.object({ pin: z.string() }).strict();

export const kycControlSchema = z
  .object({ kyc_status: kycStatusSchema.optional(), ofac_status: ofacStatusSchema.optional() })
  .strict()
  .refine((body) => body.kyc_status !== undefined || body.ofac_status !== undefined, {
    message: 'give kyc_status, ofac_status or both',
  });

/** `PUT /_sandbox/netspend/settings`: the simulator's own knobs (ours, not Netspend's). */
export const settingsControlSchema = z.object({ activationDelayMs: z.number().int().min(0).optional() }).strict();

/** `POST /document_requests/{id}/documents` (ASSUMED shape): one document, base64 in the JSON body. */
export const documentUploadSchema = z
  .object({
    document_type: z.enum(DOCUMENT_REQUEST_TYPES),
    content_type: z.enum(DOCUMENT_CONTENT_TYPES),
    content_base64: z
      .string()
      .min(4)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'standard base64'),
  })
  .strict();

/** The control that finishes a customer's identity scan with Netspend's decision. */
export const identityScanControlSchema = z.object({ outcome: z.enum(['approved', 'rejected']) }).strict();
