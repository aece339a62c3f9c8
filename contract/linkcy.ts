/**
 * Linkcy's contract: the start block, the views the workflow sees of its activities, the activity interface, the
 * customer actions (Updates) with their inputs and pending-action data. Deterministic (the workflow imports it);
 * the zod twins of the start block and action bodies are in client/providers/linkcy.ts, the wire format in
 * activities/linkcy/schemas.ts. Linkcy is phone-first: a consumer is created from a phone number alone and the
 * rest of the person is collected by Linkcy's own KYC page.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { OnboardingStatus } from './onboarding.js';
import type { SealedSecret, SecretValue } from './secrets.js';

export const LINKCY_PROVIDER = 'linkcy';
/** The workflow type workflows/index.ts registers for this provider. */
export const LINKCY_WORKFLOW_TYPE = 'linkcyOnboarding';
/** A Linkcy consumer starts from a phone number: everything else is optional or collected by Linkcy's KYC. */
export const LINKCY_REQUIRED_APPLICANT_FIELDS = ['phone'] as const;

/** The seed's source-of-funds enum. */
export const LINKCY_SOURCES_OF_FUNDS = [
  'COMPENSATION_PAYOUT',
  'COMPANY_PROFITS',
  'COMPANY_SALE',
  'DIVIDEND_PAYMENTS',
  'DIVORCE_SETTLEMENT',
  'FIXED_DEPOSITS',
  'GIFT',
  'INHERITANCE',
  'INSURANCE_PAYOUT',
  'LOAN',
  'LOTTERY_OR_GAMBLING_WIN',
  'RETIREMENT_INCOME',
  'SALE_OF_INVESTMENT',
  'SALE_OF_PROPERTY',
  'SAVINGS_FROM_SALARY',
  'OTHER',
] as const;
export type LinkcySourceOfFunds = (typeof LINKCY_SOURCES_OF_FUNDS)[number];

/** The seed's occupation enum. */
export const LINKCY_OCCUPATIONS = [
  'BUSINESS_OWNER',
  'CLERGY',
  'CRAFTSMAN',
  'ENGINEER',
  'EXECUTIVE',
  'FARMER',
  'FREELANCE',
  'LIBERAL_PROFESSION',
  'POLITICIAN',
  'PROFESSOR',
  'PUBLIC_SERVANT',
  'RETIRED',
  'SHOPKEEPER',
  'STUDENT',
  'UNEMPLOYED',
  'WORKER',
  'OTHER',
] as const;
export type LinkcyOccupation = (typeof LINKCY_OCCUPATIONS)[number];

/** The seed's list of phone country codes Linkcy accepts (digits, no `+`). */
// prettier-ignore
export const LINKCY_COUNTRY_CODES: readonly string[] = [
  '1', '1242', '1246', '1264', '1268', '1284', '1340', '1345', '1441', '1473', '1649', '1664', '1670', '1671',
  '1684', '1721', '1758', '1767', '1784', '1787', '1809', '1829', '1849', '1868', '1869', '1876', '1939', '20',
  '211', '212', '213', '216', '218', '220', '221', '222', '223', '224', '225', '226', '227', '228', '229', '230',
  '231', '232', '233', '234', '235', '236', '237', '238', '239', '240', '241', '242', '243', '244', '245', '246',
  '248', '249', '250', '251', '252', '253', '254', '255', '256', '257', '258', '260', '261', '262', '263', '264',
  '265', '266', '267', '268', '269', '27', '290', '291', '297', '298', '299', '30', '31', '32', '33', '34', '350',
  '351', '352', '353', '354', '355', '356', '357', '358', '359', '36', '370', '371', '372', '373', '374', '375',
  '376', '377', '378', '379', '380', '381', '382', '383', '385', '386', '387', '389', '39', '40', '41', '420', '421',
  '423', '43', '44', '441481', '441534', '441624', '45', '46', '47', '48', '49', '500', '501', '502', '503', '504',
  '505', '506', '507', '508', '509', '51', '52', '53', '54', '55', '56', '57', '58', '590', '591', '592', '593',
  '595', '597', '598', '599', '60', '61', '62', '63', '64', '65', '66', '670', '672', '673', '674', '675', '676',
  '677', '678', '679', '680', '681', '682', '683', '685', '686', '687', '688', '689', '690', '691', '692', '7', '81',
  '82', '84', '850', '852', '853', '855', '856', '86', '880', '886', '90', '91', '92', '93', '94', '95', '960',
  '961', '962', '963', '964', '965', '966', '967', '968', '970', '971', '972', '973', '974', '975', '976', '977',
  '98', '992', '993', '994', '995', '996', '998'
];

export interface LinkcyPhone {
  countryCode: string;
  number: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * An E.164 phone number split as Linkcy wants it: the country code (the one given, or the longest listed code the
 * number starts with: +1242… is the Bahamas, not +1) and the national number. Null when it cannot be split.
 */
export function splitLinkcyPhone(phone: string, countryCode?: string): LinkcyPhone | null {
  if (!E164.test(phone)) return null;
  const digits = phone.slice(1);
  const code =
    countryCode ??
    LINKCY_COUNTRY_CODES.filter((candidate) => digits.startsWith(candidate)).sort((a, b) => b.length - a.length)[0];
  if (!code || !LINKCY_COUNTRY_CODES.includes(code) || !digits.startsWith(code)) return null;
  const number = digits.slice(code.length);
  return number.length >= 4 ? { countryCode: code, number } : null;
}

/** Why `phone` (with an optional country code) cannot go to Linkcy, or null. Names the rule, never the number. */
export function linkcyPhoneProblem(phone: unknown, countryCode?: unknown): { field: string; message: string } | null {
  if (countryCode !== undefined && (typeof countryCode !== 'string' || !LINKCY_COUNTRY_CODES.includes(countryCode))) {
    return { field: 'phoneCountryCode', message: "not one of Linkcy's country codes (digits, no +)" };
  }
  if (typeof phone !== 'string' || !E164.test(phone)) {
    return { field: 'phone', message: 'an E.164 number such as +33612345678' };
  }
  if (!splitLinkcyPhone(phone, countryCode as string | undefined)) {
    return {
      field: 'phone',
      message:
        countryCode === undefined
          ? "does not start with one of Linkcy's country codes"
          : 'does not start with +phoneCountryCode',
    };
  }
  return null;
}

/** Linkcy's limit on `externalId`, `otherSourceOfFunds` and `otherOccupation`. */
export const LINKCY_TEXT_MAX = 511;

export const LINKCY_KYC_ACCESS_TYPES = ['LINK', 'SDK'] as const;
export type LinkcyKycAccessType = (typeof LINKCY_KYC_ACCESS_TYPES)[number];

export const LINKCY_KYC_STATUSES = [
  'NOT_STARTED',
  'CREATED',
  'PROCESSING',
  'PENDING_REVIEW',
  'VALIDATED',
  'DECLINED',
  'ABORTED',
] as const;
export type LinkcyKycStatus = (typeof LINKCY_KYC_STATUSES)[number];

/** skip: no email step; send: send the verification link and report it; require: wait until it is clicked. */
export const LINKCY_EMAIL_MODES = ['skip', 'send', 'require'] as const;
export type LinkcyEmailMode = (typeof LINKCY_EMAIL_MODES)[number];

/**
 * The start body's `linkcy` block. The phone and email are the applicant's (`applicant.phone` in E.164, e.g.
 * `+33612345678`; `applicant.email`); this block says how to split the phone (Linkcy wants the country code apart,
 * from the seed's list; by default the longest listed code the number starts with) and what only Linkcy asks.
 */
export interface LinkcyProviderInput {
  phoneCountryCode?: string;
  /** Our id for the consumer at Linkcy (≤ 511 characters, no PII); the onboarding's customerRef by default. */
  externalId?: string;
  sourceOfFunds?: LinkcySourceOfFunds;
  /** Required when sourceOfFunds is OTHER, refused otherwise. */
  otherSourceOfFunds?: string;
  occupation?: LinkcyOccupation;
  /** Required when occupation is OTHER, refused otherwise. */
  otherOccupation?: string;
  kyc?: { accessType?: LinkcyKycAccessType; urlOnComplete?: string; urlOnFailure?: string };
  /** Default `skip`. */
  email?: LinkcyEmailMode;
  emailVerification?: { urlOnSuccess?: string; urlOnFailure?: string };
  /** Open a ledger (account) once KYC is validated and the terms are accepted; omitted = none. */
  ledger?: { type: string; friendlyName?: string };
}

// --- views of Linkcy's resources ----------------------------------------------------------------------------------

export interface LinkcyTerms {
  version: string;
  url: string;
}

export interface LinkcyConsumerView {
  consumerId: string;
  externalId: string | null;
  status: 'ACTIVE' | 'LOCK';
  phoneVerified: boolean;
  /** Whether Linkcy holds an email address for the consumer (the address itself never leaves the activity). */
  hasEmail: boolean;
  emailVerified: boolean;
  termsAccepted: boolean;
}

export interface LinkcyKycView {
  kycId: string;
  status: LinkcyKycStatus;
  accessType: LinkcyKycAccessType;
  /** LINK: the hosted page to send the customer to. */
  url: string | null;
  /** SDK: the token the customer's app starts Linkcy's SDK with. */
  sdkToken: string | null;
  /** When the link (720 h) or SDK token (24 h) stops working; null when Linkcy gave no lifetime. */
  expiresAt: string | null;
}

export interface LinkcyLedgerView {
  ledgerId: string;
}

/** A consumer created, or an existing one adopted after a 409 because its externalId is ours. */
export interface LinkcyCreatedConsumer {
  consumer: LinkcyConsumerView;
  adopted: boolean;
}

export interface LinkcyActivities {
  /** The current terms and conditions (Linkcy publishes new versions at any time). */
  getTerms(): Promise<LinkcyTerms>;
  /**
   * Creates the consumer. A 409 (the phone is taken) is resolved by finding the consumer by phone and adopting
   * it when its externalId is ours (a lost answer retried); anything else is a non-retryable refusal.
   */
  createConsumer(input: {
    phone: string;
    provider: LinkcyProviderInput;
    externalId: string;
    email?: string;
    termsVersion: string;
  }): Promise<LinkcyCreatedConsumer>;
  getConsumer(input: { consumerId: string }): Promise<LinkcyConsumerView>;
  /** PATCH `lastTermsAccepted`. */
  acceptTerms(input: { consumerId: string; version: string }): Promise<LinkcyConsumerView>;
  /** PATCH the phone (Linkcy then wants it verified again). */
  changePhone(input: { consumerId: string; phone: LinkcyPhone }): Promise<LinkcyConsumerView>;
  /** Sends a new code by SMS (the previous one stops working); the code's lifetime in seconds. */
  sendPhoneCode(input: { consumerId: string }): Promise<{ ttlSeconds: number }>;
  /** A wrong code is a ProviderBusinessError `INVALID_PHONE_CODE`. The code is never logged nor in an error. */
  verifyPhoneCode(input: { consumerId: string; code: SecretValue }): Promise<void>;
  createKyc(input: {
    consumerId: string;
    accessType: LinkcyKycAccessType;
    urlOnComplete?: string;
    urlOnFailure?: string;
  }): Promise<LinkcyKycView>;
  getKyc(input: { kycId: string }): Promise<LinkcyKycView>;
  /** Sends the email verification link; its lifetime in seconds (48 h). */
  sendEmailVerification(input: {
    consumerId: string;
    urlOnSuccess?: string;
    urlOnFailure?: string;
  }): Promise<{ ttlSeconds: number }>;
  createLedger(input: { consumerId: string; type: string; friendlyName?: string }): Promise<LinkcyLedgerView>;
}

// --- customer actions (Updates) and the data their pending actions carry ---------------------------------------

export const LINKCY_ACTIONS = {
  acceptTerms: 'acceptTerms',
  verifyPhone: 'verifyPhone',
  resendCode: 'resendCode',
  changePhone: 'changePhone',
  /** Done on Linkcy's page: listed in pendingActions, no Update. */
  completeKyc: 'completeKyc',
  /** Done by clicking the link in the email: listed in pendingActions, no Update. */
  verifyEmail: 'verifyEmail',
  resendEmail: 'resendEmail',
} as const;

/** Linkcy's phone codes: six digits, valid 10 minutes, five tries each. */
export const LINKCY_CODE_ATTEMPTS = 5;
export const LINKCY_CODE_PATTERN = /^\d{6}$/;
export const LINKCY_CODE_MESSAGE = 'must be exactly six digits';

export interface LinkcyAcceptTermsInput {
  /** The version shown in the pending action's `data.version`. */
  version: string;
}

export interface LinkcyVerifyPhoneInput {
  /**
   * Six digits, checked in clear at the edge and sealed there (contract/secrets.ts): the Update and the local
   * activity's input carry only the sealed form, which no codec opens. Histories from before sealing hold it in clear.
   */
  code: SealedSecret;
}

/** Nothing to say: a new code to the same phone. */
export type LinkcyResendCodeInput = Record<string, never>;

export interface LinkcyChangePhoneInput {
  /** E.164, e.g. `+33612345678`. */
  phone: string;
  phoneCountryCode?: string;
}

export type LinkcyResendEmailInput = Record<string, never>;

export const linkcyAcceptTermsUpdate = defineUpdate<OnboardingStatus, [LinkcyAcceptTermsInput]>(
  LINKCY_ACTIONS.acceptTerms,
);
export const linkcyVerifyPhoneUpdate = defineUpdate<OnboardingStatus, [LinkcyVerifyPhoneInput]>(
  LINKCY_ACTIONS.verifyPhone,
);
export const linkcyResendCodeUpdate = defineUpdate<OnboardingStatus, [LinkcyResendCodeInput]>(
  LINKCY_ACTIONS.resendCode,
);
export const linkcyChangePhoneUpdate = defineUpdate<OnboardingStatus, [LinkcyChangePhoneInput]>(
  LINKCY_ACTIONS.changePhone,
);
export const linkcyResendEmailUpdate = defineUpdate<OnboardingStatus, [LinkcyResendEmailInput]>(
  LINKCY_ACTIONS.resendEmail,
);

// --- `data` of each pending action ------------------------------------------------------------------------------

export interface LinkcyTermsActionData {
  [key: string]: unknown;
  version: string;
  url: string;
  /** True when Linkcy published new terms after the customer had accepted earlier ones. */
  reacceptance: boolean;
}

export interface LinkcyVerifyPhoneActionData {
  [key: string]: unknown;
  channel: 'sms';
  codeFormat: 'six digits';
  codeExpiresAt: string;
  /** The code is dead (expired, or its tries used up and Linkcy sent no new one): ask for one with resendCode. */
  newCodeRequired: boolean;
  /** How many codes were sent in this wait. */
  codesSent: number;
  otherActions: readonly string[];
}

export interface LinkcyCompleteKycActionData {
  [key: string]: unknown;
  kycId: string;
  accessType: LinkcyKycAccessType;
  url: string | null;
  sdkToken: string | null;
  linkExpiresAt: string | null;
  /** 1 for the first link; more after an abandoned or expired one. */
  attempt: number;
}

export interface LinkcyVerifyEmailActionData {
  [key: string]: unknown;
  sentAt: string;
  linkExpiresAt: string;
  otherActions: readonly string[];
}

/**
 * Linkcy's `errorCode`s the workflow branches on. `INVALID_PHONE_CODE` is documented; the others are the
 * simulator's documented choices (sandbox/README.md, Linkcy, ASSUMED).
 */
export const LINKCY_ERROR_CODES = {
  invalidCode: 'INVALID_PHONE_CODE',
  /** The code expired or its tries are used up: only a new one can verify the phone. */
  deadCode: ['PHONE_CODE_EXPIRED', 'PHONE_CODE_MAX_ATTEMPTS', 'PHONE_CODE_NOT_SENT'],
  resendLimit: 'PHONE_CODE_RESEND_LIMIT',
  /** Creating a consumer whose phone another consumer has. */
  phoneTaken: 'PHONE_ALREADY_EXISTS',
} as const;
