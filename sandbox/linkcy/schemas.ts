/**
 * Request bodies Linkcy documents (seed "Consumer creation as a partner", providers.md §3), as zod schemas.
 * Unknown fields are ignored (ASSUMED, like a Spring API). Limits: `externalId` and the `other…` texts ≤ 511,
 * `metadata` ≤ 3000 characters as JSON [doc]; `other…` required when the enum is OTHER and phone numbers of 4–15
 * digits are ours (ASSUMED).
 */
import { z } from 'zod';

/** The country codes the seed lists for `phone.countryCode`. */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  [
    '1 1242 1246 1264 1268 1284 1340 1345 1441 1473 1649 1664 1670 1671 1684 1721 1758 1767 1784 1787 ' +
      '1809 1829 1849 1868 1869 1876 1939 20 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 ' +
      '230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 248 249 250 251 252 253 254 255 ' +
      '256 257 258 260 261 262 263 264 265 266 267 268 269 27 290 291 297 298 299 30 31 32 33 34 350 351 ' +
      '352 353 354 355 356 357 358 359 36 370 371 372 373 374 375 376 377 378 379 380 381 382 383 385 386 ' +
      '387 389 39 40 41 420 421 423 43 44 441481 441534 441624 45 46 47 48 49 500 501 502 503 504 505 506 ' +
      '507 508 509 51 52 53 54 55 56 57 58 590 591 592 593 595 597 598 599 60 61 62 63 64 65 66 670 672 673 ' +
      '674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 7 81 82 84 850 852 853 855 ' +
      '856 86 880 886 90 91 92 93 94 95 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 ' +
      '98 992 993 994 995 996 998',
  ]
    .join('')
    .split(' '),
);

// prettier-ignore
export const SOURCES_OF_FUNDS = [
  'COMPENSATION_PAYOUT', 'COMPANY_PROFITS', 'COMPANY_SALE', 'DIVIDEND_PAYMENTS', 'DIVORCE_SETTLEMENT',
  'FIXED_DEPOSITS', 'GIFT', 'INHERITANCE', 'INSURANCE_PAYOUT', 'LOAN', 'LOTTERY_OR_GAMBLING_WIN',
  'RETIREMENT_INCOME', 'SALE_OF_INVESTMENT', 'SALE_OF_PROPERTY', 'SAVINGS_FROM_SALARY', 'OTHER',
] as const;

// prettier-ignore
export const OCCUPATIONS = [
  'BUSINESS_OWNER', 'CLERGY', 'CRAFTSMAN', 'ENGINEER', 'EXECUTIVE', 'FARMER', 'FREELANCE', 'LIBERAL_PROFESSION',
  'POLITICIAN', 'PROFESSOR', 'PUBLIC_SERVANT', 'RETIRED', 'SHOPKEEPER', 'STUDENT', 'UNEMPLOYED', 'WORKER',
  'OTHER',
] as const;

// prettier-ignore
export const KYC_STATUSES = [
  'NOT_STARTED', 'CREATED', 'PROCESSING', 'ABORTED', 'PENDING_REVIEW', 'VALIDATED', 'DECLINED',
] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];

/** Fields whose values are never echoed back in `details[].rejectedValue` (secrets and contact data). */
// prettier-ignore
export const WITHHELD_FIELDS: ReadonlySet<string> = new Set([
  'code', 'password', 'phone', 'phone.countryCode', 'phone.number', 'emailAddress', 'firstName', 'middleName',
  'lastName', 'refreshToken',
]);

const text511 = z.string().max(511);

export const phoneSchema = z.object({
  countryCode: z.string().refine((code) => COUNTRY_CODES.has(code), 'Unsupported country code'),
  number: z.string().regex(/^[0-9]{4,15}$/, 'Must be 4 to 15 digits'),
});

const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= 3000, 'Metadata is limited to 3000 characters');

const consumerFields = {
  externalId: text511.optional(),
  phone: phoneSchema,
  emailAddress: z.email().optional(),
  firstName: z.string().max(255).optional(),
  middleName: z.string().max(255).optional(),
  lastName: z.string().max(255).optional(),
  sourceOfFunds: z.enum(SOURCES_OF_FUNDS).optional(),
  otherSourceOfFunds: text511.optional(),
  occupation: z.enum(OCCUPATIONS).optional(),
  otherOccupation: text511.optional(),
  lastTermsAccepted: z.string().min(1).optional(),
  metadata: metadataSchema.optional(),
};

interface OtherTexts {
  sourceOfFunds?: string;
  otherSourceOfFunds?: string;
  occupation?: string;
  otherOccupation?: string;
}

/** Checked even when other fields are invalid, so one answer names every bad field. */
const always = { when: () => true };

function requireOtherTexts<T extends z.ZodType<OtherTexts>>(schema: T) {
  return schema
    .refine((body) => body?.sourceOfFunds !== 'OTHER' || Boolean(body.otherSourceOfFunds), {
      ...always,
      path: ['otherSourceOfFunds'],
      message: 'Required when sourceOfFunds is OTHER',
    })
    .refine((body) => body?.occupation !== 'OTHER' || Boolean(body.otherOccupation), {
      ...always,
      path: ['otherOccupation'],
      message: 'Required when occupation is OTHER',
    });
}

export const createConsumerSchema = requireOtherTexts(
  z.object({ partnerName: z.string().optional(), ...consumerFields }),
);
export type CreateConsumerBody = z.output<typeof createConsumerSchema>;

export const patchConsumerSchema = requireOtherTexts(z.object({ ...consumerFields, phone: phoneSchema.optional() }));
export type PatchConsumerBody = z.output<typeof patchConsumerSchema>;

export const loginSchema = z
  .object({
    userName: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    partnerName: z.string().min(1),
    password: z.string().min(1),
  })
  .refine((body) => body?.userName !== undefined || body?.username !== undefined, {
    ...always,
    path: ['userName'],
    message: 'Required',
  });

export const refreshSchema = z.object({ refreshToken: z.string().min(1) });

export const consumerIdSchema = z.object({ consumerId: z.string().min(1) });

export const verifyPhoneSchema = z.object({
  consumerId: z.string().min(1),
  code: z.string().regex(/^[0-9]{6}$/, 'Must match ^[0-9]{6}$'),
});

const absoluteUrl = z.url({ protocol: /^https?$/ });

export const createKycSchema = z.object({
  consumerId: z.string().min(1).optional(),
  kycConfiguration: z.object({
    accessType: z.enum(['LINK', 'SDK']),
    urlOnComplete: absoluteUrl.optional(),
    urlOnFailure: absoluteUrl.optional(),
  }),
});

export const simulateKycSchema = z.object({
  consumerId: z.string().min(1),
  kycStatus: z.enum(KYC_STATUSES).exclude(['NOT_STARTED']),
});

export const sendEmailSchema = z.object({
  consumerId: z.string().min(1),
  emailSubject: z.string().max(255).optional(),
  urlOnSuccess: absoluteUrl.optional(),
  urlOnFailure: absoluteUrl.optional(),
});

export const createLedgerSchema = z.object({
  endUserId: z.string().min(1),
  type: z.enum(['EUR_BELGIUM']),
  autoUpgrade: z.boolean().optional(),
  friendlyName: z.string().max(255).optional(),
});

const pageField = z.coerce.number().int().min(0).default(0);
const pageSizeField = z.coerce.number().int().min(1).max(100).default(20);
/** Repeated (`?kycStatus=A&kycStatus=B`) or comma-separated query values. */
const kycStatusList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).filter(Boolean))
  .pipe(z.array(z.enum(KYC_STATUSES)));

export const listConsumersQuery = z.object({
  phone: z.string().optional(),
  externalId: z.string().optional(),
  emailAddress: z.string().optional(),
  lastName: z.string().optional(),
  kycStatus: kycStatusList.optional(),
  page: pageField,
  pageSize: pageSizeField,
});

export const listKycQuery = z.object({
  personId: z.string().optional(),
  personType: z.enum(['CONSUMER', 'CORPORATE_RELATED_PHYSICAL_PERSON']).optional(),
  kycStatus: kycStatusList.optional(),
  page: pageField.pipe(z.number().max(500)),
  pageSize: pageSizeField,
});

export const listLedgersQuery = z.object({
  endUserId: z.string().optional(),
  page: pageField,
  pageSize: pageSizeField,
});

export const termsQuery = z.object({ language: z.string().default('EN') });
