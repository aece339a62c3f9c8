/**
 * Shared by the Linkcy simulator's contract tests (test/sandbox/linkcy*.test.ts): the sandbox over real HTTP on a
 * free port, a tiny local server receiving its webhooks, and helpers to drive Linkcy's API and our controls.
 * Clock moves are explicit (`lc.clockOffsetMs`); KYC verification is synchronous (delay 0) unless a test sets one.
 * Webhook signatures are checked with an independent implementation of the documented Svix scheme.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';

export const WEBHOOK_SECRET = `whsec_${Buffer.from('linkcy-test-webhook-secret-0123').toString('base64')}`;
export const HOUR_MS = 3600_000;

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

export type Json = Record<string, unknown> & { [key: string]: unknown };
export interface CallResult {
  status: number;
  body: Json;
  headers: Headers;
}

/** The running sandbox, the sandbox clock's offset from real time, and the partner token of the current test. */
export const lc = { sandbox: undefined as unknown as Sandbox & { url: string }, clockOffsetMs: 0, token: '' };
let receiver: Server | undefined;
export const received: Received[] = [];
/** Status codes the receiver answers next, in order; 200 once empty. */
export const receiverAnswers: number[] = [];

export async function request(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {}, headers: response.headers };
}

/** A Linkcy API call, as the partner (a token) unless `token: null`. */
export async function call(
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<CallResult> {
  const bearer = options.token === undefined ? lc.token : options.token;
  const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
  return request(`${lc.sandbox.url}/linkcy/api/partner${path}`, method, options.body, headers);
}

export const control = (method: string, path: string, body?: unknown): Promise<CallResult> =>
  request(`${lc.sandbox.url}/_sandbox/linkcy${path}`, method, body);

export const login = (overrides: Record<string, string> = {}) =>
  call('POST', '/login', {
    token: null,
    body: { userName: 'sandbox-user', partnerName: 'sandbox-partner', password: 'sandbox-password', ...overrides },
  });

let phoneSeq = 0;
/** A fresh phone number ending in `lastFour` (the sandbox's KYC trigger digits). */
export const phone = (lastFour = '4242') => ({
  countryCode: '33',
  number: `6${String(++phoneSeq).padStart(4, '0')}${lastFour}`,
});

export async function newConsumer(body: Record<string, unknown> = {}): Promise<string> {
  const created = await call('POST', '/consumers', {
    body: { externalId: `cust_${phoneSeq + 1}`, phone: phone(), lastTermsAccepted: '1.0', ...body },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

export async function verifiedConsumer(body: Record<string, unknown> = {}): Promise<string> {
  const id = await newConsumer(body);
  expect((await call('POST', '/verifications/phone/send', { body: { consumerId: id } })).status).toBe(200);
  expect((await call('POST', '/verifications/phone/verify', { body: { consumerId: id, code: '123456' } })).status).toBe(
    204,
  );
  return id;
}

export const startKyc = (consumerId: string, accessType = 'LINK') =>
  call('POST', '/kyc', {
    body: {
      consumerId,
      kycConfiguration: {
        accessType,
        urlOnComplete: 'https://partner.example/ok',
        urlOnFailure: 'https://partner.example/ko',
      },
    },
  });

/** Verifies a delivery exactly as docs.svix.com describes, independently of the simulator's code. */
export function svixValid(delivery: Received, secret = WEBHOOK_SECRET): boolean {
  const id = String(delivery.headers['svix-id']);
  const timestamp = String(delivery.headers['svix-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest();
  return String(delivery.headers['svix-signature'])
    .split(' ')
    .some((part) => {
      const [version, signature] = part.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

export const events = () => received.map((r) => ({ ...r, event: JSON.parse(r.body) as Json }));
export const eventsOfType = (type: string) => events().filter((r) => r.event.type === type);
export const dataOf = (r: { event: Json }) => r.event.data as Json;

export async function audit(kind: string, id?: string): Promise<Json[]> {
  const query = new URLSearchParams({ provider: 'linkcy', kind, ...(id ? { id } : {}) });
  const result = await request(`${lc.sandbox.url}/_sandbox/audit?${query}`, 'GET');
  return result.body.items as Json[];
}

/** Registers the suite's hooks: one sandbox per test file, reset before each test. */
export function useLinkcySandbox(): void {
  beforeAll(async () => {
    const server = createServer((incoming, response) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        received.push({ headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.statusCode = receiverAnswers.shift() ?? 200;
        response.end();
      });
    });
    receiver = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiverPort = (server.address() as AddressInfo).port;
    lc.sandbox = await startSandbox({
      port: 0,
      clock: () => new Date(Date.now() + lc.clockOffsetMs),
      env: { SANDBOX_LINKCY_WEBHOOK_SECRET: WEBHOOK_SECRET, SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: '0' },
      webhookTargets: { linkcy: `http://127.0.0.1:${receiverPort}/webhooks/linkcy` },
      webhookDefaults: { backoffMs: 10, maxBackoffMs: 50, maxAttempts: 5 },
    });
  });

  afterAll(async () => {
    await lc.sandbox?.close();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  beforeEach(async () => {
    await request(`${lc.sandbox.url}/_sandbox/reset`, 'POST');
    lc.clockOffsetMs = 0;
    received.length = 0;
    receiverAnswers.length = 0;
    lc.token = (await login()).body.token as string;
  });
}
