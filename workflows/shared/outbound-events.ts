/**
 * Events the onboarding sends to the backend (action required, reminders, SLAs passed, the final state). Each is
 * an activity started without waiting for it, so a slow backend never holds up the saga; the run still waits for
 * every delivery before it finishes or continues as new, so none is lost with the run.
 */
import { CancellationScope, log, proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { CommonActivities } from '../../contract/outbound.js';
import { describeFailure } from './failures.js';

const OUTBOUND_EVENT_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  // A backend that is down must not hold an onboarding forever: a bounded number of tries, then a warning.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
};

export class OutboundEvents {
  private readonly activities = proxyActivities<CommonActivities>(OUTBOUND_EVENT_OPTIONS);
  private readonly deliveries: Promise<void>[] = [];

  constructor(private readonly onboardingId: string) {}

  /** Fire-and-forget delivery that still completes before the workflow does, and survives cancellation. */
  emit(type: string, data: Record<string, unknown>): void {
    const delivery = CancellationScope.nonCancellable(() =>
      this.activities.emitOutboundEvent({ onboardingId: this.onboardingId, type, data }),
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
