/**
 * The Green Dot simulator over real HTTP, money and end of life: adjustments (posted later with a `transaction`
 * event, failures, refusals, identifier dedupe), transactions, and account close. See greendot.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, GreenDotHarness, type Json } from './greendot-harness.js';

const h = new GreenDotHarness();
const codes = (body: Json): [number, number][] =>
  (body.responseDetails as Json[]).map((d) => [d.code as number, d.subCode as number]);

let accountId = '';
const adjust = (body: Json, requestId?: string) =>
  h.call('POST', h.account(`/${accountId}/adjustments`), {
    body: { currency: 'USD', adjustmentType: 'promo', adjustmentDescription: 'Welcome bonus', ...body },
    requestId,
  });
const transactions = async (query = ''): Promise<Json[]> =>
  (await h.call('GET', h.account(`/${accountId}/transactions${query}`))).body.transactions as Json[];
const balances = async (): Promise<Json> =>
  (await h.call('GET', h.account(`/${accountId}`))).body.account.purses[0] as Json;

beforeAll(() => h.start());
afterAll(() => h.stop());
beforeEach(async () => {
  await h.reset();
  accountId = (await h.enrolled()).accountIdentifier as string;
  await h.delivered();
  h.partner.messages.length = 0;
});

describe('greendot: adjustments and transactions', () => {
  it('a credit stays pending, then posts: transaction completed, balance, one message with two events', async () => {
    await h.control('PUT', '/_sandbox/greendot/settings', { transactionPostDelayMs: 60_000 });
    const answer = await adjust({ adjustmentIdentifier: 'welcome-1', amount: 10 });
    expect(answer.body).toMatchObject({ adjustmentIdentifier: 'welcome-1', adjustmentStatus: 'pending' });
    expect(codes(answer.body)).toEqual([[0, 0]]);
    expect(await transactions()).toMatchObject([
      { adjustmentIdentifier: 'welcome-1', status: 'pending', postedDateTime: null },
    ]);
    expect(await balances()).toMatchObject({ ledgerBalance: 0, availableBalance: 0 });
    expect(await h.delivered()).toEqual([]);

    const posted = await h.control('POST', '/_sandbox/greendot/adjustments/welcome-1/post');
    expect(posted.body.adjustmentStatus).toBe('completed');
    expect(await transactions()).toMatchObject([
      { status: 'completed', transactionAmount: 10, transactionType: 'adjustment' },
    ]);
    expect(await balances()).toMatchObject({ ledgerBalance: 10, availableBalance: 10 });
    const [message, ...rest] = await h.delivered();
    expect(rest).toEqual([]);
    const events = eventsOf(message!);
    expect(events.map((e) => e.eventType)).toEqual(['transaction', 'accountUpdated']);
    expect(events[0]!.transaction).toMatchObject({ adjustmentIdentifier: 'welcome-1', status: 'completed' });
    expect(events[1]!.account.purses[0].ledgerBalance).toBe(10);
    expect(new Set(events.map((e) => e.eventIdentifier)).size).toBe(2);
  });

  it('posts by itself after the post delay (and within the call when it is 0)', async () => {
    await h.control('PUT', '/_sandbox/greendot/settings', { transactionPostDelayMs: 20 });
    await adjust({ adjustmentIdentifier: 'later', amount: 5 });
    await h.until(async () => (await transactions())[0]?.status === 'completed', 'the posting');
    await h.control('PUT', '/_sandbox/greendot/settings', { transactionPostDelayMs: 0 });
    expect((await adjust({ adjustmentIdentifier: 'now', amount: 5 })).body.adjustmentStatus).toBe('completed');
    expect(await balances()).toMatchObject({ ledgerBalance: 10 });
  });

  it('FAIL in the description fails it with adjustmentFinalStatus and no transaction; the control fails a pending one', async () => {
    const failed = await adjust({ adjustmentIdentifier: 'bad-1', amount: 10, adjustmentDescription: 'FAIL please' });
    expect(failed.body).toMatchObject({ adjustmentStatus: 'failed', adjustmentStatusReason: 'processingFailed' });
    expect(await transactions()).toEqual([]);
    const [message] = await h.delivered();
    expect(eventsOf(message!)).toMatchObject([
      { eventType: 'adjustmentFinalStatus', adjustment: { adjustmentIdentifier: 'bad-1', adjustmentStatus: 'failed' } },
    ]);
    await h.control('PUT', '/_sandbox/greendot/settings', { transactionPostDelayMs: 60_000 });
    await adjust({ adjustmentIdentifier: 'bad-2', amount: 10 });
    expect((await h.control('POST', '/_sandbox/greendot/adjustments/bad-2/fail')).body.adjustmentStatus).toBe('failed');
    expect((await h.control('POST', '/_sandbox/greendot/adjustments/bad-2/fail')).status).toBe(409);
    expect(await balances()).toMatchObject({ ledgerBalance: 0 });
  });

  it('refuses types the program does not enable, bad currencies and bad amounts, with their codes', async () => {
    const notEnabled = await adjust({ adjustmentIdentifier: 'x1', amount: 10, adjustmentType: 'achOut' });
    expect([notEnabled.status, ...codes(notEnabled.body)]).toEqual([400, [660, 0]]);
    const undocumented = await adjust({ adjustmentIdentifier: 'x2', amount: 10, adjustmentType: 'gift' });
    expect(undocumented.body.responseDetails[0].description).toMatch(/^adjustmentType:/);
    expect(codes((await adjust({ adjustmentIdentifier: 'x3', amount: 10, currency: 'usd' })).body)).toEqual([[650, 0]]);
    expect(codes((await adjust({ adjustmentIdentifier: 'x4', amount: 10, currency: 'EUR' })).body)).toEqual([
      [650, 430],
    ]);
    expect((await adjust({ adjustmentIdentifier: 'x5', amount: 0 })).body.responseDetails[0].description).toMatch(
      /^amount:/,
    );
    expect(await h.audit('adjustment')).toEqual([]);
  });

  it('one adjustment per identifier, whatever the request id; replays by request id; debits need funds', async () => {
    const requestId = randomUUID();
    const first = await adjust({ adjustmentIdentifier: 'once', amount: 10 }, requestId);
    const replay = await adjust({ adjustmentIdentifier: 'once', amount: 10 }, requestId);
    expect(replay.body).toEqual(first.body);
    const again = await adjust({ adjustmentIdentifier: 'once', amount: 10 });
    expect(again.body.adjustmentStatus).toBe('completed');
    expect(await h.audit('adjustment')).toHaveLength(1);
    expect(await balances()).toMatchObject({ ledgerBalance: 10 });

    const overdraft = await adjust({ adjustmentIdentifier: 'take', amount: -25, adjustmentType: 'promoReversal' });
    expect(overdraft.body).toMatchObject({ adjustmentStatus: 'failed', adjustmentStatusReason: 'insufficientFunds' });
    const reversal = await adjust({ adjustmentIdentifier: 'undo', amount: -10, adjustmentType: 'promoReversal' });
    expect(reversal.body.adjustmentStatus).toBe('completed');
    expect(await balances()).toMatchObject({ ledgerBalance: 0 });
  });

  it('lists pending first, then posted newest first, and filters by status and dates', async () => {
    await adjust({ adjustmentIdentifier: 'p1', amount: 1 });
    await adjust({ adjustmentIdentifier: 'p2', amount: 2 });
    await h.control('PUT', '/_sandbox/greendot/settings', { transactionPostDelayMs: 60_000 });
    await adjust({ adjustmentIdentifier: 'p3', amount: 3 });
    expect((await transactions()).map((t) => t.adjustmentIdentifier)).toEqual(['p3', 'p2', 'p1']);
    expect((await transactions('?status=completed')).map((t) => t.adjustmentIdentifier)).toEqual(['p2', 'p1']);
    expect(await transactions('?startDate=2999-01-01')).toEqual([]);
    const badDate = await h.call('GET', h.account(`/${accountId}/transactions?endDate=yesterday`));
    expect(badDate.body.responseDetails[0].description).toMatch(/^endDate:/);
  });
});

describe('greendot: close', () => {
  it('normal → restricted with cards closed and accountUpdated; again is unchanged; pending refuses', async () => {
    const closed = await h.call('PUT', h.account(`/${accountId}/close`), {
      body: { reason: 'customerInitiatedSpendDown' },
    });
    expect(closed.body.account).toMatchObject({ status: 'restricted', statusReasons: ['customerInitiatedSpendDown'] });
    expect(closed.body.account.accountHolders[0].user.kycStateData.kycPendingGate).toBe('none');
    expect(closed.body.account.accountHolders[0].paymentInstruments[0].status).toBe('closed');
    const again = await h.call('PUT', h.account(`/${accountId}/close`));
    expect(again.body.account.status).toBe('restricted');
    const [message, ...rest] = await h.delivered();
    expect(rest).toEqual([]);
    expect(eventsOf(message!)).toMatchObject([{ eventType: 'accountUpdated', account: { status: 'restricted' } }]);
    const later = await adjust({ adjustmentIdentifier: 'late', amount: 1 });
    expect([later.status, ...codes(later.body)]).toEqual([409, [4503, 0]]);

    const pending = await h.enrolled({ profileData: { lastName: 'Ofacname' } });
    const refused = await h.call('PUT', h.account(`/${pending.accountIdentifier as string}/close`));
    expect([refused.status, ...codes(refused.body)]).toEqual([409, [4503, 0]]);
  });
});
