import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { setLogSink } from '../../common/log.js';
import { createCommonActivities, verifyOutboundSignature, type OutboundEventBody } from '../../activities/outbound.js';

const secret = 'outbound-test-secret-0123456789';
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

describe('emitOutboundEvent', () => {
  const event = { onboardingId: 'onboarding:jiko:c1', type: 'onboarding.reminder', data: { wait: 'agreements', n: 1 } };

  it('posts a signed event whose id is stable across retries', async () => {
    received = [];
    answer = 204;
    const activities = createCommonActivities({ OUTBOUND_WEBHOOK_URL: url, OUTBOUND_WEBHOOK_SECRET: secret });
    await activities.emitOutboundEvent(event);
    await activities.emitOutboundEvent({ ...event, data: { n: 1, wait: 'agreements' } });
    await activities.emitOutboundEvent({ ...event, data: { wait: 'agreements', n: 2 } });
    const bodies = received.map((r) => JSON.parse(r.body) as OutboundEventBody);
    expect(bodies[0]).toMatchObject({ type: 'onboarding.reminder', onboardingId: 'onboarding:jiko:c1' });
    expect(bodies[1]!.id).toBe(bodies[0]!.id);
    expect(bodies[2]!.id).not.toBe(bodies[0]!.id);
    const header = received[0]!.headers['onboarding-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyOutboundSignature({ secret, header, rawBody: received[0]!.body })).toBe(true);
    expect(verifyOutboundSignature({ secret: 'wrong-secret-0123456789', header, rawBody: received[0]!.body })).toBe(
      false,
    );
    expect(verifyOutboundSignature({ secret, header, rawBody: received[0]!.body + ' ' })).toBe(false);
    expect(verifyOutboundSignature({ secret, header, rawBody: received[0]!.body, nowSeconds: 1 })).toBe(false);
  });

  it('a 5xx from the backend is retryable', async () => {
    answer = 502;
    const activities = createCommonActivities({ OUTBOUND_WEBHOOK_URL: url, OUTBOUND_WEBHOOK_SECRET: secret });
    const err = await activities.emitOutboundEvent(event).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
  });

  it('only logs when no URL is configured', async () => {
    received = [];
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      await createCommonActivities({ OUTBOUND_WEBHOOK_SECRET: secret }).emitOutboundEvent(event);
    } finally {
      setLogSink(previous);
    }
    expect(received).toHaveLength(0);
    expect(lines.join()).toContain('onboarding.reminder');
  });
});
