/**
 * The Linkcy simulator's contract over HTTP, part 1: partner authentication, terms, consumers, the SMS code and
 * configuration. Part 2 (KYC, email, terms re-acceptance, ledger, faults, webhooks, audit): ./linkcy-kyc.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createSandbox } from '../../sandbox/core/server.js';
import {
  HOUR_MS,
  audit,
  call,
  control,
  dataOf,
  eventsOfType,
  lc,
  login,
  newConsumer,
  phone,
  received,
  useLinkcySandbox,
  verifiedConsumer,
  type Json,
} from './linkcy-harness.js';

useLinkcySandbox();

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
    const forged = `${lc.token.slice(0, lc.token.lastIndexOf('.'))}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
    expect((await call('GET', '/terms', { token: forged })).body.errorCode).toBe('INVALID_TOKEN');
    lc.clockOffsetMs = HOUR_MS + 1000;
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
    await lc.sandbox.ctx.webhooks.flush();
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
    const invalidJson = await fetch(`${lc.sandbox.url}/linkcy/api/partner/consumers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lc.token}`, 'content-type': 'application/json' },
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
    const forgedToken = await call('POST', '/consumers', { token: 'not-a-jwt', body: {} });
    expect(forgedToken.status).toBe(401);
    expect(forgedToken.body.errorCode).toBe('INVALID_TOKEN');
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
    await lc.sandbox.ctx.webhooks.flush();
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
    await lc.sandbox.ctx.webhooks.flush();
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
    lc.clockOffsetMs += 31_000;
    expect((await send(id)).status).toBe(200);
    expect((await control('GET', `/consumers/${id}`)).body.otp).toMatchObject({ sent: true, attemptsLeft: 5 });
    expect((await verify(id, '123456')).status).toBe(204);
  });

  it('kills the code after 10 minutes and limits sends to 5 per hour', async () => {
    const id = await newConsumer();
    await send(id);
    lc.clockOffsetMs += 10 * 60_000;
    expect((await verify(id, '123456')).body.errorCode).toBe('PHONE_CODE_EXPIRED');
    for (let sends = 2; sends <= 5; sends++) {
      lc.clockOffsetMs += 31_000;
      expect((await send(id)).status).toBe(200);
    }
    lc.clockOffsetMs += 31_000;
    const sixth = await send(id);
    expect(sixth.status).toBe(429);
    // The first send leaves the one-hour window about 47 minutes from now.
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(40 * 60);
    lc.clockOffsetMs += HOUR_MS;
    lc.token = (await login()).body.token as string;
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

describe('linkcy sandbox: configuration from SANDBOX_LINKCY_*', () => {
  it('takes credentials, terms version and delays from env, and names a bad variable', async () => {
    const configured = await createSandbox({
      env: {
        SANDBOX_LINKCY_USERNAME: 'ops',
        SANDBOX_LINKCY_PASSWORD: 'pw',
        SANDBOX_LINKCY_PARTNER_NAME: 'acme',
        SANDBOX_LINKCY_TERMS_VERSION: '3.0',
        SANDBOX_LINKCY_OTP_MAX_ATTEMPTS: '3',
        SANDBOX_LINKCY_PUBLIC_URL: 'https://demo.example/',
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

      const api = async (method: 'POST', path: string, payload: object): Promise<Json> => {
        const answer = await configured.app.inject({
          method,
          url: `/linkcy/api/partner${path}`,
          headers: bearer,
          payload,
        });
        return answer.body ? (answer.json() as Json) : {};
      };
      const { id } = await api('POST', '/consumers', { phone: { countryCode: '44', number: '7700900123' } });
      await api('POST', '/verifications/phone/send', { consumerId: id as string });
      await api('POST', '/verifications/phone/verify', { consumerId: id as string, code: '123456' });
      const created = await api('POST', '/kyc', { consumerId: id as string, kycConfiguration: { accessType: 'LINK' } });
      expect(created.url).toBe(`https://demo.example/_sandbox/linkcy/hosted/kyc/${created.id as string}`);
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
