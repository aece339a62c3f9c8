/**
 * Provider calls that must not be repeated blindly (ProviderOutcomeUnknown: the call may or may not have taken
 * effect) wait for an operator instead of failing the onboarding: the status says blockedOn `retrying` with the
 * error in the step's `lastError`, an `onboarding.operator_retry_needed` event goes out, and the `retryStep`
 * Update (contract/operator.ts) repeats the call with the same input, hence the same idempotency key. Cancel still
 * works while it waits. No provider knowledge here: any step of any provider can use it.
 */
import { ActivityFailure, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { retryStepUpdate } from '../../contract/operator.js';
import type { RetryStepRequest } from '../../contract/operator.js';
import { PROVIDER_OUTCOME_UNKNOWN } from '../../contract/provider-failures.js';
import { cancelReasonRule } from '../../contract/rules.js';
import { actionNotExpected, describeFailure, invalidAction } from './failures.js';
import type { OutboundEvents } from './outbound-events.js';
import type { StatusRecord } from './status-record.js';

/** True when `err` (or the activity failure around it) is a ProviderOutcomeUnknown. */
export function isOutcomeUnknown(err: unknown): boolean {
  let failure: unknown = err;
  while (failure instanceof ActivityFailure && failure.cause) failure = failure.cause;
  return failure instanceof ApplicationFailure && failure.type === PROVIDER_OUTCOME_UNKNOWN;
}

export class OperatorRetries {
  /** The step waiting for an operator, and whether one has asked to retry it. */
  private waiting: { step: string; retryRequested: boolean } | undefined;

  constructor(
    private readonly record: StatusRecord,
    private readonly outbound: OutboundEvents,
  ) {
    setHandler(
      retryStepUpdate,
      (request: RetryStepRequest) => {
        const waiting = this.waiting!;
        waiting.retryRequested = true;
        this.record.addTimeline(request.actor ?? 'operator', `retry of step ${request.step} requested`, request.reason);
        this.record.touch();
        return this.record.snapshot();
      },
      {
        validator: (request: RetryStepRequest) => {
          this.record.assertOpen();
          const step = (request as Partial<RetryStepRequest> | undefined)?.step;
          if (!this.waiting || this.waiting.retryRequested) {
            throw actionNotExpected('no step is waiting for an operator retry', this.record.actionContext());
          }
          if (step !== this.waiting.step) {
            throw invalidAction({ field: 'step', message: `the step waiting for a retry is ${this.waiting.step}` });
          }
          const reasonProblem = cancelReasonRule((request as Partial<RetryStepRequest> | undefined)?.reason);
          if (reasonProblem) throw invalidAction({ field: 'reason', message: reasonProblem });
        },
      },
    );
  }

  /**
   * Runs `call`; while it fails with ProviderOutcomeUnknown, waits for `retryStep` and runs it again. Any other
   * failure is thrown as is. `call` must send the same idempotency key each time (derive it from the step).
   */
  async untilSettled<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (!isOutcomeUnknown(err)) throw err;
        await this.awaitOperator(describeFailure(err));
      }
    }
  }

  private async awaitOperator(error: string): Promise<void> {
    const { status } = this.record;
    const step = status.step;
    const stepRecord = this.record.stepRecord(step);
    const blockedBefore = { on: status.blockedOn, since: status.blockedSince };
    stepRecord.lastError = error;
    this.waiting = { step, retryRequested: false };
    this.record.setBlocked('retrying');
    this.record.addTimeline('system', `step ${step} needs an operator: check with the provider, then retryStep`, error);
    this.record.touch();
    this.outbound.emit('onboarding.operator_retry_needed', { step, blockedSince: status.blockedSince });
    this.record.publishPending();
    try {
      await condition(() => this.waiting?.retryRequested === true);
    } finally {
      this.waiting = undefined;
    }
    stepRecord.attempts += 1;
    status.blockedOn = blockedBefore.on;
    status.blockedSince = blockedBefore.since;
    this.record.touch();
  }
}
