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
import { defaultAcknowledgement, WebhookIntake } from '../../client/webhooks/intake.js';
import { singleHeader } from '../../client/webhooks/types.js';
import type {
  ProviderWebhookIntake,
  WebhookAcknowledgement,
  WebhookDeliveryOutcome,
  WebhookHeaders,
} from '../../client/webhooks/types.js';
import { issuedToken } from '../../client/webhooks/verifiers.js';
import { webhookAckSchema } from '../../client/schemas.js';
import type { WebhookAck } from '../../client/schemas.js';
import { setLogLevel } from '../../common/log.js';
import type { Provider, ProviderEvent } from '../../contract/onboarding.js';
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

/** The one element of a list that must hold exactly one. */
function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  return list[0] as T;
}

/** The default acknowledgement: 200 and a body that is a WebhookAck. */
function ackBody(ack: WebhookAcknowledgement): WebhookAck {
  expect(ack.status).toBe(200);
  return webhookAckSchema.parse(ack.body);
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
    const { event, routable } = only(intake.normalize(jikoEvent(), {}));
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
    const card = only(
      intake.normalize(
        jikoEvent({ event_type: 'card.status.frozen', payload: { card_id: 'c1', status: 'FROZEN' } }),
        {},
      ),
    );
    expect(card.routable).toBe(false);
    expect(card.event.refs).toEqual([]);
    const future = only(intake.normalize(jikoEvent({ event_type: 'application.something_new' }), {}));
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

    expect(ackBody(ack)).toEqual({
      received: true,
      eventId: EVENT_ID,
      firstDelivery: true,
      events: [{ eventId: EVENT_ID, firstDelivery: true }],
    });
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

    expect(ackBody(first)).toEqual({
      received: true,
      eventId: EVENT_ID,
      firstDelivery: true,
      events: [{ eventId: EVENT_ID, firstDelivery: true }],
    });
    expect(ackBody(again)).toMatchObject({
      firstDelivery: false,
      events: [{ eventId: EVENT_ID, firstDelivery: false }],
    });
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
    expect(ackBody(ack).firstDelivery).toBe(true);
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
    expect(ackBody(ack)).toMatchObject({ received: true, eventId: EVENT_ID, firstDelivery: true });
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

// --- the shared intake with a provider that batches and answers its own way ----------------------------------------

/**
 * A made-up provider in the shape Green Dot has (several events per delivery, a token we issued, a body and an
 * echoed request id in the answer), so the shared intake is tested without any real provider's knowledge.
 */
const BATCH_PROVIDER = 'batchco';
const BATCH_TOKEN = 'batchco-issued-token-0123456789';
const REQUEST_ID_HEADER = 'x-batch-requestid';

interface BatchEvent {
  id: string;
  type: string;
  account?: string;
}

function batchBody(events: BatchEvent[]): Buffer {
  return Buffer.from(JSON.stringify({ events }));
}

function batchIntake(options: { acknowledge?: boolean } = {}) {
  const acknowledged: { outcome: WebhookDeliveryOutcome; requestHeaders: WebhookHeaders }[] = [];
  const intake: ProviderWebhookIntake = {
    verify: issuedToken({ tokens: BATCH_TOKEN }),
    normalize(rawBody) {
      const { events } = JSON.parse(rawBody.toString('utf8')) as { events: BatchEvent[] };
      return events.map((item) => ({
        event: {
          // ProviderEvent.provider names the providers the engine ships; this one exists only in this test.
          provider: BATCH_PROVIDER as Provider,
          eventId: item.id,
          type: item.type,
          refs: item.account ? [`${BATCH_PROVIDER}:account:${item.account}`] : [],
          occurredAt: '2026-01-01T12:00:00.000Z',
          data: {},
        },
        routable: item.type === 'accountUpdated',
      }));
    },
  };
  if (options.acknowledge) {
    intake.acknowledge = (outcome, requestHeaders) => {
      acknowledged.push({ outcome, requestHeaders });
      const requestId = singleHeader(requestHeaders, REQUEST_ID_HEADER);
      return {
        status: 200,
        headers: requestId ? { [REQUEST_ID_HEADER]: requestId } : ({} as Record<string, string>),
        body: { responseDetails: [{ code: 0, subCode: 0, description: `Success (${outcome.events.length})` }] },
      };
    };
  }
  return { intake, acknowledged };
}

function batchWebhookIntake(temporal: ReturnType<typeof fakeTemporal>, provider: ProviderWebhookIntake) {
  const inbox: InboxRecord[] = [];
  const built: string[] = [];
  const webhooks = new WebhookIntake({
    client: temporal.client,
    config: testConfig({ TASK_QUEUE_PREFIX: 'onb' }),
    inbox: { append: async (record) => void inbox.push(record) },
    intakeFor: (name) => {
      built.push(name);
      return name === BATCH_PROVIDER ? provider : undefined;
    },
    knownProviders: () => [BATCH_PROVIDER],
  });
  return { webhooks, inbox, built };
}

const bearer = { authorization: `Bearer ${BATCH_TOKEN}` };
const BATCH_ONBOARDING = 'onboarding:batchco:cust_1';

describe('WebhookIntake: several events per delivery', () => {
  beforeAll(() => setLogLevel('error'));

  it('makes every event durable, each by its own path, before acknowledging them all', async () => {
    const temporal = fakeTemporal({ running: [BATCH_ONBOARDING] });
    const { intake: provider } = batchIntake();
    let inboxAtAcknowledgement = -1;
    const { webhooks, inbox } = batchWebhookIntake(temporal, {
      ...provider,
      acknowledge: (outcome) => {
        inboxAtAcknowledgement = inbox.length;
        return defaultAcknowledgement(outcome);
      },
    });
    const body = batchBody([
      { id: 'evt_1', type: 'accountUpdated', account: 'acc_1' },
      { id: 'evt_2', type: 'statementReady', account: 'acc_1' },
    ]);

    const ack = await webhooks.deliver(BATCH_PROVIDER, body, bearer);

    expect(ackBody(ack)).toEqual({
      received: true,
      events: [
        { eventId: 'evt_1', firstDelivery: true },
        { eventId: 'evt_2', firstDelivery: true },
      ],
    });
    expect(inboxAtAcknowledgement).toBe(2);
    // evt_1 reached the running onboarding directly; evt_2 (not acted on) went to its delivery workflow.
    expect(temporal.signals).toMatchObject([{ workflowId: BATCH_ONBOARDING, event: { eventId: 'evt_1' } }]);
    expect(temporal.starts).toMatchObject([
      { options: { workflowId: 'webhook:batchco:evt_2', args: [{ routable: false, event: { eventId: 'evt_2' } }] } },
    ]);
    // Recorded concurrently: the inbox holds them in the order they became durable.
    expect(inbox.map((record) => [record.eventId, record.outcome]).sort()).toEqual([
      ['evt_1', 'routed-direct'],
      ['evt_2', 'delivery-workflow'],
    ]);
  });

  it('answers 503 when one event cannot be recorded, and a redelivery then records the rest', async () => {
    const options: FakeTemporalOptions = {
      running: [BATCH_ONBOARDING],
      startError: new Error('14 UNAVAILABLE: no frontend'),
    };
    const temporal = fakeTemporal(options);
    const { intake: provider, acknowledged } = batchIntake({ acknowledge: true });
    const { webhooks, inbox } = batchWebhookIntake(temporal, provider);
    const body = batchBody([
      { id: 'evt_1', type: 'accountUpdated', account: 'acc_1' },
      { id: 'evt_2', type: 'accountUpdated', account: 'acc_unknown' },
    ]);
    // Visibility finds the onboarding for acc_1 only.
    temporal.client.workflow.list = (({ query }: { query: string }) => {
      temporal.queries.push(query);
      const running = query.includes('acc_1') ? [BATCH_ONBOARDING] : [];
      return (async function* () {
        for (const workflowId of running) yield { workflowId, status: { name: 'RUNNING' } };
      })();
    }) as unknown as Client['workflow']['list'];

    await expect(webhooks.deliver(BATCH_PROVIDER, body, bearer)).rejects.toMatchObject({
      httpStatus: 503,
      message: expect.stringMatching(/1 of the delivery's 2 events could not be recorded/),
    });
    expect(acknowledged).toHaveLength(0);
    expect(inbox.map((record) => record.eventId)).toEqual(['evt_1']);

    delete options.startError;
    const ack = await webhooks.deliver(BATCH_PROVIDER, body, bearer);
    expect(ack.status).toBe(200);
    expect(acknowledged[0]?.outcome.events).toEqual([
      { eventId: 'evt_1', type: 'accountUpdated', firstDelivery: true },
      { eventId: 'evt_2', type: 'accountUpdated', firstDelivery: true },
    ]);
    // evt_1 was signalled twice (the onboarding drops the repeat); evt_2 got its delivery workflow.
    expect(temporal.signals.map((signal) => signal.event.eventId)).toEqual(['evt_1', 'evt_1']);
    expect(temporal.starts.map((start) => start.options.workflowId)).toEqual(['webhook:batchco:evt_2']);
  });

  it('acknowledges a delivery that carries no event, recording nothing', async () => {
    const temporal = fakeTemporal({ running: [BATCH_ONBOARDING] });
    const { webhooks, inbox } = batchWebhookIntake(temporal, batchIntake().intake);

    const ack = await webhooks.deliver(BATCH_PROVIDER, batchBody([]), bearer);

    expect(ackBody(ack)).toEqual({ received: true, events: [] });
    expect(temporal.queries).toHaveLength(0);
    expect(temporal.starts).toHaveLength(0);
    expect(inbox).toHaveLength(0);
  });

  it('builds each provider intake once, and answers 404 naming the known ones otherwise', async () => {
    const temporal = fakeTemporal();
    const { webhooks, built } = batchWebhookIntake(temporal, batchIntake().intake);
    await webhooks.deliver(BATCH_PROVIDER, batchBody([]), bearer);
    await webhooks.deliver(BATCH_PROVIDER, batchBody([]), bearer);
    await expect(webhooks.deliver('acme', batchBody([]), bearer)).rejects.toMatchObject({
      httpStatus: 404,
      code: 'unsupported_provider',
      details: { providers: [BATCH_PROVIDER] },
    });
    expect(built).toEqual([BATCH_PROVIDER, 'acme']);
  });

  it('refuses a delivery without our token before normalizing it', async () => {
    const temporal = fakeTemporal({ running: [BATCH_ONBOARDING] });
    const { intake: provider } = batchIntake();
    const normalize = vi.fn(provider.normalize);
    const { webhooks, inbox } = batchWebhookIntake(temporal, { ...provider, normalize });
    await expect(
      webhooks.deliver(BATCH_PROVIDER, batchBody([{ id: 'evt_1', type: 'accountUpdated' }]), {
        authorization: 'Bearer not-our-token',
      }),
    ).rejects.toBeInstanceOf(WebhookAuthenticationError);
    expect(normalize).not.toHaveBeenCalled();
    expect(inbox).toHaveLength(0);
  });
});

describe('WebhookIntake: the provider’s own acknowledgement through the gateway', () => {
  beforeAll(() => setLogLevel('error'));

  async function gatewayWith(temporal: ReturnType<typeof fakeTemporal>, provider: ProviderWebhookIntake) {
    const { webhooks, inbox } = batchWebhookIntake(temporal, provider);
    const onboarding = new OnboardingClient({ client: temporal.client, config: testConfig() });
    // The registry knows only the real providers: route this client's webhooks to the made-up one.
    vi.spyOn(onboarding, 'deliverWebhook').mockImplementation((name, rawBody, headers) =>
      webhooks.deliver(name, rawBody, headers),
    );
    const app = await buildGateway({ onboarding, config: onboarding.config });
    return { app, inbox };
  }

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('sends its status, its body and the request id header it echoes', async () => {
    const temporal = fakeTemporal({ running: [BATCH_ONBOARDING] });
    const { intake: provider, acknowledged } = batchIntake({ acknowledge: true });
    const { app, inbox } = await gatewayWith(temporal, provider);
    try {
      const response = await app.inject({
        method: 'POST',
        url: `/webhooks/${BATCH_PROVIDER}`,
        headers: {
          'content-type': 'application/json',
          ...bearer,
          'X-Batch-RequestId': '7d3f2c1a-0000-4000-8000-000000000042',
        },
        payload: batchBody([
          { id: 'evt_1', type: 'accountUpdated', account: 'acc_1' },
          { id: 'evt_2', type: 'accountUpdated', account: 'acc_1' },
        ]),
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers[REQUEST_ID_HEADER]).toBe('7d3f2c1a-0000-4000-8000-000000000042');
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({ responseDetails: [{ code: 0, subCode: 0, description: 'Success (2)' }] });
      expect(acknowledged).toHaveLength(1);
      expect(inbox.map((record) => record.eventId).sort()).toEqual(['evt_1', 'evt_2']);
    } finally {
      await app.close();
    }
  });

  it('keeps the error envelope for a refusal, and the default WebhookAck without an acknowledge()', async () => {
    const temporal = fakeTemporal();
    const { app } = await gatewayWith(temporal, batchIntake().intake);
    try {
      const refused = await app.inject({
        method: 'POST',
        url: `/webhooks/${BATCH_PROVIDER}`,
        headers: { 'content-type': 'application/json', 'x-api-key': BATCH_TOKEN },
        payload: batchBody([]),
      });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error).toEqual({
        code: 'webhook_unauthenticated',
        message: 'missing authorization header',
      });

      const accepted = await app.inject({
        method: 'POST',
        url: `/webhooks/${BATCH_PROVIDER}`,
        headers: { 'content-type': 'application/json', ...bearer },
        payload: batchBody([{ id: 'evt_9', type: 'statementReady' }]),
      });
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json()).toEqual({
        received: true,
        eventId: 'evt_9',
        firstDelivery: true,
        events: [{ eventId: 'evt_9', firstDelivery: true }],
      });
    } finally {
      await app.close();
    }
  });
});
