/**
 * What the Jiko workflow sees of the Jiko activities: plain types only (workflows import this file as types).
 * The zod schemas of Jiko's wire format live in schemas.ts; client.ts maps wire ↔ these views.
 */
import type { Applicant } from '../../workflows/contract.js';

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
