/**
 * Outbound events: signed in the Standard Webhooks format (checked here with the `standardwebhooks` library a
 * backend would use), one POST per scheduled attempt, and handed over to a delivery workflow by the onboarding.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { setLogSink } from '../../common/log.js';
import { createCommonActivities, createOutboundDeliveryActivities } from '../../activities/outbound.js';
import type { OutboundEventBody } from '../../contract/outbound.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let server: Server;
let url: string;
let received: { headers: IncomingHttpHeaders; body: string }[] = [];
let answer = 200;

beforeAll(async () => {
  setLogSink(() => {});
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/onboarding`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const event: OutboundEventBody = {
  id: 'onboarding:jiko:c1:000003',
  type: 'onboarding.reminder',
  onboardingId: 'onboarding:jiko:c1',
  sequence: 3,
  createdAt: '2026-12-01T10:00:00.000Z',
  data: { wait: 'agreements', reminder: 1 },
};

describe('deliverOutboundEvent', () => {
  it('posts the event in the Standard Webhooks format, verifiable with a Standard Webhooks library', async () => {
    received = [];
    answer = 204;
    const activities = createOutboundDeliveryActivities({ OUTBOUND_WEBHOOK_URL: url, OUTBOUND_WEBHOOK_SECRET: secret });
    await activities.deliverOutboundEvent(event);
    const [delivery] = received;
    expect(delivery?.headers['webhook-id']).toBe(event.id);
    expect(delivery?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = {
      'webhook-id': String(delivery?.headers['webhook-id']),
      'webhook-timestamp': String(delivery?.headers['webhook-timestamp']),
      'webhook-signature': String(delivery?.headers['webhook-signature']),
    };
    expect(new Webhook(secret).verify(delivery?.body ?? '', headers)).toEqual(event);
    expect(() => new Webhook(secret).verify(`${delivery?.body} `, headers)).toThrow();
    expect(() =>
      new Webhook('whsec_' + Buffer.from('another key, 24 bytes!!!').toString('base64')).verify(
        delivery?.body ?? '',
        headers,
      ),
    ).toThrow();
  });

  it('fails the attempt when the backend does not answer 2xx', async () => {
    answer = 502;
    const activities = createOutboundDeliveryActivities({ OUTBOUND_WEBHOOK_URL: url, OUTBOUND_WEBHOOK_SECRET: secret });
    const err = await activities.deliverOutboundEvent(event).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).details?.[0]).toMatchObject({ status: 502 });
  });
});

describe('emitOutboundEvent', () => {
  const emitted = { onboardingId: 'onboarding:jiko:c1', type: 'onboarding.reminder', data: { n: 1 }, sequence: 3 };

  it('only logs when no URL is configured', async () => {
    received = [];
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      await createCommonActivities({ OUTBOUND_WEBHOOK_SECRET: secret, TASK_QUEUE_PREFIX: 't' }).emitOutboundEvent(
        emitted,
      );
    } finally {
      setLogSink(previous);
    }
    expect(received).toHaveLength(0);
    expect(lines.join()).toContain('onboarding:jiko:c1:000003');
  });

  it('records the event as its delivery workflow, once however often it is handed over', async () => {
    const starts: { workflowId: string; taskQueue: string; event: OutboundEventBody }[] = [];
    const client = {
      workflow: {
        start: async (
          _type: string,
          options: { workflowId: string; taskQueue: string; args: [{ event: OutboundEventBody }] },
        ) => {
          if (starts.some((start) => start.workflowId === options.workflowId)) {
            throw new WorkflowExecutionAlreadyStartedError('started', options.workflowId, _type);
          }
          starts.push({ workflowId: options.workflowId, taskQueue: options.taskQueue, event: options.args[0].event });
        },
      },
    } as unknown as Client;
    const activities = createCommonActivities(
      { OUTBOUND_WEBHOOK_URL: url, OUTBOUND_WEBHOOK_SECRET: secret, TASK_QUEUE_PREFIX: 'onboarding' },
      { client },
    );
    await activities.emitOutboundEvent(emitted);
    await activities.emitOutboundEvent(emitted);
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({
      workflowId: 'event:onboarding:jiko:c1:000003',
      taskQueue: 'onboarding-events',
      event: { id: 'onboarding:jiko:c1:000003', sequence: 3, type: 'onboarding.reminder' },
    });
  });
});
