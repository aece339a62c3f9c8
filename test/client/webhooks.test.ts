import { createHmac } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { WebhookAuthenticationError, WebhookPayloadError } from '../../client/errors.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { createJikoWebhookIntake, signJikoWebhook } from '../../client/webhooks/jiko.js';
import type { InboxRecord } from '../../client/webhooks/inbox.js';
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

describe('deliverWebhook', () => {
  function fakeTemporal() {
    const started = new Set<string>();
    const starts: { workflowType: string; options: Record<string, unknown> }[] = [];
    const client = {
      options: { namespace: 'default' },
      workflow: {
        start: async (workflowType: string, options: Record<string, unknown>) => {
          const workflowId = String(options.workflowId);
          if (started.has(workflowId))
            throw new WorkflowExecutionAlreadyStartedError('already started', workflowId, workflowType);
          started.add(workflowId);
          starts.push({ workflowType, options });
          return { workflowId };
        },
      },
    } as unknown as Client;
    return { client, starts };
  }

  it('records once per event id before acknowledging, and acknowledges redeliveries', async () => {
    const { client, starts } = fakeTemporal();
    const inbox: InboxRecord[] = [];
    const config = testConfig({ JIKO_WEBHOOK_SECRET: SECRET, TASK_QUEUE_PREFIX: 'onb' });
    const onboarding = new OnboardingClient({
      client,
      config,
      inbox: { append: async (record) => void inbox.push(record) },
    });
    const body = jikoEvent();

    const first = await onboarding.deliverWebhook('jiko', body, signed(body));
    const again = await onboarding.deliverWebhook('jiko', body, signed(body));

    expect(first).toEqual({ received: true, eventId: '6f1c1b1e-1111-4a4a-9b9b-000000000001', firstDelivery: true });
    expect(again.firstDelivery).toBe(false);
    expect(starts).toHaveLength(1);
    expect(starts[0]?.workflowType).toBe('webhookDelivery');
    expect(starts[0]?.options).toMatchObject({
      workflowId: 'webhook:jiko:6f1c1b1e-1111-4a4a-9b9b-000000000001',
      taskQueue: 'onb-webhooks',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    expect(inbox.map((record) => record.firstDelivery)).toEqual([true, false]);
    expect(Object.keys(inbox[0] ?? {}).sort()).toEqual(
      ['deliveryWorkflowId', 'eventId', 'firstDelivery', 'provider', 'receivedAt', 'refs', 'routable', 'type'].sort(),
    );
  });

  it('changes nothing for a forged delivery', async () => {
    const { client, starts } = fakeTemporal();
    const inbox: InboxRecord[] = [];
    const onboarding = new OnboardingClient({
      client,
      config: testConfig({ JIKO_WEBHOOK_SECRET: SECRET }),
      inbox: { append: async (record) => void inbox.push(record) },
    });
    const body = jikoEvent();
    await expect(onboarding.deliverWebhook('jiko', body, signed(body, 'forged-secret-forged'))).rejects.toMatchObject({
      httpStatus: 401,
    });
    expect(starts).toHaveLength(0);
    expect(inbox).toHaveLength(0);
  });
});
