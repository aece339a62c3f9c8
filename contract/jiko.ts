/**
 * Jiko's contract: the start block, the views the workflow sees of its activities, the activity interface, the
 * customer actions (Updates) with their inputs and pending-action data, and Jiko's limits. Deterministic (the
 * workflow imports it); the zod twins of the start block and action bodies are in client/providers/jiko.ts, the wire
 * format in activities/jiko/schemas.ts.
 */
import { defineUpdate } from '@temporalio/workflow';
import { APPLICANT_FIELDS } from './onboarding.js';
import type { Applicant, OnboardingStatus } from './onboarding.js';

export const JIKO_PROVIDER = 'jiko';
/** The workflow type workflows/index.ts registers for this provider. */
export const JIKO_WORKFLOW_TYPE = 'jikoOnboarding';
/** Applicant fields a start must carry: all of them (identity, contact and address go to the provider). */
export const JIKO_REQUIRED_APPLICANT_FIELDS = APPLICANT_FIELDS;

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
  identificationType?: 'SSN' | 'PASSPORT' | 'TIN' | 'DRIVERS_LICENSE';
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
    applicant: Applicant;
    jiko: JikoProviderInput;
    consent: JikoConsent;
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
