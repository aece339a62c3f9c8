/**
 * Netspend end to end, through the gateway alone: HTTP to the gateway, a real Temporal dev server, the worker's
 * own queue wiring running the real workflow and activities against the Netspend simulator, and the simulator's
 * signed webhooks (`ns-signature`, exactly-200 delivery) coming back through the gateway, every one duplicated and
 * reordered. Netspend activates an account some time after its last requirement is met (the simulator's activation
 * delay), then sends `account.created`. Polling is slowed to minutes, so that webhook is what moves the onboarding
 * on; with the webhook lost, a fast poll still finds the account active.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxRecord } from '../../client/webhooks/inbox.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { NETSPEND_ACTIONS } from '../../contract/netspend.js';
import { netspendCustomer } from '../../scripts/customers/netspend.js';
import { customerAnswer, E2E_API_KEY, onboardingPath, pendingAction, startE2eStack } from './harness.js';
import { decodedByCodecEndpoint, decodedWithPiiCodec, eventTypesContaining } from './history-as-read.js';
import type { E2eStack } from './harness.js';

const TEST_TIMEOUT_MS = 150_000;
const { dda, gpr, 'gpr-by-id': gprById } = netspendCustomer.scenarios;
/** The scripted customer's made-up PIN (not weak by the simulator's rules): never echoed, never recorded. */
const PIN = String(dda.answer({ action: NETSPEND_ACTIONS.activateCard, data: {} })?.body.pin);
/** The PIN as a value of its own: four digits can occur by chance inside the random hex ids of a status. */
const standalone = (pin: string) => new RegExp(`(?<![0-9a-fA-F])${pin}(?![0-9a-fA-F])`);
const WEAK_PIN = '4321';
/** An operator whose key may read PII through the codec endpoint: still no PIN for them. */
const PII_READER_KEY = 'e2e-pii-reader-key';

let stack: E2eStack;

beforeAll(async () => {
  // The PIN checks below look for this value: a customer without a PIN must fail here, not pass them all.
  expect(PIN).toMatch(/^\d{4}$/);
  stack = await startE2eStack({
    config: { GATEWAY_API_KEYS: `${E2E_API_KEY},ops:${PII_READER_KEY}:operator+pii.read` },
    sandboxEnv: { SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: '2000' },
    faults: { netspend: { webhookDuplicateRate: 1, webhookReorder: true, webhookReorderWindowMs: 300 } },
  });
});

afterAll(async () => {
  await stack?.close();
});

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Reconciliation polls every few minutes only: the webhooks must do the work. */
const SLOW_POLLING = { pollInitialInterval: '5m', pollMaxInterval: '10m' };

// Each onboarding has a person of its own, so searching its history for that person's values means something.
// The scenarios' SSNs are outside the simulator's 991-994 controls: KYC and OFAC approve at creation.
const ddaStart = dda.startBody('ns-e2e-dda', {
  person: {
    name: { first: 'Wilhelmina', last: 'Trevelyan' },
    dateOfBirth: '1984-07-19',
    email: 'wilhelmina.trevelyan@example.com',
    phone: '+15550003333',
  },
  options: SLOW_POLLING,
});
const lostWebhookStart = gpr.startBody('ns-e2e-lost-webhook', {
  person: {
    name: { first: 'Cordelia', last: 'Featherstonehaugh' },
    dateOfBirth: '1988-03-14',
    email: 'cordelia.featherstonehaugh@example.com',
    phone: '+15550005555',
  },
  // With the webhook lost, a fast poll is what finds the account active.
  options: { pollInitialInterval: '1s', pollMaxInterval: '2s' },
});
const cancelledStart = gprById.startBody('ns-e2e-cancel', {
  person: {
    name: { first: 'Bartholomew', last: 'Ashcombe' },
    dateOfBirth: '1972-12-05',
    email: 'bartholomew.ashcombe@example.com',
    phone: '+15550004444',
  },
  options: SLOW_POLLING,
});

const act = <T = OnboardingStatus>(id: string, action: string, body: unknown) =>
  stack.call<T>('POST', `${onboardingPath(id)}/actions/${action}`, body);

interface AgreementData {
  agreementId: string;
  accepted: boolean;
}

interface AuditItem {
  kind: string;
  id: string;
  data?: Record<string, unknown>;
}

/** A call to the simulator's control API (`/_sandbox/...`), as an operator or a test would make it. */
async function sandboxControl<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.sandbox.url}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * Waits until the onboarding has read the account once since its `after` activity (the activation step's first
 * poll): its `getAccount` activity is scheduled after the last `after` and has completed. From then on only an
 * event or the next poll can make it look again.
 */
async function waitForAccountReadAfter(id: string, after: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const names = events.map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name);
    const afterIndex = names.lastIndexOf(after);
    const read = names.indexOf('getAccount', afterIndex + 1);
    if (afterIndex >= 0 && read >= 0) {
      const readId = Number(events[read]?.eventId);
      const completed = events.some(
        (event) => Number(event.activityTaskCompletedEventAttributes?.scheduledEventId) === readId,
      );
      if (completed) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${id} never read the account after ${after}`);
}

/** What the simulator recorded, read over its control API as an operator would. */
async function auditItems(kind: string, id?: string): Promise<AuditItem[]> {
  const query = new URLSearchParams({ provider: 'netspend', kind, ...(id ? { id } : {}) });
  const response = await fetch(`${stack.sandbox.url}/_sandbox/audit?${query.toString()}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: AuditItem[] }).items;
}

/** The providerEvent signals recorded in the onboarding's history (the direct path's durable trace). */
async function providerEventSignals(workflowId: string): Promise<number> {
  const events = (await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'providerEvent')
    .length;
}

/**
 * Every webhook about `accountId` reached the gateway with exactly 200, and each event was made durable: signalled
 * directly to a running onboarding (inbox `routed-direct`), or routed by its `webhook:netspend:<eventId>` delivery
 * workflow. Duplicates are harmless on both paths (the onboarding drops repeated eventIds; redeliveries collapse
 * onto one delivery workflow).
 */
async function expectWebhooksRouted(id: string, accountId: string): Promise<void> {
  const { sandbox, client } = stack;
  await sandbox.ctx.webhooks.idle();
  const deliveries = sandbox.ctx.webhooks
    .list({ provider: 'netspend' })
    .filter((delivery) => delivery.body.includes(accountId));
  expect(deliveries.some((delivery) => delivery.eventType === 'account.created')).toBe(true);
  expect(deliveries.some((delivery) => delivery.duplicateOf !== null)).toBe(true);
  expect(deliveries.every((delivery) => delivery.state === 'delivered')).toBe(true);
  for (const delivery of deliveries) {
    expect(delivery.attempts.at(-1)?.status).toBe(200);
  }
  const eventIds = [...new Set(deliveries.map((delivery) => delivery.eventId))];
  const createdEventId = deliveries.find((delivery) => delivery.eventType === 'account.created')?.eventId;
  const lines = (await stack.inboxLines()).filter((line) => line.provider === 'netspend') as unknown as InboxRecord[];
  for (const eventId of eventIds) {
    const seen = lines.filter((line) => line.eventId === eventId);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    // The account waited for account.created, so it was running when that event arrived, on either path.
    const reached: string[][] = [];
    for (const direct of seen.filter((line) => line.outcome === 'routed-direct')) {
      expect(direct.signalled.length).toBeGreaterThan(0);
      reached.push(direct.signalled);
    }
    const viaWorkflow = seen.filter((line) => line.outcome === 'delivery-workflow');
    if (viaWorkflow.length > 0) {
      expect(viaWorkflow.filter((line) => line.firstDelivery === true)).toHaveLength(1);
      const result = await client.workflow.getHandle(`webhook:netspend:${eventId}`).result();
      expect(result).toMatchObject({ outcome: 'routed' });
      if (eventId === createdEventId) expect(result).toMatchObject({ type: 'account.created', signalled: [id] });
    }
    if (eventId === createdEventId) for (const signalled of reached) expect(signalled).toEqual([id]);
  }
  // Each direct delivery to `id`, duplicates included, is a signal in its history (which drops the repeats).
  const directToOnboarding = lines.filter(
    (line) => eventIds.includes(line.eventId) && line.outcome === 'routed-direct' && line.signalled.includes(id),
  );
  expect(await providerEventSignals(id)).toBeGreaterThanOrEqual(directToOnboarding.length);
}

describe('Netspend onboarding through the gateway', () => {
  it(
    'takes a DDA customer from nothing to an activated physical card',
    async () => {
      // Netspend takes "forever" here: the control below ends the wait when the test is ready to watch for it.
      const slow = await sandboxControl('PUT', '/_sandbox/netspend/settings', { activationDelayMs: 600_000 });
      expect(slow.status).toBe(200);
      const started = await stack.call('POST', '/v1/onboardings', ddaStart);
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      expect(id).toBe('onboarding:netspend:ns-e2e-dda');
      const again = await stack.call('POST', '/v1/onboardings', ddaStart);
      expect(again.status).toBe(200);
      expect(again.body.onboardingId).toBe(id);

      // Agreements: every onboarding agreement of the DDA context, in two calls.
      const agreementsAsked = await stack.waitForStatus(
        id,
        'agreements pending',
        (s) => pendingAction(s, 'acceptAgreements') !== undefined,
      );
      expect(agreementsAsked).toMatchObject({ state: 'action_required', step: 'agreements', blockedOn: 'customer' });
      const agreements = pendingAction(agreementsAsked, 'acceptAgreements')?.data.agreements as AgreementData[];
      expect(agreements.map((agreement) => agreement.agreementId).sort()).toEqual(
        ['agr_dda_cardholder_v3', 'agr_dda_esign_v2', 'agr_dda_privacy_v5'].sort(),
      );

      const jikoAction = await act<ErrorBody>(id, 'uploadDocuments', { documents: [] });
      expect(jikoAction.status).toBe(404);
      expect(jikoAction.body.error.code).toBe('unknown_action');
      const notOffered = await act<ErrorBody>(id, 'acceptAgreements', { agreementIds: ['agr_gpr_esign_v2'] });
      expect(notOffered.status).toBe(422);
      expect(notOffered.body.error.code).toBe('invalid_action');
      const untimely = await act<ErrorBody>(id, 'chooseCard', { type: 'virtual', brandName: 'x' });
      expect(untimely.status).toBe(409);

      const [first, ...rest] = agreements.map((agreement) => agreement.agreementId);
      const partly = await act(id, 'acceptAgreements', { agreementIds: [first] });
      expect(partly.status).toBe(200);
      const stillPending = pendingAction(partly.body, 'acceptAgreements')?.data.agreements as AgreementData[];
      expect(stillPending.filter((agreement) => agreement.accepted).map((a) => a.agreementId)).toEqual([first]);
      const allIn = await act(id, 'acceptAgreements', { agreementIds: rest });
      expect(allIn.status).toBe(200);
      expect(pendingAction(allIn.body, 'acceptAgreements')).toBeUndefined();

      // Expected use (DDA only): the customer picks the first answer of each question.
      const useAsked = await stack.waitForStatus(
        id,
        'expected use pending',
        (s) => pendingAction(s, 'answerExpectedUse') !== undefined,
      );
      const expectedUse = customerAnswer(dda, useAsked, 'answerExpectedUse');
      expect((expectedUse.body.answers as unknown[]).length).toBeGreaterThan(0);
      const answered = await act(id, expectedUse.action, expectedUse.body);
      expect(answered.status).toBe(200);

      // Every requirement is in; Netspend activates the account later and announces it with account.created. The
      // onboarding reads the account, finds it new and waits on the provider (its first read is in the history).
      const waitingOnNetspend = await stack.waitForStatus(
        id,
        'waiting for the activation',
        (s) => s.step === 'activation' && s.blockedOn === 'provider',
      );
      const accountId = waitingOnNetspend.result.accountId as string;
      const scheduled = await sandboxControl<{ pending: { account_id: string }[] }>(
        'GET',
        '/_sandbox/netspend/activations',
      );
      expect(scheduled.body.pending.map((pending) => pending.account_id)).toContain(accountId);
      expect(waitingOnNetspend.timeline.some((entry) => entry.what === 'event account.created')).toBe(false);
      await waitForAccountReadAfter(id, 'answerExpectedUse');

      // Netspend finishes now (the control stands in for the end of its delay, so no timing is involved). With
      // polling minutes away, only the webhook (duplicated and reordered) can move the onboarding on in time.
      const fired = await sandboxControl<{ status: string }>(
        'POST',
        `/_sandbox/netspend/accounts/${accountId}/activate`,
      );
      expect(fired).toMatchObject({ status: 200, body: { status: 'active' } });
      const cardAsked = await stack.waitForStatus(
        id,
        'card choice pending',
        (s) => pendingAction(s, 'chooseCard') !== undefined,
        30_000,
      );
      const activation = cardAsked.steps.find((step) => step.name === 'activation');
      expect(activation?.status).toBe('done');
      const whats = cardAsked.timeline.map((entry) => entry.what);
      const eventAt = whats.indexOf('event account.created');
      expect(eventAt).toBeGreaterThan(whats.lastIndexOf('waiting for the provider'));
      expect(eventAt).toBeLessThan(whats.indexOf('account active'));
      expect(Date.parse(cardAsked.timeline[eventAt]!.at)).toBeLessThanOrEqual(Date.parse(activation!.endedAt!));
      const card = customerAnswer(dda, cardAsked, 'chooseCard');
      expect(card.body.type).toBe('physical');
      const chosen = await act(id, card.action, card.body);
      expect(chosen.status).toBe(200);

      // The card arrives by mail; the customer sets its PIN, which activates it.
      const pinAsked = await stack.waitForStatus(
        id,
        'card activation pending',
        (s) => pendingAction(s, 'activateCard') !== undefined,
      );
      expect(pendingAction(pinAsked, 'activateCard')?.data).toMatchObject({ pinFormat: 'four digits' });
      const malformed = await act<ErrorBody>(id, 'activateCard', { pin: `${PIN}5` });
      expect(malformed.status).toBe(422);
      expect(JSON.stringify(malformed.body)).not.toContain(`${PIN}5`);
      const weak = await act<ErrorBody>(id, 'activateCard', { pin: WEAK_PIN });
      expect(weak.status).toBe(422);
      expect(weak.body.error.code).toBe('invalid_action');
      expect(JSON.stringify(weak.body)).not.toMatch(standalone(WEAK_PIN));
      const setPin = customerAnswer(dda, pinAsked, 'activateCard');
      const activated = await act(id, setPin.action, setPin.body);
      expect(activated.status).toBe(200);
      expect(JSON.stringify(activated.body)).not.toMatch(standalone(PIN));

      const done = await stack.waitForStatus(id, 'completed', (s) => s.state === 'completed');
      expect(done.result).toMatchObject({
        accountId: expect.any(String),
        accountType: 'DDA',
        personId: expect.any(String),
        cardId: expect.any(String),
        cardType: 'physical',
      });
      expect(done.blockedOn).toBeNull();
      expect(done.steps.map((step) => [step.name, step.status])).toEqual(
        expect.arrayContaining([
          ['expected_use', 'done'],
          ['card_order', 'done'],
          ['card_activation', 'done'],
        ]),
      );

      // At Netspend: one account, active; one card, ordered then activated by the PIN.
      expect(done.result.accountId).toBe(accountId);
      const cardId = done.result.cardId as string;
      expect(await auditItems('account', accountId)).toHaveLength(1);
      expect((await auditItems('account_status', accountId)).map((item) => item.data?.status)).toEqual(['active']);
      expect(await auditItems('activation_scheduled', accountId)).toHaveLength(1);
      expect(await auditItems('card', cardId)).toHaveLength(1);
      expect((await auditItems('card_status', cardId)).map((item) => item.data?.status)).toEqual(['active']);
      await expectWebhooksRouted(id, accountId);

      // Finished is final.
      const late = await act<ErrorBody>(id, 'activateCard', { pin: PIN });
      expect(late.status).toBe(409);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'still activates when the account.created webhook is lost: polling finds the account active',
    async () => {
      // Netspend activates a second after the last agreement; the webhook that says so never arrives.
      await sandboxControl('PUT', '/_sandbox/netspend/settings', { activationDelayMs: 1000 });
      const started = await stack.call('POST', '/v1/onboardings', lostWebhookStart);
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      const asked = await stack.waitForStatus(
        id,
        'agreements pending',
        (s) => pendingAction(s, 'acceptAgreements') !== undefined,
      );
      const accountId = asked.result.accountId as string;
      const dropping = await sandboxControl('PATCH', '/_sandbox/faults/netspend', { dropNextWebhooks: 1 });
      expect(dropping.status).toBe(200);
      const agreements = customerAnswer(gpr, asked, 'acceptAgreements');
      const accepted = await act(id, agreements.action, agreements.body);
      expect(accepted.status).toBe(200);

      const cardAsked = await stack.waitForStatus(
        id,
        'card choice pending',
        (s) => pendingAction(s, 'chooseCard') !== undefined,
      );
      expect(cardAsked.steps.find((step) => step.name === 'activation')?.status).toBe('done');
      expect(cardAsked.timeline.some((entry) => entry.what === 'event account.created')).toBe(false);
      // Netspend did activate it later and did announce it, but the announcement was lost on the way.
      expect(await auditItems('activation_scheduled', accountId)).toHaveLength(1);
      expect((await auditItems('account_status', accountId)).map((item) => item.data?.status)).toEqual(['active']);
      const announced = stack.sandbox.ctx.webhooks
        .list({ provider: 'netspend' })
        .filter((delivery) => delivery.body.includes(accountId));
      expect(announced.map((delivery) => [delivery.eventType, delivery.state])).toEqual([
        ['account.created', 'dropped'],
      ]);

      const card = customerAnswer(gpr, cardAsked, 'chooseCard');
      expect(card.body.type).toBe('virtual');
      const chosen = await act(id, card.action, card.body);
      expect(chosen.status).toBe(200);
      const done = await stack.waitForStatus(id, 'completed', (s) => s.state === 'completed');
      expect(done.result).toMatchObject({ accountId, accountType: 'GPR', cardType: 'virtual' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'cancels after the account exists: the account is closed at Netspend and the steps show compensated',
    async () => {
      const started = await stack.call('POST', '/v1/onboardings', cancelledStart);
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      const waiting = await stack.waitForStatus(
        id,
        'agreements pending',
        (s) => pendingAction(s, 'acceptAgreements') !== undefined,
      );
      const accountId = waiting.result.accountId as string;
      expect(accountId).toEqual(expect.any(String));
      expect(waiting.result.accountType).toBe('GPR');

      // Answered at once; the final status once compensation has settled.
      const accepted = await stack.call('POST', `${onboardingPath(id)}/cancel`, {
        reason: 'customer changed their mind',
        actor: 'customer',
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body.timeline.at(-1)?.what).toBe('cancel requested');
      const cancelled = await stack.waitForStatus(id, 'cancelled', (s) => s.state === 'cancelled');
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.steps.find((step) => step.name === 'account')?.status).toBe('compensated');
      expect(cancelled.pendingActions).toEqual([]);

      // The sandbox closed it, and nothing was created after the cancel.
      expect((await auditItems('account_status', accountId)).map((item) => item.data?.status)).toEqual(['closed']);
      const cardsOfAccount = (await auditItems('card')).filter((item) =>
        JSON.stringify(item.data ?? {}).includes(accountId),
      );
      expect(cardsOfAccount).toEqual([]);

      const status = await stack.call('GET', onboardingPath(id));
      expect(status.body.state).toBe('cancelled');
      const late = await act<ErrorBody>(id, 'acceptAgreements', { agreementIds: ['agr_gpr_esign_v2'] });
      expect(late.status).toBe(409);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps personal data out of history: read without the codec, no SSN, date of birth, PIN, first or last name',
    async () => {
      for (const { customerRef, applicant } of [ddaStart, cancelledStart, lostWebhookStart]) {
        const { eventCount, raw } = await stack.rawHistory(`onboarding:netspend:${customerRef}`);
        expect(eventCount).toBeGreaterThan(10);
        const { ssn, dateOfBirth, name, email } = applicant;
        for (const secret of [ssn, dateOfBirth, name.first, name.last, email]) {
          expect(raw.includes(secret), `history of ${customerRef} contains ${secret}`).toBe(false);
        }
        // Four bare digits can occur by chance inside the ids Temporal keeps in clear (UUIDs): look for the PIN
        // as a JSON string value, the way a plaintext payload would carry it.
        expect(raw.includes(`"${PIN}"`), `history of ${customerRef} contains the PIN`).toBe(false);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps the PINs unreadable even decoded: the refused one and the one Netspend took, sealed in the Updates',
    async () => {
      const workflowId = `onboarding:netspend:${ddaStart.customerRef}`;
      // The PII codec's view (the codec endpoint's, anyone's with PII_KEYS) and a pii.read operator's in the Web UI.
      for (const decoded of [
        await decodedWithPiiCodec(stack, workflowId),
        await decodedByCodecEndpoint(stack, workflowId, PII_READER_KEY),
      ]) {
        expect(decoded.some((payload) => payload.text.includes(ddaStart.applicant.name.last))).toBe(true);
        for (const pin of [PIN, WEAK_PIN]) {
          const carrying = decoded.filter((payload) => standalone(pin).test(payload.text));
          expect(carrying.map((payload) => payload.eventType)).toEqual([]);
        }
        // 41: the two activateCard Updates' inputs; 10: the two activateCard activities' inputs (one refused).
        expect(eventTypesContaining(decoded, '"pin":{"sealed":"')).toEqual(new Set(['10', '41']));
        const sealedPins = decoded.filter((payload) => payload.text.includes('"pin":{"sealed":"'));
        expect(sealedPins).toHaveLength(4);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
