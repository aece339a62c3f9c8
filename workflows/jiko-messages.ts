/**
 * Jiko's customer actions (Updates) and the data its pending actions carry. Message definitions only, so the
 * gateway and client library can import them without the workflow.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { DocumentClaim, JikoDocumentType } from '../activities/jiko/types.js';
import type { OnboardingStatus } from './contract.js';

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
