/**
 * Netspend onboarding: session → account → person (KYC and OFAC at creation) → KYC decision (review, identity
 * questions, the cures Netspend offers a rejected person: workflows/netspend-kyc.ts) → person session → agreements
 * → expected use (DDA only) → activation → card order → PIN (physical).
 * Everything created hangs off the account, so compensation closes the account after voiding any card.
 */
import { ActivityCancellationType, CancellationScope, patched } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import { NETSPEND_CARD_TYPES } from '../contract/netspend.js';
import type {
  NetspendAccountView,
  NetspendActivities,
  NetspendAgreement,
  NetspendCardBrand,
  NetspendCardView,
  NetspendAnswer,
  NetspendProviderInput,
  NetspendQuestion,
} from '../contract/netspend.js';
import type { OnboardingInput, OnboardingStatus } from '../contract/onboarding.js';
import {
  NETSPEND_ACTIONS,
  netspendAcceptAgreementsUpdate,
  netspendActivateCardUpdate,
  netspendAnswerExpectedUseUpdate,
  netspendChooseCardUpdate,
} from '../contract/netspend.js';
import type {
  NetspendActivateCardActionData,
  NetspendAgreementsActionData,
  NetspendChooseCardActionData,
  NetspendChooseCardInput,
} from '../contract/netspend.js';
import { fieldProblem } from '../contract/rules.js';
import { sealedSecretRule } from '../contract/secrets.js';
import { pinRefusal, validateAgreementIds, validateAnswers, validateCardChoice } from './netspend-rules.js';
import { actionNotExpected, unexpectedProviderState } from './shared/failures.js';
import { providerActivityOptions } from './shared/activity-options.js';
import { Onboarding } from './shared/onboarding.js';
import { netspendKyc } from './netspend-kyc.js';
import type { ContinuableOnboardingInput, ProviderOutcome } from './shared/onboarding.js';

export const NETSPEND_STEPS = [
  'session',
  'account',
  'person',
  'kyc',
  'person_session',
  'agreements',
  'expected_use',
  'activation',
  'card_order',
  'card_activation',
] as const;

export const NETSPEND_ACTIVITY_OPTIONS: ActivityOptions = providerActivityOptions({
  // A cancel waits for the call in flight to finish (or acknowledge the cancel) before compensation runs, so
  // compensation re-reads a settled provider and no call outlives the onboarding.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Compensation reads the card by its id (`GET /cards/{id}`) instead of listing the account's cards (undocumented). */
const CARD_BY_ID_PATCH = 'netspend-card-by-id';

/** Setting the PIN runs inside the customer's Update, who is waiting for the answer: give up after a while. */
const PIN_ACTIVITY_OPTIONS: ActivityOptions = { ...NETSPEND_ACTIVITY_OPTIONS, scheduleToCloseTimeout: '2m' };

/**
 * A physical card takes days to arrive by mail, so its wait defaults longer than the other customer waits; a
 * caller's own `cardActivation` or `default` deadline still wins.
 */
export const CARD_ACTIVATION_DEFAULT_DEADLINE = { expireAfter: '60d', remindAfter: '7d' } as const;

export async function netspendOnboarding(
  input: ContinuableOnboardingInput<NetspendProviderInput>,
): Promise<OnboardingStatus> {
  const onboarding = new Onboarding(withNetspendDeadlines(input), { steps: NETSPEND_STEPS });
  const netspend = onboarding.activities<NetspendActivities>(NETSPEND_ACTIVITY_OPTIONS);
  const netspendPin = onboarding.activities<NetspendActivities>(PIN_ACTIVITY_OPTIONS);

  /** What Netspend offered and the customer answered; the PIN is deliberately not kept here. */
  const offered = {
    agreements: [] as NetspendAgreement[],
    expectedUse: [] as NetspendQuestion[],
    brands: [] as NetspendCardBrand[],
  };
  const answered: {
    expectedUse?: NetspendAnswer[];
    card?: NetspendChooseCardInput;
  } = {};
  const acceptedAgreementIds = new Set<string>();
  const ids: { sessionId?: string; accountId?: string; personId?: string; card?: NetspendCardView } = {};

  const session = (): string => {
    if (!ids.sessionId) throw unexpectedProviderState('no Netspend session yet', { step: onboarding.snapshot().step });
    return ids.sessionId;
  };

  const kyc = netspendKyc(onboarding, netspend, session);

  onboarding.defineCustomerAction(netspendAcceptAgreementsUpdate, {
    validate: (body) => validateAgreementIds(body, offered.agreements),
    handle: (body) => {
      for (const agreementId of body.agreementIds) acceptedAgreementIds.add(agreementId);
      onboarding.updatePendingActionData(NETSPEND_ACTIONS.acceptAgreements, agreementsActionData());
    },
    describe: (body) => ({ what: 'accepted agreements', why: [...new Set(body.agreementIds)].join(', ') }),
  });

  onboarding.defineCustomerAction(netspendAnswerExpectedUseUpdate, {
    validate: (body) => validateAnswers(body, offered.expectedUse),
    handle: (body) => {
      answered.expectedUse = body.answers.map(({ questionId, answerId }) => ({ questionId, answerId }));
    },
    describe: () => ({ what: 'answered the expected-use questions' }),
  });

  onboarding.defineCustomerAction(netspendChooseCardUpdate, {
    validate: (body) => validateCardChoice(body, offered.brands),
    handle: (body) => {
      answered.card = {
        type: body.type,
        brandName: body.brandName,
        ...(body.type === 'physical' && body.shippingAddress ? { shippingAddress: body.shippingAddress } : {}),
      };
    },
    describe: (body) => ({
      what: `chose a ${body.type} card`,
      why:
        body.type === 'physical' && !body.shippingAddress
          ? `${body.brandName}, to the applicant's address`
          : body.brandName,
    }),
  });

  // The PIN goes straight from this Update's input to the activity's input, sealed (the edge checked its format,
  // then sealed it with a key no codec holds): the workflow never opens it, never keeps it in state, the status or
  // the timeline, and the customer learns at once whether Netspend took it. Histories from before sealing carry it
  // in clear; replaying them passes it on the same way (same commands, so no patch).
  onboarding.defineProviderAction(netspendActivateCardUpdate, {
    validate: (body) => fieldProblem('pin', sealedSecretRule, (body as Partial<{ pin: unknown }> | undefined)?.pin),
    perform: async (body) => {
      const card = ids.card;
      if (!card) throw actionNotExpected('no card to activate', { action: NETSPEND_ACTIONS.activateCard });
      try {
        await netspendPin.activateCard({ sessionId: session(), cardId: card.cardId, pin: body.pin });
      } catch (err) {
        throw pinRefusal(err) ?? err;
      }
    },
    describe: () => ({ what: 'set the card PIN', why: 'the card is active' }),
    inFlightMessage: 'the PIN is already being set',
    unavailable: {
      type: 'CardActivationUnavailable',
      message: 'Netspend could not set the PIN now; send it again later',
    },
  });

  function agreementsActionData(): NetspendAgreementsActionData {
    return {
      agreements: offered.agreements.map(({ agreementId, type, name, version, url }) => ({
        agreementId,
        type,
        name,
        version,
        url,
        accepted: acceptedAgreementIds.has(agreementId),
      })),
    };
  }

  async function createAccount(sessionId: string): Promise<NetspendAccountView> {
    // A cancel that came in with the previous call's answer must not start a create nobody wants.
    await honourPendingCancel();
    // Not cancellable: a cancel that lands now waits for the account id, so compensation can close it.
    const account = await CancellationScope.nonCancellable(() =>
      netspend.createAccount({
        sessionId,
        ...(input.providerInput.accountType ? { accountType: input.providerInput.accountType } : {}),
        ...(input.providerInput.providedId ? { providedId: input.providerInput.providedId } : {}),
      }),
    );
    ids.accountId = account.accountId;
    onboarding.addCompensation('account', () => closeAccount(sessionId, account.accountId));
    onboarding.addRef('account', account.accountId);
    onboarding.setResult('accountId', account.accountId);
    onboarding.setResult('accountType', account.accountType);
    return account;
  }

  /**
   * Re-reads before undoing, then closes the account. Onboardings from before the patch listed the account's cards
   * (`GET /accounts/{id}/cards`, undocumented); now the card step's own compensation voids the card whose id its
   * order returned, and closing the account closes any other (README.md, Netspend).
   */
  async function closeAccount(sessionId: string, accountId: string): Promise<void> {
    if (!patched(CARD_BY_ID_PATCH)) {
      const cards = await netspend.listCards({ sessionId, accountId });
      for (const card of cards.filter((candidate) => candidate.status !== 'closed')) {
        await netspend.closeCard({ sessionId, cardId: card.cardId });
        onboarding.addTimeline('system', `card ${card.cardId} voided`, 'before closing the account');
      }
    }
    const account = await netspend.getAccount({ sessionId, accountId });
    if (account.status !== 'closed') await netspend.closeAccount({ sessionId, accountId });
    onboarding.addTimeline('system', `account ${accountId} closed`);
  }

  async function acceptAgreements(account: NetspendAccountView, personId: string): Promise<void> {
    const sessionId = session();
    const all = await netspend.searchAgreements({ sessionId, providedId: account.providedId });
    offered.agreements = all.filter((agreement) => agreement.requiredForOnboarding);
    const recorded = new Set(await netspend.getAcceptedAgreements({ sessionId, personId }));
    for (const agreementId of recorded) acceptedAgreementIds.add(agreementId);
    const allAccepted = (): boolean =>
      offered.agreements.every((agreement) => acceptedAgreementIds.has(agreement.agreementId));
    await onboarding.waitForCustomer({
      wait: 'agreements',
      action: {
        action: NETSPEND_ACTIONS.acceptAgreements,
        description: 'Show these agreements (links) and send the ids the customer accepted, in one call or several',
        data: agreementsActionData(),
      },
      until: allAccepted,
    });
    for (const agreement of offered.agreements) {
      if (recorded.has(agreement.agreementId)) continue;
      await netspend.acceptAgreement({ sessionId, personId, agreementId: agreement.agreementId });
    }
    onboarding.addTimeline('system', 'agreements recorded at Netspend', `${offered.agreements.length} agreements`);
  }

  async function answerExpectedUse(personId: string): Promise<void> {
    const sessionId = session();
    offered.expectedUse = await netspend.getExpectedUseQuestions({ sessionId, personId });
    answered.expectedUse = undefined;
    await onboarding.waitForCustomer({
      wait: 'expectedUse',
      action: {
        action: NETSPEND_ACTIONS.answerExpectedUse,
        description: "Ask Netspend's expected-use questions (required for a DDA) and send one answer to each",
        data: { questions: offered.expectedUse },
      },
      until: () => answered.expectedUse !== undefined,
    });
    await netspend.answerExpectedUse({ sessionId, personId, answers: answered.expectedUse ?? [] });
  }

  async function awaitActivation(accountId: string): Promise<void> {
    await onboarding.waitForProvider({
      wait: 'activation',
      blockedOn: 'provider',
      poll: async () => {
        const account = await netspend.getAccount({ sessionId: session(), accountId });
        if (account.status === 'closed') {
          throw unexpectedProviderState('Netspend closed the account before activating it', { accountId });
        }
        return account.status === 'active';
      },
    });
    onboarding.addTimeline('provider', 'account active');
  }

  async function orderCard(accountId: string, personId: string): Promise<NetspendCardView> {
    const sessionId = session();
    offered.brands = await netspend.searchCardBrands({ sessionId, personId });
    if (offered.brands.length === 0) throw unexpectedProviderState('Netspend offers no card brand', { personId });
    answered.card = undefined;
    const choice: NetspendChooseCardActionData = {
      cardTypes: [...NETSPEND_CARD_TYPES],
      brands: offered.brands,
      defaultShippingAddress: 'applicant',
    };
    await onboarding.waitForCustomer({
      wait: 'cardChoice',
      action: {
        action: NETSPEND_ACTIONS.chooseCard,
        description: 'Let the customer pick a card type and brand (and, for a physical card, where to ship it)',
        data: choice,
      },
      until: () => answered.card !== undefined,
    });
    // Set by the chooseCard Update while we waited (TypeScript cannot see that).
    const chosen = answered.card as NetspendChooseCardInput | undefined;
    if (!chosen) throw unexpectedProviderState('card chosen without a choice', { personId });
    await honourPendingCancel();
    // Not cancellable, for the same reason as the account: compensation must know the card it voids.
    const card = await CancellationScope.nonCancellable(() =>
      netspend.orderCard({
        sessionId,
        accountId,
        personId,
        type: chosen.type,
        brandName: chosen.brandName,
        ...(chosen.type === 'physical' ? { shippingAddress: chosen.shippingAddress ?? input.applicant.address } : {}),
      }),
    );
    ids.card = card;
    onboarding.addCompensation('card_order', async () => {
      // Re-read by the id the order returned (documented), so a card already closed is left alone.
      if (patched(CARD_BY_ID_PATCH)) {
        const latest = await netspend.getCard({ sessionId, cardId: card.cardId });
        if (latest.status === 'closed') return;
      }
      await netspend.closeCard({ sessionId, cardId: card.cardId });
      onboarding.addTimeline('system', `card ${card.cardId} voided`);
    });
    onboarding.setResult('cardId', card.cardId);
    onboarding.setResult('cardType', card.type);
    return card;
  }

  async function awaitCardActivation(card: NetspendCardView): Promise<void> {
    const data: NetspendActivateCardActionData = {
      cardId: card.cardId,
      brandName: card.brandName,
      pinFormat: 'four digits',
    };
    // Ends once the activateCard Update has set the PIN at Netspend.
    await onboarding.waitForCustomer({
      wait: 'cardActivation',
      action: {
        action: NETSPEND_ACTIONS.activateCard,
        description: 'Once the customer has the card, send the PIN they chose: setting it activates the card',
        data,
      },
    });
  }

  return onboarding.run(async (): Promise<ProviderOutcome> => {
    const created = await onboarding.runStep('session', () =>
      netspend.createSession(input.providerInput.deviceData ? { deviceData: input.providerInput.deviceData } : {}),
    );
    ids.sessionId = created.sessionId;
    onboarding.setResult('sessionId', created.sessionId);

    const account = await onboarding.runStep('account', () => createAccount(created.sessionId));
    // Known from here: a GPR account never asks the expected-use questions, so the status says so at once.
    if (account.accountType !== 'DDA') {
      onboarding.skipStep('expected_use', `${account.accountType} accounts skip it`);
      onboarding.addTimeline('system', 'expected use not asked', `${account.accountType} accounts skip it`);
    }
    await honourPendingCancel();

    const person = await onboarding.runStep('person', () =>
      netspend.createPerson({ sessionId: session(), accountId: account.accountId, applicant: input.applicant }),
    );
    ids.personId = person.personId;
    onboarding.addRef('person', person.personId);
    onboarding.setResult('personId', person.personId);

    const decision = await onboarding.runStep('kyc', () => kyc.decide(person, account.accountId));
    if (!decision.approved) return { state: 'rejected', why: decision.why, compensate: true };

    await onboarding.runStep('person_session', () =>
      netspend.attachPersonToSession({ sessionId: session(), personId: person.personId }),
    );
    await onboarding.runStep('agreements', () => acceptAgreements(account, person.personId));
    if (account.accountType === 'DDA') {
      await onboarding.runStep('expected_use', () => answerExpectedUse(person.personId));
    }
    await onboarding.runStep('activation', () => awaitActivation(account.accountId));

    const card = await onboarding.runStep('card_order', () => orderCard(account.accountId, person.personId));
    await honourPendingCancel();
    if (card.status === 'ordered') {
      await onboarding.runStep('card_activation', () => awaitCardActivation(card));
    }
    return { state: 'completed' };
  });
}

/**
 * After a step whose provider call is not cancellable: a cancel that arrived during it takes effect now (what
 * the call created is already registered for compensation), not at the next wait, which may never come.
 */
async function honourPendingCancel(): Promise<void> {
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) await scope.cancelRequested;
}

/** The caller's deadlines, plus the longer default of the physical card's wait when the caller set neither. */
export function withNetspendDeadlines<T extends OnboardingInput<NetspendProviderInput>>(input: T): T {
  const deadlines = input.options?.deadlines ?? {};
  if (deadlines.cardActivation || deadlines.default) return input;
  return {
    ...input,
    options: { ...input.options, deadlines: { ...deadlines, cardActivation: { ...CARD_ACTIVATION_DEFAULT_DEADLINE } } },
  };
}
