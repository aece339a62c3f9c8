/**
 * Jiko's contract: the start block, the views the workflow sees of its activities, the activity interface, the
 * customer actions (Updates) with their inputs and pending-action data, and Jiko's limits. Deterministic (the
 * workflow imports it); the zod twins of the start block and action bodies are in client/providers/jiko.ts, the wire
 * format in activities/jiko/schemas.ts.
 */
import { defineUpdate } from '@temporalio/workflow';
import { APPLICANT_FIELDS } from './onboarding.js';
import type { Applicant, ApplicantField, OnboardingStatus } from './onboarding.js';

export const JIKO_PROVIDER = 'jiko';
/** The workflow type workflows/index.ts registers for this provider. */
export const JIKO_WORKFLOW_TYPE = 'jikoOnboarding';
/**
 * Applicant fields a start must carry: identity, contact and address all go to Jiko. `ssn` is the exception: it is
 * required only when the applicant is identified by an SSN or TIN (the default); a passport, driver's licence or
 * international id holder brings that number in the `jiko` block instead (see JikoProviderInput).
 */
export const JIKO_REQUIRED_APPLICANT_FIELDS = APPLICANT_FIELDS.filter(
  (field): field is Exclude<ApplicantField, 'ssn'> => field !== 'ssn',
);
export type JikoApplicant = Applicant<(typeof JIKO_REQUIRED_APPLICANT_FIELDS)[number]>;

/** Identification types whose number is the applicant's 9-digit `ssn`. */
export const JIKO_NINE_DIGIT_IDENTIFICATION_TYPES = ['SSN', 'TIN'] as const;
/** Identification types with a number of their own (letters and digits, not 9 digits), in `identificationNumber`. */
export const JIKO_DOCUMENT_IDENTIFICATION_TYPES = ['PASSPORT', 'DRIVERS_LICENSE', 'INTERNATIONAL_ID'] as const;
export const JIKO_IDENTIFICATION_TYPES = [
  ...JIKO_NINE_DIGIT_IDENTIFICATION_TYPES,
  ...JIKO_DOCUMENT_IDENTIFICATION_TYPES,
] as const;
export type JikoIdentificationType = (typeof JIKO_IDENTIFICATION_TYPES)[number];

export function isNineDigitIdentification(type: JikoIdentificationType | undefined): boolean {
  return type === undefined || (JIKO_NINE_DIGIT_IDENTIFICATION_TYPES as readonly string[]).includes(type);
}

/**
 * The Jiko events the gateway routes to onboardings (client/webhooks/jiko.ts) and so the ones our webhook
 * subscription asks for (activities/jiko/subscriptions.ts): one list, so the two cannot drift apart.
 */
export const JIKO_ROUTED_EVENT_TYPES = [
  'application.approved',
  'application.documents_needed',
  'application.manual_review',
  'application.rejected',
] as const;

/**
 * The failure type createApplication throws when Jiko refuses the consent because its agreements changed since the
 * customer saw them: the workflow asks the customer again instead of failing.
 */
export const JIKO_AGREEMENTS_OUTDATED = 'JikoAgreementsOutdated';

export type JikoApplicationStatus =
  'CREATED' | 'SUBMITTED' | 'DOCUMENTS_NEEDED' | 'PENDING' | 'MANUAL_REVIEW' | 'APPROVED' | 'REJECTED';

export const JIKO_DOCUMENT_TYPES = [
  'ID_FRONT',
  'ID_BACK',
  'SELFIE',
  'PASSPORT',
  'IDENTIFICATION_NUMBER_VERIFICATION',
  'ADDRESS_VERIFICATION',
  'OTHER',
] as const;
export type JikoDocumentType = (typeof JIKO_DOCUMENT_TYPES)[number];

export type JikoEmploymentStatus = 'EMPLOYED' | 'INDEPENDENT' | 'RETIRED' | 'STUDENT' | 'UNEMPLOYED';
export type JikoIncome = 'BELOW_50K' | 'BETWEEN_50K_AND_100K' | 'BETWEEN_100K_AND_250K' | 'OVER_250K';
export type JikoNetWorth =
  'BELOW_50K' | 'BETWEEN_50K_AND_200K' | 'BETWEEN_200K_AND_1M' | 'BETWEEN_1M_AND_5M' | 'OVER_5M';

/** The start body's `jiko` block: what only Jiko needs. */
export interface JikoProviderInput {
  investmentProfile: {
    employmentStatus: JikoEmploymentStatus;
    income: JikoIncome;
    netWorth: JikoNetWorth;
    /** Required when employmentStatus is EMPLOYED (2–200 chars). */
    occupation?: string;
  };
  /** How Jiko identifies the applicant; `SSN` when absent. SSN and TIN send `applicant.ssn`. */
  identificationType?: JikoIdentificationType;
  /**
   * The number of a passport, driver's licence or international id (required for those types, refused for SSN/TIN:
   * their number is `applicant.ssn`). Letters and digits; spaces and hyphens are dropped before it is sent.
   */
  identificationNumber?: string;
  /** ISO 3166-1 alpha-2 country that issued the identification (Jiko: optional for now). */
  identificationIssuingCountry?: string;
  /**
   * Jiko's prerequisites, which its API does not check: the partner has verified that the applicant owns the
   * phone number and the email address. Both timestamps are required to start.
   */
  contactVerification: { phoneVerifiedAt: string; emailVerifiedAt: string };
}

export interface JikoAgreementBundle {
  version: string;
  releaseDate: string;
  documents: { title: string; url: string; type: string; category: string }[];
}

export interface JikoDocumentFlags {
  idVerification: boolean;
  identificationNumber: boolean;
  addressVerification: boolean;
}

export interface JikoApplicationView {
  applicationId: string;
  status: JikoApplicationStatus;
  customerId: string | null;
  flags: JikoDocumentFlags;
  documents: { id: string; type: string; status: string }[];
  exceptionReasons: string[];
}

export interface JikoConsent {
  version: string;
  timestamp: string;
}

/** A document the customer handed over, kept outside history (claim check): only the reference travels. */
export interface DocumentClaim {
  type: JikoDocumentType;
  documentRef: string;
  contentType: string;
  sizeBytes: number;
}

export interface JikoActivities {
  getAgreements(): Promise<JikoAgreementBundle>;
  createApplication(input: {
    applicant: JikoApplicant;
    jiko: JikoProviderInput;
    consent: JikoConsent;
    /** Set when the customer accepted newer agreements after Jiko refused an earlier consent (a new request). */
    renewedConsent?: boolean;
  }): Promise<JikoApplicationView>;
  /** `round` counts applies (1 = first, 2 = after documents…): part of the idempotency key. */
  applyApplication(input: { applicationId: string; round: number }): Promise<JikoApplicationView>;
  getApplication(input: { applicationId: string }): Promise<JikoApplicationView>;
  uploadDocument(input: { applicationId: string; document: DocumentClaim }): Promise<{ documentId: string }>;
  getCustomerAccounts(input: { customerId: string }): Promise<{ accountIds: string[] }>;
}

// --- customer actions (Updates) and the data their pending actions carry ---------------------------------------

export const JIKO_ACTIONS = { acceptAgreements: 'acceptAgreements', uploadDocuments: 'uploadDocuments' } as const;

export interface AcceptAgreementsInput {
  /** The version of the agreements shown to the customer (the pending action's `data.version`). */
  version: string;
}

export interface UploadDocumentsInput {
  /** Claim-check references to documents stored outside history; never the image bytes. */
  documents: DocumentClaim[];
}

export const acceptAgreementsUpdate = defineUpdate<OnboardingStatus, [AcceptAgreementsInput]>(
  JIKO_ACTIONS.acceptAgreements,
);
export const uploadDocumentsUpdate = defineUpdate<OnboardingStatus, [UploadDocumentsInput]>(
  JIKO_ACTIONS.uploadDocuments,
);

/** One thing Jiko needs: any one of `anyOf` clears it (e.g. SELFIE or PASSPORT). */
export interface JikoDocumentRequirement {
  anyOf: JikoDocumentType[];
  received: boolean;
}

/** `data` of the `uploadDocuments` pending action. */
export interface JikoDocumentsActionData {
  [key: string]: unknown;
  documents: JikoDocumentRequirement[];
  maxSizeBytes: Partial<Record<JikoDocumentType, number>>;
}

const MB = 1024 * 1024;
/** Jiko's limits: identity images under 5 MB, other documents under 50 MB. */
export const JIKO_DOCUMENT_MAX_BYTES: Record<JikoDocumentType, number> = {
  ID_FRONT: 5 * MB,
  ID_BACK: 5 * MB,
  SELFIE: 5 * MB,
  PASSPORT: 5 * MB,
  IDENTIFICATION_NUMBER_VERIFICATION: 50 * MB,
  ADDRESS_VERIFICATION: 50 * MB,
  OTHER: 50 * MB,
};
