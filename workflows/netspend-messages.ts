/**
 * Netspend's customer actions (Updates) and the data its pending actions carry. Message definitions only, so the
 * gateway and client library can import them without the workflow.
 */
import { defineUpdate } from '@temporalio/workflow';
import type {
  NetspendAddress,
  NetspendAgreementType,
  NetspendAnswer,
  NetspendCardBrand,
  NetspendCardType,
  NetspendQuestion,
} from '../activities/netspend/types.js';
import type { OnboardingStatus } from './contract.js';

export const NETSPEND_ACTIONS = {
  cureKyc: 'cureKyc',
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
  /** Four digits. Travels only in this Update's (encrypted) payload and the activity input; never stored. */
  pin: string;
}

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
