/**
 * The welcome credit and the transactions read of the Green Dot saga: an idempotent adjustment, compensated by its
 * reversal, done once Green Dot shows it posted; then, optionally, the account's transactions. Split from
 * greendot.ts, which runs them as its `adjustment` and `transactions` steps.
 */
import { CancellationScope, patched } from '@temporalio/workflow';
import { GREENDOT_TRANSACTIONS_MAX_WAIT_MS } from '../contract/greendot.js';
import type { GreendotActivities, GreendotProviderInput, GreendotWelcomeAdjustment } from '../contract/greendot.js';
import { adjustmentFailed, adjustmentFailure } from './greendot-rules.js';
import { durationMs } from './shared/durations.js';
import { unexpectedProviderState } from './shared/failures.js';
import type { Onboarding } from './shared/onboarding.js';

/** Since this patch a credit of unknown outcome waits for an operator instead of failing the onboarding. */
export const ADJUSTMENT_OPERATOR_RETRY_PATCH = 'greendot-adjustment-operator-retry';

export interface MoneyContext {
  onboarding: Onboarding;
  greendot: GreendotActivities;
  accountIdentifier: string;
}

/** Credits the welcome bonus and waits until it is posted; returns its adjustment identifier. */
export async function creditWelcome(
  { onboarding, greendot, accountIdentifier }: MoneyContext,
  adjustment: GreendotWelcomeAdjustment,
): Promise<string> {
  const credit = () =>
    greendot.createAdjustment({
      accountIdentifier,
      purpose: 'welcome',
      amount: adjustment.amount,
      currency: adjustment.currency,
      adjustmentType: adjustment.adjustmentType,
      description: adjustment.description,
    });
  // A credit whose outcome is unknown (a 5xx other than 503) waits for an operator's retry-step, with the same
  // request id, as the enrollment does: failing the onboarding would close an account that may hold the credit.
  const created = await CancellationScope.nonCancellable(() =>
    patched(ADJUSTMENT_OPERATOR_RETRY_PATCH) ? onboarding.retryableByOperator(credit) : credit(),
  );
  const adjustmentIdentifier = created.adjustmentIdentifier;
  onboarding.addRef('adjustment', adjustmentIdentifier);
  onboarding.setResult('adjustmentIdentifier', adjustmentIdentifier);
  if (created.status === 'failed') throw adjustmentFailed(created.reason ?? 'refused', adjustmentIdentifier);
  onboarding.addCompensation('adjustment', async () => {
    await greendot.createAdjustment({
      accountIdentifier,
      purpose: 'welcome-reversal',
      amount: -adjustment.amount,
      currency: adjustment.currency,
      adjustmentType: `${adjustment.adjustmentType}Reversal`,
      description: `Reversal: ${adjustment.description}`,
    });
    onboarding.addTimeline('system', `welcome credit ${adjustmentIdentifier} reversed`);
  });
  await onboarding.waitForProvider({
    wait: 'adjustment',
    blockedOn: 'provider',
    poll: async () => {
      const transactions = await greendot.listTransactions({ accountIdentifier });
      const failure = adjustmentFailure(onboarding.recentEvents(), adjustmentIdentifier);
      if (failure) throw adjustmentFailed(failure, adjustmentIdentifier);
      const credit = transactions.find((transaction) => transaction.adjustmentIdentifier === adjustmentIdentifier);
      if (credit && (credit.status === 'declined' || credit.status === 'reversed')) {
        throw adjustmentFailed(`the transaction is ${credit.status}`, adjustmentIdentifier);
      }
      return credit?.status === 'posted';
    },
  });
  onboarding.addTimeline('provider', 'welcome credit posted', adjustmentIdentifier);
  return adjustmentIdentifier;
}

/** Reads the account's transactions after `notBefore`; with `verifyAdjustmentPosted`, until the credit is in. */
export async function readTransactions(
  { onboarding, greendot, accountIdentifier }: MoneyContext,
  options: NonNullable<GreendotProviderInput['transactions']>,
  adjustmentIdentifier: string | undefined,
): Promise<void> {
  if (options.notBefore) await onboarding.sleep(durationMs(options.notBefore, 'greendot.transactions.notBefore'));
  const startedMs = Date.now();
  let waitMs = 5_000;
  for (;;) {
    const transactions = await greendot.listTransactions({ accountIdentifier });
    onboarding.setResult('transactionCount', String(transactions.length));
    const wanted = options.verifyAdjustmentPosted ? adjustmentIdentifier : undefined;
    if (!wanted) return;
    if (transactions.some((t) => t.adjustmentIdentifier === wanted && t.status === 'posted')) return;
    if (Date.now() - startedMs >= GREENDOT_TRANSACTIONS_MAX_WAIT_MS) {
      throw unexpectedProviderState('the welcome credit is not among the posted transactions', {
        adjustmentIdentifier: wanted,
      });
    }
    await onboarding.sleep(waitMs);
    waitMs = Math.min(waitMs * 2, 60_000);
  }
}
