/**
 * Netspend's KYC cures [doc: the `kyc_approve` workflow lists identity questions, an identity scan and document
 * upload as steps that can move a conditional *or rejected* person to approved]. What the simulator chooses
 * (ASSUMED, sandbox/README.md): which rejected people may cure, and how (by SSN prefix); one cure per person, used
 * up by its outcome; the document request's paths, types and instant review.
 */
import { randomUUID } from 'node:crypto';

export type CureMethod = 'identity_questions' | 'identity_scan' | 'provide_documents';

/** A rejected KYC Netspend lets the person cure, by the first three digits of the SSN (ASSUMED controls). */
export const CURE_SSN_CONTROLS: Readonly<Record<string, CureMethod>> = {
  '995': 'identity_questions',
  '996': 'identity_scan',
  '997': 'provide_documents',
};

export function cureForSsn(ssn: string): CureMethod | null {
  return CURE_SSN_CONTROLS[ssn.slice(0, 3)] ?? null;
}

/** What a document request asks for (ASSUMED types; the real ones come with the request). */
export const DOCUMENT_REQUEST_TYPES = ['government_id_front', 'government_id_back', 'proof_of_address'] as const;
export type RequestedDocumentType = (typeof DOCUMENT_REQUEST_TYPES)[number];
export const DOCUMENT_CONTENT_TYPES = ['image/png', 'image/jpeg', 'application/pdf'] as const;

export interface IdentityScan {
  identity_scan_id: string;
  person_id: string;
  status: 'pending' | 'completed';
  created_at: string;
}

export interface DocumentRequest {
  document_request_id: string;
  person_id: string;
  /** `requested` until every type is in; then Netspend reviews it (instantly in the simulator) and accepts it. */
  status: 'requested' | 'accepted';
  document_types: RequestedDocumentType[];
  received: { document_type: RequestedDocumentType; document_id: string; size_bytes: number }[];
  created_at: string;
}

export function newIdentityScan(personId: string, now: string): IdentityScan {
  return { identity_scan_id: randomUUID(), person_id: personId, status: 'pending', created_at: now };
}

export function newDocumentRequest(personId: string, now: string): DocumentRequest {
  return {
    document_request_id: randomUUID(),
    person_id: personId,
    status: 'requested',
    document_types: [...DOCUMENT_REQUEST_TYPES],
    received: [],
    created_at: now,
  };
}

export const copyDocumentRequest = (request: DocumentRequest): DocumentRequest => ({
  ...request,
  document_types: [...request.document_types],
  received: request.received.map((item) => ({ ...item })),
});

/** Every requested type is in (a second upload of a type replaces the first). */
export const documentRequestComplete = (request: DocumentRequest): boolean =>
  request.document_types.every((type) => request.received.some((item) => item.document_type === type));
