/**
 * Linkcy partner API wire format (providers.md §3, the seed), as our client sends and expects it. Where Linkcy's
 * public docs stop (login path, terms endpoint, KYC answer, error `message`), we follow the simulator's documented
 * choices (sandbox/README.md, "Linkcy", ASSUMED). Responses are read leniently where Linkcy may add fields and
 * strictly where we act on a value (ids, statuses, flags).
 */
import { z } from 'zod';
import {
  LINKCY_KYC_ACCESS_TYPES,
  LINKCY_KYC_STATUSES,
  LINKCY_OCCUPATIONS,
  LINKCY_SOURCES_OF_FUNDS,
} from '../../contract/linkcy.js';

const id = z.string().min(1);

/** ISO-8601 durations as Linkcy writes lifetimes (`PT10M`, `PT48H`, `PT720H`) → seconds. */
export const isoDurationSeconds = z
  .string()
  .regex(/^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/, 'an ISO-8601 duration such as PT10M')
  .transform((value) => {
    const [, d = '0', h = '0', m = '0', s = '0'] = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value)!;
    return Number(d) * 86_400 + Number(h) * 3_600 + Number(m) * 60 + Number(s);
  });

// --- auth and errors ----------------------------------------------------------------------------------------------

export const loginResponseSchema = z.object({ token: z.string().min(1), refreshToken: z.string().optional() });

/** `{errorCode, error, status, message?, details: [{field, rejectedValue, message}], timestamp}`. */
export const errorEnvelopeSchema = z.object({
  errorCode: z.string().min(1),
  error: z.string().optional(),
  status: z.number().optional(),
  message: z.string().optional(),
  details: z.array(z.object({ field: z.string().nullish() }).loose()).optional(),
});

// --- terms, consumers ---------------------------------------------------------------------------------------------

export const termsSchema = z.object({ version: z.string().min(1), url: z.string().min(1) });

export const phoneRequestSchema = z.object({
  countryCode: z.string().regex(/^\d{1,6}$/),
  number: z.string().regex(/^\d{4,15}$/, '4 to 15 digits'),
});

const other = z.string().max(511).optional();
export const createConsumerRequestSchema = z
  .object({
    externalId: z.string().min(1).max(511),
    phone: phoneRequestSchema,
    emailAddress: z.email().optional(),
    sourceOfFunds: z.enum(LINKCY_SOURCES_OF_FUNDS).optional(),
    otherSourceOfFunds: other,
    occupation: z.enum(LINKCY_OCCUPATIONS).optional(),
    otherOccupation: other,
    lastTermsAccepted: z.string().min(1),
  })
  .strict();
export type LinkcyCreateConsumerRequest = z.output<typeof createConsumerRequestSchema>;

export const createdSchema = z.object({ id });

export const consumerSchema = z.object({
  id,
  externalId: z.string().nullish(),
  phone: z.object({ verified: z.boolean() }).loose(),
  email: z.object({ emailAddress: z.string().nullish(), emailAddressVerified: z.boolean() }).loose().nullish(),
  status: z.enum(['ACTIVE', 'LOCK']),
  termsAccepted: z.boolean(),
  kycInfo: z
    .object({ id: z.string().nullish(), status: z.enum(LINKCY_KYC_STATUSES) })
    .loose()
    .nullish(),
});
export type LinkcyWireConsumer = z.output<typeof consumerSchema>;

export const consumerPageSchema = z.object({
  content: z.array(z.object({ id, externalId: z.string().nullish() }).loose()),
  totalElements: z.number().optional(),
});

// --- phone and email verification ---------------------------------------------------------------------------------

export const ttlSchema = z.object({ ttl: isoDurationSeconds });

// --- KYC ----------------------------------------------------------------------------------------------------------

export const kycSchema = z.object({
  id,
  status: z.enum(LINKCY_KYC_STATUSES),
  accessType: z.enum(LINKCY_KYC_ACCESS_TYPES),
  url: z.string().nullish(),
  sdkToken: z.string().nullish(),
  expirationDate: z.string().nullish(),
});
export type LinkcyWireKyc = z.output<typeof kycSchema>;

// --- ledgers ------------------------------------------------------------------------------------------------------

export const ledgerSchema = z.object({ id, type: z.string().optional() }).loose();
export const ledgerPageSchema = z.object({ content: z.array(ledgerSchema) });

/** 204 answers: no body. */
export const noContentSchema = z.unknown();
