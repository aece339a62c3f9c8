/**
 * The Netspend `kyc` step: follows KYC and OFAC to a decision. A pending KYC waits for Netspend's reviewer; a
 * conditional one is cured with the identity questions; a rejected one is cured the way Netspend's `kyc_approve`
 * workflow offers (identity questions, an identity scan in Netspend's SDK, or a document upload), and is final
 * only when Netspend offers no cure (patch `netspend-cure-rejected-kyc`; before it, rejected was always final).
 */
import { patched } from '@temporalio/workflow';
import {
  NETSPEND_ACTIONS,
  NETSPEND_KYC_DOCUMENT_MAX_BYTES,
  netspendCureKycUpdate,
  netspendUploadKycDocumentsUpdate,
} from '../contract/netspend.js';
import type {
  NetspendActivities,
  NetspendAnswer,
  NetspendDocumentClaim,
  NetspendDocumentRequestView,
  NetspendKycCure,
  NetspendPersonView,
  NetspendQuestion,
  NetspendUploadKycDocumentsActionData,
  NetspendUploadKycDocumentsInput,
} from '../contract/netspend.js';
import { DOCUMENT_CONTENT_TYPES } from '../contract/rules.js';
import { validateAnswers } from './netspend-rules.js';
import { unexpectedProviderState } from './shared/failures.js';
import type { InvalidField } from './shared/failures.js';
import type { Onboarding } from './shared/onboarding.js';

export const REJECTED_KYC_CURE_PATCH = 'netspend-cure-rejected-kyc';
/** Each cure is one customer wait; Netspend uses a cure up with its outcome, so this only guards a provider bug. */
const MAX_CURES = 3;

export interface KycDecision {
  approved: boolean;
  why: string;
}

export interface NetspendKyc {
  decide(created: NetspendPersonView, accountId: string): Promise<KycDecision>;
}

/** Registers the KYC customer actions (identity answers, documents) and returns the step's body. */
export function netspendKyc(onboarding: Onboarding, netspend: NetspendActivities, session: () => string): NetspendKyc {
  const offered = {
    identityQuestions: [] as NetspendQuestion[],
    documents: null as NetspendDocumentRequestView | null,
  };
  const answered: { identity?: NetspendAnswer[] } = {};
  const uploads: NetspendDocumentClaim[] = [];

  onboarding.defineCustomerAction(netspendCureKycUpdate, {
    validate: (body) => validateAnswers(body, offered.identityQuestions),
    handle: (body) => {
      answered.identity = body.answers.map(({ questionId, answerId }) => ({ questionId, answerId }));
    },
    // The answers themselves describe the applicant's past: they stay out of the timeline.
    describe: (body) => ({ what: 'answered the identity questions', why: `${body.answers.length} answers` }),
  });

  onboarding.defineCustomerAction(netspendUploadKycDocumentsUpdate, {
    validate: (body) => validateDocuments(body, offered.documents),
    handle: (body) => {
      for (const document of body.documents) {
        const same = uploads.findIndex((candidate) => candidate.type === document.type);
        if (same >= 0) uploads.splice(same, 1);
        const { type, documentRef, contentType, sizeBytes } = document;
        uploads.push({ type, documentRef, contentType, sizeBytes });
      }
      onboarding.updatePendingActionData(NETSPEND_ACTIONS.uploadKycDocuments, documentsActionData());
    },
    describe: (body) => ({ what: 'uploaded KYC documents', why: body.documents.map((d) => d.type).join(', ') }),
  });

  function documentsActionData(): NetspendUploadKycDocumentsActionData {
    const request = offered.documents;
    const received = new Set([...(request?.receivedTypes ?? []), ...uploads.map((upload) => upload.type)]);
    return {
      method: 'provide_documents',
      documentRequestId: request?.documentRequestId ?? '',
      documents: (request?.documentTypes ?? []).map((type) => ({ type, received: received.has(type) })),
      contentTypes: DOCUMENT_CONTENT_TYPES,
      maxBytes: NETSPEND_KYC_DOCUMENT_MAX_BYTES,
    };
  }

  async function decide(created: NetspendPersonView, accountId: string): Promise<KycDecision> {
    let person = created;
    let cures = 0;
    for (;;) {
      if (person.ofacStatus === 'rejected') return { approved: false, why: 'the OFAC check flagged the applicant' };
      if (person.kycStatus === 'approved' && person.ofacStatus === 'approved') {
        return { approved: true, why: 'KYC and OFAC approved' };
      }
      if (person.kycStatus === 'rejected') {
        if (!patched(REJECTED_KYC_CURE_PATCH)) return { approved: false, why: 'Netspend rejected the KYC check' };
        const { available } = await netspend.getKycCures({ sessionId: session(), accountId });
        const cure = available[0];
        if (!cure || cures >= MAX_CURES) {
          return { approved: false, why: 'Netspend rejected the KYC check and offers no cure (final)' };
        }
        cures += 1;
        onboarding.addTimeline('provider', 'KYC is rejected', `Netspend offers a cure: ${cure}`);
        person = await cureBy(cure, person.personId);
      } else if (person.kycStatus === 'conditional') {
        onboarding.addTimeline('provider', 'KYC is conditional', 'identity questions can cure it');
        person = await cureWithQuestions(person.personId);
      } else {
        person = await awaitKycReview(person);
      }
    }
  }

  function cureBy(cure: NetspendKycCure, personId: string): Promise<NetspendPersonView> {
    if (cure === 'identity_questions') return cureWithQuestions(personId);
    if (cure === 'identity_scan') return cureWithIdentityScan(personId);
    return cureWithDocuments(personId);
  }

  async function awaitKycReview(person: NetspendPersonView): Promise<NetspendPersonView> {
    if (person.kycDataMissing.length > 0) {
      throw unexpectedProviderState('Netspend lacks KYC data the applicant gave', { missing: person.kycDataMissing });
    }
    const latest = { person };
    await onboarding.waitForProvider({
      wait: 'kycReview',
      blockedOn: 'reviewer',
      poll: async () => {
        latest.person = await netspend.getPerson({ sessionId: session(), personId: person.personId });
        return latest.person.kycStatus !== 'pending' && latest.person.ofacStatus !== 'pending';
      },
    });
    return latest.person;
  }

  async function cureWithQuestions(personId: string): Promise<NetspendPersonView> {
    offered.identityQuestions = await netspend.getIdentityQuestions({ sessionId: session(), personId });
    if (offered.identityQuestions.length === 0) {
      throw unexpectedProviderState('an identity-question cure without identity questions', { personId });
    }
    answered.identity = undefined;
    await onboarding.waitForCustomer({
      wait: 'kycCure',
      action: {
        action: NETSPEND_ACTIONS.cureKyc,
        description: "Ask the customer Netspend's identity questions and send one answer to each",
        data: { method: 'identity_questions', questions: offered.identityQuestions },
      },
      until: () => answered.identity !== undefined,
    });
    const answers = answered.identity ?? [];
    answered.identity = undefined;
    offered.identityQuestions = [];
    const person = await netspend.answerIdentityQuestions({ sessionId: session(), personId, answers });
    onboarding.addTimeline('provider', `KYC is ${person.kycStatus} after the identity questions`);
    return person;
  }

  /** The customer scans their ID in Netspend's SDK; Netspend's webhook (a hint) or a poll brings the result. */
  async function cureWithIdentityScan(personId: string): Promise<NetspendPersonView> {
    const scan = await netspend.getIdentityScan({ sessionId: session(), personId });
    const latest: { person?: NetspendPersonView } = {};
    await onboarding.waitForCustomerElsewhere({
      wait: 'kycCure',
      action: {
        action: NETSPEND_ACTIONS.completeIdentityScan,
        description: "Start Netspend's identity scan in its SDK with this identityScanId; Netspend sends the result",
        data: { method: 'identity_scan', identityScanId: scan.identityScanId },
      },
      poll: async () => {
        const now = await netspend.getIdentityScan({ sessionId: session(), personId });
        if (now.status !== 'completed') return false;
        latest.person = await netspend.getPerson({ sessionId: session(), personId });
        return true;
      },
    });
    const person = latest.person ?? (await netspend.getPerson({ sessionId: session(), personId }));
    onboarding.addTimeline('provider', `KYC is ${person.kycStatus} after the identity scan`);
    return person;
  }

  /** Documents go to Netspend's document request once every type asked for is in; Netspend then reviews them. */
  async function cureWithDocuments(personId: string): Promise<NetspendPersonView> {
    const request = await netspend.getDocumentRequest({ sessionId: session(), personId });
    if (!request) throw unexpectedProviderState('a document cure without a document request', { personId });
    offered.documents = request;
    uploads.length = 0;
    const complete = (): boolean => documentsActionData().documents.every((document) => document.received);
    await onboarding.waitForCustomer({
      wait: 'kycCure',
      action: {
        action: NETSPEND_ACTIONS.uploadKycDocuments,
        description: 'Collect the documents Netspend asks for and upload them, in one call or several',
        data: documentsActionData(),
      },
      until: complete,
    });
    if (uploads.length > 0) {
      const documents = [...uploads];
      await netspend.uploadKycDocuments({
        sessionId: session(),
        personId,
        documentRequestId: request.documentRequestId,
        documents,
      });
    }
    offered.documents = null;
    uploads.length = 0;
    const latest: { request?: NetspendDocumentRequestView | null } = {};
    await onboarding.waitForProvider({
      wait: 'kycReview',
      blockedOn: 'reviewer',
      poll: async () => {
        latest.request = await netspend.getDocumentRequest({ sessionId: session(), personId });
        return latest.request?.status !== 'requested';
      },
    });
    const person = await netspend.getPerson({ sessionId: session(), personId });
    onboarding.addTimeline('provider', `KYC is ${person.kycStatus} after the document review`);
    return person;
  }

  return { decide };
}

/** Types from the request, accepted content types, within the size limit; several calls accumulate. */
function validateDocuments(
  body: NetspendUploadKycDocumentsInput,
  request: NetspendDocumentRequestView | null,
): InvalidField | null {
  const documents: unknown = (body as Partial<NetspendUploadKycDocumentsInput> | undefined)?.documents;
  if (!Array.isArray(documents) || documents.length === 0) {
    return { field: 'documents', message: 'at least one document is required' };
  }
  const types = request?.documentTypes ?? [];
  for (const [index, document] of documents.entries()) {
    const at = `documents[${index}]`;
    const { type, documentRef, contentType, sizeBytes } = (document ?? {}) as Partial<
      Record<keyof NetspendDocumentClaim, unknown>
    >;
    if (typeof type !== 'string' || !types.includes(type)) {
      return { field: `${at}.type`, message: `not one of ${types.join(', ')}` };
    }
    if (typeof documentRef !== 'string' || documentRef === '') {
      return { field: `${at}.documentRef`, message: 'a stored document reference is required' };
    }
    if (typeof contentType !== 'string' || !(DOCUMENT_CONTENT_TYPES as readonly string[]).includes(contentType)) {
      return { field: `${at}.contentType`, message: `one of ${DOCUMENT_CONTENT_TYPES.join(', ')}` };
    }
    if (typeof sizeBytes !== 'number' || sizeBytes <= 0 || sizeBytes > NETSPEND_KYC_DOCUMENT_MAX_BYTES) {
      return { field: `${at}.sizeBytes`, message: 'must not be empty nor larger than 10 MB' };
    }
  }
  return null;
}
