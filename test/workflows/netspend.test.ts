/**
 * The Netspend onboarding workflow on the time-skipping test server: the real workflow code, fake Netspend
 * activities that follow the simulator's documented controls. Days of reminders and expiries pass in seconds.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetspendAccountType, NetspendCardType } from '../../contract/netspend.js';
import type { NetspendProviderInput } from '../../contract/netspend.js';
import {
  ACTION_NOT_EXPECTED,
  INVALID_ACTION,
  SA_REFS,
  cancelUpdate,
  onboardingWorkflowId,
  providerEventSignal,
  statusQuery,
} from '../../contract/onboarding.js';
import type { OnboardingInput, OnboardingOptions, OnboardingStatus, ProviderEvent } from '../../contract/onboarding.js';
import {
  NETSPEND_ACTIONS,
  netspendAcceptAgreementsUpdate,
  netspendActivateCardUpdate,
  netspendAnswerExpectedUseUpdate,
  netspendChooseCardUpdate,
  netspendCureKycUpdate,
  netspendUploadKycDocumentsUpdate,
} from '../../contract/netspend.js';
import type { netspendOnboarding } from '../../workflows/netspend.js';
import { pendingAction, startWorkflowHarness, waitForStatus } from '../helpers/workflow-harness.js';
import type { WorkflowHarness } from '../helpers/workflow-harness.js';
import { FAKE_DOCUMENT_TYPES, FakeNetspend, SSN } from './netspend-fake.js';
import { SEALED_SECRET_MESSAGE } from '../../contract/secrets.js';
import type { SealedSecret } from '../../contract/secrets.js';
import { sealed } from '../helpers/secrets.js';

const TASK_QUEUE = 'netspend-workflow-test';
const fake = new FakeNetspend();
/** Four digits that appear nowhere else in these tests' data. */
const PIN = '7392';
/** The PIN as a value of its own: four digits can occur by chance inside the random hex ids of a status. */
const standalone = (pin: string) => new RegExp(`(?<![0-9a-fA-F])${pin}(?![0-9a-fA-F])`);

let harness: WorkflowHarness;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  harness = await startWorkflowHarness({ taskQueue: TASK_QUEUE, activities: fake.activities() });
  ({ env } = harness);
});

afterAll(async () => {
  await harness?.teardown();
});

type Handle = WorkflowHandle<typeof netspendOnboarding>;
let customers = 0;

interface StartOptions {
  accountType?: NetspendAccountType;
  options?: OnboardingOptions;
  /** Runs with the workflow id before the start, e.g. to hold one of its activity calls. */
  before?: (workflowId: string) => void;
}

async function start(ssn: string, { accountType = 'DDA', options, before }: StartOptions = {}): Promise<Handle> {
  const input: OnboardingInput<NetspendProviderInput> = {
    provider: 'netspend',
    customerRef: `ns_cust_${++customers}`,
    applicant: {
      name: { first: 'Ada', last: 'Lovelace' },
      dateOfBirth: '1990-01-31',
      ssn,
      email: 'ada@example.com',
      phone: '+15551234567',
      address: { line1: '2000 Allston Way', city: 'Berkeley', state: 'CA', postalCode: '94701', country: 'US' },
    },
    providerInput: { accountType },
    ...(options ? { options } : {}),
  };
  const workflowId = onboardingWorkflowId('netspend', input.customerRef);
  before?.(workflowId);
  return env.client.workflow.start<typeof netspendOnboarding>('netspendOnboarding', {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [input],
  });
}

const waitForAction = (handle: Handle, action: string) =>
  waitForStatus(handle, `pending ${action}`, (status) => !!pendingAction(status, action));

async function rejection(update: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await update;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause;
    throw err;
  }
  throw new Error('the update was accepted');
}

function stepStatuses(status: OnboardingStatus): Record<string, string> {
  return Object.fromEntries(status.steps.map((step) => [step.name, step.status]));
}

const allAgreementIds = () => fake.agreements.map((agreement) => agreement.agreementId);
const expectedUseAnswers = () =>
  fake.expectedUseQuestions.map((question) => ({
    questionId: question.questionId,
    answerId: question.answers[0]!.answerId,
  }));

async function acceptAgreements(handle: Handle): Promise<OnboardingStatus> {
  await waitForAction(handle, NETSPEND_ACTIONS.acceptAgreements);
  return handle.executeUpdate(netspendAcceptAgreementsUpdate, { args: [{ agreementIds: allAgreementIds() }] });
}

async function answerExpectedUse(handle: Handle): Promise<OnboardingStatus> {
  await waitForAction(handle, NETSPEND_ACTIONS.answerExpectedUse);
  return handle.executeUpdate(netspendAnswerExpectedUseUpdate, { args: [{ answers: expectedUseAnswers() }] });
}

async function chooseCard(handle: Handle, type: NetspendCardType, brandName = 'brand_classic') {
  await waitForAction(handle, NETSPEND_ACTIONS.chooseCard);
  return handle.executeUpdate(netspendChooseCardUpdate, { args: [{ type, brandName }] });
}

/** Through agreements and (DDA) expected use, up to the card choice. */
async function reachCardChoice(handle: Handle, accountType: NetspendAccountType = 'DDA'): Promise<void> {
  await acceptAgreements(handle);
  if (accountType === 'DDA') await answerExpectedUse(handle);
  await waitForAction(handle, NETSPEND_ACTIONS.chooseCard);
}

/** Every payload of the raw history (no codec in these tests) that contains `needle`, by event type. */
async function historyEventsContaining(handle: Handle, needle: string): Promise<string[]> {
  const history = await handle.fetchHistory();
  const found: string[] = [];
  const { temporal } = await import('@temporalio/proto');
  const EventType = temporal.api.enums.v1.EventType;
  for (const event of history.events ?? []) {
    const texts: string[] = [];
    const visit = (value: unknown): void => {
      if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
      else if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') Object.values(value).forEach(visit);
      else if (typeof value === 'string') texts.push(value);
    };
    visit(event);
    if (texts.some((text) => text.includes(needle))) {
      const type = EventType[event.eventType ?? 0] ?? String(event.eventType);
      const activityType = event.activityTaskScheduledEventAttributes?.activityType?.name;
      found.push(activityType ? `${type}:${activityType}` : type);
    }
  }
  return found;
}

describe('netspendOnboarding: happy paths by account and card type', () => {
  it('onboards a DDA applicant with a physical card, activated with a PIN that stays out of history', async () => {
    const handle = await start(SSN.approved);

    const agreements = await waitForAction(handle, NETSPEND_ACTIONS.acceptAgreements);
    expect(agreements).toMatchObject({ state: 'action_required', step: 'agreements', blockedOn: 'customer' });
    expect(pendingAction(agreements, NETSPEND_ACTIONS.acceptAgreements)?.data).toEqual({
      agreements: fake.agreements.map(({ agreementId, type, name, version, url }) => ({
        agreementId,
        type,
        name,
        version,
        url,
        accepted: false,
      })),
    });
    // In any order, in parts, and a repeat is harmless.
    const partly = await handle.executeUpdate(netspendAcceptAgreementsUpdate, {
      args: [{ agreementIds: ['agr_privacy_policy', 'agr_esign'] }],
    });
    expect(pendingAction(partly, NETSPEND_ACTIONS.acceptAgreements)?.data.agreements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ agreementId: 'agr_esign', accepted: true }),
        expect.objectContaining({ agreementId: 'agr_cardholder_terms', accepted: false }),
      ]),
    );
    const accepted = await handle.executeUpdate(netspendAcceptAgreementsUpdate, {
      args: [{ agreementIds: ['agr_esign', 'agr_cardholder_terms'] }],
    });
    expect(pendingAction(accepted, NETSPEND_ACTIONS.acceptAgreements)).toBeUndefined();

    const expectedUse = await waitForAction(handle, NETSPEND_ACTIONS.answerExpectedUse);
    expect(pendingAction(expectedUse, NETSPEND_ACTIONS.answerExpectedUse)?.data).toEqual({
      questions: fake.expectedUseQuestions,
    });
    await handle.executeUpdate(netspendAnswerExpectedUseUpdate, { args: [{ answers: expectedUseAnswers() }] });

    const choice = await waitForAction(handle, NETSPEND_ACTIONS.chooseCard);
    expect(pendingAction(choice, NETSPEND_ACTIONS.chooseCard)?.data).toEqual({
      cardTypes: ['physical', 'virtual', 'digital'],
      brands: fake.brands,
      defaultShippingAddress: 'applicant',
    });
    await handle.executeUpdate(netspendChooseCardUpdate, { args: [{ type: 'physical', brandName: 'brand_midnight' }] });

    const activation = await waitForAction(handle, NETSPEND_ACTIONS.activateCard);
    const [card] = fake.cardsOf(handle.workflowId);
    expect(card).toMatchObject({ type: 'physical', status: 'ordered', brandName: 'brand_midnight' });
    // No address given: the card ships to the applicant.
    expect(card?.shippedTo).toMatchObject({ line1: '2000 Allston Way', postalCode: '94701' });
    expect(pendingAction(activation, NETSPEND_ACTIONS.activateCard)?.data).toEqual({
      cardId: card?.cardId,
      brandName: 'brand_midnight',
      pinFormat: 'four digits',
    });

    // Netspend refuses a weak PIN: the customer can try again, and the refusal does not echo it.
    const weak = await rejection(handle.executeUpdate(netspendActivateCardUpdate, { args: [{ pin: sealed('1234') }] }));
    expect(weak.type).toBe(INVALID_ACTION);
    expect(weak.message).toContain('pin_too_weak');
    expect(weak.message).not.toContain('1234');

    const activated = await handle.executeUpdate(netspendActivateCardUpdate, { args: [{ pin: sealed(PIN) }] });
    expect(activated.pendingActions).toEqual([]);

    const final = await handle.result();
    const account = fake.account(handle.workflowId);
    const person = fake.personOf(handle.workflowId);
    expect(final.state).toBe('completed');
    expect(final.result).toEqual({
      sessionId: expect.stringMatching(/^ses_/),
      accountId: account.id,
      accountType: 'DDA',
      personId: person.id,
      cardId: card?.cardId,
      cardType: 'physical',
    });
    expect(stepStatuses(final)).toEqual({
      session: 'done',
      account: 'done',
      person: 'done',
      kyc: 'done',
      person_session: 'done',
      agreements: 'done',
      expected_use: 'done',
      activation: 'done',
      card_order: 'done',
      card_activation: 'done',
    });
    expect(account.status).toBe('active');
    expect(fake.cards.get(card!.cardId)?.status).toBe('active');
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(SA_REFS)).toEqual([
      `netspend:account:${account.id}`,
      `netspend:person:${person.id}`,
    ]);

    // The PIN: not in the status or timeline, nowhere in the history (this one has no codec at all); only its
    // sealed form is, inside the Update and the one activity input; and no other activity ever saw it.
    expect(JSON.stringify(final)).not.toMatch(standalone(PIN));
    expect(JSON.stringify(await handle.query(statusQuery))).not.toMatch(standalone(PIN));
    // Nor the weak PIN Netspend refused, whose Update and activity input are in the history too.
    expect(await historyEventsContaining(handle, PIN)).toEqual([]);
    expect(await historyEventsContaining(handle, '"1234"')).toEqual([]);
    const sealedInHistory = await historyEventsContaining(handle, '"sealed"');
    const pinEvents = [
      'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:activateCard',
      'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
    ];
    expect(sealedInHistory.sort()).toEqual([...pinEvents, ...pinEvents].sort());
    const sawPin = fake.callsOf(handle.workflowId).filter((call) => call.input.includes('"sealed"'));
    expect(sawPin.map((call) => call.activity)).toEqual(['activateCard', 'activateCard']);
  });

  it.each([
    ['GPR', 'virtual'],
    ['GPR', 'digital'],
    ['DDA', 'virtual'],
  ] as const)('onboards a %s applicant with a %s card, no PIN needed', async (accountType, cardType) => {
    const handle = await start(SSN.approved, { accountType });
    await reachCardChoice(handle, accountType);
    await chooseCard(handle, cardType);
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final.result).toMatchObject({ accountType, cardType });
    expect(stepStatuses(final)).toMatchObject({
      expected_use: accountType === 'GPR' ? 'skipped' : 'done',
      card_order: 'done',
      card_activation: 'skipped',
    });
    const activities = fake.callsOf(handle.workflowId).map((call) => call.activity);
    if (accountType === 'GPR') {
      expect(activities).not.toContain('getExpectedUseQuestions');
      expect(final.timeline.map((entry) => entry.what)).toContain('expected use not asked');
    }
    expect(activities).not.toContain('activateCard');
    expect(fake.cardsOf(handle.workflowId)).toEqual([expect.objectContaining({ type: cardType, status: 'active' })]);
  });
});

describe('netspendOnboarding: GPR accounts skip expected use', () => {
  it('shows expected_use skipped as soon as the account type is known, not only at the end', async () => {
    const handle = await start(SSN.approved, { accountType: 'GPR' });
    const agreements = await waitForAction(handle, NETSPEND_ACTIONS.acceptAgreements);
    expect(stepStatuses(agreements)).toMatchObject({ account: 'done', expected_use: 'skipped' });
    await handle.executeUpdate(netspendAcceptAgreementsUpdate, { args: [{ agreementIds: allAgreementIds() }] });
    await chooseCard(handle, 'virtual');
    const final = await handle.result();
    expect(stepStatuses(final)).toMatchObject({ expected_use: 'skipped', card_order: 'done' });
    expect(final.timeline.filter((entry) => entry.what === 'expected use not asked')).toHaveLength(1);
  });
});

describe('netspendOnboarding: KYC and OFAC', () => {
  it('cures a conditional KYC with the identity questions, then completes', async () => {
    const handle = await start(SSN.conditional, { accountType: 'GPR' });
    const waiting = await waitForAction(handle, NETSPEND_ACTIONS.cureKyc);
    expect(waiting).toMatchObject({ step: 'kyc', state: 'action_required' });
    expect(pendingAction(waiting, NETSPEND_ACTIONS.cureKyc)?.data).toEqual({
      method: 'identity_questions',
      questions: fake.identityQuestions,
    });

    const unknown = await rejection(
      handle.executeUpdate(netspendCureKycUpdate, {
        args: [{ answers: [{ questionId: 'idq_street', answerId: 'x' }] }],
      }),
    );
    expect(unknown).toMatchObject({ type: INVALID_ACTION, message: expect.stringContaining('answers[0].answerId') });

    await handle.executeUpdate(netspendCureKycUpdate, {
      args: [{ answers: [{ questionId: 'idq_street', answerId: 'street_right' }] }],
    });
    await reachCardChoice(handle, 'GPR');
    await chooseCard(handle, 'digital');
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final.timeline.map((entry) => entry.what)).toContain('KYC is approved after the identity questions');
    // The answers describe the applicant's past: kept out of the timeline.
    expect(JSON.stringify(final.timeline)).not.toContain('street_right');
  });

  it('rejects when the identity answers are wrong, and closes the account', async () => {
    const handle = await start(SSN.conditional);
    await waitForAction(handle, NETSPEND_ACTIONS.cureKyc);
    await handle.executeUpdate(netspendCureKycUpdate, {
      args: [{ answers: [{ questionId: 'idq_street', answerId: 'street_wrong' }] }],
    });
    const final = await handle.result();
    expect(final.state).toBe('rejected');
    expect(stepStatuses(final)).toMatchObject({ account: 'compensated', kyc: 'done', agreements: 'skipped' });
    expect(fake.account(handle.workflowId)).toMatchObject({ status: 'closed', closes: 1 });
  });

  it.each([
    [
      'a rejected KYC Netspend offers no cure for',
      SSN.rejected,
      'Netspend rejected the KYC check and offers no cure (final)',
    ],
    ['an OFAC hit', SSN.ofacHit, 'the OFAC check flagged the applicant'],
  ])('ends %s as rejected with the account closed', async (_label, ssn, why) => {
    const handle = await start(ssn);
    const final = await handle.result();
    expect(final.state).toBe('rejected');
    expect(final.timeline.at(-1)).toMatchObject({ what: 'onboarding rejected', why });
    expect(stepStatuses(final)).toMatchObject({
      session: 'done',
      account: 'compensated',
      person: 'done',
      kyc: 'done',
      agreements: 'skipped',
      card_order: 'skipped',
    });
    expect(fake.account(handle.workflowId)).toMatchObject({ status: 'closed', closes: 1 });
    expect(final.result.personId).toEqual(expect.any(String));
  });

  it('waits for a reviewer on a pending KYC, woken by the webhook', async () => {
    const handle = await start(SSN.reviewPending, { accountType: 'GPR' });
    const inReview = await waitForStatus(handle, 'in review', (status) => status.state === 'in_review');
    expect(inReview).toMatchObject({ step: 'kyc', blockedOn: 'reviewer' });
    fake.decideKyc(handle.workflowId, 'approved');
    // The webhook is a hint: the workflow re-reads the person (a duplicate delivery changes nothing).
    const person = fake.personOf(handle.workflowId);
    const event: ProviderEvent = {
      provider: 'netspend',
      eventId: `evt_kyc_${person.id}`,
      type: 'person.kyc.identity_scan.modified',
      refs: [`netspend:person:${person.id}`],
      occurredAt: new Date().toISOString(),
      data: { person_id: person.id, kyc_status: 'approved' },
    };
    await handle.signal(providerEventSignal, event);
    await handle.signal(providerEventSignal, event);
    await reachCardChoice(handle, 'GPR');
    await chooseCard(handle, 'virtual');
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final.timeline.filter((entry) => entry.what === 'event person.kyc.identity_scan.modified')).toHaveLength(1);
  });

  it('also finds the decision without any webhook, by polling', async () => {
    const handle = await start(SSN.reviewPending, { accountType: 'GPR' });
    await waitForStatus(handle, 'in review', (status) => status.state === 'in_review');
    fake.decideKyc(handle.workflowId, 'rejected');
    const final = await handle.result();
    expect(final.state).toBe('rejected');
    expect(fake.account(handle.workflowId).status).toBe('closed');
  });
});

describe('netspendOnboarding: curing a rejected KYC the way Netspend offers', () => {
  const document = (type: string) => ({
    type,
    documentRef: `doc_${type}`,
    contentType: 'image/png',
    sizeBytes: 2048,
  });

  it('identity questions: the customer answers them and the onboarding goes on', async () => {
    const handle = await start(SSN.rejectedCurableByQuestions, { accountType: 'GPR' });
    const waiting = await waitForAction(handle, NETSPEND_ACTIONS.cureKyc);
    expect(waiting).toMatchObject({ step: 'kyc', state: 'action_required', blockedOn: 'customer' });
    expect(pendingAction(waiting, NETSPEND_ACTIONS.cureKyc)).toMatchObject({
      data: { method: 'identity_questions', questions: fake.identityQuestions },
      expiresAt: expect.any(String),
    });
    await handle.executeUpdate(netspendCureKycUpdate, {
      args: [{ answers: [{ questionId: 'idq_street', answerId: 'street_right' }] }],
    });
    await reachCardChoice(handle, 'GPR');
    await chooseCard(handle, 'virtual');
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect(final.timeline.map((entry) => entry.why)).toContain('Netspend offers a cure: identity_questions');
  });

  it('identity scan: the pending action carries the scan id for the SDK; the result comes from Netspend', async () => {
    const handle = await start(SSN.rejectedCurableByScan, { accountType: 'GPR' });
    const waiting = await waitForAction(handle, NETSPEND_ACTIONS.completeIdentityScan);
    const person = fake.personOf(handle.workflowId);
    expect(pendingAction(waiting, NETSPEND_ACTIONS.completeIdentityScan)).toMatchObject({
      data: { method: 'identity_scan', identityScanId: `scan_${person.id}` },
      expiresAt: expect.any(String),
    });
    fake.completeIdentityScan(handle.workflowId, 'approved');
    await handle.signal(providerEventSignal, {
      provider: 'netspend',
      eventId: `evt_scan_${person.id}`,
      type: 'person.kyc.identity_scan.modified',
      refs: [`netspend:person:${person.id}`],
      occurredAt: new Date().toISOString(),
      data: { person_id: person.id, kyc_status: 'approved' },
    });
    await reachCardChoice(handle, 'GPR');
    await chooseCard(handle, 'virtual');
    expect((await handle.result()).state).toBe('completed');
  });

  it('a failed identity scan, with no other cure on offer, is final: rejected and the account closed', async () => {
    const handle = await start(SSN.rejectedCurableByScan, { accountType: 'GPR' });
    await waitForAction(handle, NETSPEND_ACTIONS.completeIdentityScan);
    fake.completeIdentityScan(handle.workflowId, 'rejected');
    const final = await handle.result();
    expect(final.state).toBe('rejected');
    expect(final.timeline.at(-1)?.why).toMatch(/offers no cure/);
    expect(fake.account(handle.workflowId).status).toBe('closed');
  });

  it('documents: uploads accumulate against the request, then go to Netspend once, which approves', async () => {
    const handle = await start(SSN.rejectedCurableByDocuments, { accountType: 'GPR' });
    const waiting = await waitForAction(handle, NETSPEND_ACTIONS.uploadKycDocuments);
    expect(pendingAction(waiting, NETSPEND_ACTIONS.uploadKycDocuments)?.data).toMatchObject({
      method: 'provide_documents',
      documents: FAKE_DOCUMENT_TYPES.map((type) => ({ type, received: false })),
    });
    const wrong = await rejection(
      handle.executeUpdate(netspendUploadKycDocumentsUpdate, { args: [{ documents: [document('selfie')] }] }),
    );
    expect(wrong.type).toBe(INVALID_ACTION);
    expect(wrong.message).toContain('documents[0].type');
    const partly = await handle.executeUpdate(netspendUploadKycDocumentsUpdate, {
      args: [{ documents: [document(FAKE_DOCUMENT_TYPES[0]!)] }],
    });
    expect(pendingAction(partly, NETSPEND_ACTIONS.uploadKycDocuments)?.data.documents).toEqual([
      { type: FAKE_DOCUMENT_TYPES[0], received: true },
      { type: FAKE_DOCUMENT_TYPES[1], received: false },
    ]);
    await handle.executeUpdate(netspendUploadKycDocumentsUpdate, {
      args: [{ documents: [document(FAKE_DOCUMENT_TYPES[1]!)] }],
    });
    await reachCardChoice(handle, 'GPR');
    await chooseCard(handle, 'virtual');
    expect((await handle.result()).state).toBe('completed');
    const uploads = fake.callsOf(handle.workflowId).filter((call) => call.activity === 'uploadKycDocuments');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.input).toContain('doc_government_id_front');
  });

  it('a cure the customer never does expires with its deadline, and the account is closed', async () => {
    const handle = await start(SSN.rejectedCurableByDocuments, {
      options: { deadlines: { kycCure: { expireAfter: '2d', remindAfter: '1d' } } },
    });
    const final = await handle.result();
    expect(final.state).toBe('expired');
    expect(stepStatuses(final)).toMatchObject({ account: 'compensated', kyc: 'failed' });
    expect(fake.account(handle.workflowId).status).toBe('closed');
  });
});

describe('netspendOnboarding: customer action validation', () => {
  it('answers 409 to an untimely action and 422 naming the field to an invalid one', async () => {
    const handle = await start(SSN.approved);
    await waitForAction(handle, NETSPEND_ACTIONS.acceptAgreements);

    const early = await rejection(handle.executeUpdate(netspendActivateCardUpdate, { args: [{ pin: sealed(PIN) }] }));
    expect(early.type).toBe(ACTION_NOT_EXPECTED);
    const earlyCard = await rejection(
      handle.executeUpdate(netspendChooseCardUpdate, { args: [{ type: 'virtual', brandName: 'brand_classic' }] }),
    );
    expect(earlyCard.type).toBe(ACTION_NOT_EXPECTED);

    const unknown = await rejection(
      handle.executeUpdate(netspendAcceptAgreementsUpdate, { args: [{ agreementIds: ['agr_esign', 'agr_other'] }] }),
    );
    expect(unknown).toMatchObject({ type: INVALID_ACTION, message: expect.stringContaining('agreementIds[1]') });
    const empty = await rejection(
      handle.executeUpdate(netspendAcceptAgreementsUpdate, { args: [{ agreementIds: [] }] }),
    );
    expect(empty.type).toBe(INVALID_ACTION);
    // Rejected actions changed nothing.
    const unchanged = await handle.query(statusQuery);
    expect(pendingAction(unchanged, NETSPEND_ACTIONS.acceptAgreements)?.data.agreements).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ accepted: true })]),
    );

    await acceptAgreements(handle);
    await waitForAction(handle, NETSPEND_ACTIONS.answerExpectedUse);
    const partial = await rejection(
      handle.executeUpdate(netspendAnswerExpectedUseUpdate, { args: [{ answers: expectedUseAnswers().slice(0, 1) }] }),
    );
    expect(partial).toMatchObject({ type: INVALID_ACTION, message: expect.stringContaining('occupation') });
    await handle.executeUpdate(netspendAnswerExpectedUseUpdate, { args: [{ answers: expectedUseAnswers() }] });

    await waitForAction(handle, NETSPEND_ACTIONS.chooseCard);
    const brand = await rejection(
      handle.executeUpdate(netspendChooseCardUpdate, { args: [{ type: 'physical', brandName: 'brand_gold' }] }),
    );
    expect(brand).toMatchObject({ type: INVALID_ACTION, message: expect.stringContaining('brandName') });
    const shipVirtual = await rejection(
      handle.executeUpdate(netspendChooseCardUpdate, {
        args: [
          {
            type: 'virtual',
            brandName: 'brand_classic',
            shippingAddress: { line1: '1 Main St', city: 'Austin', state: 'TX', postalCode: '73301', country: 'US' },
          },
        ],
      }),
    );
    expect(shipVirtual.message).toContain('shippingAddress');
    const badZip = await rejection(
      handle.executeUpdate(netspendChooseCardUpdate, {
        args: [
          {
            type: 'physical',
            brandName: 'brand_classic',
            shippingAddress: { line1: '1 Main St', city: 'Austin', state: 'TX', postalCode: 'ABCDE', country: 'US' },
          },
        ],
      }),
    );
    expect(badZip.message).toContain('shippingAddress.postalCode');
    const shippingAddress = { line1: '1 Main St', city: 'Austin', state: 'TX', postalCode: '73301', country: 'US' };
    await handle.executeUpdate(netspendChooseCardUpdate, {
      args: [{ type: 'physical', brandName: 'brand_classic', shippingAddress }],
    });

    await waitForAction(handle, NETSPEND_ACTIONS.activateCard);
    expect(fake.cardsOf(handle.workflowId)[0]?.shippedTo).toEqual(shippingAddress);
    // The edge checks the four digits and seals the PIN; the workflow refuses anything not sealed, so a clear PIN
    // sent straight to the Update (even a valid one) never reaches the history.
    const clear = await rejection(
      handle.executeUpdate(netspendActivateCardUpdate, { args: [{ pin: PIN as unknown as SealedSecret }] }),
    );
    expect(clear).toMatchObject({ type: INVALID_ACTION, message: `pin: ${SEALED_SECRET_MESSAGE}` });

    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over' }] });
    const late = await rejection(handle.executeUpdate(netspendActivateCardUpdate, { args: [{ pin: sealed(PIN) }] }));
    expect(late.type).toBe(ACTION_NOT_EXPECTED);
  });
});

describe('netspendOnboarding: cancel and expiry compensate', () => {
  it('cancelled during the session call: nothing to compensate', async () => {
    let held: ReturnType<FakeNetspend['hold']> | undefined;
    const handle = await start(SSN.approved, { before: (id) => (held = fake.hold(id, 'createSession')) });
    await held!.entered;
    const cancelled = handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
    await waitForStatus(handle, 'cancel recorded', (status) =>
      status.timeline.some((entry) => entry.what === 'cancel requested'),
    );
    held!.release();
    const final = await cancelled;
    expect(final.state).toBe('cancelled');
    expect(final.timeline.map((entry) => entry.what)).toContain('nothing to compensate');
    expect(final.steps.some((step) => step.status === 'compensated')).toBe(false);
    expect(fake.accountOf(handle.workflowId)).toBeUndefined();
  });

  it('cancelled while the account is being created: the interrupted call finishes, then its account is closed', async () => {
    let held: ReturnType<FakeNetspend['hold']> | undefined;
    const handle = await start(SSN.approved, { before: (id) => (held = fake.hold(id, 'createAccount')) });
    await held!.entered;
    const cancelled = handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
    await waitForStatus(handle, 'cancel recorded', (status) =>
      status.timeline.some((entry) => entry.what === 'cancel requested'),
    );
    held!.release();
    const final = await cancelled;
    expect(final.state).toBe('cancelled');
    expect(stepStatuses(final)).toMatchObject({ session: 'done', account: 'compensated', person: 'skipped' });
    expect(final.steps.find((step) => step.name === 'account')?.lastError).toBeNull();
    expect(fake.account(handle.workflowId)).toMatchObject({ status: 'closed', closes: 1 });
    expect(fake.callsOf(handle.workflowId).map((call) => call.activity)).not.toContain('createPerson');
  });

  it.each([
    ['the agreements', 'DDA', NETSPEND_ACTIONS.acceptAgreements],
    ['expected use', 'DDA', NETSPEND_ACTIONS.answerExpectedUse],
    ['the card choice', 'GPR', NETSPEND_ACTIONS.chooseCard],
  ] as const)('cancelled at %s: the account is closed', async (_label, accountType, action) => {
    const handle = await start(SSN.approved, { accountType });
    if (action !== NETSPEND_ACTIONS.acceptAgreements) await acceptAgreements(handle);
    await waitForAction(handle, action);
    const final = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'no longer interested' }] });
    expect(final).toMatchObject({ state: 'cancelled', pendingActions: [] });
    const interrupted = { acceptAgreements: 'agreements', answerExpectedUse: 'expected_use', chooseCard: 'card_order' }[
      action
    ];
    expect(stepStatuses(final)).toMatchObject({
      account: 'compensated',
      [interrupted]: 'failed',
      card_activation: 'skipped',
    });
    expect(final.steps.find((step) => step.name === interrupted)?.lastError).toBe('cancelled');
    expect(fake.account(handle.workflowId)).toMatchObject({ status: 'closed', closes: 1 });
    expect(fake.cardsOf(handle.workflowId)).toEqual([]);
  });

  it('cancelled at the conditional-KYC cure: the account is closed', async () => {
    const handle = await start(SSN.conditional);
    await waitForAction(handle, NETSPEND_ACTIONS.cureKyc);
    const final = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'no longer interested' }] });
    expect(final.state).toBe('cancelled');
    expect(stepStatuses(final)).toMatchObject({ account: 'compensated', kyc: 'failed' });
    expect(fake.account(handle.workflowId).status).toBe('closed');
  });

  it('cancelled while the card waits for its PIN: the card is voided and the account closed', async () => {
    const handle = await start(SSN.approved);
    await reachCardChoice(handle);
    await handle.executeUpdate(netspendChooseCardUpdate, { args: [{ type: 'physical', brandName: 'brand_classic' }] });
    await waitForAction(handle, NETSPEND_ACTIONS.activateCard);
    const final = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'card lost in the mail' }] });
    expect(final.state).toBe('cancelled');
    expect(stepStatuses(final)).toMatchObject({
      account: 'compensated',
      card_order: 'compensated',
      card_activation: 'failed',
    });
    const [card] = fake.cardsOf(handle.workflowId);
    expect(card).toMatchObject({ status: 'closed', closes: 1 });
    expect(fake.account(handle.workflowId)).toMatchObject({ status: 'closed', closes: 1 });
    const whats = final.timeline.map((entry) => entry.what);
    expect(whats.indexOf(`card ${card?.cardId} voided`)).toBeLessThan(
      whats.indexOf(`account ${card?.accountId} closed`),
    );
  });

  it('compensation reads the card it created by id (GET /cards/{id}), never the undocumented card list', async () => {
    const handle = await start(SSN.approved, { accountType: 'GPR' });
    await reachCardChoice(handle, 'GPR');
    await handle.executeUpdate(netspendChooseCardUpdate, { args: [{ type: 'physical', brandName: 'brand_classic' }] });
    await waitForAction(handle, NETSPEND_ACTIONS.activateCard);
    const final = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
    expect(final.state).toBe('cancelled');
    expect(stepStatuses(final)).toMatchObject({ card_order: 'compensated', account: 'compensated' });
    const [card] = fake.cardsOf(handle.workflowId);
    expect(card).toMatchObject({ status: 'closed', closes: 1 });
    const activities = fake.callsOf(handle.workflowId).map((call) => call.activity);
    expect(activities).not.toContain('listCards');
    expect(activities).toContain('getCard');
  });

  it('cancelled while the card is being ordered: the card from the interrupted call is voided too', async () => {
    const handle = await start(SSN.approved, { accountType: 'GPR' });
    await reachCardChoice(handle, 'GPR');
    const held = fake.hold(handle.workflowId, 'orderCard');
    await handle.executeUpdate(netspendChooseCardUpdate, { args: [{ type: 'virtual', brandName: 'brand_classic' }] });
    await held.entered;
    const cancelled = handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
    await waitForStatus(handle, 'cancel recorded', (status) =>
      status.timeline.some((entry) => entry.what === 'cancel requested'),
    );
    held.release();
    const final = await cancelled;
    expect(final.state).toBe('cancelled');
    expect(stepStatuses(final)).toMatchObject({ card_order: 'compensated', account: 'compensated' });
    expect(fake.cardsOf(handle.workflowId)).toEqual([expect.objectContaining({ status: 'closed', closes: 1 })]);
    expect(fake.account(handle.workflowId).status).toBe('closed');
  });

  it('expires when the customer never accepts the agreements: reminders, then expired and compensated', async () => {
    const handle = await start(SSN.approved, {
      options: { deadlines: { agreements: { expireAfter: '3d', remindAfter: '1d' } } },
    });
    await waitForAction(handle, NETSPEND_ACTIONS.acceptAgreements);
    const final = await handle.result();
    expect(final.state).toBe('expired');
    expect(stepStatuses(final)).toMatchObject({ account: 'compensated', agreements: 'failed' });
    expect(fake.account(handle.workflowId)).toMatchObject({ status: 'closed', closes: 1 });
    const events = fake.eventsFor(handle.workflowId).map((event) => event.type);
    expect(events.filter((type) => type === 'onboarding.reminder')).toHaveLength(2);
    expect(events.at(-1)).toBe('onboarding.expired');
  });

  it('gives the physical card a longer default wait for its PIN, and expires it with compensation', async () => {
    const handle = await start(SSN.approved, { accountType: 'GPR' });
    await reachCardChoice(handle, 'GPR');
    await handle.executeUpdate(netspendChooseCardUpdate, { args: [{ type: 'physical', brandName: 'brand_classic' }] });
    const waiting = await waitForAction(handle, NETSPEND_ACTIONS.activateCard);
    const action = pendingAction(waiting, NETSPEND_ACTIONS.activateCard);
    expect(Date.parse(action?.expiresAt ?? '') - Date.parse(waiting.blockedSince ?? '')).toBe(60 * 86_400_000);
    const final = await handle.result();
    expect(final.state).toBe('expired');
    expect(stepStatuses(final)).toMatchObject({ card_order: 'compensated', account: 'compensated' });
    expect(fake.cardsOf(handle.workflowId)[0]?.status).toBe('closed');
  });
});
