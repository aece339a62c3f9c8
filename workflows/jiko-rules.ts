/**
 * The Jiko saga's rules that need no workflow state: which documents clear which flags, what the documents pending
 * action carries, and the validators of the two customer actions. Deterministic (imported by workflows/jiko.ts).
 */
import type {
  AcceptAgreementsInput,
  DocumentClaim,
  JikoAgreementBundle,
  JikoDocumentFlags,
  JikoDocumentRequirement,
  JikoDocumentType,
  JikoDocumentsActionData,
  UploadDocumentsInput,
} from '../contract/jiko.js';
import { JIKO_DOCUMENT_MAX_BYTES } from '../contract/jiko.js';
import { documentSizeRule, fieldProblem } from '../contract/rules.js';
import type { InvalidField } from './shared/failures.js';

/** Jiko's flags → the documents that clear them. */
export function requirementsFor(flags: JikoDocumentFlags): JikoDocumentRequirement[] {
  const needed: JikoDocumentType[][] = [];
  if (flags.idVerification) needed.push(['ID_FRONT'], ['ID_BACK'], ['SELFIE', 'PASSPORT']);
  if (flags.identificationNumber) needed.push(['IDENTIFICATION_NUMBER_VERIFICATION']);
  if (flags.addressVerification) needed.push(['ADDRESS_VERIFICATION']);
  return needed.map((anyOf) => ({ anyOf, received: false }));
}

export function documentsActionData(requirements: JikoDocumentRequirement[]): JikoDocumentsActionData {
  const maxSizeBytes: Partial<Record<JikoDocumentType, number>> = {};
  for (const type of requirements.flatMap((requirement) => requirement.anyOf)) {
    maxSizeBytes[type] = JIKO_DOCUMENT_MAX_BYTES[type];
  }
  return {
    documents: requirements.map((requirement) => ({ anyOf: [...requirement.anyOf], received: requirement.received })),
    maxSizeBytes,
  };
}

export function validateAgreementVersion(
  body: AcceptAgreementsInput,
  shown: JikoAgreementBundle | undefined,
): InvalidField | null {
  const version: unknown = (body as Partial<AcceptAgreementsInput> | undefined)?.version;
  if (typeof version !== 'string' || version === '') {
    return { field: 'version', message: 'the accepted agreements version is required' };
  }
  if (shown && version !== shown.version) {
    return { field: 'version', message: `must be the version shown (${shown.version}), not ${version}` };
  }
  return null;
}

const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
const DOCUMENT_REF_MAX_LENGTH = 512;

export function validateDocumentClaims(
  body: UploadDocumentsInput,
  requirements: readonly JikoDocumentRequirement[],
  received: ReadonlyMap<JikoDocumentType, DocumentClaim>,
): InvalidField | null {
  const documents: unknown = (body as Partial<UploadDocumentsInput> | undefined)?.documents;
  if (!Array.isArray(documents) || documents.length === 0) {
    return { field: 'documents', message: 'at least one document reference is required' };
  }
  // A replacement of something already sent is fine; a type no open requirement asks for is not.
  const acceptable = new Set<string>([
    ...requirements.filter((requirement) => !requirement.received).flatMap((requirement) => requirement.anyOf),
    ...received.keys(),
  ]);
  for (const [index, claim] of documents.entries()) {
    const at = `documents[${index}]`;
    if (typeof claim !== 'object' || claim === null) return { field: at, message: 'must be a document reference' };
    const { type, documentRef, contentType, sizeBytes } = claim as Partial<Record<keyof DocumentClaim, unknown>>;
    if (typeof type !== 'string' || !acceptable.has(type)) {
      return {
        field: `${at}.type`,
        message: `${String(type)} is not required now; expected one of ${[...acceptable].join(', ')}`,
      };
    }
    if (typeof documentRef !== 'string' || documentRef.trim() === '' || documentRef.length > DOCUMENT_REF_MAX_LENGTH) {
      return { field: `${at}.documentRef`, message: 'a claim-check reference to the stored document is required' };
    }
    if (typeof contentType !== 'string' || !CONTENT_TYPE.test(contentType)) {
      return { field: `${at}.contentType`, message: 'a media type such as image/png is required' };
    }
    const tooBig = fieldProblem(
      `${at}.sizeBytes`,
      documentSizeRule(JIKO_DOCUMENT_MAX_BYTES[type as JikoDocumentType]),
      sizeBytes,
    );
    if (tooBig) return tooBig;
  }
  return null;
}
