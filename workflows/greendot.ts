/**
 * Green Dot onboarding: terms → enrollment (OFAC at once) → OFAC review (only when pending) → account → card →
 * push provisioning? → welcome adjustment? (before or after the card) → transactions?. Everything hangs off the
 * account, so compensation reverses the welcome credit, then closes the account where Green Dot allows it.
 */
import { ActivityCancellationType, CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import {
  GREENDOT_ACTIONS,
  GREENDOT_OFAC_REVIEW_DEFAULT_EXPIRY,
  GREENDOT_OFAC_REVIEW_SLA_BUSINESS_DAYS,
  greendotAcceptTermsUpdate,
  greendotActivateCardUpdate,
  greendotPushProvisioningUpdate,
} from '../contract/greendot.js';
import type {
  GreendotAccountView,
  GreendotActivities,
  GreendotPaymentInstrumentView,
  GreendotProviderInput,
  GreendotTerms,
  GreendotTermsAcceptance,
} from '../contract/greendot.js';
import type { OnboardingStatus } from '../contract/onboarding.js';
import {
  actionRefusal,
  businessDaysMs,
  cardIssuanceFailed,
  coveringAcceptances,
  greendotSteps,
  processorFailure,
  reviewExpired,
  validateAcceptTerms,
  validatePushProvisioning,
} from './greendot-rules.js';
import { providerActivityOptions } from './shared/activity-options.js';
import { durationMs } from './shared/durations.js';
import { actionNotExpected, unexpectedProviderState } from './shared/failures.js';
import { creditWelcome, readTransactions } from './greendot-money.js';
import { Onboarding } from './shared/onboarding.js';
import type { ContinuableOnboardingInput, ProviderOutcome } from './shared/onboarding.js';

export const GREENDOT_ACTIVITY_OPTIONS: ActivityOptions = providerActivityOptions({
  // A cancel waits for the call in flight, so compensation re-reads a settled account.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
/** Card activation runs inside the customer's Update, who waits for the answer: give up after a while. */
const IN_UPDATE_OPTIONS: ActivityOptions = { ...GREENDOT_ACTIVITY_OPTIONS, scheduleToCloseTimeout: '2m' };
/**
 * Push provisioning is tried once: its payload is single use, so a lost answer is not repeated blindly; the app
 * asks again (a new request). Not through `onboarding.activities`, which retries a retryable first failure.
 */
const PUSH_OPTIONS: ActivityOptions = { ...IN_UPDATE_OPTIONS, retry: { maximumAttempts: 1 } };
/** A physical card travels by mail: its activation waits longer than other customer waits unless the start says. */
/** Green Dot's processor answers within 30 min, then retries 3 times 30 min apart before reporting a failure. */
const GREENDOT_CARD_PROCESSOR_SLA = '2h';
export const GREENDOT_CARD_ACTIVATION_DEFAULT_DEADLINE = { expireAfter: '60d', remindAfter: '7d' } as const;

export async function greendotOnboarding(
  input: ContinuableOnboardingInput<GreendotProviderInput>,
): Promise<OnboardingStatus> {
  const block = input.providerInput;
  const deadlines = input.options?.deadlines ?? {};
  const withCardDeadline =
    deadlines.cardActivation || deadlines.default
      ? input
      : {
          ...input,
          options: {
            ...input.options,
            deadlines: { ...deadlines, cardActivation: { ...GREENDOT_CARD_ACTIVATION_DEFAULT_DEADLINE } },
          },
        };
  const onboarding = new Onboarding(withCardDeadline, { steps: greendotSteps(block) });
  const greendot = onboarding.activities<GreendotActivities>(GREENDOT_ACTIVITY_OPTIONS);
  const greendotInUpdate = onboarding.activities<GreendotActivities>(IN_UPDATE_OPTIONS);
  const greendotOnce = proxyActivities<GreendotActivities>(PUSH_OPTIONS);

  let offeredTerms: GreendotTerms[] = [];
  let acceptedTerms: GreendotTermsAcceptance[] | undefined;
  const ids: { accountIdentifier?: string; card?: GreendotPaymentInstrumentView; adjustmentIdentifier?: string } = {};
  let pushAttempts = 0;

  const accountId = (): string => {
    if (!ids.accountIdentifier)
      throw unexpectedProviderState('no Green Dot account yet', { step: onboarding.snapshot().step });
    return ids.accountIdentifier;
  };
  const money = () => ({ onboarding, greendot, accountIdentifier: accountId() });
  const cardOf = (action: string): GreendotPaymentInstrumentView => {
    if (!ids.card) throw actionNotExpected('no card yet', { action });
    return ids.card;
  };

  onboarding.defineCustomerAction(greendotAcceptTermsUpdate, {
    validate: (body) => validateAcceptTerms(body, offeredTerms),
    handle: () => {
      // Stamped with workflow time: the customer accepted what the pending action showed, now.
      const acceptedAt = new Date().toISOString();
      acceptedTerms = offeredTerms.map((terms) => ({ termsIdentifier: terms.termsIdentifier, acceptedAt }));
    },
    describe: () => ({
      what: 'accepted the terms',
      why: offeredTerms.map((terms) => terms.termsIdentifier).join(', '),
    }),
  });

  onboarding.defineProviderAction(greendotActivateCardUpdate, {
    validate: () => null,
    perform: async () => {
      const card = cardOf(GREENDOT_ACTIONS.activateCard);
      try {
        ids.card = await greendotInUpdate.activateCard({
          accountIdentifier: accountId(),
          paymentInstrumentIdentifier: card.paymentInstrumentIdentifier,
        });
      } catch (err) {
        throw actionRefusal(err, 'paymentInstrumentIdentifier', 'the activation') ?? err;
      }
    },
    describe: () => ({ what: 'activated the card' }),
    inFlightMessage: 'the card is already being activated',
    unavailable: {
      type: 'CardActivationUnavailable',
      message: 'Green Dot could not activate the card now; try again later',
    },
  });

  // The device data goes from the Update's input to the activity's input; the payload comes back only in this
  // Update's answer (`actionResult`), never into workflow state, the status or the timeline.
  if (block.pushProvisioning) {
    const wallet = block.pushProvisioning.wallet;
    onboarding.defineProviderAction(greendotPushProvisioningUpdate, {
      validate: (body) => validatePushProvisioning(body, wallet),
      perform: async (body) => {
        const card = cardOf(GREENDOT_ACTIONS.pushProvisioning);
        pushAttempts += 1;
        try {
          return await greendotOnce.pushProvision({
            accountIdentifier: accountId(),
            paymentInstrumentIdentifier: card.paymentInstrumentIdentifier,
            attempt: pushAttempts,
            device: body,
          });
        } catch (err) {
          throw actionRefusal(err, 'deviceId', 'the wallet provisioning') ?? err;
        }
      },
      describe: () => ({ what: `pushed the card to ${wallet}` }),
      inFlightMessage: 'the card is already being provisioned',
      unavailable: {
        type: 'PushProvisioningUnavailable',
        message: 'Green Dot could not provision the wallet now; ask again (a new request)',
      },
    });
  }

  async function agreeTerms(): Promise<GreendotTermsAcceptance[]> {
    const required = await greendot.requiredTerms({});
    const given = block.termsAcceptances ?? [];
    const covering = coveringAcceptances(required, given, Date.now());
    if (covering) return covering;
    if (given.length > 0)
      onboarding.addTimeline('system', 'the terms given are incomplete or older than 720 h', 'asked again');
    offeredTerms = required;
    await onboarding.waitForCustomer({
      wait: 'terms',
      action: {
        action: GREENDOT_ACTIONS.acceptTerms,
        description: "Show Green Dot's terms and send every identifier once the customer accepted them",
        data: { terms: required },
      },
      until: () => acceptedTerms !== undefined,
    });
    return acceptedTerms ?? [];
  }

  async function enroll(termsAcceptances: GreendotTermsAcceptance[]) {
    // Not cancellable: a cancel that lands now waits for the account id, so compensation can close the account.
    // The wait for an operator (after a 500) stays cancellable; only the call itself is not.
    const enrollment = await onboarding.retryableByOperator(() =>
      CancellationScope.nonCancellable(() =>
        greendot.enroll({
          applicant: input.applicant,
          ...(block.productCode ? { productCode: block.productCode } : {}),
          termsAcceptances,
        }),
      ),
    );
    if (enrollment.accountIdentifier) {
      const accountIdentifier = enrollment.accountIdentifier;
      ids.accountIdentifier = accountIdentifier;
      onboarding.addRef('account', accountIdentifier);
      onboarding.setResult('accountIdentifier', accountIdentifier);
      if (enrollment.outcome !== 'declined') {
        onboarding.addCompensation('enrollment', () => closeAccount(accountIdentifier));
      }
    }
    onboarding.addTimeline('provider', `enrollment ${enrollment.outcome}`, enrollment.responseCode);
    return enrollment;
  }

  /** Re-reads before undoing: only a `normal` account can be closed; a pending or closed one is left to Green Dot. */
  async function closeAccount(accountIdentifier: string): Promise<void> {
    const account = await greendot.getAccount({ accountIdentifier });
    if (account.status === 'normal') {
      await greendot.closeAccount({ accountIdentifier });
      onboarding.addTimeline('system', `account ${accountIdentifier} closed`);
    } else {
      onboarding.addTimeline('system', `account ${accountIdentifier} left to Green Dot`, `status ${account.status}`);
    }
  }

  async function awaitOfacReview(accountIdentifier: string): Promise<GreendotAccountView> {
    const expireAfter = deadlines.ofacReview?.expireAfter ?? GREENDOT_OFAC_REVIEW_DEFAULT_EXPIRY;
    const expiresAtMs = Date.now() + durationMs(expireAfter, 'options.deadlines.ofacReview.expireAfter');
    const sla =
      deadlines.ofacReview?.remindAfter ?? `${businessDaysMs(Date.now(), GREENDOT_OFAC_REVIEW_SLA_BUSINESS_DAYS)}ms`;
    const latest: { account?: GreendotAccountView } = {};
    await onboarding.waitForProvider({
      wait: 'ofacReview',
      blockedOn: 'reviewer',
      sla: { after: sla },
      poll: async () => {
        latest.account = await greendot.getAccount({ accountIdentifier });
        if (latest.account.ofacStatus !== 'pending') return true;
        // Noticed at the next poll (at most pollMaxInterval late); the account is then left to Green Dot.
        if (Date.now() >= expiresAtMs) throw reviewExpired('ofacReview', new Date(expiresAtMs).toISOString());
        return false;
      },
    });
    return latest.account!;
  }

  async function readAccount(): Promise<GreendotAccountView> {
    const account = await greendot.getAccount({ accountIdentifier: accountId() });
    if (account.status !== 'normal') {
      throw unexpectedProviderState(`the account is ${account.status} after enrollment`, {
        statusReasons: account.statusReasons,
      });
    }
    if (account.accountReferenceNumber) onboarding.setResult('accountReferenceNumber', account.accountReferenceNumber);
    if (account.userIdentifier) onboarding.setResult('userIdentifier', account.userIdentifier);
    return account;
  }

  async function awaitCard(): Promise<void> {
    const latest: { card?: GreendotPaymentInstrumentView } = {};
    const issue = block.card?.issue;
    if (issue) {
      // Not cancellable: compensation must find the card among the account's (closing the account closes it).
      latest.card = await CancellationScope.nonCancellable(() =>
        greendot.issueCard({ accountIdentifier: accountId(), kind: issue }),
      );
    } else {
      await onboarding.waitForProvider({
        wait: 'card',
        blockedOn: 'provider',
        // The processor retries for up to 2 h before Green Dot reports a failure: past that, say so.
        sla: { after: GREENDOT_CARD_PROCESSOR_SLA },
        poll: async () => {
          // A read cannot show the processor giving up; only its event can.
          const failure = processorFailure(onboarding.recentEvents(), accountId());
          if (failure) throw cardIssuanceFailed(failure, accountId());
          const account = await greendot.getAccount({ accountIdentifier: accountId() });
          latest.card = account.paymentInstruments.find(
            (card) => card.status === 'notActivated' || card.status === 'activated',
          );
          return latest.card !== undefined;
        },
      });
    }
    const card = latest.card!;
    ids.card = card;
    onboarding.setResult('paymentInstrumentIdentifier', card.paymentInstrumentIdentifier);
    onboarding.setResult('cardType', card.type);
    if (card.status === 'notActivated' && card.isPhysical) {
      await onboarding.waitForCustomer({
        wait: 'cardActivation',
        action: {
          action: GREENDOT_ACTIONS.activateCard,
          description: 'Once the customer has received the card, activate it',
          data: { paymentInstrumentIdentifier: card.paymentInstrumentIdentifier, type: card.type },
        },
      });
    }
  }

  async function pushProvisioning(wallet: string): Promise<void> {
    const card = cardOf(GREENDOT_ACTIONS.pushProvisioning);
    await onboarding.waitForCustomer({
      wait: 'pushProvisioning',
      action: {
        action: GREENDOT_ACTIONS.pushProvisioning,
        description: `Send the wallet and device data from the app; the answer carries the ${wallet} payload`,
        data: { paymentInstrumentIdentifier: card.paymentInstrumentIdentifier, walletType: wallet },
      },
    });
  }

  return onboarding.run(async (): Promise<ProviderOutcome> => {
    const terms = await onboarding.runStep('terms', agreeTerms);
    const enrollment = await onboarding.runStep('enrollment', () => enroll(terms));
    await honourPendingCancel();
    if (enrollment.outcome === 'declined') {
      return { state: 'rejected', why: `Green Dot declined the enrollment (${enrollment.responseCode})` };
    }
    if (enrollment.outcome === 'pending_ofac') {
      const reviewed = await onboarding.runStep('ofac_review', () => awaitOfacReview(accountId()));
      if (reviewed.ofacStatus === 'failed') {
        return {
          state: 'rejected',
          why: 'the manual OFAC review declined the applicant; Green Dot closed the account',
        };
      }
    }
    await onboarding.runStep('account', readAccount);
    const bonus = block.welcomeAdjustment;
    const creditStep = async (adjustment: NonNullable<typeof bonus>): Promise<void> => {
      ids.adjustmentIdentifier = await onboarding.runStep('adjustment', () => creditWelcome(money(), adjustment));
    };
    if (bonus?.timing === 'beforeCard') await creditStep(bonus);
    await onboarding.runStep('card', awaitCard);
    if (block.pushProvisioning) {
      const wallet = block.pushProvisioning.wallet;
      await onboarding.runStep('push_provisioning', () => pushProvisioning(wallet));
    }
    if (bonus && bonus.timing !== 'beforeCard') await creditStep(bonus);
    await honourPendingCancel();
    if (block.transactions) {
      const options = block.transactions;
      await onboarding.runStep('transactions', () => readTransactions(money(), options, ids.adjustmentIdentifier));
    }
    return { state: 'completed' };
  });
}

/** After a non-cancellable call: a cancel that arrived during it takes effect now, not at the next wait. */
async function honourPendingCancel(): Promise<void> {
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) await scope.cancelRequested;
}
