/**
 * The onboarding funnel as metrics, for every provider alike: starts, final outcomes, each step's runs and how long
 * the onboarding waited on the customer, the provider or a reviewer. It watches the status rather than being told:
 * `observe()` compares the status with what it saw last, so every part of the tracker that changes the status gets
 * counted without knowing about metrics. Durations come from the status's own timestamps (`startedAt`,
 * `blockedSince`, the steps' times), which continue-as-new carries over, so a wait that spans runs is one wait.
 *
 * Emitted through the workflow's `metricMeter`, which sends nothing while the workflow replays: a worker that
 * rebuilds a workflow from history does not count it twice. Not a command: it changes no history.
 */
import { metricMeter } from '@temporalio/workflow';
import type { MetricCounter, MetricHistogram, MetricMeter } from '@temporalio/common';
import { FINAL_STATES } from '../../contract/onboarding.js';
import type { OnboardingStatus, StepRecord } from '../../contract/onboarding.js';
import { ONBOARDING_METRICS } from '../../contract/metrics.js';
import type { StepOutcome } from '../../contract/metrics.js';

/** A period blocked on one party: it ends when the status leaves that `blockedOn`/`blockedSince` for good. */
interface OpenBlock {
  on: string;
  since: string;
  step: string;
}

function secondsBetween(fromIso: string, toMs: number): number {
  const from = Date.parse(fromIso);
  return Number.isNaN(from) ? 0 : Math.max(0, (toMs - from) / 1000);
}

function stepKey(step: StepRecord): string {
  return `${step.status}|${step.startedAt ?? ''}`;
}

function stepOutcome(step: StepRecord): StepOutcome | undefined {
  if (step.status === 'done') return 'done';
  if (step.status === 'failed') return step.lastError === 'cancelled' ? 'cancelled' : 'failed';
  return undefined;
}

export class FunnelMetrics {
  private readonly started: MetricCounter;
  private readonly finished: MetricCounter;
  private readonly duration: MetricHistogram;
  private readonly stepStarted: MetricCounter;
  private readonly stepDuration: MetricHistogram;
  private readonly blocked: MetricHistogram;

  /** What each step looked like at the last observation (status and start time). */
  private readonly steps = new Map<string, string>();
  /**
   * The blocks not yet ended, outermost first. A provider call that fails and retries inside a wait shows
   * `retrying` and then hands the status back as it found it: the retry nests inside the wait instead of ending it.
   */
  private blocks: OpenBlock[] = [];
  private final: boolean;

  /** `status` is where observation starts: a fresh start, or the status a continue-as-new carried over. */
  constructor(status: OnboardingStatus, meter: MetricMeter = metricMeter) {
    const tagged = meter.withTags({ provider: status.provider });
    this.started = tagged.createCounter(ONBOARDING_METRICS.started, undefined, 'Onboardings started');
    this.finished = tagged.createCounter(ONBOARDING_METRICS.finished, undefined, 'Onboardings ended, by outcome');
    this.duration = tagged.createHistogram(
      ONBOARDING_METRICS.duration,
      'float',
      's',
      'Onboarding duration from start to its final state, seconds',
    );
    this.stepStarted = tagged.createCounter(ONBOARDING_METRICS.stepStarted, undefined, 'Onboarding steps started');
    this.stepDuration = tagged.createHistogram(
      ONBOARDING_METRICS.stepDuration,
      'float',
      's',
      'Onboarding step duration, seconds',
    );
    this.blocked = tagged.createHistogram(
      ONBOARDING_METRICS.blocked,
      'float',
      's',
      'Time an onboarding was blocked on the customer, the provider, a reviewer or retries, seconds',
    );
    for (const step of status.steps) this.steps.set(step.name, stepKey(step));
    if (status.blockedOn !== null) {
      this.blocks = [
        { on: status.blockedOn, since: status.blockedSince ?? new Date().toISOString(), step: status.step },
      ];
    }
    this.final = FINAL_STATES.includes(status.state);
  }

  /** A fresh start (not a continued run). */
  onboardingStarted(): void {
    this.started.add(1);
  }

  /** Counts what changed since the last call. Cheap when nothing did; safe to call as often as the status changes. */
  observe(status: OnboardingStatus): void {
    const nowMs = Date.now();
    this.observeSteps(status, nowMs);
    this.observeBlocked(status, nowMs);
    if (!this.final && FINAL_STATES.includes(status.state)) {
      this.final = true;
      this.finished.add(1, { outcome: status.state, step: status.step });
      this.duration.record(secondsBetween(status.startedAt, nowMs), { outcome: status.state });
    }
  }

  private observeSteps(status: OnboardingStatus, nowMs: number): void {
    for (const step of status.steps) {
      const key = stepKey(step);
      const before = this.steps.get(step.name);
      if (before === key) continue;
      this.steps.set(step.name, key);
      if (step.status === 'running') {
        this.stepStarted.add(1, { step: step.name });
        continue;
      }
      const outcome = stepOutcome(step);
      if (outcome && before?.startsWith('running|') && step.startedAt) {
        const endedMs = step.endedAt ? Date.parse(step.endedAt) : nowMs;
        this.stepDuration.record(secondsBetween(step.startedAt, endedMs), { step: step.name, outcome });
      }
    }
  }

  private observeBlocked(status: OnboardingStatus, nowMs: number): void {
    const top = this.blocks.at(-1);
    const on = status.blockedOn;
    const since = status.blockedSince ?? '';
    if (top && top.on === on && top.since === since) return;
    if (on === null && this.blocks.length === 0) return;

    // Back to a block still open below (a retry inside a wait ended): the blocks above it end now.
    const resumed = this.blocks.findIndex((block) => block.on === on && block.since === since);
    if (resumed >= 0) {
      this.endBlocks(this.blocks.splice(resumed + 1), nowMs);
      return;
    }
    if (on === 'retrying' && top) {
      this.blocks.push({ on, since, step: status.step });
      return;
    }
    this.endBlocks(this.blocks.splice(0), nowMs);
    if (on !== null) this.blocks.push({ on, since, step: status.step });
  }

  private endBlocks(ended: OpenBlock[], nowMs: number): void {
    for (const block of ended.reverse()) {
      this.blocked.record(secondsBetween(block.since, nowMs), { blocked_on: block.on, step: block.step });
    }
  }
}
