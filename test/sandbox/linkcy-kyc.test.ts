/**
 * The Linkcy simulator's contract over HTTP, part 2: the hosted KYC, email verification, terms re-acceptance, the
 * ledger, fault injection, Svix webhook delivery and the audit. Part 1: ./linkcy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  HOUR_MS,
  audit,
  call,
  control,
  dataOf,
  events,
  eventsOfType,
  lc,
  login,
  newConsumer,
  phone,
  receiverAnswers,
  received,
  request,
  startKyc,
  svixValid,
  useLinkcySandbox,
  verifiedConsumer,
  type Json,
} from './linkcy-harness.js';

useLinkcySandbox();

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
    expect(created.body.url).toMatch(/^https?:\/\/.+\/hosted\/kyc\/[0-9a-f-]{36}$/);
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

    await lc.sandbox.ctx.webhooks.flush();
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
    lc.clockOffsetMs += 720 * HOUR_MS;
    lc.token = (await login()).body.token as string;
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

  it('the link is our hosted page: opening it starts the KYC, a button finishes it and redirects', async () => {
    const id = await verifiedConsumer();
    const created = await startKyc(id);
    const url = created.body.url as string;
    expect(url).toBe(`${lc.sandbox.url}/_sandbox/linkcy/hosted/kyc/${created.body.id as string}`);
    const opened = await fetch(url);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toContain('text/html');
    expect(await opened.text()).toContain('value="approved"');
    expect((await call('GET', `/kyc/${created.body.id as string}`)).body.status).toBe('PROCESSING');
    const finished = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=approved',
      redirect: 'manual',
    });
    expect(finished.status).toBe(303);
    expect(finished.headers.get('location')).toBe('https://partner.example/ok');
    expect((await call('GET', `/kyc/${created.body.id as string}`)).body.status).toBe('VALIDATED');
    expect(await (await fetch(url)).text()).toContain('Nothing left to do');
    const missing = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(missing.status).toBe(400);
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
    expect(email!.link).toMatch(/\/_sandbox\/linkcy\/hosted\/email\/[\w-]+$/);
    const confirmed = await control('POST', `/email/${id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.email).toMatchObject({ emailAddressVerified: true });
    expect((await call('POST', '/verifications/email/send', { body: { consumerId: id } })).body.errorCode).toBe(
      'EMAIL_ALREADY_VERIFIED',
    );
    await lc.sandbox.ctx.webhooks.flush();
    expect(eventsOfType('CONSUMER_UPDATED').map((r) => dataOf(r).updatedFields)).toContainEqual([
      'email.emailAddressVerified',
    ]);

    await call('PATCH', `/consumers/${id}`, { body: { emailAddress: 'ada@example.org' } });
    expect((await call('GET', `/consumers/${id}`)).body.email).toMatchObject({ emailAddressVerified: false });
    await call('POST', '/verifications/email/send', { body: { consumerId: id, emailSubject: 'Hi' } });
    lc.clockOffsetMs += 48 * HOUR_MS;
    expect((await control('POST', `/email/${id}/confirm`)).body.errorCode).toBe('EMAIL_LINK_EXPIRED');
  });

  it('the email link is a hosted page: clicking it verifies and redirects; an expired one says so', async () => {
    const id = await newConsumer({ emailAddress: 'ada@example.com' });
    const urls = { urlOnSuccess: 'https://partner.example/email-ok', urlOnFailure: 'https://partner.example/email-ko' };
    await call('POST', '/verifications/email/send', { body: { consumerId: id, ...urls } });
    const [email] = (await control('GET', `/outbox?consumerId=${id}&channel=EMAIL`)).body.messages as Json[];
    const link = email!.link as string;
    expect(link.startsWith(`${lc.sandbox.url}/_sandbox/linkcy/hosted/email/`)).toBe(true);
    const clicked = await fetch(link, { redirect: 'manual' });
    expect(clicked.status).toBe(303);
    expect(clicked.headers.get('location')).toBe(urls.urlOnSuccess);
    expect((await call('GET', `/consumers/${id}`)).body.email).toMatchObject({ emailAddressVerified: true });
    expect((await fetch(link, { redirect: 'manual' })).headers.get('location')).toBe(urls.urlOnSuccess);

    const late = await newConsumer({ emailAddress: 'late@example.com' });
    await call('POST', '/verifications/email/send', { body: { consumerId: late } });
    const [lateEmail] = (await control('GET', `/outbox?consumerId=${late}&channel=EMAIL`)).body.messages as Json[];
    lc.clockOffsetMs += 48 * HOUR_MS;
    const expired = await fetch(lateEmail!.link as string);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('expired');
    expect((await fetch(`${lc.sandbox.url}/_sandbox/linkcy/hosted/email/unknown`)).status).toBe(404);
    expect(await audit('email_verified')).toHaveLength(1);
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
    await lc.sandbox.ctx.webhooks.flush();
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
    expect((await request(`${lc.sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { failNextRequests: 1 })).status).toBe(
      200,
    );
    const faulted = await call('GET', '/terms');
    expect(faulted.status).toBe(503);
    expect(faulted.body).toMatchObject({
      errorCode: 'SERVICE_UNAVAILABLE',
      error: 'linkcy.service.unavailable',
      status: 503,
    });
    await request(`${lc.sandbox.url}/_sandbox/faults/linkcy`, 'PUT', {
      rateLimitNextRequests: 1,
      retryAfterSeconds: 7,
    });
    const limited = await call('GET', '/terms');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toMatchObject({ errorCode: 'TOO_MANY_REQUESTS', error: 'linkcy.too.many.requests' });
    await request(`${lc.sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { errorRate: 1 });
    expect((await control('GET', '/settings')).status).toBe(200);
    await request(`${lc.sandbox.url}/_sandbox/faults/linkcy`, 'DELETE');
    expect((await call('GET', '/terms')).status).toBe(200);
  });

  it('a lost create answer, retried: 409, found by phone, exactly one consumer in the audit', async () => {
    const lostPhone = phone();
    await request(`${lc.sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { loseNextResponses: 1 });
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
    await lc.sandbox.ctx.webhooks.flush();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['svix-id'])).size).toBe(1);
    expect(received.every((r) => svixValid(r))).toBe(true);

    received.length = 0;
    await request(`${lc.sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { duplicateNextWebhooks: 1 });
    await newConsumer();
    await lc.sandbox.ctx.webhooks.flush();
    expect(received).toHaveLength(2);
    expect(received[0]!.headers['svix-id']).toBe(received[1]!.headers['svix-id']);
    expect(received[0]!.body).toBe(received[1]!.body);

    received.length = 0;
    await request(`${lc.sandbox.url}/_sandbox/faults/linkcy`, 'PUT', { dropNextWebhooks: 1 });
    const unannounced = await newConsumer();
    await lc.sandbox.ctx.webhooks.flush();
    expect(received).toHaveLength(0);
    expect((await call('GET', `/consumers/${unannounced}`)).status).toBe(200);
    const deliveries = await request(`${lc.sandbox.url}/_sandbox/webhooks?provider=linkcy`, 'GET');
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
    const everything = JSON.stringify((await request(`${lc.sandbox.url}/_sandbox/audit?provider=linkcy`, 'GET')).body);
    const number = ((await call('GET', `/consumers/${id}`)).body.phone as Json).number as string;
    expect(everything).not.toContain(number);
    expect(everything).not.toContain('ada@example.com');
    expect(everything).not.toContain('123456');
    await lc.sandbox.ctx.webhooks.flush();
    const bodies = received.map((r) => r.body).join('\n');
    expect(bodies).not.toContain(number);
    expect(bodies).not.toContain('ada@example.com');
  });
});
