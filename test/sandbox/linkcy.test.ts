/**
 * The Linkcy simulator over real HTTP: the sandbox listens on a free port, a tiny local server receives its
 * webhooks. Clock moves are explicit (token, code, link and KYC expiry); KYC verification is synchronous here
 * (delay 0) except where a test sets a delay and waits for the outcome. Webhook signatures are checked with an
 * independent implementation of the documented Svix scheme, not the simulator's signer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, startSandbox, type Sandbox } from '../../sandbox/core/server.js';

const WEBHOOK_SECRET = `whsec_${Buffer.from('linkcy-test-webhook-secret-0123').toString('base64')}`;
const HOUR_MS = 3600_000;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

type Json = Record<string, unknown> & { [key: string]: unknown };
interface CallResult {
  status: number;
  body: Json;
  headers: Headers;
}

let clockOffsetMs = 0;
let sandbox: Sandbox & { url: string };
let receiver: Server;
const received: Received[] = [];
/** Status codes the receiver answers next, in order; 200 once empty. */
const receiverAnswers: number[] = [];
let token = '';

async function request(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {}, headers: response.headers };
}

/** A Linkcy API call, as the partner (a token) unless `token: null`. */
async function call(
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<CallResult> {
  const bearer = options.token === undefined ? token : options.token;
  const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
  return request(`${sandbox.url}/linkcy/api/partner${path}`, method, options.body, headers);
}

const control = (method: string, path: string, body?: unknown): Promise<CallResult> =>
  request(`${sandbox.url}/_sandbox/linkcy${path}`, method, body);

const login = (overrides: Record<string, string> = {}) =>
  call('POST', '/login', {
    token: null,
    body: { userName: 'sandbox-user', partnerName: 'sandbox-partner', password: 'sandbox-password', ...overrides },
  });

let phoneSeq = 0;
/** A fresh phone number ending in `lastFour` (the sandbox's KYC trigger digits). */
const phone = (lastFour = '4242') => ({
  countryCode: '33',
  number: `6${String(++phoneSeq).padStart(4, '0')}${lastFour}`,
});

async function newConsumer(body: Record<string, unknown> = {}): Promise<string> {
  const created = await call('POST', '/consumers', {
    body: { externalId: `cust_${phoneSeq + 1}`, phone: phone(), lastTermsAccepted: '1.0', ...body },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function verifiedConsumer(body: Record<string, unknown> = {}): Promise<string> {
  const id = await newConsumer(body);
  expect((await call('POST', '/verifications/phone/send', { body: { consumerId: id } })).status).toBe(200);
  expect((await call('POST', '/verifications/phone/verify', { body: { consumerId: id, code: '123456' } })).status).toBe(
    204,
  );
  return id;
}

const startKyc = (consumerId: string, accessType = 'LINK') =>
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
function svixValid(delivery: Received, secret = WEBHOOK_SECRET): boolean {
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

const events = () => received.map((r) => ({ ...r, event: JSON.parse(r.body) as Json }));
const eventsOfType = (type: string) => events().filter((r) => r.event.type === type);
const dataOf = (r: { event: Json }) => r.event.data as Json;

async function audit(kind: string, id?: string): Promise<Json[]> {
  const query = new URLSearchParams({ provider: 'linkcy', kind, ...(id ? { id } : {}) });
  const result = await request(`${sandbox.url}/_sandbox/audit?${query}`, 'GET');
  return result.body.items as Json[];
}

beforeAll(async () => {
  receiver = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      received.push({ headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = receiverAnswers.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverPort = (receiver.address() as AddressInfo).port;
  sandbox = await startSandbox({
    port: 0,
    clock: () => new Date(Date.now() + clockOffsetMs),
    env: { SANDBOX_LINKCY_WEBHOOK_SECRET: WEBHOOK_SECRET, SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: '0' },
    webhookTargets: { linkcy: `http://127.0.0.1:${receiverPort}/webhooks/linkcy` },
    webhookDefaults: { backoffMs: 10, maxBackoffMs: 50, maxAttempts: 5 },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

beforeEach(async () => {
  await request(`${sandbox.url}/_sandbox/reset`, 'POST');
  clockOffsetMs = 0;
  received.length = 0;
  receiverAnswers.length = 0;
  token = (await login()).body.token as string;
});

describe('linkcy sandbox: partner authentication', () => {
  it('logs in with userName (or username), answers a JWT with exp and a refresh token', async () => {
    const answer = await login();
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(['refreshToken', 'token']);
    const [, payload] = (answer.body.token as string).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Json;
    expect(claims.exp).toBe((claims.iat as number) + 3600);
    expect(claims.partnerName).toBe('sandbox-partner');
    const redocly = await call('POST', '/login', {
      token: null,
      body: { username: 'sandbox-user', partnerName: 'sandbox-partner', password: 'sandbox-password' },
    });
    expect(redocly.status).toBe(200);
  });

  it('refuses wrong credentials, missing fields, missing, forged and expired tokens', async () => {
    const wrong = await login({ password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errorCode: 'BAD_CREDENTIALS', error: 'linkcy.unauthorized', status: 401 });
    expect(typeof wrong.body.timestamp).toBe('string');
    const missing = await call('POST', '/login', { token: null, body: { partnerName: 'sandbox-partner' } });
    expect(missing.status).toBe(400);
    const fields = (missing.body.details as Json[]).map((d) => d.field).sort();
    expect(fields).toEqual(['password', 'userName']);

    expect((await call('GET', '/terms', { token: null })).body.errorCode).toBe('UNAUTHORIZED');
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
    expect((await call('GET', '/terms', { token: forged })).body.errorCode).toBe('INVALID_TOKEN');
    clockOffsetMs = HOUR_MS + 1000;
    const expired = await call('GET', '/terms');
    expect(expired.status).toBe(401);
    expect(expired.body.errorCode).toBe('TOKEN_EXPIRED');
  });

  it('refreshes once per refresh token; the expire control ends every token', async () => {
    const first = await login();
    const refreshed = await call('POST', '/refresh', { token: null, body: { refreshToken: first.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await call('GET', '/terms', { token: refreshed.body.token as string })).status).toBe(200);
    const again = await call('POST', '/refresh', { token: null, body: { refreshToken: first.body.refreshToken } });
    expect(again.status).toBe(401);
    expect(again.body.errorCode).toBe('INVALID_REFRESH_TOKEN');

    expect((await control('POST', '/tokens/expire')).status).toBe(200);
    expect((await call('GET', '/terms', { token: refreshed.body.token as string })).body.errorCode).toBe(
      'TOKEN_EXPIRED',
    );
    const spent = await call('POST', '/refresh', { token: null, body: { refreshToken: refreshed.body.refreshToken } });
    expect(spent.status).toBe(401);
    expect((await audit('token')).length).toBe(3);
  });
});

describe('linkcy sandbox: terms and consumers', () => {
  it('serves the current terms version, in English by default', async () => {
    const terms = await call('GET', '/terms');
    expect(terms.status).toBe(200);
    expect(terms.body).toMatchObject({ version: '1.0', language: 'EN' });
    expect(terms.body.url).toMatch(/^https:\/\/.+1\.0\/EN\.pdf$/);
    expect((await call('GET', '/terms?language=fr')).body.language).toBe('FR');
    const unsupported = await call('GET', '/terms?language=DE');
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.errorCode).toBe('UNSUPPORTED_LANGUAGE');
  });

  it('creates a consumer from a phone alone and answers only its id', async () => {
    const created = await call('POST', '/consumers', { body: { phone: phone() } });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['id']);
    const read = await call('GET', `/consumers/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: created.body.id,
      externalId: null,
      status: 'ACTIVE',
      termsAccepted: false,
      email: null,
      kycInfo: { id: null, status: 'NOT_STARTED' },
      phone: { countryCode: '33', verified: false, verificationDate: null },
    });
    await sandbox.ctx.webhooks.flush();
    const [createdEvent] = eventsOfType('CONSUMER_CREATED');
    expect(dataOf(createdEvent!)).toEqual({ consumerId: created.body.id, externalId: null });
    expect(createdEvent!.body).not.toContain(read.body.phone && (read.body.phone as Json).number);
  });

  it('takes the optional fields and the accepted terms version at creation', async () => {
    const id = await newConsumer({
      externalId: 'cust_8f2c',
      emailAddress: 'ada@example.com',
      sourceOfFunds: 'OTHER',
      otherSourceOfFunds: 'Crowdfunding',
      occupation: 'ENGINEER',
      metadata: { channel: 'app' },
    });
    const read = await call('GET', `/consumers/${id}`);
    expect(read.body).toMatchObject({
      externalId: 'cust_8f2c',
      termsAccepted: true,
      lastTermsAccepted: '1.0',
      email: { emailAddress: 'ada@example.com', emailAddressVerified: false },
      sourceOfFunds: 'OTHER',
      otherSourceOfFunds: 'Crowdfunding',
      occupation: 'ENGINEER',
      metadata: { channel: 'app' },
    });
  });

  it('rejects bad input naming each field, without echoing contact data', async () => {
    const bad = await call('POST', '/consumers', {
      body: {
        phone: { countryCode: '999', number: '06 12' },
        emailAddress: 'not-an-email',
        sourceOfFunds: 'OTHER',
        occupation: 'ASTRONAUT',
        externalId: 'x'.repeat(512),
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errorCode: 'VALIDATION_ERROR', error: 'linkcy.bad.request', status: 400 });
    const details = bad.body.details as Json[];
    expect(details.map((d) => d.field).sort()).toEqual(
      ['emailAddress', 'externalId', 'occupation', 'otherSourceOfFunds', 'phone.countryCode', 'phone.number'].sort(),
    );
    expect(details.find((d) => d.field === 'phone.number')!.rejectedValue).toBeNull();
    expect(details.find((d) => d.field === 'emailAddress')!.rejectedValue).toBeNull();
    expect(details.find((d) => d.field === 'occupation')!.rejectedValue).toBe('ASTRONAUT');
    expect(JSON.stringify(bad.body)).not.toContain('not-an-email');

    const noPhone = await call('POST', '/consumers', { body: { externalId: 'x' } });
    expect((noPhone.body.details as Json[])[0]!.field).toBe('phone');
    const staleTerms = await call('POST', '/consumers', { body: { phone: phone(), lastTermsAccepted: '0.9' } });
    expect(staleTerms.status).toBe(400);
    expect(staleTerms.body.errorCode).toBe('INVALID_TERMS_VERSION');
    const hugeMetadata = await call('POST', '/consumers', {
      body: { phone: phone(), metadata: { a: 'x'.repeat(3000) } },
    });
    expect((hugeMetadata.body.details as Json[])[0]!.field).toBe('metadata');
    const invalidJson = await fetch(`${sandbox.url}/linkcy/api/partner/consumers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"phone": {"number": "0612',
    });
    expect(invalidJson.status).toBe(400);
    const invalidBody = (await invalidJson.json()) as Json;
    expect(invalidBody.errorCode).toBe('INVALID_JSON');
    expect(JSON.stringify(invalidBody)).not.toContain('0612');
    expect(await audit('consumer')).toEqual([]);
  });

  it('refuses a second consumer with the same phone (409) and finds the first by phone', async () => {
    const samePhone = phone();
    const first = await call('POST', '/consumers', { body: { externalId: 'cust_lost', phone: samePhone } });
    expect(first.status).toBe(201);
    const again = await call('POST', '/consumers', { body: { externalId: 'cust_lost', phone: samePhone } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ errorCode: 'PHONE_ALREADY_EXISTS', error: 'linkcy.conflict', status: 409 });
    await newConsumer();

    for (const query of [
      `${samePhone.countryCode}${samePhone.number}`,
      `%2B${samePhone.countryCode}${samePhone.number}`,
    ]) {
      const found = await call('GET', `/consumers?phone=${query}`);
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({ totalElements: 1, page: 0, pageSize: 20 });
      const [item] = found.body.content as Json[];
      expect(item).toMatchObject({ id: first.body.id, externalId: 'cust_lost' });
      expect((item!.status as Json).kyc).toEqual({ value: 'NOT_STARTED', reason: null });
    }
    expect((await call('GET', '/consumers?phone=33000000000')).body.totalElements).toBe(0);
    expect((await call('GET', '/consumers?externalId=cust_lost')).body.totalElements).toBe(1);
    expect((await call('GET', '/consumers?pageSize=101')).status).toBe(400);
    expect((await call('GET', '/consumers?pageSize=1&page=1')).body).toMatchObject({ totalElements: 2, pageSize: 1 });
    expect((await audit('consumer')).length).toBe(2);
    expect((await call('GET', '/consumers/no-such-id')).body.errorCode).toBe('END_USER_NOT_FOUND');
  });

  it('creates anonymously only with the partner name', async () => {
    const withName = await call('POST', '/consumers', {
      token: null,
      body: { partnerName: 'sandbox-partner', phone: phone() },
    });
    expect(withName.status).toBe(201);
    const without = await call('POST', '/consumers', { token: null, body: { phone: phone() } });
    expect(without.status).toBe(400);
    expect(without.body.errorCode).toBe('PARTNER_NAME_REQUIRED');
    const unknown = await call('POST', '/consumers', { token: null, body: { partnerName: 'other', phone: phone() } });
    expect(unknown.status).toBe(404);
  });

  it('PATCH: a new phone or email must be verified again; a taken phone is refused', async () => {
    const id = await verifiedConsumer({ emailAddress: 'ada@example.com' });
    const otherPhone = phone();
    await newConsumer({ phone: otherPhone });
    const taken = await call('PATCH', `/consumers/${id}`, { body: { phone: otherPhone } });
    expect(taken.status).toBe(409);
    expect(taken.body.errorCode).toBe('PHONE_ALREADY_EXISTS');

    const patched = await call('PATCH', `/consumers/${id}`, {
      body: { phone: phone(), emailAddress: 'ada@example.org' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.phone).toMatchObject({ verified: false, verificationDate: null });
    expect(patched.body.email).toMatchObject({ emailAddress: 'ada@example.org', emailAddressVerified: false });
    const unchanged = await call('PATCH', `/consumers/${id}`, { body: { occupation: 'STUDENT' } });
    expect(unchanged.body.occupation).toBe('STUDENT');
    await sandbox.ctx.webhooks.flush();
    const updates = eventsOfType('CONSUMER_UPDATED').map((r) => dataOf(r).updatedFields);
    expect(updates).toContainEqual(['phone', 'email']);
    expect(updates).toContainEqual(['occupation']);
    expect(received.map((r) => r.body).join('')).not.toContain('ada@example');
  });
});

describe('linkcy sandbox: phone verification by SMS code', () => {
  const send = (consumerId: string) => call('POST', '/verifications/phone/send', { body: { consumerId } });
  const verify = (consumerId: string, code: string) =>
    call('POST', '/verifications/phone/verify', { body: { consumerId, code } });

  it('sends the sandbox code (outbox only) and verifies it with 204', async () => {
    const id = await newConsumer();
    const sent = await send(id);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ ttl: 'PT10M' });
    const outbox = await control('GET', `/outbox?consumerId=${id}&channel=SMS`);
    const [sms] = outbox.body.messages as Json[];
    expect(sms).toMatchObject({ channel: 'SMS', consumerId: id, code: '123456' });
    expect(sms!.to).toMatch(/^\+33 •+\d\d$/);

    const ok = await verify(id, '123456');
    expect(ok.status).toBe(204);
    const read = await call('GET', `/consumers/${id}`);
    expect(read.body.phone).toMatchObject({ verified: true });
    expect(typeof (read.body.phone as Json).verificationDate).toBe('string');
    const again = await verify(id, '123456');
    expect(again.status).toBe(409);
    expect(again.body.errorCode).toBe('PHONE_ALREADY_VERIFIED');
    expect((await send(id)).body.errorCode).toBe('PHONE_ALREADY_VERIFIED');
    await sandbox.ctx.webhooks.flush();
    expect(eventsOfType('CONSUMER_UPDATED').map((r) => dataOf(r).updatedFields)).toContainEqual(['phone.verified']);
    expect(await audit('phone_verified', id)).toHaveLength(1);
    expect(JSON.stringify(await audit('phone_code_sent'))).not.toContain('123456');
  });

  it('counts wrong codes down, then the code is dead until a new one is sent', async () => {
    const id = await newConsumer();
    expect((await verify(id, '123456')).body.errorCode).toBe('PHONE_CODE_NOT_SENT');
    await send(id);
    const badFormat = await verify(id, '12ab');
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.details).toEqual([{ field: 'code', rejectedValue: null, message: expect.any(String) }]);

    for (const remaining of [4, 3, 2, 1, 0]) {
      const wrong = await verify(id, '000000');
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({
        errorCode: 'INVALID_PHONE_CODE',
        error: 'linkcy.bad.request',
        remainingAttempts: remaining,
        details: [{ field: 'code', rejectedValue: null, message: 'Phone code is not valid.' }],
      });
      expect(JSON.stringify(wrong.body)).not.toContain('000000');
    }
    const dead = await verify(id, '123456');
    expect(dead.status).toBe(400);
    expect(dead.body.errorCode).toBe('PHONE_CODE_MAX_ATTEMPTS');

    const tooSoon = await send(id);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.errorCode).toBe('PHONE_CODE_RESEND_LIMIT');
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(0);
    clockOffsetMs += 31_000;
    expect((await send(id)).status).toBe(200);
    expect((await control('GET', `/consumers/${id}`)).body.otp).toMatchObject({ sent: true, attemptsLeft: 5 });
    expect((await verify(id, '123456')).status).toBe(204);
  });

  it('kills the code after 10 minutes and limits sends to 5 per hour', async () => {
    const id = await newConsumer();
    await send(id);
    clockOffsetMs += 10 * 60_000;
    expect((await verify(id, '123456')).body.errorCode).toBe('PHONE_CODE_EXPIRED');
    for (let sends = 2; sends <= 5; sends++) {
      clockOffsetMs += 31_000;
      expect((await send(id)).status).toBe(200);
    }
    clockOffsetMs += 31_000;
    const sixth = await send(id);
    expect(sixth.status).toBe(429);
    // The first send leaves the one-hour window about 47 minutes from now.
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(40 * 60);
    clockOffsetMs += HOUR_MS;
    token = (await login()).body.token as string;
    expect((await send(id)).status).toBe(200);
  });

  it('a phone change kills the code and lifts the resend wait; the control can change the code', async () => {
    const id = await newConsumer();
    await send(id);
    await call('PATCH', `/consumers/${id}`, { body: { phone: phone() } });
    expect((await verify(id, '123456')).body.errorCode).toBe('PHONE_CODE_NOT_SENT');
    expect((await send(id)).status).toBe(200);

    const other = await newConsumer();
    expect((await control('PUT', '/settings', { otpCode: '654321' })).body.otpCode).toBe('654321');
    await send(other);
    expect((await verify(other, '123456')).body.errorCode).toBe('INVALID_PHONE_CODE');
    expect((await verify(other, '654321')).status).toBe(204);
    const invalid = await control('PUT', '/settings', { otpMaxAttempts: 0, unknown: 1 });
    expect(invalid.status).toBe(400);
    expect((invalid.body.details as Json[]).map((d) => d.field).sort()).toEqual(['otpMaxAttempts', 'unknown']);
  });
});

describe('linkcy sandbox: hosted KYC', () => {
  it('needs a consumer id and a verified phone', async () => {
    const missing = await call('POST', '/kyc', { body: { kycConfiguration: { accessType: 'LINK' } } });
    expect(missing.status).toBe(400);
    expect(missing.body.errorCode).toBe('PERSON_ID_REQUIRED');
    const unverified = await startKyc(await newConsumer());
    expect(unverified.status).toBe(409);
    expect(unverified.body.errorCode).toBe('PHONE_NOT_VALIDATED');
    const badType = await call('POST', '/kyc', {
      body: { consumerId: 'x', kycConfiguration: { accessType: 'PAPER' } },
    });
    expect((badType.body.details as Json[])[0]!.field).toBe('kycConfiguration.accessType');
  });

  it('creates one link per consumer; the customer finishing it validates the KYC, announced signed by Svix', async () => {
    const id = await verifiedConsumer();
    const created = await startKyc(id);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      personId: id,
      personType: 'CONSUMER',
      status: 'CREATED',
      accessType: 'LINK',
      ttl: 'PT720H',
      sdkToken: null,
      urlOnComplete: 'https://partner.example/ok',
    });
    expect(created.body.url).toMatch(/^https:\/\//);
    const kycId = created.body.id as string;
    const again = await startKyc(id);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(kycId);
    expect((await call('GET', `/consumers/${id}`)).body.kycInfo).toMatchObject({ id: kycId, status: 'CREATED' });

    const done = await control('POST', `/kyc/${kycId}/complete`, { outcome: 'approved' });
    expect(done.status).toBe(200);
    expect((await call('GET', `/kyc/${kycId}`)).body.status).toBe('VALIDATED');
    const consumer = await call('GET', `/consumers/${id}`);
    expect(consumer.body).toMatchObject({
      kycInfo: { status: 'VALIDATED' },
      firstName: 'Sandbox',
      lastName: 'Consumer',
    });
    expect((consumer.body.email as Json).emailAddress).toMatch(/@consumers\.sandbox\.linkcy\.invalid$/);
    expect((await startKyc(id)).body.errorCode).toBe('KYC_ALREADY_VALIDATED');

    await sandbox.ctx.webhooks.flush();
    const kycEvents = events().filter((r) => String(r.event.type).startsWith('CONSUMER_KYC_'));
    expect(kycEvents.map((r) => [r.event.type, dataOf(r).status])).toEqual([
      ['CONSUMER_KYC_CREATED', 'CREATED'],
      ['CONSUMER_KYC_UPDATED', 'PROCESSING'],
      ['CONSUMER_KYC_VALIDATED', 'VALIDATED'],
    ]);
    for (const delivery of kycEvents) {
      expect(svixValid(delivery)).toBe(true);
      expect(svixValid(delivery, `whsec_${Buffer.from('another-secret-of-32-bytes-long!').toString('base64')}`)).toBe(
        false,
      );
      expect(delivery.headers['svix-id']).toMatch(/^msg_/);
      const timestamp = Number(delivery.headers['svix-timestamp']);
      expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(300);
      expect(dataOf(delivery)).toMatchObject({ consumerId: id, kycId });
      expect(delivery.event.timestamp).toEqual(expect.any(String));
    }
    const tampered = { ...kycEvents[0]!, body: kycEvents[0]!.body.replace('CREATED', 'VALIDATED') };
    expect(svixValid(tampered)).toBe(false);
    expect(await audit('kyc')).toHaveLength(1);
  });

  it('review, decline and abandon by the phone digits; decide from review; a new link after ABORTED', async () => {
    const reviewed = await verifiedConsumer({ phone: phone('0002') });
    const reviewKyc = (await startKyc(reviewed)).body.id as string;
    expect((await control('POST', `/kyc/${reviewKyc}/decide`, { status: 'VALIDATED' })).body.errorCode).toBe(
      'KYC_NOT_IN_REVIEW',
    );
    expect((await control('POST', `/kyc/${reviewKyc}/open`)).body.status).toBe('PROCESSING');
    expect((await control('POST', `/kyc/${reviewKyc}/complete`)).body.status).toBe('PENDING_REVIEW');
    expect((await startKyc(reviewed)).body.id).toBe(reviewKyc);
    expect((await control('POST', `/kyc/${reviewKyc}/decide`, { status: 'DECLINED' })).body).toMatchObject({
      status: 'DECLINED',
      reason: 'IDENTITY_NOT_VERIFIED',
    });
    expect((await startKyc(reviewed)).body.errorCode).toBe('KYC_DECLINED');

    const declined = await verifiedConsumer({ phone: phone('0001') });
    const declinedKyc = (await startKyc(declined)).body.id as string;
    expect((await control('POST', `/kyc/${declinedKyc}/complete`)).body.status).toBe('DECLINED');

    const quitter = await verifiedConsumer({ phone: phone('0003') });
    const firstKyc = (await startKyc(quitter)).body.id as string;
    expect((await control('POST', `/kyc/${firstKyc}/complete`)).body).toMatchObject({
      status: 'ABORTED',
      reason: 'USER_ABANDONED',
    });
    const second = await startKyc(quitter);
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(firstKyc);
    expect((await control('PUT', `/consumers/${quitter}/kyc-outcome`, { outcome: 'approved' })).status).toBe(200);
    expect((await control('POST', `/kyc/${second.body.id}/complete`)).body.status).toBe('VALIDATED');
    const listed = await call('GET', `/kyc?personId=${quitter}`);
    expect(listed.body.totalElements).toBe(2);
    expect((await call('GET', '/kyc?kycStatus=DECLINED')).body.totalElements).toBe(2);
    expect((await call('GET', `/consumers?kycStatus=VALIDATED`)).body.totalElements).toBe(1);
  });

  it('a link expires (control or 720 h on the clock) into ABORTED; simulate forces a status', async () => {
    const id = await verifiedConsumer();
    const kycId = (await startKyc(id)).body.id as string;
    expect((await control('POST', `/kyc/${kycId}/expire`)).body).toMatchObject({
      status: 'ABORTED',
      reason: 'LINK_EXPIRED',
    });
    const next = (await startKyc(id)).body.id as string;
    clockOffsetMs += 720 * HOUR_MS;
    token = (await login()).body.token as string;
    expect((await call('GET', `/kyc/${next}`)).body).toMatchObject({ status: 'ABORTED', reason: 'LINK_EXPIRED' });

    const sdk = await startKyc(id, 'SDK');
    expect(sdk.body).toMatchObject({ accessType: 'SDK', url: null, ttl: 'PT24H' });
    expect(typeof sdk.body.sdkToken).toBe('string');
    const simulated = await call('POST', '/kyc/simulate', { body: { consumerId: id, kycStatus: 'VALIDATED' } });
    expect(simulated.status).toBe(200);
    expect(simulated.body).toMatchObject({ id: sdk.body.id, status: 'VALIDATED' });
    expect((await call('GET', '/kyc/no-such-kyc')).body.errorCode).toBe('KYC_NOT_FOUND');
  });

  it('with a verification delay the KYC stays PROCESSING, then reaches its outcome', async () => {
    await control('PUT', '/settings', { kycVerificationDelayMs: 50 });
    const id = await verifiedConsumer();
    const kycId = (await startKyc(id)).body.id as string;
    expect((await control('POST', `/kyc/${kycId}/complete`)).body.status).toBe('PROCESSING');
    let status = 'PROCESSING';
    for (let poll = 0; poll < 100 && status === 'PROCESSING'; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await call('GET', `/kyc/${kycId}`)).body.status as string;
    }
    expect(status).toBe('VALIDATED');
  });

  it('auto-completes new links when the setting asks for it', async () => {
    await control('PUT', '/settings', { kycAutoCompleteMs: 0 });
    const id = await verifiedConsumer({ phone: phone('0002') });
    const kycId = (await startKyc(id)).body.id as string;
    let status = 'CREATED';
    for (let poll = 0; poll < 100 && status !== 'PENDING_REVIEW'; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await call('GET', `/kyc/${kycId}`)).body.status as string;
    }
    expect(status).toBe('PENDING_REVIEW');
  });
});

describe('linkcy sandbox: email, terms re-acceptance, ledger', () => {
  it('sends a 48 h email link; the customer clicking it verifies the address', async () => {
    const noEmail = await newConsumer();
    const missing = await call('POST', '/verifications/email/send', { body: { consumerId: noEmail } });
    expect(missing.status).toBe(409);
    expect(missing.body.errorCode).toBe('EMAIL_ADDRESS_MISSING');
    expect((await control('POST', `/email/${noEmail}/confirm`)).body.errorCode).toBe('EMAIL_LINK_NOT_SENT');

    const id = await newConsumer({ emailAddress: 'ada@example.com' });
    const sent = await call('POST', '/verifications/email/send', { body: { consumerId: id } });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ ttl: 'PT48H' });
    const [email] = (await control('GET', `/outbox?consumerId=${id}&channel=EMAIL`)).body.messages as Json[];
    expect(email).toMatchObject({
      subject: '[sandbox-partner] Please verify your email address',
      to: 'a•••@example.com',
    });
    expect(email!.link).toMatch(/^https:\/\//);
    const confirmed = await control('POST', `/email/${id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.email).toMatchObject({ emailAddressVerified: true });
    expect((await call('POST', '/verifications/email/send', { body: { consumerId: id } })).body.errorCode).toBe(
      'EMAIL_ALREADY_VERIFIED',
    );
    await sandbox.ctx.webhooks.flush();
    expect(eventsOfType('CONSUMER_UPDATED').map((r) => dataOf(r).updatedFields)).toContainEqual([
      'email.emailAddressVerified',
    ]);

    await call('PATCH', `/consumers/${id}`, { body: { emailAddress: 'ada@example.org' } });
    expect((await call('GET', `/consumers/${id}`)).body.email).toMatchObject({ emailAddressVerified: false });
    await call('POST', '/verifications/email/send', { body: { consumerId: id, emailSubject: 'Hi' } });
    clockOffsetMs += 48 * HOUR_MS;
    expect((await control('POST', `/email/${id}/confirm`)).body.errorCode).toBe('EMAIL_LINK_EXPIRED');
  });

  it('a new terms version flips termsAccepted to false until the consumer is PATCHed with it', async () => {
    const id = await newConsumer();
    const published = await control('POST', '/terms/publish', {});
    expect(published.body).toEqual({ version: '2.0', consumersAffected: 1 });
    expect((await call('GET', '/terms')).body.version).toBe('2.0');
    expect((await call('GET', `/consumers/${id}`)).body).toMatchObject({
      termsAccepted: false,
      lastTermsAccepted: '1.0',
    });
    await sandbox.ctx.webhooks.flush();
    expect(eventsOfType('CONSUMER_UPDATED').map((r) => dataOf(r))).toContainEqual(
      expect.objectContaining({ consumerId: id, updatedFields: ['termsAccepted'] }),
    );
    // Signing an older (published) version is recorded but does not count; an unknown one is refused.
    const stale = await call('PATCH', `/consumers/${id}`, { body: { lastTermsAccepted: '1.0' } });
    expect(stale.status).toBe(200);
    expect(stale.body).toMatchObject({ termsAccepted: false, lastTermsAccepted: '1.0' });
    const unknown = await call('PATCH', `/consumers/${id}`, { body: { lastTermsAccepted: '9.0' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errorCode).toBe('INVALID_TERMS_VERSION');
    expect((unknown.body.details as Json[])[0]).toMatchObject({ field: 'lastTermsAccepted', rejectedValue: '9.0' });
    const late = await call('GET', `/consumers/${await newConsumer({ lastTermsAccepted: '1.0' })}`);
    expect(late.body).toMatchObject({ termsAccepted: false, lastTermsAccepted: '1.0' });
    const accepted = await call('PATCH', `/consumers/${id}`, { body: { lastTermsAccepted: '2.0' } });
    expect(accepted.body).toMatchObject({ termsAccepted: true, lastTermsAccepted: '2.0' });
    expect((await control('POST', '/terms/publish', { version: '2.0' })).status).toBe(409);
    expect((await control('POST', '/terms/publish', { version: '2.1' })).body.version).toBe('2.1');
    expect((await audit('terms_accepted', id)).map((e) => (e.data as Json).version)).toEqual(['1.0', '2.0']);
  });

  it('opens one ledger after a validated KYC with accepted terms', async () => {
    const id = await verifiedConsumer();
    const early = await call('POST', '/ledgers', { body: { endUserId: id, type: 'EUR_BELGIUM' } });
    expect(early.status).toBe(409);
    expect(early.body.errorCode).toBe('KYC_NOT_VALIDATED');
    const kycId = (await startKyc(id)).body.id as string;
    await control('POST', `/kyc/${kycId}/complete`, { outcome: 'approved' });
    const ledger = await call('POST', '/ledgers', {
      body: { endUserId: id, type: 'EUR_BELGIUM', friendlyName: 'Main' },
    });
    expect(ledger.status).toBe(201);
    expect(ledger.body).toMatchObject({ endUserId: id, status: 'ACTIVE', currency: 'EUR', friendlyName: 'Main' });
    const iban = ledger.body.iban as string;
    expect(iban).toMatch(/^BE\d{14}$/);
    const rearranged = `${iban.slice(4)}1114${iban.slice(2, 4)}`;
    expect(BigInt(rearranged) % 97n).toBe(1n);
    expect((await call('POST', '/ledgers', { body: { endUserId: id, type: 'EUR_BELGIUM' } })).body.errorCode).toBe(
      'LEDGER_ALREADY_EXISTS',
    );
    expect((await call('GET', `/ledgers?endUserId=${id}`)).body.totalElements).toBe(1);
    expect((await call('GET', `/ledgers/${ledger.body.id}`)).body.iban).toBe(iban);
    expect((await call('GET', '/ledgers/nope')).body.errorCode).toBe('LEDGER_NOT_FOUND');
    const [item] = (
      await call('GET', `/consumers?externalId=${(await call('GET', `/consumers/${id}`)).body.externalId}`)
    ).body.content as Json[];
    expect((item!.status as Json).banking).toEqual({ value: 'VALIDATED', reason: null });
  });
});

describe('linkcy sandbox: faults, webhook delivery, audit', () => {
  it('injects 5xx in Linkcy envelope; controls are never faulted', async () => {
    expect((await request(`${sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { failNextRequests: 1 })).status).toBe(200);
    const faulted = await call('GET', '/terms');
    expect(faulted.status).toBe(503);
    expect(faulted.body).toMatchObject({
      errorCode: 'SERVICE_UNAVAILABLE',
      error: 'linkcy.service.unavailable',
      status: 503,
    });
    await request(`${sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { errorRate: 1 });
    expect((await control('GET', '/settings')).status).toBe(200);
    await request(`${sandbox.url}/_sandbox/faults/linkcy`, 'DELETE');
    expect((await call('GET', '/terms')).status).toBe(200);
  });

  it('a lost create answer, retried: 409, found by phone, exactly one consumer in the audit', async () => {
    const lostPhone = phone();
    await request(`${sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { loseNextResponses: 1 });
    const lost = await call('POST', '/consumers', { body: { externalId: 'cust_retry', phone: lostPhone } });
    expect(lost.status).toBe(502);
    const retry = await call('POST', '/consumers', { body: { externalId: 'cust_retry', phone: lostPhone } });
    expect(retry.status).toBe(409);
    const found = await call('GET', `/consumers?phone=${lostPhone.countryCode}${lostPhone.number}`);
    expect((found.body.content as Json[]).map((c) => c.externalId)).toEqual(['cust_retry']);
    const created = await audit('consumer');
    expect(created).toHaveLength(1);
    expect(created[0]!.id).toBe((found.body.content as Json[])[0]!.id);
    expect(JSON.stringify(await audit('consumer'))).not.toContain(lostPhone.number);
  });

  it('redelivers on non-2xx with the same svix-id, re-signed per attempt; duplicates share the id', async () => {
    receiverAnswers.push(500, 302);
    await newConsumer();
    await sandbox.ctx.webhooks.flush();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['svix-id'])).size).toBe(1);
    expect(received.every((r) => svixValid(r))).toBe(true);

    received.length = 0;
    await request(`${sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { duplicateNextWebhooks: 1 });
    await newConsumer();
    await sandbox.ctx.webhooks.flush();
    expect(received).toHaveLength(2);
    expect(received[0]!.headers['svix-id']).toBe(received[1]!.headers['svix-id']);
    expect(received[0]!.body).toBe(received[1]!.body);
    const deliveries = await request(`${sandbox.url}/_sandbox/webhooks?provider=linkcy`, 'GET');
    expect(JSON.stringify(deliveries.body)).toContain('CONSUMER_CREATED');
  });

  it('a full onboarding leaves one of each entity in the audit and no contact data or code anywhere in it', async () => {
    const id = await verifiedConsumer({ emailAddress: 'ada@example.com' });
    const kycId = (await startKyc(id)).body.id as string;
    await startKyc(id);
    await control('POST', `/kyc/${kycId}/complete`, { outcome: 'approved' });
    await call('POST', '/verifications/email/send', { body: { consumerId: id } });
    await control('POST', `/email/${id}/confirm`);
    await call('POST', '/ledgers', { body: { endUserId: id, type: 'EUR_BELGIUM' } });
    for (const kind of ['consumer', 'phone_verified', 'kyc', 'email_verified', 'ledger']) {
      expect(await audit(kind)).toHaveLength(1);
    }
    const everything = JSON.stringify((await request(`${sandbox.url}/_sandbox/audit?provider=linkcy`, 'GET')).body);
    const number = ((await call('GET', `/consumers/${id}`)).body.phone as Json).number as string;
    expect(everything).not.toContain(number);
    expect(everything).not.toContain('ada@example.com');
    expect(everything).not.toContain('123456');
    await sandbox.ctx.webhooks.flush();
    const bodies = received.map((r) => r.body).join('\n');
    expect(bodies).not.toContain(number);
    expect(bodies).not.toContain('ada@example.com');
  });
});

describe('linkcy sandbox: configuration from SANDBOX_LINKCY_*', () => {
  it('takes credentials, terms version and delays from env, and names a bad variable', async () => {
    const configured = await createSandbox({
      env: {
        SANDBOX_LINKCY_USERNAME: 'ops',
        SANDBOX_LINKCY_PASSWORD: 'pw',
        SANDBOX_LINKCY_PARTNER_NAME: 'acme',
        SANDBOX_LINKCY_TERMS_VERSION: '3.0',
        SANDBOX_LINKCY_OTP_MAX_ATTEMPTS: '3',
      },
      webhookTargets: { linkcy: 'http://127.0.0.1:9/unused' },
    });
    try {
      const loggedIn = await configured.app.inject({
        method: 'POST',
        url: '/linkcy/api/partner/login',
        payload: { userName: 'ops', partnerName: 'acme', password: 'pw' },
      });
      expect(loggedIn.statusCode).toBe(200);
      const bearer = { authorization: `Bearer ${(loggedIn.json() as Json).token as string}` };
      const terms = await configured.app.inject({ method: 'GET', url: '/linkcy/api/partner/terms', headers: bearer });
      expect((terms.json() as Json).version).toBe('3.0');
      const settings = await configured.app.inject({ method: 'GET', url: '/_sandbox/linkcy/settings' });
      expect(settings.json()).toMatchObject({ otpMaxAttempts: 3, otpCode: '123456', kycVerificationDelayMs: 2000 });
    } finally {
      await configured.close();
    }
    await expect(createSandbox({ env: { SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: 'soon' } })).rejects.toThrow(
      /SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS/,
    );
    await expect(createSandbox({ env: { SANDBOX_LINKCY_WEBHOOK_SECRET: 'plain-secret' } })).rejects.toThrow(
      /SANDBOX_LINKCY_WEBHOOK_SECRET/,
    );
  });
});
