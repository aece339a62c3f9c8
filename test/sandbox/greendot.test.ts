/**
 * The Green Dot simulator over real HTTP: token, enrollment outcomes and validation codes, X-GD-RequestId
 * idempotency and the API lock, account reads, the review control and fault injection. Cards: greendot-cards.test.ts;
 * money and close: greendot-money.test.ts; webhook delivery rules: greendot-webhooks.test.ts. Clock moves are explicit;
 * simulator timers are awaited by bounded polling, never by speed assertions.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enrollmentBody, eventsOf, GreenDotHarness, type Json } from './greendot-harness.js';

const h = new GreenDotHarness();
const codes = (body: Json): [number, number][] =>
  (body.responseDetails as Json[]).map((d) => [d.code as number, d.subCode as number]);
const cardsOf = (account: Json): Json[] => account.accountHolders[0].paymentInstruments as Json[];

beforeAll(() => h.start());
afterAll(() => h.stop());
beforeEach(() => h.reset());

describe('greendot: authentication and conventions', () => {
  it('issues a 24 h Bearer token for client credentials, with responseDetails', async () => {
    const answer = await h.requestToken();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 86400, scope: 'general' });
    expect(codes(answer.body)).toEqual([[0, 0]]);
    expect(
      (await h.requestToken({ id: 'greendot-sandbox-client', secret: 'wrong' })).body.responseDetails[0],
    ).toMatchObject({ code: 401, subCode: 4 });
    const wrongGrant = await h.requestToken(undefined, { grant_type: 'password' });
    expect([wrongGrant.status, ...codes(wrongGrant.body)]).toEqual([400, [400, 10]]);
  });

  it('requires a GUID X-GD-RequestId on every call and echoes it', async () => {
    const missing = await h.call('GET', h.account(`/${randomUUID()}`), { requestId: null });
    expect([missing.status, ...codes(missing.body)]).toEqual([400, [400, 20]]);
    const notGuid = await h.call('GET', h.account(`/${randomUUID()}`), { requestId: 'abc' });
    expect([notGuid.status, ...codes(notGuid.body)]).toEqual([400, [400, 21]]);
    const requestId = randomUUID();
    const answer = await h.call('GET', h.account(`/${randomUUID()}`), { requestId });
    expect(answer.headers.get('x-gd-requestid')).toBe(requestId);
  });

  it('refuses missing, unknown and expired tokens, unknown programs and bad account ids', async () => {
    const path = h.account(`/${randomUUID()}`);
    expect(codes((await h.call('GET', path, { token: null })).body)).toEqual([[401, 1]]);
    expect(codes((await h.call('GET', path, { token: 'nope' })).body)).toEqual([[401, 2]]);
    await h.control('POST', '/_sandbox/greendot/tokens/expire');
    expect(codes((await h.call('GET', path)).body)).toEqual([[401, 3]]);
    h.token = (await h.requestToken()).body.access_token as string;
    const unknownProgram = await h.call('GET', `/programs/other/accounts/${randomUUID()}`);
    expect([unknownProgram.status, ...codes(unknownProgram.body)]).toEqual([400, [1000, 0]]);
    const badId = await h.call('GET', h.account('/not-a-guid'));
    expect([badId.status, ...codes(badId.body)]).toEqual([400, [3500, 0]]);
    const unknown = await h.call('GET', path);
    expect([unknown.status, ...codes(unknown.body)]).toEqual([404, [10, 0]]);
  });
});

describe('greendot: enrollment outcomes', () => {
  it('success: a normal account with an activated virtual card, the same on GET, and one message', async () => {
    const answer = await h.enroll(enrollmentBody());
    expect(answer.status).toBe(200);
    expect(codes(answer.body)).toEqual([[0, 0]]);
    const account = answer.body.account as Json;
    expect(account).toMatchObject({ status: 'normal', statusReasons: ['healthy'], productCode: '50001' });
    expect(account.accountHolders[0].user).toMatchObject({
      last4Identity: '6789',
      kycStateData: { ofacStatus: 'passed' },
    });
    expect(cardsOf(account)).toMatchObject([{ paymentInstrumentType: 'virtual', status: 'activated' }]);
    expect(JSON.stringify(account)).not.toMatch(/123456789|1990-01-31|Main St/);
    const audit = await h.control('GET', '/_sandbox/audit?provider=greendot');
    expect(audit.body.items.map((entry: Json) => entry.kind)).toEqual(
      expect.arrayContaining(['access_token', 'enrollment', 'account', 'user', 'payment_instrument']),
    );
    expect(JSON.stringify(audit.body)).not.toMatch(/123456789|1990-01-31|Main St|Lovelace|6265551234|ada@/);
    const read = await h.call('GET', h.account(`/${account.accountIdentifier as string}`));
    expect(read.body.account).toEqual(account);
    const [message, ...others] = await h.delivered();
    expect(others).toEqual([]);
    expect(eventsOf(message!).map((e) => e.eventType)).toEqual(['accountUpdated', 'cardUpdated']);
    expect(eventsOf(message!)[0]!.account.accountIdentifier).toBe(account.accountIdentifier);
  });

  it('pending by name (1/31), then the review control approves it and sends accountUpdated', async () => {
    const answer = await h.enroll(enrollmentBody({ profileData: { lastName: 'Ofaccheck' } }));
    expect([answer.status, ...codes(answer.body)]).toEqual([200, [1, 31]]);
    const account = answer.body.account as Json;
    expect(account).toMatchObject({ status: 'pending', statusReasons: ['verificationNeeded'] });
    expect(account.accountHolders[0].user.kycStateData.ofacStatus).toBe('pending');
    expect(cardsOf(account)).toEqual([]);
    await h.delivered();
    h.partner.messages.length = 0;
    const id = account.accountIdentifier as string;
    const decided = await h.control('POST', `/_sandbox/greendot/accounts/${id}/ofac-review`, { decision: 'approved' });
    expect(decided.body.account).toMatchObject({ status: 'normal', statusReasons: ['healthy'] });
    const [message] = await h.delivered();
    const [updated] = eventsOf(message!);
    expect(updated).toMatchObject({ eventType: 'accountUpdated', account: { status: 'normal' } });
    expect(cardsOf(updated!.account as Json)).toHaveLength(1);
    const again = await h.control('POST', `/_sandbox/greendot/accounts/${id}/ofac-review`, { decision: 'declined' });
    expect(again.status).toBe(409);
  });

  it('declined by name: Ofacdecline is decided automatically after the review delay; Ofacreject at once (2/32)', async () => {
    await h.control('PUT', '/_sandbox/greendot/settings', { reviewDelayMs: 0 });
    const pending = await h.enrolled({ profileData: { lastName: 'Ofacdecline' } });
    const path = h.account(`/${pending.accountIdentifier as string}`);
    await h.until(async () => (await h.call('GET', path)).body.account.status === 'closed', 'the automatic decline');
    const messages = await h.delivered();
    const decline = messages.flatMap(eventsOf).find((event) => event.account?.status === 'closed')!;
    expect(decline).toMatchObject({
      eventType: 'accountUpdated',
      account: { status: 'closed', statusReasons: ['ofacDeclined'] },
    });
    expect(codes(decline)).toEqual([[2, 32]]);

    const rejected = await h.enroll(enrollmentBody({ profileData: { lastName: 'Ofacreject' } }));
    expect([rejected.status, ...codes(rejected.body)]).toEqual([200, [2, 32]]);
    expect(rejected.body.account.accountHolders[0].user.kycStateData.ofacStatus).toBe('failed');
  });

  it.each([
    ['DOB missing', { identifyingData: { dateOfBirth: undefined } }, [200, 0], 'identifyingData.dateOfBirth'],
    ['DOB not YYYY-MM-DD', { identifyingData: { dateOfBirth: '01/31/1990' } }, [700, 0], 'identifyingData.dateOfBirth'],
    ['DOB not a date', { identifyingData: { dateOfBirth: '1990-02-30' } }, [700, 0], 'identifyingData.dateOfBirth'],
    ['SSN and last-4', { identifyingData: { last4Ssn: '6789' } }, [630, 0], 'identifyingData'],
    ['neither SSN nor last-4', { identifyingData: { ssn: undefined } }, [400, 0], 'identifyingData.ssn'],
    ['SSN not 9 digits', { identifyingData: { ssn: '12345' } }, [400, 0], 'identifyingData.ssn'],
    [
      'duplicate address type',
      { profileData: { addresses: [home(true), home(false)] } },
      [1020, 0],
      'profileData.addresses.1.type',
    ],
    [
      'two default addresses',
      { profileData: { addresses: [home(true), mailing(true)] } },
      [1040, 0],
      'profileData.addresses',
    ],
    ['no home address', { profileData: { addresses: [mailing(true)] } }, [1042, 0], 'profileData.addresses'],
    [
      'bad state',
      { profileData: { addresses: [{ ...home(true), state: 'XX' }] } },
      [400, 0],
      'profileData.addresses.0.state',
    ],
    ['name with digits', { profileData: { firstName: 'Ada1' } }, [640, 501], 'profileData.firstName'],
    ['doubled specials', { profileData: { lastName: "O''Brien" } }, [640, 501], 'profileData.lastName'],
    ['name ending with a special', { profileData: { firstName: 'Ada-' } }, [640, 501], 'profileData.firstName'],
    [
      'name over 25 characters',
      { profileData: { lastName: 'Abcdefghijklmnopqrstuvwxyz' } },
      [640, 502],
      'profileData.lastName',
    ],
    [
      'terms older than 720 h',
      { termsAcceptances: terms(new Date(Date.now() - 721 * 3_600_000)) },
      [620, 0],
      'termsAcceptances.0.termsAcceptanceDateTime',
    ],
    ['terms not accepted', { termsAcceptances: terms(new Date()).slice(0, 1) }, [610, 0], 'termsAcceptances'],
    ['unknown product', { productCode: '99999' }, [5020, 5021], 'productCode'],
    ['bad e-mail', { email: { emailAddress: 'not-an-email' } }, [400, 0], 'email.emailAddress'],
  ])('refuses %s with its code, naming the field, creating nothing', async (_label, overrides, code, field) => {
    const answer = await h.enroll(enrollmentBody(overrides as Json));
    expect(answer.status).toBe(400);
    expect(codes(answer.body)).toContainEqual(code);
    const described = (answer.body.responseDetails as Json[]).find((d) => d.code === code[0] && d.subCode === code[1]);
    expect(described?.description).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}[:.]`));
    expect(await h.audit('account')).toEqual([]);
    expect(await h.delivered()).toEqual([]);
  });

  it('accepts names with diacritics, apostrophes, hyphens and dots, and last-4 instead of the SSN', async () => {
    const account = await h.enrolled({
      profileData: { firstName: 'Zoë-Anne', middleName: 'J.R', lastName: "D'Ávila" },
      identifyingData: { ssn: undefined, last4Ssn: '4321' },
    });
    expect(account.accountHolders[0].user).toMatchObject({ firstName: 'Zoë-Anne', last4Identity: '4321' });
  });
});

describe('greendot: idempotency by X-GD-RequestId', () => {
  it('same id + same body → the same answer, one account; same id + other body → 409/4092', async () => {
    const requestId = randomUUID();
    const body = enrollmentBody();
    const first = await h.enroll(body, requestId);
    const second = await h.enroll(body, requestId);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('x-gd-idempotent-replay')).toBe('true');
    expect(await h.audit('account')).toHaveLength(1);
    const other = await h.enroll(enrollmentBody({ profileData: { firstName: 'Grace' } }), requestId);
    expect([other.status, ...codes(other.body)]).toEqual([409, [4092, 0]]);
    expect(await h.audit('account')).toHaveLength(1);
    expect(await h.delivered()).toHaveLength(1);
  });

  it('a concurrent duplicate meets the API lock (409/4091); the retry then gets the first answer', async () => {
    await h.control('PUT', '/_sandbox/greendot/settings', { enrollmentProcessingMs: 1000 });
    const requestId = randomUUID();
    const body = enrollmentBody();
    const answers = await Promise.all([h.enroll(body, requestId), h.enroll(body, requestId)]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 409]);
    const locked = answers.find((answer) => answer.status === 409)!;
    const answered = answers.find((answer) => answer.status === 200)!;
    expect(codes(locked.body)).toEqual([[4091, 0]]);
    const retry = await h.enroll(body, requestId);
    expect(retry.body).toEqual(answered.body);
    expect(await h.audit('account')).toHaveLength(1);
  });

  it('a lost response is replayed to the retry; an injected 503 creates nothing and sends nothing', async () => {
    const requestId = randomUUID();
    const body = enrollmentBody();
    await h.control('PUT', '/_sandbox/faults/greendot', {
      pathPattern: '/enrollments',
      errorStatus: 503,
      failNextRequests: 1,
    });
    const failed = await h.enroll(body, requestId);
    expect([failed.status, ...codes(failed.body)]).toEqual([503, [0, 0]]);
    expect(failed.body.responseDetails[0].description).toBe('General Exception');
    expect(await h.audit('account')).toEqual([]);
    expect(await h.delivered()).toEqual([]);
    await h.control('PUT', '/_sandbox/faults/greendot', { pathPattern: '/enrollments', loseNextResponses: 1 });
    expect((await h.enroll(body, requestId)).status).toBe(502);
    const retried = await h.enroll(body, requestId);
    expect(retried.status).toBe(200);
    const [account] = await h.audit('account');
    expect(retried.body.account.accountIdentifier).toBe(account!.id);
    expect(await h.audit('account')).toHaveLength(1);
  });
});

function home(isDefault: boolean): Json {
  return { type: 'home', addressLine1: '1 Main St', city: 'Pasadena', state: 'CA', zipCode: '91101', isDefault };
}
function mailing(isDefault: boolean): Json {
  return { type: 'mailing', addressLine1: 'PO Box 1', city: 'Pasadena', state: 'CA', zipCode: '911010001', isDefault };
}
function terms(at: Date): Json[] {
  return ['eSignConsent', 'cardholderAgreement'].map((termsIdentifier) => ({
    termsIdentifier,
    termsAcceptanceFlag: true,
    termsAcceptanceDateTime: at.toISOString(),
  }));
}
