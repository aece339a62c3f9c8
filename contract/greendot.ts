/**
 * Green Dot's contract: the start block, the views the workflow sees of its activities, the activity interface, the
 * customer actions (Updates) with their inputs and pending-action data, and the limits the saga applies.
 * Deterministic (the workflow imports it); the zod twins of the start block and action bodies are in
 * client/providers/greendot.ts, the wire format in activities/greendot/schemas.ts.
 */
import { defineUpdate } from '@temporalio/workflow';
import { APPLICANT_FIELDS } from './onboarding.js';
import type { Applicant, OnboardingStatus } from './onboarding.js';

export const GREENDOT_PROVIDER = 'greendot';
/** The workflow type workflows/index.ts registers for this provider. */
export const GREENDOT_WORKFLOW_TYPE = 'greendotOnboarding';
/** Every applicant field: Green Dot's enrollment carries profile, identifying data, email, phone and address. */
export const GREENDOT_REQUIRED_APPLICANT_FIELDS = APPLICANT_FIELDS;

// --- limits -------------------------------------------------------------------------------------------------------

/** Green Dot refuses a terms acceptance older than 720 hours at enrollment (code 620). */
export const GREENDOT_TERMS_MAX_AGE_MS = 720 * 60 * 60_000;
/** Acceptances this close to the limit are asked again: the enrollment call itself takes time and may retry. */
export const GREENDOT_TERMS_AGE_MARGIN_MS = 60 * 60_000;
/** The documented SLA of a manual OFAC review, in business days (Saturday and Sunday do not count). */
export const GREENDOT_OFAC_REVIEW_SLA_BUSINESS_DAYS = 2;
/** ASSUMED: how long the onboarding waits for an OFAC review before it expires (no published limit). */
export const GREENDOT_OFAC_REVIEW_DEFAULT_EXPIRY = '5d';
/** How long the transactions step looks for the welcome credit before giving up on it. */
export const GREENDOT_TRANSACTIONS_MAX_WAIT_MS = 10 * 60_000;
export const GREENDOT_WALLETS = ['applePay', 'googlePay'] as const;
export type GreendotWallet = (typeof GREENDOT_WALLETS)[number];
export const GREENDOT_ADJUSTMENT_TIMINGS = ['beforeCard', 'afterCard'] as const;
export type GreendotAdjustmentTiming = (typeof GREENDOT_ADJUSTMENT_TIMINGS)[number];

// --- the start block ----------------------------------------------------------------------------------------------

export interface GreendotTermsAcceptance {
  termsIdentifier: string;
  /** ISO time the customer accepted; more than 720 h before enrollment and it is asked again. */
  acceptedAt: string;
}

export interface GreendotWelcomeAdjustment {
  /** Positive: a credit. */
  amount: number;
  currency: string;
  /** Must be enabled for the program (e.g. `promo`), or Green Dot refuses it. */
  adjustmentType: string;
  description: string;
  /** Default `afterCard`. */
  timing?: GreendotAdjustmentTiming;
}

/** The start body's `greendot` block: each optional step runs only when its key is present. */
export interface GreendotProviderInput {
  /** The product to enroll in; the worker's GREENDOT_PRODUCT_CODE when absent. */
  productCode?: string;
  /** Acceptances collected by the caller; without them (or when too old) the customer action `acceptTerms` asks. */
  termsAcceptances?: GreendotTermsAcceptance[];
  /**
   * The card of the `card` step: absent = the one the product issues at enrollment (waited for, as the processor
   * prepares it); `virtual` or `physical` = issued by the partner once the account is normal (a physical card is
   * then activated by the customer action `activateCard`).
   */
  card?: { issue: GreendotCardKind };
  /** Offer the app to push the card into a wallet (step `push_provisioning`). */
  pushProvisioning?: { wallet: GreendotWallet };
  /** Credit a welcome bonus (step `adjustment`), before or after the card step. */
  welcomeAdjustment?: GreendotWelcomeAdjustment;
  /** Read the account's transactions at the end (step `transactions`), `notBefore` after the previous step. */
  transactions?: { verifyAdjustmentPosted?: boolean; notBefore?: string };
}

// --- views of what Green Dot answers ------------------------------------------------------------------------------

export type GreendotEnrollmentOutcome = 'success' | 'pending_ofac' | 'declined';
export type GreendotAccountStatus = 'pending' | 'normal' | 'restricted' | 'locked' | 'closed';
export type GreendotCheckStatus = 'pending' | 'passed' | 'failed';
export type GreendotCardStatus = 'notActivated' | 'activated' | 'blocked' | 'deactivated' | 'closed';
export const GREENDOT_CARD_KINDS = ['virtual', 'physical'] as const;
export type GreendotCardKind = (typeof GREENDOT_CARD_KINDS)[number];
export type GreendotAdjustmentStatus = 'completed' | 'pending' | 'failed';

export interface GreendotEnrollmentView {
  outcome: GreendotEnrollmentOutcome;
  /** Absent when Green Dot created no account (a decline at enrollment). */
  accountIdentifier: string | null;
  /** `code/subCode` of the responseDetails, e.g. `1/31` for an OFAC partial match. */
  responseCode: string;
}

export interface GreendotPaymentInstrumentView {
  paymentInstrumentIdentifier: string;
  /** `virtual`, or a physical kind (`contactlessEmv`, `emv`…). */
  type: string;
  isPhysical: boolean;
  status: GreendotCardStatus;
}

export interface GreendotAccountView {
  accountIdentifier: string;
  accountReferenceNumber: string | null;
  status: GreendotAccountStatus;
  statusReasons: string[];
  userIdentifier: string | null;
  ofacStatus: GreendotCheckStatus;
  paymentInstruments: GreendotPaymentInstrumentView[];
}

export interface GreendotAdjustmentView {
  adjustmentIdentifier: string;
  status: GreendotAdjustmentStatus;
  reason: string | null;
}

export interface GreendotTransactionView {
  transactionIdentifier: string;
  adjustmentIdentifier: string | null;
  status: 'pending' | 'posted' | 'reversed' | 'declined';
  amount: number;
}

export interface GreendotTerms {
  termsIdentifier: string;
  name: string;
  url: string | null;
}

/** The opaque payload the app hands to the wallet (Apple Pay / Google Pay); single use. */
export interface GreendotProvisioningPayload {
  [key: string]: unknown;
  walletType: GreendotWallet;
  payload: Record<string, string>;
}

export interface GreendotEnrollInput {
  applicant: Applicant;
  productCode?: string;
  termsAcceptances: GreendotTermsAcceptance[];
}

interface OnAccount {
  accountIdentifier: string;
}

export interface GreendotActivities {
  /** The terms the program requires (configured for the partner, not read from Green Dot). */
  requiredTerms(input: Record<string, never>): Promise<GreendotTerms[]>;
  /**
   * One call, `X-GD-RequestId` derived from the workflow and step: 503 retried with the same id, 500 a
   * ProviderOutcomeUnknown left to an operator, 400 a ProviderBusinessError naming the fields.
   */
  enroll(input: GreendotEnrollInput): Promise<GreendotEnrollmentView>;
  getAccount(input: OnAccount): Promise<GreendotAccountView>;
  /** Keyed by the step, so a retry answers the card the first call issued. */
  issueCard(input: OnAccount & { kind: GreendotCardKind }): Promise<GreendotPaymentInstrumentView>;
  activateCard(input: OnAccount & { paymentInstrumentIdentifier: string }): Promise<GreendotPaymentInstrumentView>;
  /** Never retried: `attempt` makes each customer call a new request id. */
  pushProvision(
    input: OnAccount & {
      paymentInstrumentIdentifier: string;
      attempt: number;
      device: GreendotPushProvisioningInput;
    },
  ): Promise<GreendotProvisioningPayload>;
  /** `purpose` keys the adjustment identifier and request id, so a retry is the same adjustment. */
  createAdjustment(
    input: OnAccount & {
      purpose: 'welcome' | 'welcome-reversal';
      amount: number;
      currency: string;
      adjustmentType: string;
      description: string;
    },
  ): Promise<GreendotAdjustmentView>;
  listTransactions(input: OnAccount): Promise<GreendotTransactionView[]>;
  /** Compensation: closing an already closed (or restricted for spend-down) account succeeds. */
  closeAccount(input: OnAccount): Promise<GreendotAccountView>;
}

// --- customer actions (Updates) and the data their pending actions carry -----------------------------------------

export const GREENDOT_ACTIONS = {
  acceptTerms: 'acceptTerms',
  activateCard: 'activateCard',
  pushProvisioning: 'pushProvisioning',
} as const;

export interface GreendotAcceptTermsInput {
  /** Every identifier of the pending action's `data.terms`. */
  termsIdentifiers: string[];
}

export type GreendotActivateCardInput = Record<string, never>;

/** What the wallet app collected on the device; passed to Green Dot as is. */
export interface GreendotPushProvisioningInput {
  walletType: GreendotWallet;
  deviceId: string;
  walletAccountId: string;
  /** Apple Pay only: the wallet's certificates, nonce and its signature (base64). */
  certificates?: string[];
  nonce?: string;
  nonceSignature?: string;
}

export const greendotAcceptTermsUpdate = defineUpdate<OnboardingStatus, [GreendotAcceptTermsInput]>(
  GREENDOT_ACTIONS.acceptTerms,
);
export const greendotActivateCardUpdate = defineUpdate<OnboardingStatus, [GreendotActivateCardInput]>(
  GREENDOT_ACTIONS.activateCard,
);
export const greendotPushProvisioningUpdate = defineUpdate<OnboardingStatus, [GreendotPushProvisioningInput]>(
  GREENDOT_ACTIONS.pushProvisioning,
);

export interface GreendotAcceptTermsActionData {
  [key: string]: unknown;
  terms: GreendotTerms[];
}

export interface GreendotActivateCardActionData {
  [key: string]: unknown;
  paymentInstrumentIdentifier: string;
  type: string;
}

export interface GreendotPushProvisioningActionData {
  [key: string]: unknown;
  paymentInstrumentIdentifier: string;
  walletType: GreendotWallet;
}

// --- webhook events the workflow reads ----------------------------------------------------------------------------

/**
 * Event types of `greendot:account:<id>` / `greendot:adjustment:<id>` refs. Events are hints the workflow re-reads
 * behind, except two failures no read shows: the card processor giving up (`cardUpdated` with
 * `cardUpdateType: processorFailure`) and an adjustment failing (`adjustmentFinalStatus`), read from the event data.
 */
export const GREENDOT_EVENTS = {
  accountUpdated: 'accountUpdated',
  cardUpdated: 'cardUpdated',
  transaction: 'transaction',
  adjustmentFinalStatus: 'adjustmentFinalStatus',
} as const;

/** `data` of a normalized Green Dot event: ids and statuses only (the account's holder names are left out). */
export interface GreendotEventData {
  [key: string]: unknown;
  accountIdentifier: string;
  cardUpdateType?: string;
  paymentInstrumentIdentifier?: string;
  adjustmentIdentifier?: string;
  adjustmentStatus?: string;
  reason?: string;
  responseCode?: string;
}
