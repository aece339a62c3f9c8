/**
 * Customer actions as Updates: validators that answer 409 (not now) or 422 (invalid) without changing anything,
 * handlers that record the action, and for actions the provider must accept (a card PIN, an SMS code) the call
 * inside the Update with its budget of attempts. The waits in waits.ts read what is recorded here.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { ACTION_NOT_EXPECTED, INVALID_ACTION } from '../../contract/onboarding.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import {
  actionNotExpected,
  customerAttemptsExhausted,
  failureType,
  invalidAction,
  PROVIDER_ACTION_UNAVAILABLE,
} from './failures.js';
import type { InvalidField } from './failures.js';
import type { StatusRecord } from './status-record.js';

export interface CustomerActionSpec<Input> {
  /** Defaults to "a pending action with the Update's name is listed". */
  expectedWhen?: () => boolean;
  /** A field-named reason to reject the input (→ 422), or null when it is acceptable. Must not mutate. */
  validate: (input: Input) => InvalidField | null;
  /** Records the action; the wait's `until()` sees it. */
  handle: (input: Input) => void;
  /** Timeline wording for the customer's entry; PII-free. */
  describe?: (input: Input) => { what: string; why?: string };
}

/**
 * A customer action whose Update calls the provider and answers at once (a card PIN, an SMS code). The input may
 * carry a secret: it goes from the Update's input to the activity's input and nowhere else — not into workflow
 * state, the status, the timeline or any failure message. Write `validate`, `perform` and `describe` to match.
 */
export interface ProviderActionSpec<Input> {
  /** Defaults to "a pending action with the Update's name is listed". */
  expectedWhen?: () => boolean;
  /** A field-named reason to reject the input before calling the provider (→ 422, no attempt used). */
  validate: (input: Input) => InvalidField | null;
  /**
   * Calls the provider inside the Update. Throw `invalidAction(...)` when the provider refused the input (→ 422,
   * one attempt used) or `actionNotExpected(...)` when it cannot be done now (→ 409). Any other failure answers
   * the customer with a non-retryable `unavailable` failure ("try again later") and uses no attempt. What it
   * returns (e.g. a one-time wallet payload for the app) is the answer's `actionResult`, and is kept nowhere else.
   */
  perform: (input: Input) => Promise<void | Record<string, unknown>>;
  /** Timeline wording of the success; PII- and secret-free. Defaults to the action name. */
  describe?: (input: Input) => { what: string; why?: string };
  /** The 409 message while a call is in flight (default: `<action> is already in progress`). */
  inFlightMessage?: string;
  /** The answer when the provider could not be asked (default type ProviderActionUnavailable). */
  unavailable?: { type?: string; message?: string };
  /** A budget of refusals within one wait (an SMS code with attempts left); unlimited without one. */
  attempts?: ProviderActionAttempts;
}

export interface ProviderActionAttempts {
  /** Refusals allowed per budget; the pending action's data shows `attemptsLeft`. */
  max: number;
  /**
   * Runs in the wait (not in the customer's Update) once the budget is used up; meanwhile the action answers 409.
   * 'fail' (the default) fails the step with a non-retryable CustomerAttemptsExhausted failure; 'reset' refills
   * the budget and keeps waiting, under the same deadline (e.g. after sending a new code).
   */
  onExhausted?: () => Promise<'reset' | 'fail'> | 'reset' | 'fail';
}

/** What the workflow can read of a provider action; the tracker owns its state. */
export interface ProviderAction {
  readonly name: string;
  /** The provider accepted it during the current (or last) wait on it. */
  readonly done: boolean;
  readonly inFlight: boolean;
  /** Refusals left in the budget; undefined without one. */
  readonly attemptsLeft: number | undefined;
}

/** The tracker's side of a `ProviderAction`: what its Update and the wait on it change. */
export interface ProviderActionState {
  name: string;
  done: boolean;
  inFlight: boolean;
  attemptsLeft: number | undefined;
  attempts: ProviderActionAttempts | undefined;
}

type Described = { what: string; why?: string };

export class CustomerActions {
  /**
   * The `waitForCustomer` in progress, if any: a customer action that satisfies its `until()` ends the wait in
   * the same Update, so the status it answers with is already unblocked.
   */
  currentWait: { action: string; until: () => boolean } | undefined;
  private readonly providerActions = new Map<string, ProviderActionState>();

  constructor(private readonly record: StatusRecord) {}

  defineCustomerAction<Input>(
    update: UpdateDefinition<OnboardingStatus, [Input]>,
    spec: CustomerActionSpec<Input>,
  ): void {
    setHandler(
      update,
      (input: Input) => {
        spec.handle(input);
        const described: Described = spec.describe?.(input) ?? { what: update.name };
        this.record.addTimeline('customer', described.what, described.why);
        if (this.currentWait?.until()) this.record.customerActionDone(this.currentWait.action);
        this.record.touch();
        return this.record.snapshot();
      },
      {
        validator: (input: Input) => {
          this.assertActionExpected(update.name, spec.expectedWhen);
          const invalid = spec.validate(input);
          if (invalid) throw invalidAction(invalid);
        },
      },
    );
  }

  defineProviderAction<Input>(
    update: UpdateDefinition<OnboardingStatus, [Input]>,
    spec: ProviderActionSpec<Input>,
  ): ProviderAction {
    const name = update.name;
    if (spec.attempts && !(Number.isInteger(spec.attempts.max) && spec.attempts.max > 0)) {
      throw new TypeError(`${name}: attempts.max must be a positive whole number`);
    }
    const action: ProviderActionState = {
      name,
      done: false,
      inFlight: false,
      attemptsLeft: spec.attempts?.max,
      attempts: spec.attempts,
    };
    this.providerActions.set(name, action);
    setHandler(
      update,
      async (input: Input) => {
        action.inFlight = true;
        let actionResult: void | Record<string, unknown>;
        try {
          actionResult = await spec.perform(input);
        } catch (err) {
          throw this.providerActionFailure(action, spec, err);
        } finally {
          action.inFlight = false;
        }
        action.done = true;
        const described: Described = spec.describe?.(input) ?? { what: name };
        this.record.addTimeline('customer', described.what, described.why);
        // Answer with the status after the wait has moved on, not a moment before.
        await condition(() => !this.record.hasPendingAction(name) || this.record.isFinal);
        return actionResult ? { ...this.record.snapshot(), actionResult } : this.record.snapshot();
      },
      {
        validator: (input: Input) => {
          this.assertActionExpected(name, spec.expectedWhen);
          if (action.inFlight) {
            throw actionNotExpected(spec.inFlightMessage ?? `${name} is already in progress`, { action: name });
          }
          if (action.attemptsLeft === 0) {
            throw actionNotExpected(`${name}: no attempts left`, { action: name, attemptsLeft: 0 });
          }
          const invalid = spec.validate(input);
          if (invalid) throw invalidAction(invalid);
        },
      },
    );
    return {
      name,
      get done() {
        return action.done;
      },
      get inFlight() {
        return action.inFlight;
      },
      get attemptsLeft() {
        return action.attemptsLeft;
      },
    };
  }

  // --- for the wait on an action -------------------------------------------------------------------------------

  /** A new wait on `action`: an earlier success does not count, and the budget is full again. */
  beginWait(action: string): ProviderActionState | undefined {
    const providerAction = this.providerActions.get(action);
    if (providerAction) {
      providerAction.done = false;
      providerAction.attemptsLeft = providerAction.attempts?.max;
    }
    return providerAction;
  }

  /** The budget of a provider action is used up: the spec fails the step, or refills the budget (a new code). */
  async attemptsExhausted(wait: string, action: ProviderActionState): Promise<void> {
    const max = action.attempts?.max ?? 0;
    this.record.addTimeline('system', `no attempts left: ${action.name}`, `${max} refused`);
    const decision = (await action.attempts?.onExhausted?.()) ?? 'fail';
    if (decision !== 'reset') throw customerAttemptsExhausted(wait, action.name, max);
    action.attemptsLeft = max;
    this.refreshAttemptsLeft(action.name);
    this.record.addTimeline('system', `attempts renewed: ${action.name}`, `${max} attempts`);
  }

  /**
   * Refills the budget of a provider action outside the wait's own exhaustion handling: the provider issued a new
   * secret on the customer's request (e.g. a new code), so the refusals of the old one no longer count.
   */
  renewAttempts(action: string): void {
    const providerAction = this.providerActions.get(action);
    if (providerAction?.attempts === undefined) return;
    providerAction.attemptsLeft = providerAction.attempts.max;
    this.refreshAttemptsLeft(action);
  }

  /** The data of a listed pending action, with the provider action's `attemptsLeft` when it has a budget. */
  withAttemptsLeft(action: string, data: Record<string, unknown>): Record<string, unknown> {
    const left = this.providerActions.get(action)?.attemptsLeft;
    return left === undefined ? data : { ...data, attemptsLeft: left };
  }

  updatePendingActionData(action: string, data: Record<string, unknown>): void {
    const pending = this.record.status.pendingActions.find((candidate) => candidate.action === action);
    if (pending) pending.data = this.withAttemptsLeft(action, data);
    this.record.touch();
  }

  // --- internals -----------------------------------------------------------------------------------------------

  /** 409 unless the action is expected now; shared by every customer action. */
  private assertActionExpected(name: string, expectedWhen: (() => boolean) | undefined): void {
    this.record.assertOpen();
    const expected = expectedWhen ? expectedWhen() : this.record.hasPendingAction(name);
    if (!expected) throw actionNotExpected(`${name} is not expected now`, this.record.actionContext());
  }

  /**
   * What the customer hears when `perform` failed: the provider's refusal (one attempt used, the count in the
   * message and details), a 409 as thrown, or else "try again later". Never the input: it may be a secret.
   */
  private providerActionFailure<Input>(
    action: ProviderActionState,
    spec: ProviderActionSpec<Input>,
    err: unknown,
  ): ApplicationFailure {
    if (err instanceof ApplicationFailure && err.type === INVALID_ACTION) {
      if (action.attemptsLeft === undefined) {
        this.record.addTimeline('system', `${action.name} refused by the provider`, err.message);
        return err;
      }
      const left = Math.max(0, action.attemptsLeft - 1);
      action.attemptsLeft = left;
      this.refreshAttemptsLeft(action.name);
      const message = `${err.message}; ${left === 0 ? 'no attempts left' : `${left} attempt${left === 1 ? '' : 's'} left`}`;
      this.record.addTimeline('system', `${action.name} refused by the provider`, message);
      const details = (err.details?.[0] ?? {}) as Record<string, unknown>;
      return ApplicationFailure.create({
        type: INVALID_ACTION,
        message,
        nonRetryable: true,
        details: [{ ...details, attemptsLeft: left }],
      });
    }
    if (err instanceof ApplicationFailure && err.type === ACTION_NOT_EXPECTED) return err;
    const unavailable = ApplicationFailure.create({
      type: spec.unavailable?.type ?? PROVIDER_ACTION_UNAVAILABLE,
      message: spec.unavailable?.message ?? `${action.name} could not be done now; try again later`,
      nonRetryable: true,
    });
    this.record.addTimeline('system', `${action.name} failed`, `${unavailable.message} (${failureType(err)})`);
    return unavailable;
  }

  private refreshAttemptsLeft(action: string): void {
    const pending = this.record.status.pendingActions.find((candidate) => candidate.action === action);
    if (pending) pending.data = this.withAttemptsLeft(action, pending.data);
    this.record.touch();
  }
}
