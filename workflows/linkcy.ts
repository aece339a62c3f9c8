/**
 * Linkcy onboarding, phone first: terms → consumer → phone (SMS code) → KYC on Linkcy's hosted page → email
 * (optional) → terms check (Linkcy may have published new terms meanwhile) → ledger (optional). Linkcy documents
 * no way to delete a consumer, so cancel, expiry and failure have nothing to compensate.
 */
import { ActivityCancellationType } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type {
  LinkcyActivities,
  LinkcyConsumerView,
  LinkcyEmailMode,
  LinkcyProviderInput,
  LinkcyTerms,
  LinkcyTermsActionData,
} from '../contract/linkcy.js';
import { LINKCY_ACTIONS, linkcyAcceptTermsUpdate } from '../contract/linkcy.js';
import type { Applicant, OnboardingInput, OnboardingStatus } from '../contract/onboarding.js';
import { unexpectedProviderState } from './shared/failures.js';
import { providerActivityOptions } from './shared/activity-options.js';
import { Onboarding } from './shared/onboarding.js';
import type { ContinuableOnboardingInput, ProviderOutcome } from './shared/onboarding.js';
import { runLinkcyKyc } from './linkcy-kyc.js';
import { defineLinkcyEmail, defineLinkcyPhone } from './linkcy-contact.js';

export const LINKCY_STEPS = ['terms', 'consumer', 'phone', 'kyc', 'email', 'terms_check', 'ledger'] as const;

export const LINKCY_ACTIVITY_OPTIONS: ActivityOptions = providerActivityOptions({
  // A cancel waits for the call in flight to settle, so no Linkcy call outlives the onboarding.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * Linkcy's code lives 10 minutes and a new one can be asked for, so a day is plenty for the phone (ASSUMED, LC-W2);
 * a caller's own `phone` or `default` deadline wins.
 */
export const PHONE_DEFAULT_DEADLINE = { expireAfter: '1d', remindAfter: '2h' } as const;

/** Terms re-acceptance rounds before we stop believing Linkcy will ever record the acceptance. */
const MAX_TERMS_ROUNDS = 3;

export async function linkcyOnboarding(
  input: ContinuableOnboardingInput<LinkcyProviderInput, Applicant<'phone'>>,
): Promise<OnboardingStatus> {
  const onboarding = new Onboarding(withLinkcyDeadlines(input), { steps: LINKCY_STEPS });
  const linkcy = onboarding.activities<LinkcyActivities>(LINKCY_ACTIVITY_OPTIONS);
  const block = input.providerInput;
  const ids: { consumerId?: string } = {};
  const consumerId = (): string => {
    if (!ids.consumerId) throw unexpectedProviderState('no Linkcy consumer yet', { step: onboarding.snapshot().step });
    return ids.consumerId;
  };

  /** The terms shown and the version the customer accepted; cleared before each (re-)acceptance. */
  const terms: { shown?: LinkcyTerms; accepted?: string } = {};

  onboarding.defineCustomerAction(linkcyAcceptTermsUpdate, {
    validate: (body) => {
      const version: unknown = (body as Partial<{ version: unknown }> | undefined)?.version;
      if (typeof version !== 'string' || version.trim() === '') return { field: 'version', message: 'required' };
      if (version !== terms.shown?.version) {
        return { field: 'version', message: `must be the version shown (${terms.shown?.version ?? 'none'})` };
      }
      return null;
    },
    handle: (body) => {
      terms.accepted = body.version;
    },
    describe: (body) => ({ what: 'accepted the terms and conditions', why: `version ${body.version}` }),
  });

  const phone = defineLinkcyPhone(onboarding, linkcy, consumerId);
  const email = defineLinkcyEmail(onboarding, linkcy, consumerId, block);

  async function collectTerms(reacceptance: boolean): Promise<string> {
    const current = await linkcy.getTerms();
    terms.shown = current;
    terms.accepted = undefined;
    const data: LinkcyTermsActionData = { version: current.version, url: current.url, reacceptance };
    await onboarding.waitForCustomer({
      wait: 'terms',
      action: {
        action: LINKCY_ACTIONS.acceptTerms,
        description: reacceptance
          ? 'Linkcy published new terms and conditions: show them (link) and send the version the customer accepted'
          : "Show Linkcy's terms and conditions (link) and send the version the customer accepted",
        data,
      },
      until: () => terms.accepted === current.version,
    });
    return current.version;
  }

  async function createConsumer(termsVersion: string): Promise<LinkcyConsumerView> {
    const externalId = block.externalId ?? input.customerRef;
    const created = await linkcy.createConsumer({
      phone: input.applicant.phone,
      provider: block,
      externalId,
      ...(input.applicant.email ? { email: input.applicant.email } : {}),
      termsVersion,
    });
    ids.consumerId = created.consumer.consumerId;
    onboarding.addRef('consumer', created.consumer.consumerId);
    onboarding.setResult('consumerId', created.consumer.consumerId);
    if (created.adopted) {
      onboarding.addTimeline(
        'system',
        'existing consumer adopted',
        'Linkcy already had a consumer with this phone and our externalId (an earlier try whose answer was lost)',
      );
    }
    return created.consumer;
  }

  /** Linkcy flips `termsAccepted` to false whenever it publishes new terms: re-accept before completing. */
  async function checkTerms(): Promise<void> {
    for (let round = 1; ; round++) {
      const consumer = await linkcy.getConsumer({ consumerId: consumerId() });
      if (consumer.termsAccepted) return;
      if (round > MAX_TERMS_ROUNDS) {
        throw unexpectedProviderState('Linkcy still reports the terms unaccepted after re-acceptance', { round });
      }
      onboarding.addTimeline('provider', 'Linkcy published new terms', 'termsAccepted is false');
      const version = await collectTerms(true);
      await linkcy.acceptTerms({ consumerId: consumerId(), version });
    }
  }

  return onboarding.run(async (): Promise<ProviderOutcome> => {
    const termsVersion = await onboarding.runStep('terms', () => collectTerms(false));
    const consumer = await onboarding.runStep('consumer', () => createConsumer(termsVersion));

    await onboarding.runStep('phone', () => phone.verify(consumer));

    const kyc = await onboarding.runStep('kyc', () => runLinkcyKyc(onboarding, linkcy, consumerId(), block.kyc));
    if (kyc === 'DECLINED') return { state: 'rejected', why: 'Linkcy declined the KYC' };

    const mode: LinkcyEmailMode = block.email ?? 'skip';
    if (mode === 'skip') {
      onboarding.addTimeline('system', 'email verification skipped', 'the start chose email: skip');
    } else {
      await onboarding.runStep('email', () => email.verify(mode));
    }

    await onboarding.runStep('terms_check', checkTerms);

    const ledger = block.ledger;
    if (ledger) {
      const created = await onboarding.runStep('ledger', () =>
        linkcy.createLedger({
          consumerId: consumerId(),
          type: ledger.type,
          ...(ledger.friendlyName ? { friendlyName: ledger.friendlyName } : {}),
        }),
      );
      onboarding.addRef('ledger', created.ledgerId);
      onboarding.setResult('ledgerId', created.ledgerId);
    }
    return { state: 'completed' };
  });
}

/** The caller's deadlines, plus the phone's shorter default when the caller set neither `phone` nor `default`. */
export function withLinkcyDeadlines<T extends OnboardingInput<LinkcyProviderInput, unknown>>(input: T): T {
  const deadlines = input.options?.deadlines ?? {};
  if (deadlines.phone || deadlines.default) return input;
  return {
    ...input,
    options: { ...input.options, deadlines: { ...deadlines, phone: { ...PHONE_DEFAULT_DEADLINE } } },
  };
}
