/**
 * Netspend end to end, through the gateway alone: HTTP to the gateway, a real Temporal dev server, the worker's
 * own queue wiring running the real workflow and activities against the Netspend simulator, and the simulator's
 * signed webhooks (`ns-signature`, exactly-200 delivery) coming back through the gateway, every one duplicated and
 * reordered. Polling is slowed to minutes, so the `account.created` webhook is what activates the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingStatus } from '../../workflows/contract.js';
import { onboardingPath, pendingAction, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

const TEST_TIMEOUT_MS = 150_000;
/** Not weak by the simulator's rules (no run, not four equal digits), and no other test data contains it. */
const PIN = '7392';
const WEAK_PIN = '4321';

let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    faults: { netspend: { webhookDuplicateRate: 1, webhookReorder: true, webhookReorderWindowMs: 300 } },
  });
});

afterAll(async () => {
  await stack?.close();
});

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

interface Person {
  first: string;
  last: string;
  dateOfBirth: string;
  ssn: string;
  email: string;
  phone: string;
}

/** SSNs outside the simulator's 991-994 controls: KYC and OFAC approve at creation. */
const ddaPerson: Person = {
  first: 'Wilhelmina',
  last: 'Trevelyan',
  dateOfBirth: '1984-07-19',
  ssn: '512349876',
  email: 'wilhelmina.trevelyan@example.com',
  phone: '+15550003333',
};
const cancelledPerson: Person = {
  first: 'Bartholomew',
  last: 'Ashcombe',
  dateOfBirth: '1972-12-05',
  ssn: '523458765',
  email: 'bartholomew.ashcombe@example.com',
  phone: '+15550004444',
};

function startBody(customerRef: string, person: Person, netspend: Record<string, unknown>) {
  return {
    provider: 'netspend',
    customerRef,
    applicant: {
      name: { first: person.first, last: person.last },
      dateOfBirth: person.dateOfBirth,
      ssn: person.ssn,
      email: person.email,
      phone: person.phone,
      address: { line1: '500 Congress Ave', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US' },
    },
    netspend,
    // Reconciliation polls every few minutes only: the webhooks must do the work.
    options: { pollInitialInterval: '5m', pollMaxInterval: '10m' },
  };
}

const act = <T = OnboardingStatus>(id: string, action: string, body: unknown) =>
  stack.call<T>('POST', `${onboardingPath(id)}/actions/${action}`, body);

interface AgreementData {
  agreementId: string;
  accepted: boolean;
}
interface QuestionData {
  questionId: string;
  answers: { answerId: string }[];
}

interface AuditItem {
  kind: string;
  id: string;
  data?: Record<string, unknown>;
}

/** What the simulator recorded, read over its control API as an operator would. */
async function auditItems(kind: string, id?: string): Promise<AuditItem[]> {
  const query = new URLSearchParams({ provider: 'netspend', kind, ...(id ? { id } : {}) });
  const response = await fetch(`${stack.sandbox.url}/_sandbox/audit?${query.toString()}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: AuditItem[] }).items;
}

/** Every webhook about `accountId` reached the gateway with exactly 200, and each event was routed to `id`. */
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
  for (const eventId of eventIds) {
    const result = await client.workflow.getHandle(`webhook:netspend:${eventId}`).result();
    expect(result).toMatchObject({ outcome: 'routed' });
  }
  const created = deliveries.find((delivery) => delivery.eventType === 'account.created');
  const routed = await client.workflow.getHandle(`webhook:netspend:${created?.eventId}`).result();
  // The account waited for this event, so it was running when the event was routed.
  expect(routed).toMatchObject({ outcome: 'routed', type: 'account.created', signalled: [id] });
  // The operator inbox saw each event once as new and again as a duplicate.
  const lines = (await stack.inboxLines()).filter((line) => line.provider === 'netspend');
  for (const eventId of eventIds) {
    const seen = lines.filter((line) => line.eventId === eventId).map((line) => line.firstDelivery);
    expect(seen.filter((first) => first)).toHaveLength(1);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  }
}

describe('Netspend onboarding through the gateway', () => {
  it(
    'takes a DDA customer from nothing to an activated physical card',
    async () => {
      const started = await stack.call(
        'POST',
        '/v1/onboardings',
        startBody('ns-e2e-dda', ddaPerson, { accountType: 'DDA' }),
      );
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      expect(id).toBe('onboarding:netspend:ns-e2e-dda');
      const again = await stack.call(
        'POST',
        '/v1/onboardings',
        startBody('ns-e2e-dda', ddaPerson, { accountType: 'DDA' }),
      );
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

      // Expected use (DDA only): the first answer of each question.
      const useAsked = await stack.waitForStatus(
        id,
        'expected use pending',
        (s) => pendingAction(s, 'answerExpectedUse') !== undefined,
      );
      const questions = pendingAction(useAsked, 'answerExpectedUse')?.data.questions as QuestionData[];
      expect(questions.length).toBeGreaterThan(0);
      const answered = await act(id, 'answerExpectedUse', {
        answers: questions.map((question) => ({
          questionId: question.questionId,
          answerId: question.answers[0]?.answerId,
        })),
      });
      expect(answered.status).toBe(200);

      // The last requirement in makes Netspend activate the account and announce it with account.created. The
      // simulator activates synchronously, so the onboarding's first read already sees it active; the webhook
      // (duplicated and reordered) must still reach the running onboarding through the gateway and its refs.
      const cardAsked = await stack.waitForStatus(
        id,
        'card choice pending',
        (s) => pendingAction(s, 'chooseCard') !== undefined,
        60_000,
      );
      expect(cardAsked.steps.find((step) => step.name === 'activation')?.status).toBe('done');
      await stack.sandbox.ctx.webhooks.idle();
      await stack.waitForStatus(id, 'account.created received', (s) =>
        s.timeline.some((entry) => entry.actor === 'provider' && entry.what === 'event account.created'),
      );
      const brands = pendingAction(cardAsked, 'chooseCard')?.data.brands as { brandName: string }[];
      const brandName = brands[0]?.brandName as string;
      const chosen = await act(id, 'chooseCard', { type: 'physical', brandName });
      expect(chosen.status).toBe(200);

      // The card arrives by mail; the customer sets its PIN, which activates it.
      const pinAsked = await stack.waitForStatus(
        id,
        'card activation pending',
        (s) => pendingAction(s, 'activateCard') !== undefined,
      );
      expect(pendingAction(pinAsked, 'activateCard')?.data).toMatchObject({ pinFormat: 'four digits' });
      const malformed = await act<ErrorBody>(id, 'activateCard', { pin: '73925' });
      expect(malformed.status).toBe(422);
      expect(JSON.stringify(malformed.body)).not.toContain('73925');
      const weak = await act<ErrorBody>(id, 'activateCard', { pin: WEAK_PIN });
      expect(weak.status).toBe(422);
      expect(weak.body.error.code).toBe('invalid_action');
      expect(JSON.stringify(weak.body)).not.toContain(WEAK_PIN);
      const activated = await act(id, 'activateCard', { pin: PIN });
      expect(activated.status).toBe(200);
      expect(JSON.stringify(activated.body)).not.toContain(PIN);

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
      const accountId = done.result.accountId as string;
      const cardId = done.result.cardId as string;
      expect(await auditItems('account', accountId)).toHaveLength(1);
      expect((await auditItems('account_status', accountId)).map((item) => item.data?.status)).toEqual(['active']);
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
    'cancels after the account exists: the account is closed at Netspend and the steps show compensated',
    async () => {
      const started = await stack.call(
        'POST',
        '/v1/onboardings',
        startBody('ns-e2e-cancel', cancelledPerson, { providedId: 'sandbox-gpr-prepaid' }),
      );
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

      const cancelled = await stack.call('POST', `${onboardingPath(id)}/cancel`, {
        reason: 'customer changed their mind',
        actor: 'customer',
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.state).toBe('cancelled');
      expect(cancelled.body.steps.find((step) => step.name === 'account')?.status).toBe('compensated');
      expect(cancelled.body.pendingActions).toEqual([]);

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
      for (const [customerRef, person] of [
        ['ns-e2e-dda', ddaPerson],
        ['ns-e2e-cancel', cancelledPerson],
      ] as const) {
        const { eventCount, raw } = await stack.rawHistory(`onboarding:netspend:${customerRef}`);
        expect(eventCount).toBeGreaterThan(10);
        for (const secret of [person.ssn, person.dateOfBirth, person.first, person.last, person.email]) {
          expect(raw.includes(secret), `history of ${customerRef} contains ${secret}`).toBe(false);
        }
        // Four bare digits can occur by chance inside the ids Temporal keeps in clear (UUIDs): look for the PIN
        // as a JSON string value, the way a plaintext payload would carry it.
        expect(raw.includes(`"${PIN}"`), `history of ${customerRef} contains the PIN`).toBe(false);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
