/**
 * The saga's waits: on the customer (an action through our API, or something done elsewhere that only the
 * provider can confirm), with reminders and an expiry, and on the provider or its reviewer, with an SLA. Waits
 * that only the provider can end re-read it at each provider event and on a doubling poll interval, so a lost
 * webhook delays an onboarding but never strands it.
 */
import { condition, workflowInfo } from '@temporalio/workflow';
import type { DeadlineDefaults, OnboardingOptions, PendingAction, WaitDeadline } from '../../contract/onboarding.js';
import type { CustomerActions } from './customer-actions.js';
import { durationMs } from './durations.js';
import { customerDeadlineExpired } from './failures.js';
import type { OutboundEvents } from './outbound-events.js';
import type { ProviderEventInbox } from './provider-events.js';
import type { Saga } from './saga.js';
import type { StatusRecord } from './status-record.js';

export const DEFAULT_EXPIRE_AFTER = '14d';
export const DEFAULT_REMIND_AFTER = '2d';
export const DEFAULT_REVIEW_SLA = '3d';
export const DEFAULT_POLL_INITIAL_INTERVAL = '30s';
export const DEFAULT_POLL_MAX_INTERVAL = '10m';

export interface CustomerWait {
  /** Key into `options.deadlines` (e.g. 'agreements', 'documents'). */
  wait: string;
  action: Omit<PendingAction, 'expiresAt'>;
  /**
   * True once the customer has done what is needed (mutated by the action's Update handler). For an action
   * defined with `defineProviderAction` it may be left out: the wait then ends when the provider accepted it.
   */
  until?: () => boolean;
}

/** A wait on something the customer does outside our API (a hosted KYC page): only the provider can tell. */
export interface CustomerElsewhereWait {
  /** Key into `options.deadlines`: the same reminders and expiry as `waitForCustomer`. */
  wait: string;
  /** Listed in `pendingActions` so the customer can be sent there (e.g. `{ url }`); no Update completes it. */
  action: Omit<PendingAction, 'expiresAt'>;
  /** Re-reads the provider (events are only hints); true when the customer's part is done. */
  poll: () => Promise<boolean>;
}

export interface ProviderWait {
  /** Key into `options.deadlines` (the SLA of a manual review reads `deadlines[wait].remindAfter`). */
  wait: string;
  blockedOn: 'provider' | 'reviewer';
  /** Re-reads the resource from the provider (events are only hints); true when the wait is over. */
  poll: () => Promise<boolean>;
  /** Reviewer waits get one by default ('3d'); provider waits only when given. */
  sla?: { after?: string; onPassed?: () => Promise<void> | void };
  /** Where to resume after continue-as-new; without one this wait never continues as new. */
  checkpoint?: Record<string, unknown>;
}

interface PollIntervals {
  initialMs: number;
  maxMs: number;
}

interface PollLoop {
  poll: () => Promise<boolean>;
  /** The next timed point of the wait, if any; `fire()` returns true to end the wait as done. */
  next?: () => { atMs: number; fire: () => Promise<boolean> } | undefined;
  checkpoint?: Record<string, unknown>;
}

/** The deadline of one wait on the customer. */
interface CustomerClock {
  /** The next reminder, or the expiry if sooner. */
  nextAtMs: () => number;
  expired: () => boolean;
  /** At `nextAtMs`: throws CustomerDeadlineExpired once expired, else sends the next reminder. */
  passed: () => void;
}

function isoAt(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export class Waits {
  constructor(
    private readonly record: StatusRecord,
    private readonly options: OnboardingOptions,
    private readonly defaults: DeadlineDefaults,
    private readonly actions: CustomerActions,
    private readonly outbound: OutboundEvents,
    private readonly inbox: ProviderEventInbox,
    private readonly saga: Saga,
  ) {}

  async waitForCustomer(spec: CustomerWait): Promise<void> {
    const actionName = spec.action.action;
    const providerAction = this.actions.beginWait(actionName);
    const until = spec.until ?? (providerAction ? () => providerAction.done : undefined);
    if (!until) throw new TypeError(`waitForCustomer(${actionName}): until() is required for a customer action`);
    if (until()) return;
    const exhausted = (): boolean => providerAction?.attemptsLeft === 0;
    const wake = (): boolean => until() || exhausted();

    const clock = this.openCustomerWait(spec.wait, spec.action);
    this.actions.currentWait = { action: actionName, until };
    try {
      for (;;) {
        const remaining = clock.nextAtMs() - Date.now();
        this.record.publishPending();
        if (remaining > 0 ? await condition(wake, remaining) : wake()) {
          if (until()) break;
          // Woken by a used-up budget: settled here, in the wait, so the customer's Update is not held up by it.
          if (providerAction) await this.actions.attemptsExhausted(spec.wait, providerAction);
          continue;
        }
        clock.passed();
      }
    } finally {
      this.actions.currentWait = undefined;
    }
    this.record.customerActionDone(actionName);
  }

  async waitForCustomerElsewhere(spec: CustomerElsewhereWait): Promise<void> {
    const intervals = this.pollIntervals();
    const clock = this.openCustomerWait(spec.wait, spec.action);
    await this.pollUntilDone(intervals, {
      poll: spec.poll,
      next: () => ({
        atMs: clock.nextAtMs(),
        fire: async () => {
          // The customer may have finished just now and the webhook been lost.
          if (clock.expired() && (await spec.poll())) return true;
          clock.passed();
          return false;
        },
      }),
    });
    this.record.customerActionDone(spec.action.action);
  }

  async waitForProvider(spec: ProviderWait): Promise<void> {
    const intervals = this.pollIntervals();
    const reviewer = spec.blockedOn === 'reviewer';
    const slaSetting =
      spec.sla?.after ??
      (reviewer
        ? (this.options.deadlines?.[spec.wait]?.remindAfter ?? this.defaults.reviewSla ?? DEFAULT_REVIEW_SLA)
        : undefined);
    const slaAtMs =
      slaSetting === undefined
        ? undefined
        : Date.now() + durationMs(slaSetting, `options.deadlines.${spec.wait}.remindAfter`);
    let slaPassed = false;
    const { status } = this.record;

    status.state = reviewer ? 'in_review' : 'in_progress';
    this.record.setBlocked(spec.blockedOn);
    this.record.addTimeline(
      'system',
      reviewer ? 'waiting for a reviewer at the provider' : 'waiting for the provider',
      spec.wait,
    );
    this.record.touch();
    this.record.publishPending();

    await this.pollUntilDone(intervals, {
      poll: spec.poll,
      next: () =>
        slaAtMs === undefined || slaPassed
          ? undefined
          : {
              atMs: slaAtMs,
              fire: async () => {
                slaPassed = true;
                const type = reviewer ? 'onboarding.review_sla_passed' : 'onboarding.provider_sla_passed';
                this.record.addTimeline('system', reviewer ? 'review SLA passed' : 'provider SLA passed', spec.wait);
                this.outbound.emit(type, { step: status.step, wait: spec.wait, blockedSince: status.blockedSince });
                await spec.sla?.onPassed?.();
                return false;
              },
            },
      ...(spec.checkpoint ? { checkpoint: spec.checkpoint } : {}),
    });
    status.state = 'in_progress';
    this.record.setBlocked(null);
    this.record.touch();
  }

  private pollIntervals(): PollIntervals {
    return {
      initialMs: durationMs(
        this.options.pollInitialInterval ?? DEFAULT_POLL_INITIAL_INTERVAL,
        'options.pollInitialInterval',
      ),
      maxMs: durationMs(this.options.pollMaxInterval ?? DEFAULT_POLL_MAX_INTERVAL, 'options.pollMaxInterval'),
    };
  }

  /**
   * Calls `poll()` until it says done: again at each provider event and on a doubling interval, and at the timed
   * point `next()` names (an SLA, a reminder, an expiry) whose `fire()` may end the wait as done.
   */
  private async pollUntilDone(intervals: PollIntervals, loop: PollLoop): Promise<void> {
    let intervalMs = intervals.initialMs;
    let seenEvents = this.inbox.count;
    while (!(await loop.poll())) {
      const nextPollAtMs = Date.now() + intervalMs;
      let hinted = false;
      for (;;) {
        const timed = loop.next?.();
        const wakeAtMs = timed ? Math.min(nextPollAtMs, timed.atMs) : nextPollAtMs;
        this.record.publishPending();
        hinted = await condition(() => this.inbox.count > seenEvents, Math.max(1, wakeAtMs - Date.now()));
        if (hinted) break;
        if (timed && Date.now() >= timed.atMs && (await timed.fire())) return;
        if (Date.now() >= nextPollAtMs) break;
      }
      seenEvents = this.inbox.count;
      // An event is a reason to look now, not a reason to look more often afterwards.
      if (!hinted) intervalMs = Math.min(intervalMs * 2, intervals.maxMs);
      if (loop.checkpoint && workflowInfo().continueAsNewSuggested) await this.saga.continueAsNew(loop.checkpoint);
    }
  }

  /** Lists the pending action and starts its deadline: the clock says when to wake, and reminds or expires. */
  private openCustomerWait(wait: string, action: Omit<PendingAction, 'expiresAt'>): CustomerClock {
    const deadline = this.deadlineFor(wait);
    const expireMs = durationMs(deadline.expireAfter, `options.deadlines.${wait}.expireAfter`);
    const remindMs = durationMs(deadline.remindAfter, `options.deadlines.${wait}.remindAfter`);
    const startedMs = Date.now();
    const expiresAtMs = startedMs + expireMs;
    const expiresAt = isoAt(expiresAtMs);
    const actionName = action.action;
    const { status } = this.record;

    status.pendingActions = [
      ...status.pendingActions.filter((pending) => pending.action !== actionName),
      { ...action, data: this.actions.withAttemptsLeft(actionName, action.data), expiresAt },
    ];
    status.state = 'action_required';
    this.record.setBlocked('customer');
    this.record.addTimeline('system', `waiting for the customer: ${actionName}`, `expires at ${expiresAt}`);
    this.record.touch();
    this.outbound.emit('onboarding.action_required', { step: status.step, action: actionName, expiresAt });
    // After the event, which announces action_required itself.
    this.record.publishPending();

    let reminders = 0;
    return {
      nextAtMs: () => Math.min(startedMs + (reminders + 1) * remindMs, expiresAtMs),
      expired: () => Date.now() >= expiresAtMs,
      passed: () => {
        if (Date.now() >= expiresAtMs) {
          this.record.addTimeline('system', `the customer did not ${actionName} in time`, `expired at ${expiresAt}`);
          throw customerDeadlineExpired(wait, actionName, expiresAt);
        }
        reminders += 1;
        this.outbound.emit('onboarding.reminder', {
          step: status.step,
          action: actionName,
          expiresAt,
          reminder: reminders,
        });
        this.record.addTimeline('system', `reminder ${reminders} sent: ${actionName}`);
      },
    };
  }

  /** `options.deadlines[wait]`, then `options.deadlines.default`, then the defaults, field by field. */
  private deadlineFor(wait: string): Required<WaitDeadline> {
    const deadlines = this.options.deadlines ?? {};
    return {
      expireAfter:
        deadlines[wait]?.expireAfter ??
        deadlines.default?.expireAfter ??
        this.defaults.customerExpireAfter ??
        DEFAULT_EXPIRE_AFTER,
      remindAfter:
        deadlines[wait]?.remindAfter ??
        deadlines.default?.remindAfter ??
        this.defaults.customerRemindAfter ??
        DEFAULT_REMIND_AFTER,
    };
  }
}
