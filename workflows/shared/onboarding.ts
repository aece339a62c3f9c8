/**
 * The provider-independent half of every onboarding saga: status tracking, messages, steps, waits on the customer
 * and on the provider, compensation, search attributes, and a clean finish. A provider workflow creates one
 * `Onboarding`, declares its customer actions, and runs its steps inside `run()`.
 *
 * `Onboarding` is a facade over the parts in this folder, which share one `StatusRecord`:
 * status-record.ts (the status and its small mutations), search-attributes.ts, outbound-events.ts,
 * provider-events.ts (the event inbox), steps.ts (steps and provider calls), customer-actions.ts, waits.ts,
 * saga.ts (run, compensation, finish, continue-as-new) and handlers.ts (query, signal, cancel).
 */
import { patched, sleep, workflowInfo } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Actor, OnboardingState, OnboardingStatus, ProviderEvent } from '../../contract/onboarding.js';
import { CustomerActions } from './customer-actions.js';
import type { CustomerActionSpec, ProviderAction, ProviderActionSpec } from './customer-actions.js';
import { registerCommonHandlers } from './handlers.js';
import { OperatorRetries } from './operator-retry.js';
import { OutboundEvents } from './outbound-events.js';
import { ProviderEventInbox } from './provider-events.js';
import { Saga } from './saga.js';
import type { ContinuableOnboardingInput, ProviderOutcome } from './saga.js';
import { STATUS_AT_WAITS_PATCH, StatusRecord, startedStatus } from './status-record.js';
import { Steps } from './steps.js';
import { Waits } from './waits.js';
import type { CustomerElsewhereWait, CustomerWait, ProviderWait } from './waits.js';

export type {
  CustomerActionSpec,
  ProviderAction,
  ProviderActionAttempts,
  ProviderActionSpec,
} from './customer-actions.js';
export type { ContinuableOnboardingInput, OnboardingCarryOver, ProviderOutcome } from './saga.js';
export type { CustomerElsewhereWait, CustomerWait, ProviderWait } from './waits.js';
export {
  DEFAULT_EXPIRE_AFTER,
  DEFAULT_POLL_INITIAL_INTERVAL,
  DEFAULT_POLL_MAX_INTERVAL,
  DEFAULT_REMIND_AFTER,
  DEFAULT_REVIEW_SLA,
} from './waits.js';

export class Onboarding {
  readonly onboardingId: string;
  readonly input: ContinuableOnboardingInput<unknown, unknown>;
  /** Set when this run continues a previous one: the provider workflow resumes from here. */
  readonly checkpoint: Record<string, unknown> | undefined;

  private readonly record: StatusRecord;
  private readonly outbound: OutboundEvents;
  private readonly inbox: ProviderEventInbox;
  private readonly saga: Saga;
  private readonly actions: CustomerActions;
  private readonly steps: Steps;
  private readonly waits: Waits;
  private readonly operatorRetries: OperatorRetries;

  constructor(input: ContinuableOnboardingInput<unknown, unknown>, config: { steps: readonly string[] }) {
    this.input = input;
    this.onboardingId = workflowInfo().workflowId;
    const carried = input.carryOver;
    this.outbound = new OutboundEvents(
      this.onboardingId,
      carried?.outboundEmitted ?? 0,
      // A carry-over recorded before announcedState existed: its state was the last one the backend could know.
      carried ? (carried.announcedState ?? carried.status.state) : 'in_progress',
    );

    this.checkpoint = carried?.checkpoint;
    if (carried) {
      this.record = new StatusRecord(carried.status, [...carried.refs]);
      this.record.addTimeline('system', 'continued as new', `history of the previous run reached its suggested limit`);
    } else {
      this.record = new StatusRecord(startedStatus(this.onboardingId, input, config.steps), []);
    }
    this.inbox = new ProviderEventInbox(this.record, carried?.seenEventIds);
    this.saga = new Saga(input, this.record, this.outbound, this.inbox);
    this.actions = new CustomerActions(this.record);
    this.steps = new Steps(this.record);
    this.waits = new Waits(
      this.record,
      input.options ?? {},
      input.deadlineDefaults ?? {},
      this.actions,
      this.outbound,
      this.inbox,
      this.saga,
    );

    // The order of these effects is replayed: the common handlers are registered (query, signal, cancel), then the
    // search attributes are first published (before the patch) or the patch marker recorded. Reorder only behind a
    // patch.
    registerCommonHandlers(this.record, this.inbox, this.saga);
    if (patched(STATUS_AT_WAITS_PATCH)) {
      this.record.deferPublishingToWaits((state, step) => this.outbound.announceState(state, step));
    } else {
      this.record.publishSearchAttributes();
    }
    // Registers the retryStep Update (a handler, no command: replay is unaffected).
    this.operatorRetries = new OperatorRetries(this.record, this.outbound);
  }

  // --- reading -------------------------------------------------------------------------------------------------

  /** A copy of the status, as the status query answers it. */
  snapshot(): OnboardingStatus {
    return this.record.snapshot();
  }

  get state(): OnboardingState {
    return this.record.state;
  }

  get isFinal(): boolean {
    return this.record.isFinal;
  }

  hasPendingAction(action: string): boolean {
    return this.record.hasPendingAction(action);
  }

  /** The last provider events received (deduplicated), newest last. Hints only: re-read before acting. */
  recentEvents(): readonly ProviderEvent[] {
    return this.inbox.recent;
  }

  // --- recording -----------------------------------------------------------------------------------------------

  addTimeline(actor: Actor, what: string, why?: string): void {
    this.record.addTimeline(actor, what, why);
  }

  /** Records a provider id in `result` (never PII). */
  setResult(key: string, value: string): void {
    this.record.setResult(key, value);
  }

  /** Adds `provider:kind:id` to OnboardingRefs, so webhooks about it find this onboarding. */
  addRef(kind: string, id: string): void {
    this.record.addRef(kind, id);
  }

  /**
   * Replaces the data of a listed pending action (e.g. which documents are already in). The `attemptsLeft` of a
   * provider action with a budget is kept.
   */
  updatePendingActionData(action: string, data: Record<string, unknown>): void {
    this.actions.updatePendingActionData(action, data);
  }

  // --- steps and provider calls --------------------------------------------------------------------------------

  /** Runs one named step: `steps[]` shows it running, then done or failed, and OnboardingStep follows it. */
  runStep<T>(name: string, body: () => Promise<T>): Promise<T> {
    return this.steps.runStep(name, body);
  }

  /** Marks a step that will not run as `skipped` now (status only, no command). */
  skipStep(name: string, why: string): void {
    this.steps.skipStep(name, why);
  }

  /**
   * Activities of one provider, wrapped so the status tells the truth while they run: each call is tried once
   * (blockedOn `provider`); if that attempt fails with a retryable error the step records it and shows
   * `retrying` while the same call runs again under the full retry policy (honouring the provider's Retry-After).
   */
  activities<A extends object>(options: ActivityOptions): A {
    return this.steps.activities<A>(options);
  }

  /**
   * Runs a provider call that must not be repeated blindly: a ProviderOutcomeUnknown failure leaves the step
   * blockedOn `retrying` until an operator sends `retryStep` (contract/operator.ts), then the call runs again with
   * the same input and idempotency key. Other failures are thrown as usual.
   */
  retryableByOperator<T>(call: () => Promise<T>): Promise<T> {
    return this.operatorRetries.untilSettled(call);
  }

  // --- waits ---------------------------------------------------------------------------------------------------

  /**
   * A plain wait of the provider workflow's own (e.g. before reading transactions that post later): the search
   * attributes are published first, as at every wait of the tracker.
   */
  async sleep(ms: number): Promise<void> {
    this.record.publishPending();
    await sleep(ms);
  }

  /**
   * Waits for the customer to do `action` (an Update handled by `defineCustomerAction` or `defineProviderAction`),
   * with reminders every `remindAfter` and an expiry after `expireAfter`, both from `options.deadlines[wait]`, then
   * `default`. For a provider action with an attempts budget, the budget is full when the wait starts, the pending
   * action's data shows `attemptsLeft`, and a used-up budget is settled here (`attempts.onExhausted`).
   */
  waitForCustomer(spec: CustomerWait): Promise<void> {
    return this.waits.waitForCustomer(spec);
  }

  /**
   * Waits for the customer to do something elsewhere (a hosted KYC page, a link in an email): the pending action
   * is listed with its data, the status says action_required / blockedOn customer, and only the provider can say
   * it is done: each provider event wakes the wait, and so does a reconciliation poll on a doubling interval (as in
   * `waitForProvider`). Reminders and expiry as in `waitForCustomer`; `poll()` gets a last look before expiring.
   */
  waitForCustomerElsewhere(spec: CustomerElsewhereWait): Promise<void> {
    return this.waits.waitForCustomerElsewhere(spec);
  }

  /**
   * Waits on the provider (or its human reviewer): each provider event wakes it, and so does a reconciliation poll
   * on a doubling interval, so a lost webhook delays but never strands the onboarding. Every wake calls `poll()`.
   */
  waitForProvider(spec: ProviderWait): Promise<void> {
    return this.waits.waitForProvider(spec);
  }

  // --- customer actions ----------------------------------------------------------------------------------------

  /**
   * Registers a customer action as an Update whose validator rejects an untimely call (ActionNotExpected → 409)
   * or an invalid one (InvalidAction naming the field → 422) without changing anything; a valid call is recorded
   * and answered with the new status.
   */
  defineCustomerAction<Input>(
    update: UpdateDefinition<OnboardingStatus, [Input]>,
    spec: CustomerActionSpec<Input>,
  ): void {
    this.actions.defineCustomerAction(update, spec);
  }

  /**
   * Registers a customer action whose Update calls the provider and answers at once (see `ProviderActionSpec`).
   * The validator answers 409 when the action is not expected, the onboarding is closing, a call is already in
   * flight or no attempts are left, and 422 from `validate`; then `perform` runs inside the Update. A refusal
   * answers 422 (with the attempts left, if there is a budget); a success is recorded — the wait on the action
   * (`waitForCustomer`, `until` optional) ends — and answered with the status once that wait has moved on.
   */
  defineProviderAction<Input>(
    update: UpdateDefinition<OnboardingStatus, [Input]>,
    spec: ProviderActionSpec<Input>,
  ): ProviderAction {
    return this.actions.defineProviderAction(update, spec);
  }

  /**
   * Refills the attempts budget of a provider action while its wait goes on (the provider issued a new code at
   * the customer's request), under the same deadline. Does nothing for an action without a budget.
   */
  renewAttempts(action: string): void {
    this.actions.renewAttempts(action);
  }

  // --- the whole run -------------------------------------------------------------------------------------------

  /** Registers how to undo what `step` created; undone in reverse order on cancel, expiry or permanent failure. */
  addCompensation(step: string, undo: () => Promise<void>): void {
    this.saga.addCompensation(step, undo);
  }

  /**
   * Runs the provider's saga body, then records the final state. Cancel (Update or Temporal-native), expiry and
   * permanent failures compensate first. A workflow bug (a non-Temporal error) is rethrown so the workflow task
   * fails and retries after a fix, instead of recording a false outcome.
   */
  run(body: () => Promise<ProviderOutcome>): Promise<OnboardingStatus> {
    return this.saga.run(body);
  }
}
