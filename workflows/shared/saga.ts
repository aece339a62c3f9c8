/**
 * The saga's run from start to end: the provider's body inside a cancellable scope, compensation of what it
 * created when it is cancelled, expires or fails for good, the final state, and continue-as-new when the history
 * grows long. Everything after the body runs non-cancellable, so a second cancel cannot cut an undo short.
 */
import {
  CancellationScope,
  ContinueAsNew,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
} from '@temporalio/workflow';
import type {
  Actor,
  Applicant,
  CancelRequest,
  OnboardingInput,
  OnboardingState,
  OnboardingStatus,
} from '../../contract/onboarding.js';
import { describeFailure, isCustomerDeadlineExpired } from './failures.js';
import type { OutboundEvents } from './outbound-events.js';
import type { ProviderEventInbox } from './provider-events.js';
import type { StatusRecord } from './status-record.js';

/** What a continued-as-new run inherits from the previous one. */
export interface OnboardingCarryOver {
  status: OnboardingStatus;
  refs: string[];
  seenEventIds: string[];
  /** Where the provider workflow resumes; its own shape, opaque here. */
  checkpoint: Record<string, unknown>;
  /** Outbound events emitted by the previous runs (absent in carry-overs recorded before it existed). */
  outboundEmitted?: number;
  /** The state the backend last heard of from those events (absent in carry-overs recorded before it existed). */
  announcedState?: OnboardingState;
}

/** The start input, plus what continue-as-new carries forward (absent on a fresh start). */
export type ContinuableOnboardingInput<ProviderInput, TApplicant = Applicant> = OnboardingInput<
  ProviderInput,
  TApplicant
> & {
  carryOver?: OnboardingCarryOver;
};

/** How the provider's saga body ended when nothing threw. */
export interface ProviderOutcome {
  state: Extract<OnboardingState, 'completed' | 'rejected'>;
  why?: string;
  /** Undo what was created before recording the outcome (e.g. close the account of a rejected applicant). */
  compensate?: boolean;
}

interface Compensation {
  step: string;
  undo: () => Promise<void>;
}

interface FinalOutcome {
  state: Extract<OnboardingState, 'completed' | 'rejected' | 'failed' | 'cancelled' | 'expired'>;
  actor: Actor;
  why?: string;
}

export class Saga {
  /** A child of the root scope: a Temporal-native cancel reaches it too, and the cancel Update cancels only it. */
  private readonly scope = new CancellationScope();
  private readonly compensations: Compensation[] = [];
  private cancelRequest: Required<CancelRequest> | undefined;

  constructor(
    private readonly input: ContinuableOnboardingInput<unknown, unknown>,
    private readonly record: StatusRecord,
    private readonly outbound: OutboundEvents,
    private readonly inbox: ProviderEventInbox,
  ) {}

  get cancelRequested(): boolean {
    return this.cancelRequest !== undefined;
  }

  /** The cancel Update's effect: recorded, then the body is cancelled; `run()` compensates and records the end. */
  cancel(request: Required<CancelRequest>): void {
    this.cancelRequest = request;
    this.record.addTimeline(request.actor, 'cancel requested', request.reason);
    this.record.touch();
    this.scope.cancel();
  }

  addCompensation(step: string, undo: () => Promise<void>): void {
    this.compensations.push({ step, undo });
  }

  /**
   * A workflow bug (a non-Temporal error) is rethrown so the workflow task fails and retries after a fix, instead
   * of recording a false outcome.
   */
  async run(body: () => Promise<ProviderOutcome>): Promise<OnboardingStatus> {
    let outcome: FinalOutcome;
    try {
      const ended = await this.scope.run(body);
      outcome = { state: ended.state, actor: 'provider', ...(ended.why ? { why: ended.why } : {}) };
      if (ended.compensate) {
        this.record.closing = true;
        await CancellationScope.nonCancellable(() => this.compensate());
      }
    } catch (err) {
      if (err instanceof ContinueAsNew) throw err;
      if (isCancellation(err)) {
        outcome = {
          state: 'cancelled',
          actor: this.cancelRequest?.actor ?? 'operator',
          why: this.cancelRequest?.reason ?? 'cancelled through Temporal',
        };
      } else if (isCustomerDeadlineExpired(err)) {
        outcome = { state: 'expired', actor: 'system', why: err.message };
      } else if (err instanceof TemporalFailure) {
        outcome = { state: 'failed', actor: 'system', why: describeFailure(err) };
      } else {
        throw err;
      }
      this.record.closing = true;
      await CancellationScope.nonCancellable(() => this.compensate());
    }
    this.record.closing = true;
    return CancellationScope.nonCancellable(() => this.finish(outcome));
  }

  /**
   * Ends this run and starts the next with the status, refs, seen event ids and `checkpoint`, once outbound
   * events are delivered and handlers are done (an Update in flight would otherwise lose its answer).
   */
  async continueAsNew(checkpoint: Record<string, unknown>): Promise<never> {
    // The next run starts with this run's search attributes: they must be current.
    this.record.publishPending();
    await this.outbound.delivered();
    await condition(allHandlersFinished);
    const next: ContinuableOnboardingInput<unknown, unknown> = {
      ...this.input,
      carryOver: {
        status: this.record.status,
        refs: this.record.refs,
        seenEventIds: this.inbox.seenEventIds,
        checkpoint,
        outboundEmitted: this.outbound.count,
        announcedState: this.outbound.announcedState,
      },
    };
    return continueAsNew(next);
  }

  private async compensate(): Promise<void> {
    if (this.compensations.length === 0) {
      this.record.addTimeline('system', 'nothing to compensate');
      return;
    }
    for (const { step, undo } of [...this.compensations].reverse()) {
      const stepRecord = this.record.stepRecord(step);
      try {
        await undo();
        stepRecord.status = 'compensated';
        this.record.addTimeline('system', `step ${step} compensated`);
      } catch (err) {
        // Keep undoing the rest: one provider refusing must not leave the others half-done.
        stepRecord.lastError = `compensation failed: ${describeFailure(err)}`;
        this.record.addTimeline('system', `compensation of ${step} failed`, describeFailure(err));
      }
      this.record.touch();
    }
    this.compensations.length = 0;
  }

  private async finish(outcome: FinalOutcome): Promise<OnboardingStatus> {
    const { status } = this.record;
    status.state = outcome.state;
    status.pendingActions = [];
    status.blockedOn = null;
    status.blockedSince = null;
    for (const step of status.steps) {
      if (step.status === 'pending') step.status = 'skipped';
    }
    this.record.addTimeline(outcome.actor, `onboarding ${outcome.state}`, outcome.why);
    this.record.settled = true;
    this.record.touch();
    this.outbound.emit(`onboarding.${outcome.state}`, { step: status.step, result: { ...status.result } });
    // After the final event, which announces the final state itself.
    this.record.publishPending();
    await this.outbound.delivered();
    await condition(allHandlersFinished);
    return this.record.snapshot();
  }
}
