/**
 * The Green Dot simulator over real HTTP, payment instruments: issue (virtual / physical), activation, the card
 * processor (delayed card, failure by name and by control), and push provisioning. See greendot.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, GreenDotHarness, messageWith, type Json } from './greendot-harness.js';

const h = new GreenDotHarness();
const codes = (body: Json): [number, number][] =>
  (body.responseDetails as Json[]).map((d) => [d.code as number, d.subCode as number]);
const cardsOf = (account: Json): Json[] => account.accountHolders[0].paymentInstruments as Json[];

beforeAll(() => h.start());
afterAll(() => h.stop());
beforeEach(() => h.reset());

describe('greendot: cards and push provisioning', () => {
  it('issues virtual (activated) and physical (notActivated) cards; activation is idempotent', async () => {
    const account = await h.enrolled({ productCode: '50002' });
    expect(cardsOf(account)).toEqual([]);
    const base = h.account(`/${account.accountIdentifier as string}/paymentInstruments`);
    const physical = await h.call('POST', base, { body: { paymentInstrumentType: 'contactlessEmv' } });
    expect(physical.body.paymentInstrument).toMatchObject({ status: 'notActivated', activatedDateTime: null });
    const cardId = physical.body.paymentInstrument.paymentInstrumentIdentifier as string;
    const activated = await h.call('PUT', `${base}/${cardId}/activate`);
    expect(activated.body.paymentInstrument).toMatchObject({ status: 'activated' });
    const again = await h.call('PUT', `${base}/${cardId}/activate`);
    expect(again.body.paymentInstrument.activatedDateTime).toBe(activated.body.paymentInstrument.activatedDateTime);
    const virtual = await h.call('POST', base, { body: { paymentInstrumentType: 'virtual' } });
    expect(virtual.body.paymentInstrument.status).toBe('activated');
    const unknown = await h.call('PUT', `${base}/${randomUUID()}/activate`);
    expect(unknown.status).toBe(404);
    const types = (await h.delivered())
      .flatMap(eventsOf)
      .map((e) => `${e.eventType}:${e.cardUpdateType ?? ''}`)
      .sort();
    expect(types).toEqual(['accountUpdated:', 'cardUpdated:activated', 'cardUpdated:issued', 'cardUpdated:issued']);
  });

  it('the processor failure: by name, and by the control while the card is being prepared', async () => {
    const byName = await h.enrolled({ profileData: { lastName: 'Procfail' } });
    expect(cardsOf(byName)).toEqual([]);
    await h.until(() => h.partner.messages.length === 2, 'the failure message');
    const failure = eventsOf(messageWith(await h.delivered(), ['cardUpdated']))[0]!;
    expect(failure).toMatchObject({
      eventType: 'cardUpdated',
      cardUpdateType: 'processorFailure',
      paymentInstrument: null,
    });
    expect(codes(failure)).toEqual([[2, 70]]);
    h.partner.messages.length = 0;

    await h.control('PUT', '/_sandbox/greendot/settings', { cardIssueDelayMs: 60_000 });
    const slow = await h.enrolled();
    const control = `/_sandbox/greendot/accounts/${slow.accountIdentifier as string}`;
    expect((await h.control('GET', control)).body.pendingCard).toBe(true);
    expect((await h.control('POST', `${control}/processor-failure`)).status).toBe(200);
    expect((await h.control('POST', `${control}/processor-failure`)).status).toBe(409);
    const last = eventsOf(messageWith(await h.delivered(), ['cardUpdated']))[0]!;
    expect(last).toMatchObject({ accountIdentifier: slow.accountIdentifier, cardUpdateType: 'processorFailure' });
    expect(await h.audit('payment_instrument')).toEqual([]);
  });

  it('a delayed enrollment card arrives later with cardUpdated + accountUpdated', async () => {
    await h.control('PUT', '/_sandbox/greendot/settings', { cardIssueDelayMs: 20 });
    const account = await h.enrolled();
    expect(cardsOf(account)).toEqual([]);
    const path = h.account(`/${account.accountIdentifier as string}`);
    await h.until(async () => cardsOf((await h.call('GET', path)).body.account as Json).length === 1, 'the card');
    const messages = await h.delivered();
    expect(eventsOf(messageWith(messages, ['cardUpdated', 'accountUpdated']))[0]!.paymentInstrument).toMatchObject({
      status: 'activated',
    });
  });

  it('push provisioning answers the wallet payload; Apple needs certificates and nonces; closed cards refuse', async () => {
    const account = await h.enrolled();
    const card = cardsOf(account)[0]!;
    const path = h.account(
      `/${account.accountIdentifier as string}/paymentInstruments/${card.paymentInstrumentIdentifier as string}/pushProvisioningData`,
    );
    const device = { deviceId: 'device-1', walletAccountId: 'wallet-1' };
    const missing = await h.call('POST', path, { body: { walletType: 'applePay', ...device } });
    expect(missing.status).toBe(400);
    expect((missing.body.responseDetails as Json[]).map((d) => d.description)).toContain(
      'nonce: required for applePay',
    );
    const apple = await h.call('POST', path, {
      body: {
        walletType: 'applePay',
        ...device,
        certificates: ['Y2VydA=='],
        nonce: 'bm9uY2U=',
        nonceSignature: 'c2ln',
      },
    });
    expect(apple.body).toMatchObject({
      walletType: 'applePay',
      encryptedPassData: expect.any(String),
      activationData: expect.any(String),
    });
    const google = await h.call('POST', path, { body: { walletType: 'googlePay', ...device } });
    expect(google.body).toMatchObject({ walletType: 'googlePay', opaquePaymentCard: expect.any(String) });
    expect(await h.audit('push_provisioning')).toHaveLength(2);
    await h.call('PUT', h.account(`/${account.accountIdentifier as string}/close`));
    const closed = await h.call('POST', path, { body: { walletType: 'googlePay', ...device } });
    expect(closed.status).toBe(409);
  });
});
