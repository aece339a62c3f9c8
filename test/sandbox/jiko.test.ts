/**
 * Contract tests of the Jiko simulator over real HTTP: authentication, request signing, idempotency, validation,
 * every SSN-prefix path of the status machine, document rules and limits, webhooks (signature, redelivery),
 * faults and audit. The sandbox decides instantly (SANDBOX_JIKO_SUBMITTED_DELAY_MS=0); tests poll for outcomes.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as jiko from '../../sandbox/jiko/index.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';

const SIGNING_SECRET = 'jiko-sandbox-signing-secret';
const WEBHOOK_SECRET = 'jiko-sandbox-webhook-secret';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

/** Response bodies are probed freely in assertions; a wrong guess fails the assertion, which is the point. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonObject = Record<string, any>;

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
  path: string;
}

let sandbox: Sandbox & { url: string };
let clockOffsetMs = 0;
const received: Received[] = [];
const receiverStatuses: number[] = [];
let receiverUrl = '';
let closeReceiver: () => Promise<void>;
let token = '';

function sign(idempotency: string, path: string, body: Buffer): string {
  return createHmac('sha256', SIGNING_SECRET)
    .update(Buffer.concat([Buffer.from(idempotency + path), body]))
    .digest('base64');
}

interface CallOptions {
  body?: unknown;
  raw?: Buffer;
  contentType?: string;
  idempotency?: string | null;
  signature?: string;
  signedPath?: string;
  token?: string | null;
}

/** A signed Jiko call: `path` is the API path (`/api/v1/...`), as the partner signs it. */
async function jikoCall(method: string, path: string, options: CallOptions = {}) {
  const raw = options.raw ?? (options.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(options.body)));
  const idempotency =
    options.idempotency === null ? undefined : (options.idempotency ?? (method === 'GET' ? undefined : randomUUID()));
  const headers: Record<string, string> = {};
  const bearer = options.token === null ? undefined : (options.token ?? token);
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (idempotency) headers['x-jiko-idempotency'] = idempotency;
  headers['x-jiko-signature'] =
    options.signature ?? sign(idempotency ?? '', options.signedPath ?? path.split('?')[0]!, raw);
  if (raw.length > 0 || options.contentType) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${sandbox.url}/jiko${path}`, {
    method,
    headers,
    body: raw.length > 0 ? new Uint8Array(raw) : undefined,
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: response.status, headers: response.headers, json: json as JsonObject, text };
}

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as JsonObject };
}

async function login(): Promise<string> {
  const response = await jikoCall('POST', '/api/v1/login/', {
    body: { username: 'sandbox-partner', password: 'sandbox-password' },
    token: null,
  });
  expect(response.status).toBe(200);
  return response.json.token as string;
}

function applicationBody(ssn: string, overrides: Record<string, unknown> = {}) {
  return {
    identification_number: ssn,
    name: { first_name: 'Jiko', last_name: 'Customer' },
    email: 'jiko@example.com',
    phone_number: '+15551234567',
    date_of_birth: '1970-01-01',
    investment_profile: {
      income: 'BETWEEN_100K_AND_250K',
      net_worth: 'BETWEEN_1M_AND_5M',
      occupation: 'Investor',
      employment_status: 'EMPLOYED',
    },
    agreement_consent: { version: '1', timestamp: '2023-01-01T12:00:00+00:00' },
    address: {
      street_address: '2000 Allston Way',
      city: 'Berkeley',
      postal_code: '94701',
      state: 'CA',
      country: 'USA',
    },
    ...overrides,
  };
}

async function createApplication(ssn: string): Promise<string> {
  const created = await jikoCall('POST', '/api/v1/applications/', { body: applicationBody(ssn) });
  expect(created.status).toBe(201);
  expect(Object.keys(created.json)[0]).toBe('id');
  expect(created.json.status).toBe('CREATED');
  return created.json.id as string;
}

async function waitForOutcome(id: string) {
  for (let i = 0; i < 200; i++) {
    const got = await jikoCall('GET', `/api/v1/applications/${id}/`);
    if (got.json.status !== 'SUBMITTED') return got.json;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`application ${id} stayed SUBMITTED`);
}

async function apply(id: string) {
  const applied = await jikoCall('POST', `/api/v1/applications/${id}/apply/`);
  expect(applied.status).toBe(200);
  expect(applied.json.status).toBe('SUBMITTED');
  return waitForOutcome(id);
}

async function upload(id: string, type: string, bytes: Buffer = PNG, contentType = 'image/png') {
  return jikoCall('POST', `/api/v1/applications/${id}/documents/${type}/file/`, { raw: bytes, contentType });
}

beforeAll(async () => {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        headers: request.headers,
        path: request.url ?? '',
      });
      response.statusCode = receiverStatuses.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeReceiver = () => new Promise<void>((resolve) => server.close(() => resolve()));
  sandbox = await startSandbox({
    port: 0,
    providers: [jiko],
    env: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '0' },
    clock: () => new Date(Date.now() + clockOffsetMs),
    webhookTargets: { jiko: `${receiverUrl}/webhooks/jiko` },
    webhookDefaults: { backoffMs: 10, maxBackoffMs: 50, maxAttempts: 5, timeoutMs: 2_000 },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await closeReceiver?.();
});

beforeEach(async () => {
  await control('POST', '/_sandbox/reset');
  clockOffsetMs = 0;
  received.length = 0;
  receiverStatuses.length = 0;
  token = await login();
});

describe('Jiko authentication', () => {
  it('serves /health without credentials', async () => {
    const response = await fetch(`${sandbox.url}/jiko/health`);
    expect(await response.text()).toBe('OK');
  });

  it('logs in, refuses bad credentials, and expires tokens after 60 minutes', async () => {
    const bad = await jikoCall('POST', '/api/v1/login/', { body: { username: 'x', password: 'y' }, token: null });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ detail: expect.any(String) });

    const good = await jikoCall('POST', '/api/v1/login/', {
      body: { username: 'sandbox-partner', password: 'sandbox-password' },
      token: null,
    });
    expect(good.json).toMatchObject({ token: expect.any(String), expires: expect.any(String), expires_in: 3600 });

    expect((await jikoCall('GET', '/api/v1/agreements/')).status).toBe(200);
    clockOffsetMs = 59 * 60_000;
    expect((await jikoCall('GET', '/api/v1/agreements/')).status).toBe(200);
    clockOffsetMs = 61 * 60_000;
    const expired = await jikoCall('GET', '/api/v1/agreements/');
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({ detail: 'Token expired' });

    expect((await jikoCall('GET', '/api/v1/agreements/', { token: null })).json).toEqual({
      detail: 'Not authenticated',
    });
  });

  it('honours a configured token TTL and the expire-all control', async () => {
    await control('PUT', '/_sandbox/jiko/settings', { tokenTtlSeconds: 5 });
    token = await login();
    clockOffsetMs = 6_000;
    expect((await jikoCall('GET', '/api/v1/agreements/')).status).toBe(401);
    clockOffsetMs = 0;
    token = await login();
    await control('POST', '/_sandbox/jiko/tokens/expire');
    expect((await jikoCall('GET', '/api/v1/agreements/')).status).toBe(401);
  });

  it('rejects a missing or wrong signature with 401 and accepts the mount-prefixed path', async () => {
    const missing = await fetch(`${sandbox.url}/jiko/api/v1/agreements/`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.status).toBe(401);
    const wrong = await jikoCall('GET', '/api/v1/agreements/', {
      signature: sign('', '/api/v1/other/', Buffer.alloc(0)),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ detail: 'Invalid signature' });
    // Body tampering: signed one body, sent another.
    const body = Buffer.from(JSON.stringify(applicationBody('400000000')));
    const tampered = await jikoCall('POST', '/api/v1/applications/', {
      raw: body,
      idempotency: 'key-1',
      signature: sign('key-1', '/api/v1/applications/', Buffer.from('{}')),
    });
    expect(tampered.status).toBe(401);
    expect((await control('GET', '/_sandbox/audit?provider=jiko&kind=application')).json.items).toHaveLength(0);
    const prefixed = await jikoCall('GET', '/api/v1/agreements/', { signedPath: '/jiko/api/v1/agreements/' });
    expect(prefixed.status).toBe(200);
  });

  it('replays the stored response for a repeated idempotency key and refuses a changed body', async () => {
    const key = randomUUID();
    const first = await jikoCall('POST', '/api/v1/applications/', {
      body: applicationBody('400000000'),
      idempotency: key,
    });
    const again = await jikoCall('POST', '/api/v1/applications/', {
      body: applicationBody('400000000'),
      idempotency: key,
    });
    expect(again.status).toBe(first.status);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('x-jiko-idempotent-replay')).toBe('true');
    expect(first.headers.get('x-jiko-idempotent-replay')).toBeNull();

    const changed = await jikoCall('POST', '/api/v1/applications/', {
      body: applicationBody('500000000'),
      idempotency: key,
    });
    expect(changed.status).toBe(409);
    expect(changed.json.detail).toMatch(/different request/);

    const missingKey = await jikoCall('POST', '/api/v1/applications/', {
      body: applicationBody('400000000'),
      idempotency: null,
    });
    expect(missingKey.status).toBe(422);
    expect(missingKey.json.detail[0].loc).toEqual(['header', 'x-jiko-idempotency']);

    expect((await control('GET', '/_sandbox/audit?provider=jiko&kind=application')).json.items).toHaveLength(1);
  });

  it('runs a request again when its idempotency key is older than 1 hour', async () => {
    const key = randomUUID();
    await jikoCall('POST', '/api/v1/applications/', { body: applicationBody('400000000'), idempotency: key });
    clockOffsetMs = 61 * 60_000;
    token = await login();
    const later = await jikoCall('POST', '/api/v1/applications/', {
      body: applicationBody('400000000'),
      idempotency: key,
    });
    expect(later.status).toBe(201);
    expect(later.headers.get('x-jiko-idempotent-replay')).toBeNull();
    expect((await control('GET', '/_sandbox/audit?provider=jiko&kind=application')).json.items).toHaveLength(2);
  });
});

describe('Jiko applications: validation and agreements', () => {
  it('returns the versioned agreement bundle and rejects a stale consent version after a bump', async () => {
    const agreements = await jikoCall('GET', '/api/v1/agreements/');
    expect(agreements.json).toMatchObject({ version: '1', release_date: expect.any(String) });
    expect(agreements.json.documents[0]).toEqual({
      title: expect.any(String),
      pdf_download_url: expect.stringMatching(/^http/),
      type: expect.any(String),
      category: expect.any(String),
    });

    expect((await control('POST', '/_sandbox/jiko/agreements/bump')).json.agreementVersion).toBe('2');
    expect((await jikoCall('GET', '/api/v1/agreements/')).json.version).toBe('2');
    const stale = await jikoCall('POST', '/api/v1/applications/', { body: applicationBody('400000000') });
    expect(stale.status).toBe(422);
    expect(stale.json.detail[0].loc).toEqual(['body', 'agreement_consent', 'version']);
  });

  it('answers FastAPI-style 422s naming the field', async () => {
    const noFirstName = await jikoCall('POST', '/api/v1/applications/', {
      body: applicationBody('400000000', { name: { last_name: 'Customer' } }),
    });
    expect(noFirstName.status).toBe(422);
    expect(noFirstName.json).toEqual({
      detail: [{ loc: ['body', 'name', 'first_name'], msg: 'Field required', type: 'missing' }],
    });

    const minor = await jikoCall('POST', '/api/v1/applications/', {
      body: applicationBody('400000000', {
        date_of_birth: new Date(Date.now() - 17 * 365.25 * 86_400_000).toISOString().slice(0, 10),
      }),
    });
    expect(minor.status).toBe(422);
    expect(minor.json.detail[0]).toMatchObject({ loc: ['body', 'date_of_birth'], type: 'value_error' });

    const noOccupation = await jikoCall('POST', '/api/v1/applications/', {
      body: applicationBody('400000000', {
        investment_profile: { employment_status: 'EMPLOYED', income: 'OVER_250K', net_worth: 'OVER_5M' },
      }),
    });
    expect(noOccupation.json.detail[0].loc).toEqual(['body', 'investment_profile', 'occupation']);

    // Jiko announces E.164 with the plus (^\+[1-9]\d{1,14}$): the bare digits of its older samples are refused.
    for (const phone of ['15551234567', '+0555123', '+1 555 123 4567']) {
      const badPhone = await jikoCall('POST', '/api/v1/applications/', {
        body: applicationBody('400000000', { phone_number: phone }),
      });
      expect(badPhone.status).toBe(422);
      expect(badPhone.json.detail[0].loc).toEqual(['body', 'phone_number']);
    }

    const badJson = await jikoCall('POST', '/api/v1/applications/', { raw: Buffer.from('{not json') });
    expect(badJson.status).toBe(422);
    expect(badJson.json.detail[0].type).toBe('json_invalid');

    const unknownId = await jikoCall('GET', `/api/v1/applications/${randomUUID()}/`);
    expect(unknownId.status).toBe(404);
    expect(unknownId.json).toEqual({ detail: 'Not found' });
  });
});

describe('Jiko status machine (SSN prefixes)', () => {
  it.each([
    ['400000001', 'APPROVED'],
    ['500000001', 'REJECTED'],
    ['300000001', 'MANUAL_REVIEW'],
    ['900000001', 'MANUAL_REVIEW'],
    ['100000001', 'MANUAL_REVIEW'],
  ])('SSN %s → %s', async (ssn, outcome) => {
    const id = await createApplication(ssn);
    const decided = await apply(id);
    expect(decided.status).toBe(outcome);
    expect(decided.customer_id === null).toBe(outcome !== 'APPROVED');
  });

  it('APPROVED creates exactly one customer and account, listed as an offset list', async () => {
    const id = await createApplication('412345678');
    const approved = await apply(id);
    const accounts = await jikoCall('GET', `/api/v1/customers/${approved.customer_id}/jiko-accounts`);
    expect(accounts.status).toBe(200);
    expect(accounts.json).toMatchObject({ offset: 0, count: 1, object_type: 'List' });
    // Jiko's `Account`: value, status and portfolio; routing and account numbers live on its Portals, not here.
    const zero = { value: 0, currency: 'USD', formatted: '$0.00' };
    expect(accounts.json.items[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: expect.any(String),
      total_value: zero,
      status: 'OPEN',
      portfolio: { securities: [], cash: zero, all_time_earnings: zero },
      object_type: 'Account',
    });
    const audit = (await control('GET', '/_sandbox/audit?provider=jiko')).json.items as { kind: string }[];
    expect(audit.filter((e) => e.kind === 'customer')).toHaveLength(1);
    expect(audit.filter((e) => e.kind === 'account')).toHaveLength(1);
    expect((await jikoCall('GET', `/api/v1/customers/${approved.customer_id}/jiko-accounts?limit=101`)).status).toBe(
      422,
    );
  });

  it('refuses apply from a wrong status with 409', async () => {
    const id = await createApplication('400000002');
    await apply(id);
    const again = await jikoCall('POST', `/api/v1/applications/${id}/apply/`);
    expect(again.status).toBe(409);
    expect(again.json.detail).toMatch(/APPROVED/);
  });

  it('21…: id flag → ID_FRONT + ID_BACK + SELFIE → PENDING → re-apply → APPROVED', async () => {
    const id = await createApplication('210000000');
    const needed = await apply(id);
    expect(needed).toMatchObject({
      status: 'DOCUMENTS_NEEDED',
      id_verification_documents_needed: true,
      identification_number_document_needed: false,
      identification_number_verification_document_needed: false,
      address_verification_document_needed: false,
    });
    expect((await jikoCall('POST', `/api/v1/applications/${id}/apply/`)).status).toBe(409);
    for (const type of ['ID_FRONT', 'ID_BACK']) {
      const uploaded = await upload(id, type);
      expect(uploaded.json).toEqual({ success: true, document_id: expect.any(String) });
    }
    expect((await jikoCall('GET', `/api/v1/applications/${id}/`)).json.status).toBe('DOCUMENTS_NEEDED');
    await upload(id, 'SELFIE');
    const pending = await jikoCall('GET', `/api/v1/applications/${id}/`);
    expect(pending.json).toMatchObject({ status: 'PENDING', id_verification_documents_needed: false });
    expect(pending.json.documents).toHaveLength(3);
    expect((await apply(id)).status).toBe('APPROVED');
  });

  it('211…: re-apply after documents → MANUAL_REVIEW, then the decide control approves', async () => {
    const id = await createApplication('211000000');
    await apply(id);
    await upload(id, 'ID_FRONT');
    await upload(id, 'ID_BACK');
    await upload(id, 'PASSPORT');
    expect((await apply(id)).status).toBe('MANUAL_REVIEW');
    const decided = await control('POST', `/_sandbox/jiko/applications/${id}/decide`, { decision: 'APPROVED' });
    expect(decided.json).toMatchObject({ status: 'APPROVED', customer_id: expect.any(String) });
    expect((await control('POST', `/_sandbox/jiko/applications/${id}/decide`, { decision: 'REJECTED' })).status).toBe(
      409,
    );
  });

  it.each([
    ['220000000', { id: false, number: true, address: false }, ['IDENTIFICATION_NUMBER_VERIFICATION']],
    ['230000000', { id: false, number: false, address: true }, ['ADDRESS_VERIFICATION']],
    [
      '240000000',
      { id: true, number: true, address: false },
      ['ID_FRONT', 'ID_BACK', 'SELFIE', 'IDENTIFICATION_NUMBER_VERIFICATION'],
    ],
    ['200000000', { id: true, number: false, address: false }, ['ID_FRONT', 'ID_BACK', 'SELFIE']],
    ['270000000', { id: true, number: false, address: false }, ['ID_FRONT', 'ID_BACK', 'PASSPORT']],
  ])('%s: flags %j cleared by %j', async (ssn, flags, documents) => {
    const id = await createApplication(ssn);
    const needed = await apply(id);
    expect(needed).toMatchObject({
      status: 'DOCUMENTS_NEEDED',
      id_verification_documents_needed: flags.id,
      identification_number_document_needed: flags.number,
      identification_number_verification_document_needed: flags.number,
      address_verification_document_needed: flags.address,
    });
    await upload(id, 'OTHER'); // never clears a flag
    for (const [index, type] of documents.entries()) {
      expect((await jikoCall('GET', `/api/v1/applications/${id}/`)).json.status).toBe('DOCUMENTS_NEEDED');
      const uploaded = await upload(id, type!);
      expect(uploaded.status, `upload ${index} ${type}`).toBe(200);
    }
    expect((await jikoCall('GET', `/api/v1/applications/${id}/`)).json.status).toBe('PENDING');
    expect((await apply(id)).status).toBe('APPROVED');
  });
});

describe('Jiko document uploads', () => {
  it('enforces content types, emptiness, types and the 5 MB / 50 MB limits; the signature covers the bytes', async () => {
    const id = await createApplication('210000000');
    expect((await upload(id, 'SELFIE', Buffer.alloc(5 * 1024 * 1024 + 1, 1))).status).toBe(413);
    expect((await upload(id, 'ADDRESS_VERIFICATION', Buffer.alloc(6 * 1024 * 1024, 1))).status).toBe(200);
    expect((await upload(id, 'OTHER', Buffer.alloc(50 * 1024 * 1024 + 1, 1))).status).toBe(413);
    expect((await upload(id, 'SELFIE', PNG, 'image/jpeg')).status).toBe(200);
    const wrongType = await upload(id, 'SELFIE', PNG, 'application/pdf');
    expect(wrongType.status).toBe(422);
    expect(wrongType.json.detail[0].loc).toEqual(['header', 'content-type']);
    expect((await upload(id, 'ADDRESS_VERIFICATION', PNG, 'application/pdf')).status).toBe(200);
    expect((await upload(id, 'SELFIE', Buffer.alloc(0), 'image/png')).status).toBe(422);
    expect((await upload(id, 'DRIVING_LICENCE')).status).toBe(422);
    const tampered = await jikoCall('POST', `/api/v1/applications/${id}/documents/SELFIE/file/`, {
      raw: PNG,
      contentType: 'image/png',
      idempotency: 'upload-key',
      signature: sign('upload-key', `/api/v1/applications/${id}/documents/SELFIE/file/`, Buffer.from('other bytes')),
    });
    expect(tampered.status).toBe(401);
  });
});

describe('Jiko webhooks', () => {
  it('signs each event with the webhook secret and redelivers the same event after non-2xx', async () => {
    receiverStatuses.push(500, 502);
    const id = await createApplication('400000003');
    await apply(id);
    await sandbox.ctx.webhooks.idle();
    expect(received).toHaveLength(3);
    const bodies = new Set(received.map((r) => r.body));
    expect(bodies.size).toBe(1);
    const [first] = received;
    const event = JSON.parse(first!.body);
    expect(event).toEqual({
      event_id: expect.any(String),
      timestamp: expect.stringMatching(/\+00:00$/),
      event_type: 'application.approved',
      payload: { application_id: id },
    });
    expect(first!.path).toBe('/webhooks/jiko');
    const expected = createHmac('sha256', WEBHOOK_SECRET).update(first!.body).digest('base64');
    expect(first!.headers['x-jiko-signature']).toBe(expected);
    const deliveries = (await control('GET', '/_sandbox/webhooks?provider=jiko')).json.items;
    expect(deliveries[0].attempts.map((a: { status: number }) => a.status)).toEqual([500, 502, 200]);
  });

  it('emits documents_needed, manual_review and rejected; the sandbox trigger answers 202', async () => {
    for (const ssn of ['230000000', '300000000', '500000000']) await apply(await createApplication(ssn));
    await sandbox.ctx.webhooks.idle();
    expect(received.map((r) => JSON.parse(r.body).event_type)).toEqual([
      'application.documents_needed',
      'application.manual_review',
      'application.rejected',
    ]);
    received.length = 0;
    const triggered = await jikoCall('POST', '/api/v1/sandbox/webhook/', {
      body: { event_type: 'application.approved', payload: { application_id: randomUUID() } },
    });
    expect(triggered.status).toBe(202);
    await sandbox.ctx.webhooks.idle();
    expect(JSON.parse(received[0]!.body).event_id).toBe(triggered.json.event_id);
  });

  it('delivers to API-created subscriptions with their own shared secret', async () => {
    const secret = 'partner-chosen-secret-123';
    const created = await jikoCall('POST', '/api/v1/subscriptions/', {
      body: { events: ['application.rejected'], url: `${receiverUrl}/sub`, shared_secret: secret },
    });
    expect(created.status).toBe(201);
    await apply(await createApplication('500000000'));
    await sandbox.ctx.webhooks.idle();
    const toSubscription = received.find((r) => r.path === '/sub');
    expect(toSubscription?.headers['x-jiko-signature']).toBe(
      createHmac('sha256', secret).update(toSubscription!.body).digest('base64'),
    );
    // The configured target stood in for a subscription; now that the partner has its own, it gets nothing more.
    expect(received.map((r) => r.path)).toEqual(['/sub']);
  });
});

describe('Jiko event types and subscriptions (shapes of the reference)', () => {
  it('lists event types as an offset List of EventType items', async () => {
    const types = await jikoCall('GET', '/api/v1/events/types/');
    expect(types.status).toBe(200);
    expect(types.json).toMatchObject({ offset: 0, count: types.json.items.length, object_type: 'List' });
    expect(types.json.items).toContainEqual({ event: 'application.approved', object_type: 'EventType' });
    for (const item of types.json.items as JsonObject[])
      expect(Object.keys(item).sort()).toEqual(['event', 'object_type']);
  });

  it('creates, lists, reads, updates and deletes Subscription objects; retry_policy is kept, the secret never shown', async () => {
    const retryPolicy = { max_attempts: 5, initial_interval_seconds: 10 };
    const created = await jikoCall('POST', '/api/v1/subscriptions/', {
      body: {
        description: 'Onboarding events',
        events: ['application.approved'],
        url: `${receiverUrl}/sub`,
        shared_secret: 'partner-chosen-secret-123',
        retry_policy: retryPolicy,
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      description: 'Onboarding events',
      events: ['application.approved'],
      url: `${receiverUrl}/sub`,
      time_created: expect.stringMatching(/\+00:00$/),
      updated_at: expect.stringMatching(/\+00:00$/),
      status: 'enabled',
      retry_policy: retryPolicy,
      object_type: 'Subscription',
    });
    const second = await jikoCall('POST', '/api/v1/subscriptions/', {
      body: { events: ['application.rejected'], url: `${receiverUrl}/other`, shared_secret: 'another-secret-4567' },
    });
    expect(second.json).toMatchObject({ description: '', object_type: 'Subscription' });
    expect(second.json).not.toHaveProperty('retry_policy');

    const all = await jikoCall('GET', '/api/v1/subscriptions/');
    expect(all.status).toBe(200);
    expect(all.json).toEqual({
      prev_page: null,
      next_page: null,
      items: [created.json, second.json],
      object_type: 'CursorList',
    });
    const firstPage = await jikoCall('GET', '/api/v1/subscriptions/?limit=1');
    expect(firstPage.json.items).toEqual([created.json]);
    expect(firstPage.json.next_page).toEqual(expect.any(String));
    const nextPage = await jikoCall(
      'GET',
      `/api/v1/subscriptions/?limit=1&cursor=${encodeURIComponent(firstPage.json.next_page)}`,
    );
    expect(nextPage.json).toMatchObject({ items: [second.json], next_page: null, prev_page: expect.any(String) });
    expect((await jikoCall('GET', '/api/v1/subscriptions/?limit=101')).status).toBe(422);

    const id = created.json.id as string;
    expect((await jikoCall('GET', `/api/v1/subscriptions/${id}/`)).json).toEqual(created.json);
    const patched = await jikoCall('PATCH', `/api/v1/subscriptions/${id}/`, { body: { url: `${receiverUrl}/moved` } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id, url: `${receiverUrl}/moved`, retry_policy: retryPolicy });
    expect((await jikoCall('DELETE', `/api/v1/subscriptions/${id}/`)).status).toBe(204);
    expect((await jikoCall('GET', `/api/v1/subscriptions/${id}/`)).status).toBe(404);
    expect(JSON.stringify((await jikoCall('GET', '/api/v1/subscriptions/')).json)).not.toContain('secret-4567');
  });
});

describe('Jiko faults', () => {
  it('injects 503 and 429 (with Retry-After) in FastAPI form, creating nothing', async () => {
    await control('PUT', '/_sandbox/faults/jiko', {
      failNextRequests: 1,
      rateLimitNextRequests: 1,
      retryAfterSeconds: 3,
    });
    const body = applicationBody('400000000');
    const key = randomUUID();
    const unavailable = await jikoCall('POST', '/api/v1/applications/', { body, idempotency: key });
    expect(unavailable.status).toBe(503);
    expect(unavailable.json).toEqual({ detail: expect.any(String) });
    const limited = await jikoCall('POST', '/api/v1/applications/', { body, idempotency: key });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    const created = await jikoCall('POST', '/api/v1/applications/', { body, idempotency: key });
    expect(created.status).toBe(201);
    expect((await control('GET', '/_sandbox/audit?provider=jiko&kind=application')).json.items).toHaveLength(1);
  });

  it('a lost response followed by a retry with the same key creates one application', async () => {
    await control('PUT', '/_sandbox/faults/jiko', { loseNextResponses: 1 });
    const body = applicationBody('400000000');
    const key = randomUUID();
    expect((await jikoCall('POST', '/api/v1/applications/', { body, idempotency: key })).status).toBe(502);
    const retried = await jikoCall('POST', '/api/v1/applications/', { body, idempotency: key });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('x-jiko-idempotent-replay')).toBe('true');
    expect((await control('GET', '/_sandbox/audit?provider=jiko&kind=application')).json.items).toHaveLength(1);
  });

  it('duplicates a webhook on demand: the receiver sees the same event_id twice', async () => {
    await control('PUT', '/_sandbox/faults/jiko', { duplicateNextWebhooks: 1 });
    await apply(await createApplication('400000004'));
    await sandbox.ctx.webhooks.idle();
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[0]!.body).event_id).toBe(JSON.parse(received[1]!.body).event_id);
  });
});
