/**
 * Named steps and the provider calls made inside them. A step shows running, then done or failed, in `steps[]`
 * and OnboardingStep; a provider call shows blockedOn `provider` while it runs, and `retrying` once its first try
 * failed for a reason worth retrying.
 */
import { ContinueAsNew, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import { describeFailure, isRetryableFirstTryFailure, requestedRetryDelay } from './failures.js';
import { nowIso } from './status-record.js';
import type { StatusRecord } from './status-record.js';

type ActivityFunction = (...args: unknown[]) => Promise<unknown>;

export class Steps {
  constructor(private readonly record: StatusRecord) {}

  async runStep<T>(name: string, body: () => Promise<T>): Promise<T> {
    const step = this.record.stepRecord(name);
    step.status = 'running';
    step.startedAt = nowIso();
    step.endedAt = null;
    step.lastError = null;
    step.attempts += 1;
    this.record.status.step = name;
    this.record.addTimeline('system', `step ${name} started`);
    this.record.touch();
    try {
      const value = await body();
      step.status = 'done';
      step.endedAt = nowIso();
      this.record.addTimeline('system', `step ${name} done`);
      this.record.touch();
      return value;
    } catch (err) {
      // Continuing as new is not a failure: the next run carries this step on as it was.
      if (err instanceof ContinueAsNew) throw err;
      step.status = 'failed';
      step.endedAt = nowIso();
      step.lastError = isCancellation(err) ? 'cancelled' : describeFailure(err);
      if (!isCancellation(err)) this.record.addTimeline('system', `step ${name} failed`, step.lastError);
      this.record.touch();
      throw err;
    }
  }

  /**
   * Marks a step that will not run as `skipped` as soon as that is known, so the status does not show it `pending`
   * until the finish. Status only: no command, so it changes no recorded history.
   */
  skipStep(name: string, why: string): void {
    const step = this.record.stepRecord(name);
    if (step.status !== 'pending') return;
    step.status = 'skipped';
    this.record.addTimeline('system', `step ${name} skipped`, why);
    this.record.touch();
  }

  /**
   * Two proxies of the same activities: one limited to a single attempt, so the first failure surfaces here and
   * the status can say `retrying`, and one with the caller's full retry policy for the calls after it.
   */
  activities<A extends object>(options: ActivityOptions): A {
    const firstTry = proxyActivities<Record<string, ActivityFunction>>({
      ...options,
      retry: { ...options.retry, maximumAttempts: 1 },
    });
    const retrying = proxyActivities<Record<string, ActivityFunction>>(options);
    const handler: ProxyHandler<A> = {
      get: (_target, name) => {
        // `then` must stay undefined, or awaiting the object would call an activity named "then".
        if (typeof name !== 'string' || name === 'then') return undefined;
        return (...args: unknown[]) =>
          this.callProvider(
            name,
            () => (firstTry[name] as ActivityFunction)(...args),
            () => (retrying[name] as ActivityFunction)(...args),
          );
      },
    };
    return new Proxy({} as A, handler);
  }

  private async callProvider<T>(activity: string, firstTry: () => Promise<T>, retry: () => Promise<T>): Promise<T> {
    const { status } = this.record;
    const blockedBefore = { on: status.blockedOn, since: status.blockedSince };
    if (blockedBefore.on === null) this.record.setBlocked('provider');
    this.record.publishPendingRefs();
    try {
      try {
        return await firstTry();
      } catch (err) {
        if (!isRetryableFirstTryFailure(err)) throw err;
        const step = this.record.stepRecord(status.step);
        step.attempts += 1;
        step.lastError = describeFailure(err);
        this.record.setBlocked('retrying');
        this.record.addTimeline('system', `${activity} failed, retrying`, step.lastError);
        this.record.touch();
        // A retry can last as long as the provider is down: the onboarding now waits, and says so.
        this.record.publishPending();
        const delay = requestedRetryDelay(err);
        if (delay) await sleep(delay);
        return await retry();
      }
    } finally {
      // A call made from a wait (or another call) hands the status back as it found it; a settled one keeps its end.
      if (!this.record.settled) {
        status.blockedOn = blockedBefore.on;
        status.blockedSince = blockedBefore.since;
        this.record.touch();
      }
    }
  }
}
