/**
 * An outbound event outlives the receiver's downtime: the delivery workflow tries on Svix's schedule (immediately,
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), so a backend down for hours still gets it; spent, it ends `failed`,
 * and a `redeliver` signal tries at once instead of waiting for the next attempt.
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OUTBOUND_DELIVERY_WORKFLOW_TYPE,
  outboundDeliveryStatusQuery,
  redeliverOutboundEventSignal,
} from '../../contract/outbound.js';
import type { OutboundDeliveryInput, OutboundDeliveryStatus, OutboundEventBody } from '../../contract/outbound.js';
import { startWorkflowHarness } from '../helpers/workflow-harness.js';
import type { WorkflowHarness } from '../helpers/workflow-harness.js';

const TASK_QUEUE = 'outbound-delivery-test';
let harness: WorkflowHarness;
/** The receiver answers 2xx from this time on (epoch ms of the workflow clock), 503 before. */
const upFrom = new Map<string, number>();
const attemptsAt = new Map<string, number[]>();

beforeAll(async () => {
  harness = await startWorkflowHarness({
    taskQueue: TASK_QUEUE,
    activities: {
      async deliverOutboundEvent(event: OutboundEventBody): Promise<{ status: number }> {
        const now = await harness.env.currentTimeMs();
        attemptsAt.set(event.id, [...(attemptsAt.get(event.id) ?? []), now]);
        if (now < (upFrom.get(event.id) ?? Infinity)) {
          throw ApplicationFailure.create({ message: 'answered 503', details: [{ status: 503 }] });
        }
        return { status: 200 };
      },
    },
  });
});
afterAll(async () => harness?.teardown());

function event(id: string): OutboundEventBody {
  return { id, type: 'onboarding.completed', onboardingId: 'onboarding:jiko:c1', sequence: 1, createdAt: '', data: {} };
}

async function deliver(input: OutboundDeliveryInput) {
  return harness.env.client.workflow.start<(input: OutboundDeliveryInput) => Promise<OutboundDeliveryStatus>>(
    OUTBOUND_DELIVERY_WORKFLOW_TYPE,
    { taskQueue: TASK_QUEUE, workflowId: `event:${input.event.id}`, args: [input] },
  );
}

describe('outbound event delivery', () => {
  it('reaches a receiver that was down for an hour, far past the old 5-minute window', async () => {
    const started = await harness.env.currentTimeMs();
    upFrom.set('down-an-hour', started + 60 * 60_000);
    const result = await (await deliver({ event: event('down-an-hour') })).result();
    expect(result.state).toBe('delivered');
    // Attempts at 0 s, 5 s, ~5 min, ~35 min (all refused), then ~2 h 35 min: delivered.
    expect(result.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 503, 503, 200]);
    const offsets = (attemptsAt.get('down-an-hour') ?? []).map((at) => Math.round((at - started) / 60_000));
    expect(offsets).toEqual([0, 0, 5, 35, 155]);
  });

  it('ends failed once the schedule is spent, with every attempt recorded', async () => {
    const result = await (await deliver({ event: event('never-up'), schedule: ['0s', '1m', '1h'] })).result();
    expect(result.state).toBe('failed');
    expect(result.attempts).toHaveLength(3);
    expect(result.attempts.every((attempt) => attempt.status === 503)).toBe(true);
  });

  it('tries at once on redeliver instead of waiting for the next attempt', async () => {
    const handle = await deliver({ event: event('redelivered'), schedule: ['0s', '10h'] });
    for (let tries = 0; tries < 200; tries++) {
      const status = await handle.query(outboundDeliveryStatusQuery);
      if (status.attempts.length === 1 && status.nextAttemptAt) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    upFrom.set('redelivered', 0);
    await handle.signal(redeliverOutboundEventSignal);
    const result = await handle.result();
    expect(result.state).toBe('delivered');
    const [first, second] = attemptsAt.get('redelivered') ?? [];
    expect((second ?? 0) - (first ?? 0)).toBeLessThan(10 * 60 * 60_000);
  });
});
