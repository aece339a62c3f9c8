/**
 * Outbound events end to end: a Jiko onboarding's state changes reach a backend that was down when they were
 * emitted, signed in the Standard Webhooks format (verified here with the `standardwebhooks` library a backend
 * would use), listable per onboarding in the order emitted, and redeliverable on request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundDeliveryStatus, OutboundEventBody } from '../../contract/outbound.js';
import { drive } from '../../scripts/customers/drive.js';
import { jikoCustomer } from '../../scripts/customers/jiko.js';
import { onboardingPath, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

const SECRET = `whsec_${Buffer.from('an outbound secret of our backend').toString('base64')}`;
let stack: E2eStack;
let receiver: Server;
/** The backend answers 503 to its first requests: it is "down" while the onboarding runs. */
let refuseNext = 6;
const received: { id: string; event: OutboundEventBody }[] = [];
let rejectedSignatures = 0;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (refuseNext > 0) {
        refuseNext -= 1;
        response.writeHead(503).end();
        return;
      }
      try {
        const headers = {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        };
        const event = new Webhook(SECRET).verify(body, headers) as OutboundEventBody;
        received.push({ id: headers['webhook-id'], event });
        response.writeHead(204).end();
      } catch {
        rejectedSignatures += 1;
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/onboarding-events`;
  stack = await startE2eStack({
    config: { OUTBOUND_WEBHOOK_URL: url, OUTBOUND_WEBHOOK_SECRET: SECRET, OUTBOUND_RETRY_SCHEDULE: '0s,1s,2s,3s,5s' },
  });
});

afterAll(async () => {
  await stack?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('outbound events', () => {
  it('reach a backend that was down, in order, verifiable, and can be redelivered', async () => {
    const scenario = jikoCustomer.scenarios.approved;
    const started = await stack.call('POST', '/v1/onboardings', scenario.startBody('events-e2e-1'));
    expect(started.status).toBe(201);
    const id = started.body.onboardingId;
    const run = await drive({ call: stack.call, onboardingId: id, scenario });
    expect(run.status.state).toBe('completed');

    // Every event ends delivered, despite the refused first attempts.
    let events: OutboundDeliveryStatus[] = [];
    for (let tries = 0; tries < 120; tries++) {
      events = (await stack.call<{ events: OutboundDeliveryStatus[] }>('GET', `${onboardingPath(id)}/events`)).body
        .events;
      if (
        events.length > 0 &&
        events.some((e) => e.type === 'onboarding.completed') &&
        events.every((e) => e.state === 'delivered')
      ) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => index + 1));
    // The agreements accepted, the wait for Jiko's decision is in_progress: no other event says so.
    expect(events.map((event) => event.type)).toEqual([
      'onboarding.action_required',
      'onboarding.state_changed',
      'onboarding.completed',
    ]);
    const stateChanged = received.find((delivery) => delivery.event.type === 'onboarding.state_changed')?.event;
    expect(stateChanged).toMatchObject({
      onboardingId: id,
      sequence: 2,
      data: { from: 'action_required', to: 'in_progress', step: 'decision' },
    });
    expect(events.every((event) => event.state === 'delivered')).toBe(true);
    expect(events.some((event) => event.attempts.length > 1 && event.attempts[0]?.status === 503)).toBe(true);
    expect(rejectedSignatures).toBe(0);
    const completed = events.find((event) => event.type === 'onboarding.completed')!;
    expect(received.filter((delivery) => delivery.id === completed.eventId)).toHaveLength(1);
    expect(received.find((delivery) => delivery.id === completed.eventId)?.event).toMatchObject({
      onboardingId: id,
      type: 'onboarding.completed',
    });

    const redelivered = await stack.call<OutboundDeliveryStatus>(
      'POST',
      `/v1/events/${encodeURIComponent(completed.eventId)}/redeliver`,
    );
    expect(redelivered.status).toBe(202);
    for (let tries = 0; tries < 80 && received.filter((d) => d.id === completed.eventId).length < 2; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // The same webhook-id: the backend's dedupe recognises the redelivery.
    expect(received.filter((delivery) => delivery.id === completed.eventId)).toHaveLength(2);

    const unknown = await stack.call('POST', `/v1/events/${encodeURIComponent(`${id}:999999`)}/redeliver`);
    expect(unknown.status).toBe(404);
  });
});
