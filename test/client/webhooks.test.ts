import { createHmac } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { OnboardingUnavailableError, WebhookAuthenticationError, WebhookPayloadError } from '../../client/errors.js';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { createJikoWebhookIntake, signJikoWebhook } from '../../client/webhooks/jiko.js';
import type { InboxRecord } from '../../client/webhooks/inbox.js';
import { setLogLevel } from '../../common/log.js';
import type { ProviderEvent } from '../../contract/onboarding.js';
import { testConfig } from './fixtures.js';

const SECRET = 'jiko-test-webhook-secret-123';
const intake = createJikoWebhookIntake({ JIKO_WEBHOOK_SECRET: SECRET });

function jikoEvent(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      event_id: '6f1c1b1e-1111-4a4a-9b9b-000000000001',
      timestamp: '2026-01-01T12:00:00+00:00',
      event_type: 'application.approved',
      payload: { application_id: 'a1b2c3d4-0000-4000-8000-000000000001' },
      ...overrides,
    }),
  );
}

const signed = (body: Buffer, secret = SECRET) => ({
  'x-jiko-signature': createHmac('sha256', secret).update(body).digest('base64'),
});

describe('Jiko webhook verification', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('accepts the documented signature over the raw body', () => {
    const body = jikoEvent();
    expect(() => intake.verify(body, signed(body))).not.toThrow();
    expect(signJikoWebhook(SECRET, body)).toBe(signed(body)['x-jiko-signature']);
  });

  it('refuses a signature made with another secret (forged)', () => {
    const body = jikoEvent();
    expect(() => intake.verify(body, signed(body, 'some-other-secret-value'))).toThrow(WebhookAuthenticationError);
  });

  it('refuses a body changed after signing (tampered), even by whitespace', () => {
    const body = jikoEvent();
    const headers = signed(body);
    const tampered = Buffer.from(body.toString().replace('approved', 'rejected'));
    expect(() => intake.verify(tampered, headers)).toThrow(WebhookAuthenticationError);
    expect(() => intake.verify(Buffer.concat([body, Buffer.from(' ')]), headers)).toThrow(WebhookAuthenticationError);
  });

  it('refuses a missing, truncated or non-base64 signature', () => {
    const body = jikoEvent();
    const good = signed(body)['x-jiko-signature'];
    expect(() => intake.verify(body, {})).toThrow(/missing x-jiko-signature/);
    expect(() => intake.verify(body, { 'x-jiko-signature': good.slice(0, 20) })).toThrow(WebhookAuthenticationError);
    expect(() => intake.verify(body, { 'x-jiko-signature': '!!!' })).toThrow(WebhookAuthenticationError);
    expect(() => intake.verify(body, { 'x-jiko-signature': `${good}AAAA` })).toThrow(WebhookAuthenticationError);
  });

  it('compares with crypto.timingSafeEqual on equal-length buffers, whatever the presented length', async () => {
    const calls: [number, number][] = [];
    vi.resetModules();
    vi.doMock('node:crypto', async (importOriginal) => {
      const crypto = await importOriginal<typeof NodeCrypto>();
      return {
        ...crypto,
        timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
          calls.push([a.byteLength, b.byteLength]);
          return crypto.timingSafeEqual(a, b);
        },
      };
    });
    const { createJikoWebhookIntake: createIntake } = await import('../../client/webhooks/jiko.js');
    const spied = createIntake({ JIKO_WEBHOOK_SECRET: SECRET });
    const body = jikoEvent();
    spied.verify(body, signed(body));
    expect(() => spied.verify(body, { 'x-jiko-signature': 'c2hvcnQ=' })).toThrow(/does not match/);
    vi.doUnmock('node:crypto');
    expect(calls).toEqual([
      [44, 44],
      [44, 44],
    ]);
  });
});

describe('Jiko webhook normalization', () => {
  it('turns an application event into a routable ProviderEvent', () => {
    const { event, routable } = intake.normalize(jikoEvent(), {});
    expect(routable).toBe(true);
    expect(event).toEqual({
      provider: 'jiko',
      eventId: '6f1c1b1e-1111-4a4a-9b9b-000000000001',
      type: 'application.approved',
      refs: ['jiko:application:a1b2c3d4-0000-4000-8000-000000000001'],
      occurredAt: '2026-01-01T12:00:00.000Z',
      data: { application_id: 'a1b2c3d4-0000-4000-8000-000000000001' },
    });
  });

  it('keeps unknown and non-onboarding event types, not routable', () => {
    const card = intake.normalize(
      jikoEvent({ event_type: 'card.status.frozen', payload: { card_id: 'c1', status: 'FROZEN' } }),
      {},
    );
    expect(card.routable).toBe(false);
    expect(card.event.refs).toEqual([]);
    const future = intake.normalize(jikoEvent({ event_type: 'application.something_new' }), {});
    expect(future.routable).toBe(false);
    expect(future.event.type).toBe('application.something_new');
  });

  it('refuses a verified body that is not a Jiko envelope, naming the field', () => {
    expect(() => intake.normalize(Buffer.from('not json'), {})).toThrow(WebhookPayloadError);
    try {
      intake.normalize(jikoEvent({ event_id: 'has spaces and / slashes' }), {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WebhookPayloadError);
      expect((err as WebhookPayloadError).details).toMatchObject({ issues: [{ path: 'event_id' }] });
    }
  });
});

interface FakeTemporalOptions {
  /** Onboardings the visibility query finds, running or finished. */
  running?: string[];
  closed?: string[];
  listError?: Error;
  signalError?: Error;
  /** The signal never answers: only the direct path's deadline ends it. */
  signalHangs?: boolean;
  startError?: Error;
}

/**
 * Just enough of a Temporal client for the intake: visibility listing, signals, workflow starts deduplicated by id,
 * and a withDeadline that, like gRPC, fails the calls still pending at the deadline.
 */
function fakeTemporal(options: FakeTemporalOptions = {}) {
  const started = new Set<string>();
  const starts: { workflowType: string; options: Record<string, unknown> }[] = [];
  const queries: string[] = [];
  const signals: { workflowId: string; signal: string; event: ProviderEvent }[] = [];
  const client = {
    options: { namespace: 'default' },
    withDeadline: async <R>(deadline: number, fn: () => Promise<R>): Promise<R> => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('4 DEADLINE_EXCEEDED: deadline exceeded')), deadline - Date.now());
      });
      try {
        return await Promise.race([fn(), expired]);
      } finally {
        clearTimeout(timer);
      }
    },
    workflow: {
      start: async (workflowType: string, startOptions: Record<string, unknown>) => {
        if (options.startError) throw options.startError;
        const workflowId = String(startOptions.workflowId);
        if (started.has(workflowId)) {
          throw new WorkflowExecutionAlreadyStartedError('already started', workflowId, workflowType);
        }
        started.add(workflowId);
        starts.push({ workflowType, options: startOptions });
        return { workflowId };
      },
      list: ({ query }: { query: string }) => {
        queries.push(query);
        return (async function* () {
          if (options.listError) throw options.listError;
          for (const workflowId of options.running ?? []) yield { workflowId, status: { name: 'RUNNING' } };
          for (const workflowId of options.closed ?? []) yield { workflowId, status: { name: 'COMPLETED' } };
        })();
      },
      getHandle: (workflowId: string) => ({
        signal: async (signal: { name: string }, event: ProviderEvent) => {
          if (options.signalHangs) return new Promise<never>(() => undefined);
          if (options.signalError) throw options.signalError;
          signals.push({ workflowId, signal: signal.name, event });
        },
      }),
    },
  } as unknown as Client;
  return { client, starts, queries, signals };
}

const EVENT_ID = '6f1c1b1e-1111-4a4a-9b9b-000000000001';
const ONBOARDING = 'onboarding:jiko:cust_8f2c';

function intakeWith(temporal: ReturnType<typeof fakeTemporal>, webhookDirectTimeoutMs?: number) {
  const inbox: InboxRecord[] = [];
  const onboarding = new OnboardingClient({
    client: temporal.client,
    config: testConfig({ JIKO_WEBHOOK_SECRET: SECRET, TASK_QUEUE_PREFIX: 'onb' }),
    inbox: { append: async (record) => void inbox.push(record) },
    ...(webhookDirectTimeoutMs ? { webhookDirectTimeoutMs } : {}),
  });
  return { onboarding, inbox };
}

describe('deliverWebhook: direct path', () => {
  beforeAll(() => setLogLevel('error'));

  it('signals the running onboarding that carries the refs, and starts no delivery workflow', async () => {
    const temporal = fakeTemporal({ running: [ONBOARDING] });
    const { onboarding, inbox } = intakeWith(temporal);
    const body = jikoEvent();

    const ack = await onboarding.deliverWebhook('jiko', body, signed(body));

    expect(ack).toEqual({ received: true, eventId: EVENT_ID, firstDelivery: true });
    expect(temporal.queries).toEqual([
      "OnboardingProvider = 'jiko' AND OnboardingRefs IN ('jiko:application:a1b2c3d4-0000-4000-8000-000000000001')",
    ]);
    expect(temporal.signals).toMatchObject([
      { workflowId: ONBOARDING, signal: 'providerEvent', event: { eventId: EVENT_ID, type: 'application.approved' } },
    ]);
    expect(temporal.starts).toHaveLength(0);
    expect(inbox).toMatchObject([
      {
        eventId: EVENT_ID,
        outcome: 'routed-direct',
        firstDelivery: null,
        signalled: [ONBOARDING],
        deliveryWorkflowId: `webhook:jiko:${EVENT_ID}`,
      },
    ]);
  });

  it('passes a redelivery on to the onboarding too (it drops repeats by eventId)', async () => {
    const temporal = fakeTemporal({ running: [ONBOARDING], closed: ['onboarding:jiko:old'] });
    const { onboarding, inbox } = intakeWith(temporal);
    const body = jikoEvent();

    await onboarding.deliverWebhook('jiko', body, signed(body));
    await onboarding.deliverWebhook('jiko', body, signed(body));

    expect(temporal.signals.map((signal) => [signal.workflowId, signal.event.eventId])).toEqual([
      [ONBOARDING, EVENT_ID],
      [ONBOARDING, EVENT_ID],
    ]);
    expect(temporal.starts).toHaveLength(0);
    expect(inbox.map((record) => record.outcome)).toEqual(['routed-direct', 'routed-direct']);
  });
});

describe('deliverWebhook: the delivery workflow as fallback', () => {
  beforeAll(() => setLogLevel('error'));

  const expectDeliveryWorkflowStarted = (
    starts: ReturnType<typeof fakeTemporal>['starts'],
    args: { routable: boolean; type: string },
  ) => {
    expect(starts).toHaveLength(1);
    expect(starts[0]?.workflowType).toBe('webhookDelivery');
    expect(starts[0]?.options).toMatchObject({
      workflowId: `webhook:jiko:${EVENT_ID}`,
      taskQueue: 'onb-webhooks',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ routable: args.routable, event: { eventId: EVENT_ID, type: args.type } }],
    });
  };

  it('starts it once per event id when no onboarding carries the refs yet, and acknowledges redeliveries', async () => {
    const temporal = fakeTemporal();
    const { onboarding, inbox } = intakeWith(temporal);
    const body = jikoEvent();

    const first = await onboarding.deliverWebhook('jiko', body, signed(body));
    const again = await onboarding.deliverWebhook('jiko', body, signed(body));

    expect(first).toEqual({ received: true, eventId: EVENT_ID, firstDelivery: true });
    expect(again.firstDelivery).toBe(false);
    expect(temporal.signals).toHaveLength(0);
    expectDeliveryWorkflowStarted(temporal.starts, { routable: true, type: 'application.approved' });
    expect(inbox.map((record) => [record.outcome, record.firstDelivery])).toEqual([
      ['delivery-workflow', true],
      ['delivery-workflow', false],
    ]);
    expect(Object.keys(inbox[0] ?? {}).sort()).toEqual(
      [
        'deliveryWorkflowId',
        'eventId',
        'firstDelivery',
        'outcome',
        'provider',
        'receivedAt',
        'refs',
        'routable',
        'signalled',
        'type',
      ].sort(),
    );
  });

  it('starts it when the only onboardings carrying the refs have finished', async () => {
    const temporal = fakeTemporal({ closed: [ONBOARDING] });
    const { onboarding } = intakeWith(temporal);
    const body = jikoEvent();
    await onboarding.deliverWebhook('jiko', body, signed(body));
    expect(temporal.signals).toHaveLength(0);
    expectDeliveryWorkflowStarted(temporal.starts, { routable: true, type: 'application.approved' });
  });

  it('records an unknown event type through it (ignored there), without asking visibility', async () => {
    const temporal = fakeTemporal({ running: [ONBOARDING] });
    const { onboarding, inbox } = intakeWith(temporal);
    const body = jikoEvent({ event_type: 'application.something_new' });
    const ack = await onboarding.deliverWebhook('jiko', body, signed(body));
    expect(ack.firstDelivery).toBe(true);
    expect(temporal.queries).toHaveLength(0);
    expect(temporal.signals).toHaveLength(0);
    expectDeliveryWorkflowStarted(temporal.starts, { routable: false, type: 'application.something_new' });
    expect(inbox).toMatchObject([{ outcome: 'delivery-workflow', routable: false }]);
  });

  it('starts it when the signal fails', async () => {
    const temporal = fakeTemporal({ running: [ONBOARDING], signalError: new Error('14 UNAVAILABLE: no frontend') });
    const { onboarding, inbox } = intakeWith(temporal);
    const body = jikoEvent();
    const ack = await onboarding.deliverWebhook('jiko', body, signed(body));
    expect(ack).toEqual({ received: true, eventId: EVENT_ID, firstDelivery: true });
    expectDeliveryWorkflowStarted(temporal.starts, { routable: true, type: 'application.approved' });
    expect(inbox).toMatchObject([{ outcome: 'delivery-workflow', signalled: [] }]);
  });

  it('starts it when visibility fails', async () => {
    const temporal = fakeTemporal({ running: [ONBOARDING], listError: new Error('visibility unavailable') });
    const { onboarding } = intakeWith(temporal);
    const body = jikoEvent();
    await onboarding.deliverWebhook('jiko', body, signed(body));
    expectDeliveryWorkflowStarted(temporal.starts, { routable: true, type: 'application.approved' });
  });

  it('starts it when the direct path outlasts its deadline', async () => {
    const temporal = fakeTemporal({ running: [ONBOARDING], signalHangs: true });
    const { onboarding } = intakeWith(temporal, 50);
    const body = jikoEvent();
    await onboarding.deliverWebhook('jiko', body, signed(body));
    expectDeliveryWorkflowStarted(temporal.starts, { routable: true, type: 'application.approved' });
  });

  it('answers 503 and records nothing when neither the signal nor the delivery workflow gets through', async () => {
    const temporal = fakeTemporal({
      running: [ONBOARDING],
      signalError: new Error('14 UNAVAILABLE: no frontend'),
      startError: new Error('14 UNAVAILABLE: no frontend'),
    });
    const { onboarding, inbox } = intakeWith(temporal);
    const body = jikoEvent();
    await expect(onboarding.deliverWebhook('jiko', body, signed(body))).rejects.toBeInstanceOf(
      OnboardingUnavailableError,
    );
    expect(inbox).toHaveLength(0);

    const app = await buildGateway({ onboarding, config: onboarding.config });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/webhooks/jiko',
        headers: { 'content-type': 'application/json', ...signed(body) },
        payload: body,
      });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('temporarily_unavailable');
    } finally {
      await app.close();
    }
  });

  it('changes nothing for a forged delivery', async () => {
    const temporal = fakeTemporal({ running: [ONBOARDING] });
    const { onboarding, inbox } = intakeWith(temporal);
    const body = jikoEvent();
    await expect(onboarding.deliverWebhook('jiko', body, signed(body, 'forged-secret-forged'))).rejects.toMatchObject({
      httpStatus: 401,
    });
    expect(temporal.queries).toHaveLength(0);
    expect(temporal.signals).toHaveLength(0);
    expect(temporal.starts).toHaveLength(0);
    expect(inbox).toHaveLength(0);
  });
});
