/**
 * The funnel's bookkeeping, on a recording meter and a status changed by hand the way the tracker changes it: what
 * is counted, with which labels and durations, and that nothing is counted twice.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ONBOARDING_METRICS } from '../../contract/metrics.js';
import type { BlockedOn, OnboardingStatus } from '../../contract/onboarding.js';
import { FunnelMetrics } from '../../workflows/shared/funnel-metrics.js';
import { RecordingMeter } from '../helpers/recording-meter.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = () => new Date().toISOString();

function freshStatus(): OnboardingStatus {
  return {
    onboardingId: 'onboarding:acme:ref-1',
    provider: 'acme',
    customerRef: 'ref-1',
    state: 'in_progress',
    step: 'kyc',
    blockedOn: null,
    blockedSince: null,
    pendingActions: [],
    steps: ['kyc', 'agreements'].map((name) => ({
      name,
      status: 'pending' as const,
      startedAt: null,
      endedAt: null,
      attempts: 0,
      lastError: null,
    })),
    result: {},
    timeline: [],
    startedAt: iso(),
    updatedAt: iso(),
  };
}

function block(status: OnboardingStatus, on: BlockedOn): void {
  status.blockedOn = on;
  status.blockedSince = on === null ? null : iso();
}

let meter: RecordingMeter;
let status: OnboardingStatus;
let funnel: FunnelMetrics;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  meter = new RecordingMeter();
  status = freshStatus();
  funnel = new FunnelMetrics(status, meter);
});

afterEach(() => {
  vi.useRealTimers();
});

const later = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

describe('the onboarding funnel', () => {
  it('counts a start, each step run with its duration, and the final outcome once, all labelled by provider', () => {
    funnel.onboardingStarted();
    const kyc = status.steps[0]!;
    kyc.status = 'running';
    kyc.startedAt = iso();
    funnel.observe(status);
    funnel.observe(status); // a touch that changed nothing counts nothing
    later(90);
    kyc.status = 'done';
    kyc.endedAt = iso();
    funnel.observe(status);
    status.state = 'completed';
    later(10);
    funnel.observe(status);
    funnel.observe(status);

    expect(meter.named(ONBOARDING_METRICS.started)).toEqual([
      { name: ONBOARDING_METRICS.started, value: 1, tags: { provider: 'acme' } },
    ]);
    expect(meter.named(ONBOARDING_METRICS.stepStarted)).toEqual([
      { name: ONBOARDING_METRICS.stepStarted, value: 1, tags: { provider: 'acme', step: 'kyc' } },
    ]);
    expect(meter.named(ONBOARDING_METRICS.stepDuration)).toEqual([
      { name: ONBOARDING_METRICS.stepDuration, value: 90, tags: { provider: 'acme', step: 'kyc', outcome: 'done' } },
    ]);
    expect(meter.named(ONBOARDING_METRICS.finished)).toEqual([
      {
        name: ONBOARDING_METRICS.finished,
        value: 1,
        tags: { provider: 'acme', outcome: 'completed', step: 'kyc' },
      },
    ]);
    expect(meter.named(ONBOARDING_METRICS.duration)).toEqual([
      { name: ONBOARDING_METRICS.duration, value: 100, tags: { provider: 'acme', outcome: 'completed' } },
    ]);
  });

  it('tells a cancelled step from a failed one', () => {
    const [kyc, agreements] = status.steps;
    for (const step of [kyc!, agreements!]) {
      step.status = 'running';
      step.startedAt = iso();
    }
    funnel.observe(status);
    later(5);
    kyc!.status = 'failed';
    kyc!.lastError = 'ProviderBusinessError: refused';
    kyc!.endedAt = iso();
    agreements!.status = 'failed';
    agreements!.lastError = 'cancelled';
    agreements!.endedAt = iso();
    funnel.observe(status);

    const outcomes = meter
      .named(ONBOARDING_METRICS.stepDuration)
      .map((sample) => [sample.tags.step, sample.tags.outcome]);
    expect(outcomes).toEqual([
      ['kyc', 'failed'],
      ['agreements', 'cancelled'],
    ]);
  });

  it('records each wait on a party when it ends, with the step it was blocked at', () => {
    block(status, 'customer');
    funnel.observe(status);
    later(3600);
    status.step = 'agreements';
    block(status, 'provider');
    funnel.observe(status);
    later(30);
    block(status, null);
    funnel.observe(status);
    funnel.observe(status);

    expect(meter.named(ONBOARDING_METRICS.blocked).map(({ value, tags }) => ({ value, tags }))).toEqual([
      { value: 3600, tags: { provider: 'acme', blocked_on: 'customer', step: 'kyc' } },
      { value: 30, tags: { provider: 'acme', blocked_on: 'provider', step: 'agreements' } },
    ]);
  });

  it('counts a retry inside a wait as its own block without ending the wait', () => {
    block(status, 'customer');
    const waitSince = status.blockedSince;
    funnel.observe(status);
    later(60);
    block(status, 'retrying');
    funnel.observe(status);
    later(5);
    // The provider call hands the status back as it found it: the same party, the same since.
    status.blockedOn = 'customer';
    status.blockedSince = waitSince;
    funnel.observe(status);
    later(100);
    block(status, null);
    funnel.observe(status);

    expect(meter.named(ONBOARDING_METRICS.blocked).map(({ value, tags }) => [tags.blocked_on, value])).toEqual([
      ['retrying', 5],
      ['customer', 165],
    ]);
  });

  it('ends every open block when the onboarding settles', () => {
    block(status, 'provider');
    funnel.observe(status);
    later(2);
    block(status, 'retrying');
    funnel.observe(status);
    later(3);
    status.state = 'failed';
    block(status, null);
    funnel.observe(status);

    expect(meter.named(ONBOARDING_METRICS.blocked).map(({ value, tags }) => [tags.blocked_on, value])).toEqual([
      ['retrying', 3],
      ['provider', 5],
    ]);
    expect(meter.named(ONBOARDING_METRICS.finished).map(({ tags }) => tags.outcome)).toEqual(['failed']);
  });

  it('continues a carried-over status without counting its past again', () => {
    block(status, 'reviewer');
    const kyc = status.steps[0]!;
    kyc.status = 'running';
    kyc.startedAt = iso();
    later(86_400);
    const continued = new FunnelMetrics(status, meter);
    continued.observe(status);
    expect(meter.samples).toEqual([]);

    block(status, null);
    kyc.status = 'done';
    kyc.endedAt = iso();
    continued.observe(status);
    expect(meter.named(ONBOARDING_METRICS.blocked).map(({ value }) => value)).toEqual([86_400]);
    expect(meter.named(ONBOARDING_METRICS.stepDuration).map(({ value }) => value)).toEqual([86_400]);
    expect(meter.named(ONBOARDING_METRICS.started)).toEqual([]);
  });

  it('labels nothing with an id or the customer reference', () => {
    funnel.onboardingStarted();
    block(status, 'customer');
    funnel.observe(status);
    status.state = 'expired';
    block(status, null);
    funnel.observe(status);
    const labelValues = meter.samples.flatMap((sample) => Object.values(sample.tags).map(String));
    expect(labelValues.length).toBeGreaterThan(0);
    expect(labelValues.filter((value) => value.includes('ref-1') || value.includes('onboarding:'))).toEqual([]);
  });
});
