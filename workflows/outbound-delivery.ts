/**
 * One outbound event, delivered to the backend on a multi-day schedule. Each attempt is one activity try; between
 * attempts the workflow sleeps the schedule's next delay, or wakes at once on a `redeliver` signal. It ends
 * `delivered` on the first 2xx, or `failed` once the schedule is spent (listable; redelivering starts it again).
 */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  OUTBOUND_RETRY_SCHEDULE,
  outboundDeliveryStatusQuery,
  redeliverOutboundEventSignal,
} from '../contract/outbound.js';
import type {
  OutboundDeliveryActivities,
  OutboundDeliveryInput,
  OutboundDeliveryStatus,
} from '../contract/outbound.js';
import { durationMs } from './shared/durations.js';
import { describeFailure } from './shared/failures.js';

const { deliverOutboundEvent } = proxyActivities<OutboundDeliveryActivities>({
  startToCloseTimeout: '30s',
  // The schedule is the retry policy: one try per attempt.
  retry: { maximumAttempts: 1 },
});

export async function outboundEventDelivery(input: OutboundDeliveryInput): Promise<OutboundDeliveryStatus> {
  const schedule = input.schedule ?? OUTBOUND_RETRY_SCHEDULE;
  const status: OutboundDeliveryStatus = {
    event: input.event,
    eventId: input.event.id,
    type: input.event.type,
    onboardingId: input.event.onboardingId,
    sequence: input.event.sequence,
    state: 'pending',
    attempts: [],
    nextAttemptAt: null,
  };
  let redeliverNow = false;
  setHandler(outboundDeliveryStatusQuery, () => status);
  setHandler(redeliverOutboundEventSignal, () => {
    redeliverNow = true;
  });

  for (const [index, delay] of schedule.entries()) {
    // '0s' (go now) is the one duration durationMs refuses, since every other wait must be positive.
    const waitMs = /^0+(ms|s|m|h|d)$/.test(delay) ? 0 : durationMs(delay, `schedule[${index}]`);
    if (waitMs > 0) {
      status.nextAttemptAt = new Date(Date.now() + waitMs).toISOString();
      await condition(() => redeliverNow, waitMs);
    }
    redeliverNow = false;
    status.nextAttemptAt = null;
    const at = new Date().toISOString();
    try {
      const answer = await deliverOutboundEvent(input.event);
      status.attempts.push({ at, status: answer.status, error: null });
      status.state = 'delivered';
      return status;
    } catch (err) {
      status.attempts.push({ at, status: statusOf(err), error: describeFailure(err) });
    }
  }
  status.state = 'failed';
  return status;
}

/** The backend's status carried by the activity's failure details, when it answered at all. */
function statusOf(err: unknown): number | null {
  let cause: unknown = err;
  while (cause && typeof cause === 'object' && 'cause' in cause && (cause as { cause?: unknown }).cause) {
    const details = (cause as { details?: unknown[] }).details;
    if (Array.isArray(details)) break;
    cause = (cause as { cause?: unknown }).cause;
  }
  const details = (cause as { details?: unknown[] } | undefined)?.details;
  const status = Array.isArray(details) ? (details[0] as { status?: unknown } | undefined)?.status : undefined;
  return typeof status === 'number' && status > 0 ? status : null;
}
