/**
 * The onboarding's search attributes, kept in step with its status. Only what changed since the last upsert is
 * sent, so recording a timeline entry or a result costs no command and the history stays short.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA_BLOCKED_ON, SA_BLOCKED_SINCE, SA_PROVIDER, SA_REFS, SA_STATE, SA_STEP } from '../../contract/onboarding.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';

export class SearchAttributePublisher {
  /** The JSON of each attribute as last upserted, by status field name. */
  private readonly published = new Map<string, string>();

  /** Upserts, in one command, the attributes whose value differs from the last upsert (none when nothing did). */
  publish(status: OnboardingStatus, refs: readonly string[]): void {
    const updates: SearchAttributeUpdatePair[] = [];
    const { provider, state, step, blockedOn, blockedSince } = status;
    if (this.changed('provider', provider)) updates.push({ key: SA_PROVIDER, value: provider });
    if (this.changed('state', state)) updates.push({ key: SA_STATE, value: state });
    if (this.changed('step', step)) updates.push({ key: SA_STEP, value: step });
    if (this.changed('blockedOn', blockedOn)) updates.push({ key: SA_BLOCKED_ON, value: blockedOn });
    if (this.changed('blockedSince', blockedSince)) {
      updates.push({ key: SA_BLOCKED_SINCE, value: blockedSince === null ? null : new Date(blockedSince) });
    }
    // No refs yet means nothing to route by: the attribute is left unset rather than set to an empty list.
    if (refs.length > 0 && this.changed('refs', refs)) updates.push({ key: SA_REFS, value: [...refs] });
    if (updates.length > 0) upsertSearchAttributes(updates);
  }

  /** True (and remembered as published) when `value` differs from what was last upserted under `name`. */
  private changed(name: string, value: unknown): boolean {
    const encoded = JSON.stringify(value);
    if (this.published.get(name) === encoded) return false;
    this.published.set(name, encoded);
    return true;
  }
}
