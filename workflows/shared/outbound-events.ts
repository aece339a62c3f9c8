/**
 * Events the onboarding sends to the backend (action required, reminders, SLAs passed, the final state). Each is
 * an activity started without waiting for it that records the event as its own delivery workflow (which retries
 * for a day and more, past the onboarding's end); the run waits for every hand-over before it finishes or
 * continues as new, so none is lost with the run. Events are numbered 1, 2, 3… across runs.
 */
import { CancellationScope, log, proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import { STATE_ANNOUNCED_BY, STATE_CHANGED_EVENT } from '../../contract/outbound.js';
import type { CommonActivities } from '../../contract/outbound.js';
import type { OnboardingState } from '../../contract/onboarding.js';
import { describeFailure } from './failures.js';

const OUTBOUND_EVENT_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  // Handing over to Temporal: quick, and retried a while; the delivery workflow owns the backend's downtime.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
};

export class OutboundEvents {
  private readonly activities = proxyActivities<CommonActivities>(OUTBOUND_EVENT_OPTIONS);
  private readonly deliveries: Promise<void>[] = [];
  private emitted: number;
  /** The state the backend last heard of: the start's `in_progress`, then what the events since announced. */
  private announced: OnboardingState;

  /**
   * `emittedBefore`: how many events the previous runs emitted (continue-as-new), so sequences never repeat;
   * `announcedBefore`: the state the backend last heard of from them.
   */
  constructor(
    private readonly onboardingId: string,
    emittedBefore = 0,
    announcedBefore: OnboardingState = 'in_progress',
  ) {
    this.emitted = emittedBefore;
    this.announced = announcedBefore;
  }

  /** The state the backend last heard of (carried over on continue-as-new). */
  get announcedState(): OnboardingState {
    return this.announced;
  }

  /**
   * Sends `onboarding.state_changed` when `state` is not the one the backend last heard of. Called where the
   * onboarding stops to wait (with the search attributes), so a state it only passes through on its way between
   * two waits, announced by the next event anyway, costs no event.
   */
  announceState(state: OnboardingState, step: string): void {
    if (state === this.announced) return;
    this.emit(STATE_CHANGED_EVENT, { from: this.announced, to: state, step });
  }

  /** How many events this onboarding has emitted, all runs included. */
  get count(): number {
    return this.emitted;
  }

  /**
   * Hands the event to its delivery workflow without waiting (a slow Temporal answer never holds up the saga);
   * the run still waits for the hand-over before it finishes, and it survives cancellation.
   */
  emit(type: string, data: Record<string, unknown>): void {
    const announces = type === STATE_CHANGED_EVENT ? (data.to as OnboardingState) : STATE_ANNOUNCED_BY[type];
    if (announces) this.announced = announces;
    this.emitted += 1;
    const sequence = this.emitted;
    const delivery = CancellationScope.nonCancellable(() =>
      this.activities.emitOutboundEvent({ onboardingId: this.onboardingId, type, data, sequence }),
    ).catch((err: unknown) => {
      log.warn('outbound event not delivered', { type, error: describeFailure(err) });
    });
    this.deliveries.push(delivery);
  }

  /** Settles once every event emitted so far is delivered or given up on (it never rejects). */
  delivered(): Promise<void[]> {
    // Plain `Promise.all`: an extra `then` would move the run's ending by a microtask against handlers finishing
    // in the same activation, and with it possibly the order of commands.
    return Promise.all(this.deliveries);
  }
}
