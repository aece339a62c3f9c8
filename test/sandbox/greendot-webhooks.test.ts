/**
 * Green Dot's webhook delivery, over real HTTP to a local partner: multi-event messages, the fixed headers, the
 * echoed X-GD-RequestId, authentication by a Bearer token fetched from the partner first (or an API key, never an
 * HMAC), and retries only when enabled and only on 5xx, timeouts and network or token failures.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../sandbox/greendot/runtime.js';
import { eventsOf, GreenDotHarness, WEBHOOK_CLIENT, type Json } from './greendot-harness.js';

const h = new GreenDotHarness();
const retriesOn = () => h.control('PUT', '/_sandbox/greendot/settings', { webhookRetries: true });

beforeAll(() => h.start());
afterAll(() => h.stop());
beforeEach(() => h.reset());

describe('greendot webhooks: format and authentication', () => {
  it('fetches a token from the partner, then posts the message with Green Dot headers and the Bearer token', async () => {
    const account = await h.enrolled();
    await h.delivered();
    const [tokenRequest] = h.partner.tokenRequests;
    expect(tokenRequest!.path).toBe('/webhooks/greendot/authentication/sandbox-program/accesstoken');
    const basic = Buffer.from(`${WEBHOOK_CLIENT.id}:${WEBHOOK_CLIENT.secret}`).toString('base64');
    expect(tokenRequest!.headers.authorization).toBe(`Basic ${basic}`);
    expect(tokenRequest!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest!.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'post:webhook',
    });
    const [message] = h.partner.messages;
    expect(message!.headers).toMatchObject({
      authorization: 'Bearer partner-token-1',
      accept: 'application/json, text/plain, text/html',
      'accept-encoding': 'gzip, deflate',
      'user-agent': 'greendot-baas/3.0.0',
      'content-type': 'application/json',
    });
    expect(message!.headers['x-gd-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(message!.headers['x-gd-signature']).toBeUndefined();
    const body = JSON.parse(message!.body) as Json;
    expect(body.accounts).toHaveLength(1);
    expect(body.accounts[0].accountIdentifier).toBe(account.accountIdentifier);
    expect(eventsOf(body).map((e) => e.eventType)).toEqual(['accountUpdated', 'cardUpdated']);
    for (const event of eventsOf(body)) {
      expect(event).toMatchObject({ eventIdentifier: expect.any(String), eventDateTime: expect.any(String) });
    }
    expect(message!.body).not.toMatch(/123456789|1990-01-31/);
  });

  it('reuses the token for later messages and fetches a new one after a 401', async () => {
    await h.enrolled();
    await h.enrolled();
    await h.delivered();
    expect(h.partner.tokenRequests).toHaveLength(1);
    h.partner.hookStatuses.push(401);
    await h.enrolled();
    await h.delivered();
    await h.enrolled();
    await h.delivered();
    expect(h.partner.tokenRequests).toHaveLength(2);
    expect(h.partner.messages.at(-1)!.headers.authorization).toBe('Bearer partner-token-2');
  });

  it('sends x-api-key instead in apikey mode (no token fetch)', async () => {
    await h.control('PUT', '/_sandbox/greendot/settings', { webhookAuth: 'apikey' });
    await h.enrolled();
    await h.delivered();
    expect(h.partner.tokenRequests).toEqual([]);
    expect(h.partner.messages[0]!.headers['x-api-key']).toBe('greendot-sandbox-webhook-key');
    expect(h.partner.messages[0]!.headers.authorization).toBeUndefined();
  });
});

describe('greendot webhooks: delivery and retries', () => {
  it('does not retry when retries are off (the default), even on a 500', async () => {
    h.partner.hookStatuses.push(500);
    await h.enrolled();
    await h.delivered();
    const [delivery] = h.deliveries();
    expect(delivery!.state).toBe('failed');
    expect(delivery!.attempts.map((a) => a.status)).toEqual([500]);
  });

  it('retries on 5xx when enabled, with the same body and request id; never on 4xx', async () => {
    await retriesOn();
    h.partner.hookStatuses.push(503, 502);
    await h.enrolled();
    await h.delivered();
    const [delivery] = h.deliveries();
    expect(delivery!.state).toBe('delivered');
    expect(delivery!.attempts.map((a) => a.status)).toEqual([503, 502, 200]);
    const ids = new Set(h.partner.messages.map((m) => m.headers['x-gd-requestid']));
    expect(ids.size).toBe(1);
    expect(new Set(h.partner.messages.map((m) => m.body)).size).toBe(1);

    h.partner.hookStatuses.push(404);
    await h.enrolled();
    await h.delivered();
    expect(h.deliveries()[1]!.attempts.map((a) => a.status)).toEqual([404]);
    expect(h.deliveries()[1]!.state).toBe('failed');
  });

  it('retries a network failure when enabled (and only then)', async () => {
    await h.control('PUT', '/_sandbox/greendot/settings', { webhookAuth: 'apikey' });
    // A port nobody listens on: the connection is refused.
    await h.control('PUT', '/_sandbox/webhook-targets/greendot', { url: 'http://127.0.0.1:9/webhooks/greendot' });
    await h.enrolled();
    await h.delivered();
    expect(h.deliveries()[0]!.attempts).toHaveLength(1);
    await retriesOn();
    await h.enrolled();
    await h.delivered();
    const retried = h.deliveries()[1]!;
    expect(retried.attempts.map((a) => a.status)).toEqual([null, null, null]);
    expect(retried.attempts.every((a) => a.error !== null)).toBe(true);
    expect(retried.state).toBe('failed');
  });

  it('retries a timeout when enabled', async () => {
    await retriesOn();
    h.partner.hookStatuses.push(0);
    await h.enrolled();
    await h.delivered();
    const [delivery] = h.deliveries();
    expect(delivery!.attempts.map((a) => a.status)).toEqual([null, 200]);
    expect(delivery!.attempts[0]!.error).toMatch(/^timeout after/);
    expect(delivery!.state).toBe('delivered');
  });

  it('a 2xx without the echoed X-GD-RequestId is not delivered and not retried', async () => {
    await retriesOn();
    h.partner.echoRequestId = false;
    await h.enrolled();
    await h.delivered();
    const [delivery] = h.deliveries();
    expect(delivery!.attempts.map((a) => [a.status, a.delivered])).toEqual([[200, false]]);
    expect(delivery!.state).toBe('failed');
  });

  it('a failed token fetch fails the attempt without posting; with retries on it is tried again', async () => {
    h.partner.tokenStatuses.push(401);
    await h.enrolled();
    await h.delivered();
    expect(h.deliveries()[0]!.attempts.map((a) => a.error)).toEqual(['token fetch failed: 401']);
    expect(h.partner.messages).toEqual([]);

    await retriesOn();
    h.partner.tokenStatuses.push(500);
    await h.enrolled();
    await h.delivered();
    const second = h.deliveries()[1]!;
    expect(second.attempts.map((a) => a.error)).toEqual(['token fetch failed: 500', null]);
    expect(second.state).toBe('delivered');
  });

  it('core webhook faults apply: a duplicated multi-event message repeats its event ids; a dropped one never leaves', async () => {
    await h.control('PUT', '/_sandbox/faults/greendot', { duplicateNextWebhooks: 1 });
    await h.enrolled();
    const [first, second] = await h.delivered();
    expect(second).toEqual(first);
    expect(eventsOf(first!)).toHaveLength(2);
    await h.control('PUT', '/_sandbox/faults/greendot', { dropNextWebhooks: 1 });
    await h.enrolled();
    await h.delivered();
    expect(h.partner.messages).toHaveLength(2);
    expect(h.deliveries().at(-1)!.state).toBe('dropped');
  });
});

describe('greendot settings from env', () => {
  it('reads SANDBOX_GREENDOT_* and names a bad value', () => {
    expect(settingsFromEnv({})).toEqual({
      reviewDelayMs: 2000,
      cardIssueDelayMs: 0,
      transactionPostDelayMs: 1000,
      enrollmentProcessingMs: 0,
      webhookRetries: false,
      webhookAuth: 'token',
    });
    expect(
      settingsFromEnv({ SANDBOX_GREENDOT_REVIEW_DELAY_MS: 'off', SANDBOX_GREENDOT_WEBHOOK_RETRIES: 'on' }),
    ).toMatchObject({ reviewDelayMs: null, webhookRetries: true });
    expect(() => settingsFromEnv({ SANDBOX_GREENDOT_CARD_ISSUE_DELAY_MS: '-1' })).toThrow(
      /SANDBOX_GREENDOT_CARD_ISSUE_DELAY_MS/,
    );
    expect(() => settingsFromEnv({ SANDBOX_GREENDOT_WEBHOOK_AUTH: 'hmac' })).toThrow(/SANDBOX_GREENDOT_WEBHOOK_AUTH/);
  });
});
