/**
 * Netspend's scripted customer. The simulator decides KYC from the SSN (991… conditional, cured by the identity
 * questions, whose right answers are the first of each; 995… / 997… rejected, cured by the identity questions or
 * by uploading documents; 992… rejected for good (kyc-rejected-final); 993–994 refuse or hold, never used here;
 * anything else approves at once). The customer accepts every agreement shown, answers the first choice of each question, picks
 * the scenario's card of the first brand offered, and, for a physical card, sets a made-up PIN.
 */
import type { NetspendActivateCardBody } from '../../client/providers/netspend.js';
import { NETSPEND_ACTIONS } from '../../contract/netspend.js';
import type {
  NetspendAcceptAgreementsInput,
  NetspendAgreementsActionData,
  NetspendAnswersInput,
  NetspendCardType,
  NetspendChooseCardActionData,
  NetspendChooseCardInput,
  NetspendExpectedUseActionData,
  NetspendProviderInput,
  NetspendUploadKycDocumentsActionData,
} from '../../contract/netspend.js';
import { startBodyFor } from './applicant.js';
import type { CustomerAnswer, PendingAsk, Scenario, ScriptedCustomer, StartChoices } from './types.js';

/**
 * Made up; the simulator refuses only weak PINs (a straight run, four equal digits). It travels in the action body
 * only: never printed (`say` leaves it out) nor logged.
 */
const MADE_UP_PIN = '7392';

/** A 1×1 PNG standing in for every photographed document (made up, like the applicant). */
const MADE_UP_DOCUMENT_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** Identity questions (KYC cure) and expected use share a shape: one answer per question, the first of each. */
function firstAnswers(pending: PendingAsk, what: string): CustomerAnswer | undefined {
  const { questions = [] } = pending.data as Partial<NetspendExpectedUseActionData>;
  const answers = questions.flatMap((question) => {
    const first = question.answers[0];
    return first ? [{ question, first }] : [];
  });
  if (answers.length === 0 || answers.length < questions.length) return undefined;
  return {
    action: pending.action,
    body: {
      answers: answers.map(({ question, first }) => ({ questionId: question.questionId, answerId: first.answerId })),
    } satisfies NetspendAnswersInput,
    say:
      `customer answers ${answers.length} ${what} questions: ` +
      answers.map(({ question, first }) => `"${question.text}" → ${first.text}`).join('; '),
  };
}

function answerFor(card: NetspendCardType) {
  return (pending: PendingAsk): CustomerAnswer | undefined => {
    switch (pending.action) {
      case NETSPEND_ACTIONS.acceptAgreements: {
        const { agreements = [] } = pending.data as Partial<NetspendAgreementsActionData>;
        const open = agreements.filter((agreement) => !agreement.accepted);
        if (open.length === 0) return undefined;
        return {
          action: pending.action,
          body: {
            agreementIds: open.map((agreement) => agreement.agreementId),
          } satisfies NetspendAcceptAgreementsInput,
          say: `customer reads and accepts ${open.map((agreement) => agreement.name).join(', ')}`,
        };
      }
      case NETSPEND_ACTIONS.cureKyc:
        return firstAnswers(pending, 'identity');
      case NETSPEND_ACTIONS.uploadKycDocuments: {
        const { documents = [] } = pending.data as Partial<NetspendUploadKycDocumentsActionData>;
        const missing = documents.filter((document) => !document.received);
        if (missing.length === 0) return undefined;
        return {
          action: pending.action,
          body: {
            documents: missing.map((document) => ({
              type: document.type,
              contentType: 'image/png',
              contentBase64: MADE_UP_DOCUMENT_PNG,
            })),
          },
          say: `customer photographs and uploads ${missing.map((document) => document.type).join(', ')}`,
        };
      }
      case NETSPEND_ACTIONS.answerExpectedUse:
        return firstAnswers(pending, 'expected-use');
      case NETSPEND_ACTIONS.chooseCard: {
        const { brands = [] } = pending.data as Partial<NetspendChooseCardActionData>;
        const brand = brands[0];
        if (!brand) return undefined;
        return {
          action: pending.action,
          // A physical card ships to the applicant's address: no shippingAddress needed.
          body: { type: card, brandName: brand.brandName } satisfies NetspendChooseCardInput,
          say: `customer picks a ${card} card, ${brand.displayName}${card === 'physical' ? ', mailed to their address' : ''}`,
        };
      }
      case NETSPEND_ACTIONS.activateCard:
        return {
          action: pending.action,
          body: { pin: MADE_UP_PIN } satisfies NetspendActivateCardBody,
          say: 'the card arrives by mail; customer sets a PIN (four digits, not shown) to activate it',
        };
      default:
        return undefined;
    }
  };
}

function scenario(what: string, ssnPrefix: string, account: NetspendProviderInput, card: NetspendCardType): Scenario {
  return {
    what,
    startBody: (customerRef: string, choices?: StartChoices) =>
      startBodyFor('netspend', customerRef, ssnPrefix, account, choices),
    answer: answerFor(card),
  };
}

const DDA: NetspendProviderInput = { accountType: 'DDA' };
const GPR: NetspendProviderInput = { accountType: 'GPR' };
/** The GPR account's creation context named directly, as Netspend configured it for us (the sandbox's id). */
const GPR_BY_ID: NetspendProviderInput = { providedId: 'sandbox-gpr-prepaid' };

const scenarios = {
  dda: scenario(
    'a DDA account with a physical card: agreements, expected use, activation, card, PIN',
    '512',
    DDA,
    'physical',
  ),
  'dda-virtual': scenario('a DDA account with a virtual card (active at once, no PIN)', '512', DDA, 'virtual'),
  gpr: scenario('a GPR (prepaid) account with a virtual card: agreements, activation, card', '512', GPR, 'virtual'),
  'gpr-by-id': scenario('as gpr, the account context named by its providedId', '512', GPR_BY_ID, 'virtual'),
  kyc: scenario('KYC conditional, cured with identity questions; then as dda', '991', DDA, 'physical'),
  'kyc-gpr': scenario('KYC conditional, cured with identity questions; then as gpr', '991', GPR, 'virtual'),
  'kyc-rejected-gpr': scenario('KYC rejected, cured with identity questions; then as gpr', '995', GPR, 'virtual'),
  'kyc-documents-gpr': scenario('KYC rejected, cured with documents; then as gpr', '997', GPR, 'virtual'),
  'kyc-rejected-final': scenario(
    'KYC rejected with no cure on offer: rejected, the account closed',
    '992',
    GPR,
    'virtual',
  ),
};

export const netspendCustomer: ScriptedCustomer<keyof typeof scenarios> = {
  provider: 'netspend',
  displayName: 'Netspend',
  scenarios,
  defaultScenario: 'dda',
  bench: {
    // Every DDA step (agreements, expected use, activation, card order) without waiting for the mail.
    scenario: 'dda-virtual',
  },
};
