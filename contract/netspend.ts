/**
 * Netspend's contract: the start block, the views the workflow sees of its activities, the activity interface, the
 * customer actions (Updates) with their inputs and pending-action data. Deterministic (the workflow imports it);
 * the zod twins of the start block and action bodies are in client/providers/netspend.ts, the wire format in
 * activities/netspend/schemas.ts.
 */
import { defineUpdate } from '@temporalio/workflow';
import { APPLICANT_FIELDS } from './onboarding.js';
import type { Applicant, OnboardingStatus } from './onboarding.js';
import type { SealedSecret, SecretValue } from './secrets.js';

export const NETSPEND_PROVIDER = 'netspend';
/** The workflow type workflows/index.ts registers for this provider. */
export const NETSPEND_WORKFLOW_TYPE = 'netspendOnboarding';
/** Applicant fields a start must carry: all of them (identity, contact and address go to the provider). */
export const NETSPEND_REQUIRED_APPLICANT_FIELDS = APPLICANT_FIELDS;

export type NetspendAccountType = 'DDA' | 'GPR';
export type NetspendAccountStatus = 'new' | 'active' | 'closed';
export type NetspendKycStatus = 'pending' | 'approved' | 'conditional' | 'rejected';
export type NetspendOfacStatus = 'pending' | 'approved' | 'rejected';
export type NetspendPersonStatus = 'pending' | 'active' | 'inactive';
export type NetspendSessionType = 'anonymous' | 'account' | 'person';
export type NetspendAgreementType = 'cardholder_terms' | 'esign' | 'privacy_policy';

export const NETSPEND_CARD_TYPES = ['physical', 'virtual', 'digital'] as const;
export type NetspendCardType = (typeof NETSPEND_CARD_TYPES)[number];
/** A physical card is `ordered` until its PIN is set; virtual and digital cards are `active` once created. */
export type NetspendCardStatus = 'ordered' | 'active' | 'closed';

/**
 * The start body's `netspend` block. The account creation context is either named directly (`providedId`, as
 * Netspend configured it for the partner) or picked by account type from the worker's configuration.
 */
export interface NetspendProviderInput {
  accountType?: NetspendAccountType;
  providedId?: string;
  /** The Netspend SDK's encrypted device fingerprint, passed through to the session as-is. */
  deviceData?: string | Record<string, unknown>;
}

export interface NetspendSessionView {
  sessionId: string;
  type: NetspendSessionType;
  sourceId: string | null;
}

export interface NetspendAccountView {
  accountId: string;
  status: NetspendAccountStatus;
  accountType: NetspendAccountType;
  providedId: string;
}

export interface NetspendPersonView {
  personId: string;
  accountId: string;
  status: NetspendPersonStatus;
  kycStatus: NetspendKycStatus;
  ofacStatus: NetspendOfacStatus;
  /** KYC inputs Netspend still lacks (e.g. `date_of_birth`); KYC stays `pending` until they are supplied. */
  kycDataMissing: string[];
}

export interface NetspendAgreement {
  agreementId: string;
  type: NetspendAgreementType;
  name: string;
  version: string;
  url: string;
  requiredForOnboarding: boolean;
}

/** One survey question (expected use) or identity question (KYC cure): the customer picks one answer per question. */
export interface NetspendQuestion {
  questionId: string;
  text: string;
  answers: { answerId: string; text: string }[];
}

export interface NetspendAnswer {
  questionId: string;
  answerId: string;
}

export interface NetspendCardBrand {
  brandName: string;
  displayName: string;
  network: string;
  imageUrl: string | null;
}

export interface NetspendCardView {
  cardId: string;
  type: NetspendCardType;
  status: NetspendCardStatus;
  brandName: string | null;
}

export type NetspendAddress = Applicant['address'];

/** How Netspend lets a person out of a conditional or rejected KYC: its `kyc_approve` workflow's cure steps. */
export const NETSPEND_KYC_CURES = ['identity_questions', 'identity_scan', 'provide_documents'] as const;
export type NetspendKycCure = (typeof NETSPEND_KYC_CURES)[number];

/** What Netspend's `kyc_approve` workflow says now: the cures on offer; none on a rejected person = final. */
export interface NetspendKycCuresView {
  available: NetspendKycCure[];
}

export interface NetspendIdentityScanView {
  identityScanId: string;
  status: 'pending' | 'completed';
}

export interface NetspendDocumentRequestView {
  documentRequestId: string;
  status: 'requested' | 'accepted';
  documentTypes: string[];
  receivedTypes: string[];
}

/** A document the customer handed over, stored outside the workflow (claim check): only its reference travels. */
export interface NetspendDocumentClaim {
  type: string;
  documentRef: string;
  contentType: string;
  sizeBytes: number;
}

/** Every call after the session carries the session id (Netspend's mandatory `ns-session-id` header). */
interface InSession {
  sessionId: string;
}

export interface NetspendActivities {
  /** Anonymous session (partner token acquired and cached by the HTTP core). */
  createSession(input: { deviceData?: NetspendProviderInput['deviceData'] }): Promise<NetspendSessionView>;
  /** Moves the session to the person (anonymous → person), so person-level features hang off it. */
  attachPersonToSession(input: InSession & { personId: string }): Promise<NetspendSessionView>;

  createAccount(
    input: InSession & Pick<NetspendProviderInput, 'accountType' | 'providedId'>,
  ): Promise<NetspendAccountView>;
  getAccount(input: InSession & { accountId: string }): Promise<NetspendAccountView>;
  /** Compensation: closing an already closed account succeeds. */
  closeAccount(input: InSession & { accountId: string }): Promise<NetspendAccountView>;

  /** KYC and OFAC run at creation; a failed check still creates the person (with a non-approved status). */
  createPerson(input: InSession & { accountId: string; applicant: Applicant }): Promise<NetspendPersonView>;
  getPerson(input: InSession & { personId: string }): Promise<NetspendPersonView>;
  /** The cures Netspend offers the account's primary person now (its `kyc_approve` workflow). */
  getKycCures(input: InSession & { accountId: string }): Promise<NetspendKycCuresView>;
  /** The `identity_scan_id` the customer's scan in Netspend's SDK uses (the same until the scan is done). */
  getIdentityScan(input: InSession & { personId: string }): Promise<NetspendIdentityScanView>;
  /** The person's document request, if Netspend asks for documents. */
  getDocumentRequest(input: InSession & { personId: string }): Promise<NetspendDocumentRequestView | null>;
  /** Uploads the claimed documents to the request (each read from the document store). */
  uploadKycDocuments(
    input: InSession & { personId: string; documentRequestId: string; documents: NetspendDocumentClaim[] },
  ): Promise<NetspendDocumentRequestView>;
  /** What Netspend asks to cure a conditional (or curable rejected) KYC with identity questions. */
  getIdentityQuestions(input: InSession & { personId: string }): Promise<NetspendQuestion[]>;
  answerIdentityQuestions(
    input: InSession & { personId: string; answers: NetspendAnswer[] },
  ): Promise<NetspendPersonView>;

  /** The onboarding agreements of the account's creation context. */
  searchAgreements(input: InSession & { providedId: string }): Promise<NetspendAgreement[]>;
  /** Ids of the agreements the person has accepted. */
  getAcceptedAgreements(input: InSession & { personId: string }): Promise<string[]>;
  acceptAgreement(input: InSession & { personId: string; agreementId: string }): Promise<void>;

  getExpectedUseQuestions(input: InSession & { personId: string }): Promise<NetspendQuestion[]>;
  answerExpectedUse(input: InSession & { personId: string; answers: NetspendAnswer[] }): Promise<void>;

  searchCardBrands(input: InSession & { personId: string }): Promise<NetspendCardBrand[]>;
  orderCard(
    input: InSession & {
      accountId: string;
      personId: string;
      type: NetspendCardType;
      brandName: string;
      /** Physical cards only. */
      shippingAddress?: NetspendAddress;
    },
  ): Promise<NetspendCardView>;
  /** One card by the id its order returned (`GET /cards/{id}`, documented): how compensation re-reads it. */
  getCard(input: InSession & { cardId: string }): Promise<NetspendCardView>;
  /**
   * @deprecated `GET /accounts/{id}/cards` is not in Netspend's reference. Kept only for onboardings started before
   * the `netspend-card-by-id` patch, whose compensation still calls it; new code reads cards with `getCard`.
   */
  listCards(input: InSession & { accountId: string }): Promise<NetspendCardView[]>;
  /**
   * Sets the PIN, which activates a physical card. The PIN is never logged nor put in an error message; it arrives
   * sealed (or in clear from an Update accepted before sealing) and is opened only in the request body.
   */
  activateCard(input: InSession & { cardId: string; pin: SecretValue }): Promise<NetspendCardView>;
  /** Compensation ("void"): closing an already closed card succeeds. */
  closeCard(input: InSession & { cardId: string }): Promise<NetspendCardView>;
}

// --- customer actions (Updates) and the data their pending actions carry ---------------------------------------

export const NETSPEND_ACTIONS = {
  cureKyc: 'cureKyc',
  /** Done by the customer in Netspend's SDK, not through us: the pending action only carries the scan id. */
  completeIdentityScan: 'completeIdentityScan',
  uploadKycDocuments: 'uploadKycDocuments',
  acceptAgreements: 'acceptAgreements',
  answerExpectedUse: 'answerExpectedUse',
  chooseCard: 'chooseCard',
  activateCard: 'activateCard',
} as const;

export interface NetspendAcceptAgreementsInput {
  /** Any subset of the pending action's agreements; repeat until all are in (re-sending one is harmless). */
  agreementIds: string[];
}

export interface NetspendAnswersInput {
  /** One answer per question listed in the pending action's `data.questions`. */
  answers: NetspendAnswer[];
}

export interface NetspendChooseCardInput {
  type: NetspendCardType;
  /** One of the pending action's `data.brands[].brandName`. */
  brandName: string;
  /** Physical cards only; the applicant's address when absent. */
  shippingAddress?: NetspendAddress;
}

export interface NetspendActivateCardInput {
  /**
   * Four digits, checked in clear at the edge and sealed there (contract/secrets.ts): the Update and the activity
   * input carry only the sealed form, which no codec opens. Histories from before sealing hold it in clear.
   */
  pin: SealedSecret;
}

export interface NetspendUploadKycDocumentsInput {
  /** References from the document store (the gateway stores the images); any number of calls, accumulated. */
  documents: NetspendDocumentClaim[];
}

export const netspendUploadKycDocumentsUpdate = defineUpdate<OnboardingStatus, [NetspendUploadKycDocumentsInput]>(
  NETSPEND_ACTIONS.uploadKycDocuments,
);
export const netspendCureKycUpdate = defineUpdate<OnboardingStatus, [NetspendAnswersInput]>(NETSPEND_ACTIONS.cureKyc);
export const netspendAcceptAgreementsUpdate = defineUpdate<OnboardingStatus, [NetspendAcceptAgreementsInput]>(
  NETSPEND_ACTIONS.acceptAgreements,
);
export const netspendAnswerExpectedUseUpdate = defineUpdate<OnboardingStatus, [NetspendAnswersInput]>(
  NETSPEND_ACTIONS.answerExpectedUse,
);
export const netspendChooseCardUpdate = defineUpdate<OnboardingStatus, [NetspendChooseCardInput]>(
  NETSPEND_ACTIONS.chooseCard,
);
export const netspendActivateCardUpdate = defineUpdate<OnboardingStatus, [NetspendActivateCardInput]>(
  NETSPEND_ACTIONS.activateCard,
);

// --- `data` of each pending action ------------------------------------------------------------------------------

export interface NetspendCureKycActionData {
  [key: string]: unknown;
  method: 'identity_questions';
  questions: NetspendQuestion[];
}

export interface NetspendIdentityScanActionData {
  [key: string]: unknown;
  method: 'identity_scan';
  /** Hand this to Netspend's SDK, which runs the scan with the customer; Netspend announces the result. */
  identityScanId: string;
}

export interface NetspendUploadKycDocumentsActionData {
  [key: string]: unknown;
  method: 'provide_documents';
  documentRequestId: string;
  documents: { type: string; received: boolean }[];
  contentTypes: readonly string[];
  maxBytes: number;
}

export interface NetspendAgreementsActionData {
  [key: string]: unknown;
  agreements: {
    agreementId: string;
    type: NetspendAgreementType;
    name: string;
    version: string;
    url: string;
    accepted: boolean;
  }[];
}

export interface NetspendExpectedUseActionData {
  [key: string]: unknown;
  questions: NetspendQuestion[];
}

export interface NetspendChooseCardActionData {
  [key: string]: unknown;
  cardTypes: NetspendCardType[];
  brands: NetspendCardBrand[];
  /** Where a physical card goes when the action gives no shipping address. */
  defaultShippingAddress: 'applicant';
}

export interface NetspendActivateCardActionData {
  [key: string]: unknown;
  cardId: string;
  brandName: string | null;
  pinFormat: 'four digits';
}

/** The largest document we pass on to a Netspend document request (ASSUMED limit: Netspend publishes none). */
export const NETSPEND_KYC_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024;
