/**
 * Shared set-up of the Green Dot simulator tests: the sandbox on a free port with a movable clock, and a local
 * "partner" server that hosts the token endpoint Green Dot calls first and receives the webhook messages.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import type { WebhookDelivery } from '../../sandbox/core/webhooks.js';

// Test-side reads of answers only: assertions check the shapes, so the harness does not re-type every body.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;
export interface CallResult {
  status: number;
  headers: Headers;
  body: Json;
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export const PROGRAM = 'sandbox-program';
export const API_CLIENT = { id: 'greendot-sandbox-client', secret: 'greendot-sandbox-secret' };
export const WEBHOOK_CLIENT = { id: 'greendot-webhook-client', secret: 'greendot-webhook-secret' };

export interface Partner {
  url: string;
  messages: Received[];
  tokenRequests: Received[];
  /** Statuses the webhook endpoint answers next, in order (0 = never answer: a timeout); 200 once empty. */
  hookStatuses: number[];
  /** Statuses the token endpoint answers next; 200 once empty. */
  tokenStatuses: number[];
  echoRequestId: boolean;
  issuedTokens: string[];
  close(): Promise<void>;
}

export async function startPartner(): Promise<Partner> {
  const partner: Partner = {
    url: '',
    messages: [],
    tokenRequests: [],
    hookStatuses: [],
    tokenStatuses: [],
    echoRequestId: true,
    issuedTokens: [],
    close: () => Promise.resolve(),
  };
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() };
      response.setHeader('content-type', 'application/json');
      if (received.path.endsWith('/accesstoken')) {
        partner.tokenRequests.push(received);
        response.statusCode = partner.tokenStatuses.shift() ?? 200;
        const token = `partner-token-${partner.issuedTokens.length + 1}`;
        if (response.statusCode === 200) partner.issuedTokens.push(token);
        response.end(
          JSON.stringify({ access_token: token, scope: 'post:webhook', token_type: 'Bearer', expires_In: 3600 }),
        );
        return;
      }
      partner.messages.push(received);
      const requestId = request.headers['x-gd-requestid'];
      if (partner.echoRequestId && typeof requestId === 'string') response.setHeader('x-gd-requestid', requestId);
      const status = partner.hookStatuses.shift() ?? 200;
      if (status === 0) {
        hanging.push(response);
        return;
      }
      response.statusCode = status;
      response.end(JSON.stringify({ responseDetails: [{ code: 0, subCode: 0, description: 'Success' }] }));
    });
  });
  partner.close = () => {
    for (const response of hanging.splice(0)) response.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  partner.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/greendot`;
  return partner;
}

export class GreenDotHarness {
  clockOffsetMs = 0;
  sandbox!: Sandbox & { url: string };
  partner!: Partner;
  token = '';

  async start(env: Record<string, string> = {}): Promise<void> {
    this.partner = await startPartner();
    this.sandbox = await startSandbox({
      port: 0,
      env: { SANDBOX_GREENDOT_REVIEW_DELAY_MS: 'off', SANDBOX_GREENDOT_TRANSACTION_POST_DELAY_MS: '0', ...env },
      clock: () => new Date(Date.now() + this.clockOffsetMs),
      webhookTargets: { greendot: this.partner.url },
      webhookDefaults: { backoffMs: 5, maxBackoffMs: 20, maxAttempts: 3, timeoutMs: 2_000 },
    });
  }

  async stop(): Promise<void> {
    await this.sandbox?.close();
    await this.partner?.close();
  }

  /** Blank sandbox and partner, a fresh token. */
  async reset(): Promise<void> {
    this.clockOffsetMs = 0;
    await this.control('POST', '/_sandbox/reset');
    Object.assign(this.partner, { echoRequestId: true });
    for (const list of [
      this.partner.messages,
      this.partner.tokenRequests,
      this.partner.hookStatuses,
      this.partner.tokenStatuses,
      this.partner.issuedTokens,
    ]) {
      list.length = 0;
    }
    this.token = (await this.requestToken()).body.access_token as string;
  }

  async requestToken(client = API_CLIENT, body: unknown = { grant_type: 'client_credentials' }): Promise<CallResult> {
    return this.call('POST', '/authentication', {
      body,
      token: null,
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    });
  }

  async call(
    method: string,
    path: string,
    options: {
      body?: unknown;
      token?: string | null;
      requestId?: string | null;
      headers?: Record<string, string>;
    } = {},
  ): Promise<CallResult> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.token : options.token;
    const requestId = options.requestId === undefined ? randomUUID() : options.requestId;
    if (token) headers.authorization = `Bearer ${token}`;
    if (requestId) headers['x-gd-requestid'] = requestId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, options.headers);
    const response = await fetch(`${this.sandbox.url}/greendot${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json) : {} };
  }

  async control(method: string, path: string, body?: unknown): Promise<CallResult> {
    const response = await fetch(`${this.sandbox.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json) : {} };
  }

  enroll(body: Json, requestId?: string): Promise<CallResult> {
    return this.call('POST', `/programs/${PROGRAM}/enrollments`, { body, requestId });
  }

  account(path = ''): string {
    return `/programs/${PROGRAM}/accounts${path}`;
  }

  async enrolled(overrides: Json = {}): Promise<Json> {
    const answer = await this.enroll(enrollmentBody(overrides));
    if (answer.status !== 200) throw new Error(`enrollment failed: ${JSON.stringify(answer.body)}`);
    return answer.body.account as Json;
  }

  audit(kind: string): Promise<Json[]> {
    return this.control('GET', `/_sandbox/audit?provider=greendot&kind=${kind}`).then((r) => r.body.items as Json[]);
  }

  /** Waits until every pending delivery is done, then returns what the partner received as parsed messages. */
  async delivered(): Promise<Json[]> {
    await this.sandbox.ctx.webhooks.flush();
    return this.partner.messages.map((message) => JSON.parse(message.body) as Json);
  }

  deliveries(): WebhookDelivery[] {
    return this.sandbox.ctx.webhooks.list({ provider: 'greendot' });
  }

  /** Polls (bounded) until `check` holds: for timers of the simulator (delay 0 still runs on a later tick). */
  async until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
}

/** The events of a message, flattened with their account. */
export function eventsOf(message: Json): Json[] {
  return (message.accounts as Json[]).flatMap((entry) =>
    (entry.events as Json[]).map((event) => ({ ...event, accountIdentifier: entry.accountIdentifier })),
  );
}

/** The one message whose events have exactly these types (messages may arrive in any order). */
export function messageWith(messages: Json[], eventTypes: string[]): Json {
  const found = messages.filter(
    (message) =>
      eventsOf(message)
        .map((e) => e.eventType)
        .join() === eventTypes.join(),
  );
  if (found.length !== 1) throw new Error(`expected one message with ${eventTypes.join()}, found ${found.length}`);
  return found[0]!;
}

export function enrollmentBody(overrides: Json = {}, now = new Date()): Json {
  const acceptedAt = new Date(now.getTime() - 60_000).toISOString();
  const base: Json = {
    productCode: '50001',
    profileData: {
      firstName: 'Ada',
      middleName: 'K',
      lastName: 'Lovelace',
      addresses: [
        { type: 'home', addressLine1: '1 Main St', city: 'Pasadena', state: 'CA', zipCode: '91101', isDefault: true },
      ],
    },
    identifyingData: { ssn: '123456789', dateOfBirth: '1990-01-31' },
    email: { emailAddress: 'ada@example.com' },
    phoneNumbers: [{ number: '6265551234', type: 'mobile', isDefault: true }],
    termsAcceptances: [
      { termsIdentifier: 'eSignConsent', termsAcceptanceFlag: true, termsAcceptanceDateTime: acceptedAt },
      { termsIdentifier: 'cardholderAgreement', termsAcceptanceFlag: true, termsAcceptanceDateTime: acceptedAt },
    ],
  };
  return merge(base, overrides);
}

function merge(base: Json, overrides: Json): Json {
  const result: Json = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    const bothObjects =
      value !== null && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object';
    if (value === undefined) delete result[key];
    else result[key] = bothObjects && !Array.isArray(current) ? merge(current as Json, value as Json) : value;
  }
  return result;
}
