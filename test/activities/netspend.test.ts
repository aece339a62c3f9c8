/**
 * Netspend activities against the Netspend simulator over real HTTP: token and session headers, the whole
 * onboarding path, KYC cure, dedupe of repeated writes (Netspend has no idempotency key), error mapping, and the
 * PIN kept out of logs and failures.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createNetspendActivities, toNetspendPerson } from '../../activities/netspend/activities.js';
import type { NetspendActivities, NetspendAnswer, NetspendQuestion } from '../../contract/netspend.js';
import {
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_INPUT_INVALID,
  PROVIDER_UNAVAILABLE,
  type ProviderErrorDetails,
} from '../../contract/provider-failures.js';
import { parseConfig } from '../../common/config.js';
import { DocumentStore } from '../../common/documents.js';
import { setLogLevel, setLogSink } from '../../common/log.js';
import type { Applicant } from '../../contract/onboarding.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import * as netspendSandbox from '../../sandbox/netspend/index.js';
import { testApplicant } from '../fixtures/applicants.js';

let sandbox: Sandbox & { url: string };
let activities: NetspendActivities;
let documents: DocumentStore;
const requests: { method: string; path: string; sessionHeader: string | null }[] = [];
const logLines: string[] = [];

// A phone as people type it: the client normalizes it.
const applicant = (ssn: string, overrides: Partial<Applicant> = {}): Applicant =>
  testApplicant(ssn, { phone: '+1 (555) 123-4567', ...overrides });

let workflowCounter = 0;
function inWorkflow<T>(fn: () => Promise<T>, attempt = 1): Promise<T> {
  const workflowId = `onboarding:netspend:test-${process.pid}-${++workflowCounter}`;
  return new MockActivityEnvironment(
    { attempt, workflowExecution: { workflowId, runId: 'run-1' } },
    { logger: new DefaultLogger('ERROR') },
  ).run(fn);
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

const detailsOf = (failure: ApplicationFailure) => failure.details?.[0] as ProviderErrorDetails;

async function audit(kind: string): Promise<{ id: string; data?: Record<string, unknown> }[]> {
  const response = await fetch(`${sandbox.url}/_sandbox/audit?provider=netspend&kind=${kind}`);
  return ((await response.json()) as { items: { id: string; data?: Record<string, unknown> }[] }).items;
}

async function setFaults(config: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/faults/netspend`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  expect(response.status).toBe(200);
}

const firstAnswers = (questions: NetspendQuestion[]): NetspendAnswer[] =>
  questions.map((question) => ({ questionId: question.questionId, answerId: question.answers[0]!.answerId }));

/** Session, account and person: where every scenario starts. */
async function onboarded(ssn: string, accountType: 'DDA' | 'GPR' = 'DDA') {
  const { sessionId } = await activities.createSession({ deviceData: { fingerprint: 'device-1' } });
  const account = await activities.createAccount({ sessionId, accountType });
  const person = await activities.createPerson({ sessionId, accountId: account.accountId, applicant: applicant(ssn) });
  return { sessionId, account, person };
}

/** Agreements (and DDA expected use) until the account is active. */
async function activate(sessionId: string, personId: string, providedId: string, dda: boolean): Promise<void> {
  for (const agreement of await activities.searchAgreements({ sessionId, providedId })) {
    await activities.acceptAgreement({ sessionId, personId, agreementId: agreement.agreementId });
  }
  if (dda) {
    const questions = await activities.getExpectedUseQuestions({ sessionId, personId });
    await activities.answerExpectedUse({ sessionId, personId, answers: firstAnswers(questions) });
  }
}

beforeAll(async () => {
  setLogSink((line) => logLines.push(line));
  setLogLevel('debug');
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    providers: [netspendSandbox],
    // These tests exercise the calls, not Netspend's timing: the account activates in the call that qualifies it.
    env: { SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: '0' },
    webhookDefaults: { maxAttempts: 1, timeoutMs: 200 },
    webhookTargets: { netspend: 'http://127.0.0.1:9/webhooks/netspend' },
  });
  const storeDir = await mkdtemp(path.join(tmpdir(), 'netspend-docs-'));
  const config = parseConfig({
    NETSPEND_BASE_URL: `${sandbox.url}/netspend/netspend-api/v1`,
    DOCUMENT_STORE_DIR: storeDir,
  });
  documents = DocumentStore.fromConfig(config);
  const recordingFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    requests.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname,
      sessionHeader: headers.get('ns-session-id'),
    });
    return fetch(input, init);
  };
  activities = createNetspendActivities({ config, documents, http: { fetch: recordingFetch, timeoutMs: 5_000 } });
});

afterAll(async () => {
  setLogLevel('info');
  await sandbox?.close();
});

describe('Netspend activities on the simulator', () => {
  it('gets one token for many calls, and a new one when the simulator expires it', async () => {
    const tokens = () => requests.filter((request) => request.path.endsWith('/oauth/accesstoken')).length;
    const before = tokens();
    await activities.createSession({});
    await activities.createSession({});
    expect(tokens() - before).toBeLessThanOrEqual(1);
    const afterTwo = tokens();
    await fetch(`${sandbox.url}/_sandbox/netspend/tokens/expire`, { method: 'POST' });
    await activities.createSession({});
    expect(tokens()).toBe(afterTwo + 1);
  });

  it('onboards a DDA applicant end to end, with ns-session-id on every call after the session', async () => {
    const since = requests.length;
    const { sessionId, account, person } = await inWorkflow(() => onboarded('400123456'));
    expect(account).toEqual({
      accountId: expect.any(String),
      status: 'new',
      accountType: 'DDA',
      providedId: 'sandbox-dda-checking',
    });
    expect(person).toMatchObject({
      kycStatus: 'approved',
      ofacStatus: 'approved',
      status: 'active',
      kycDataMissing: [],
    });

    const session = await activities.attachPersonToSession({ sessionId, personId: person.personId });
    expect(session).toEqual({ sessionId, type: 'person', sourceId: person.personId });
    // A repeat (e.g. after a lost answer) is not an error.
    expect(await activities.attachPersonToSession({ sessionId, personId: person.personId })).toEqual(session);

    const agreements = await activities.searchAgreements({ sessionId, providedId: account.providedId });
    expect(agreements.map((agreement) => agreement.type).sort()).toEqual([
      'cardholder_terms',
      'esign',
      'privacy_policy',
    ]);
    expect(agreements.every((agreement) => agreement.requiredForOnboarding)).toBe(true);
    expect(await activities.getAcceptedAgreements({ sessionId, personId: person.personId })).toEqual([]);
    await activate(sessionId, person.personId, account.providedId, true);
    expect((await activities.getAcceptedAgreements({ sessionId, personId: person.personId })).sort()).toEqual(
      agreements.map((agreement) => agreement.agreementId).sort(),
    );
    expect(await activities.getAccount({ sessionId, accountId: account.accountId })).toMatchObject({
      status: 'active',
    });

    const brands = await activities.searchCardBrands({ sessionId, personId: person.personId });
    expect(brands.length).toBeGreaterThan(0);
    const order = {
      sessionId,
      accountId: account.accountId,
      personId: person.personId,
      type: 'physical' as const,
      brandName: brands[0]!.brandName,
      shippingAddress: applicant('400123456').address,
    };
    const card = await activities.orderCard(order);
    expect(card).toMatchObject({ type: 'physical', status: 'ordered', brandName: brands[0]!.brandName });
    expect((await audit('card')).filter((entry) => entry.data?.account_id === account.accountId)).toHaveLength(1);

    const active = await activities.activateCard({ sessionId, cardId: card.cardId, pin: '7392' });
    expect(active.status).toBe('active');
    // The card is read by the id its order returned (documented), never through the account's card list (not).
    expect(await activities.getCard({ sessionId, cardId: card.cardId })).toEqual(active);

    const calls = requests.slice(since).filter((request) => !request.path.endsWith('/oauth/accesstoken'));
    expect(calls.filter((request) => /\/accounts\/[^/]+\/cards$/.test(request.path))).toEqual([]);
    const withoutSession = calls.filter((request) => request.sessionHeader === null);
    expect(withoutSession.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /netspend/netspend-api/v1/sessions',
    ]);
  });

  it('a GPR account activates without expected use, which Netspend refuses for it', async () => {
    const { sessionId, account, person } = await onboarded('400123457', 'GPR');
    expect(account).toMatchObject({ accountType: 'GPR', providedId: 'sandbox-gpr-prepaid' });
    const refused = await failureOf(activities.getExpectedUseQuestions({ sessionId, personId: person.personId }));
    expect(detailsOf(refused)).toMatchObject({ code: 'expected_use_not_applicable', status: 422 });
    await activate(sessionId, person.personId, account.providedId, false);
    expect((await activities.getAccount({ sessionId, accountId: account.accountId })).status).toBe('active');
    const card = await activities.orderCard({
      sessionId,
      accountId: account.accountId,
      personId: person.personId,
      type: 'digital',
      brandName: 'sandbox_prepaid_mastercard',
    });
    expect(card).toMatchObject({ type: 'digital', status: 'active' });
  });

  it('cures a conditional KYC with the identity questions; a repeat returns the decision', async () => {
    const { sessionId, person } = await onboarded('991123456');
    expect(person.kycStatus).toBe('conditional');
    const questions = await activities.getIdentityQuestions({ sessionId, personId: person.personId });
    expect(questions.length).toBeGreaterThan(0);
    const answers = firstAnswers(questions);
    const cured = await activities.answerIdentityQuestions({ sessionId, personId: person.personId, answers });
    expect(cured.kycStatus).toBe('approved');
    const again = await activities.answerIdentityQuestions({ sessionId, personId: person.personId, answers });
    expect(again.kycStatus).toBe('approved');
  });

  it.each([
    ['992…', '992123456', { kycStatus: 'rejected', status: 'inactive' }],
    ['993… (OFAC hit)', '993123456', { ofacStatus: 'rejected', status: 'inactive' }],
    ['994… (review)', '994123456', { kycStatus: 'pending' }],
  ])('creates the person for %s without failing the call', async (_label, ssn, expected) => {
    const { person } = await onboarded(ssn);
    expect(person).toMatchObject(expected);
  });

  it('creating the account again in its session returns the first one, even after a lost answer', async () => {
    const { sessionId } = await activities.createSession({});
    const accountsBefore = (await audit('account')).length;
    await setFaults({ loseNextResponses: 1 });
    const lost = await failureOf(activities.createAccount({ sessionId, accountType: 'GPR' }));
    expect(lost.type).toBe(PROVIDER_UNAVAILABLE);
    await setFaults({});
    const retried = await activities.createAccount({ sessionId, accountType: 'GPR' });
    expect(await activities.createAccount({ sessionId, accountType: 'GPR' })).toEqual(retried);
    expect((await audit('account')).slice(accountsBefore).map((entry) => entry.id)).toEqual([retried.accountId]);
  });

  it('reads the cures Netspend offers a rejected person, and runs each (questions, scan id, documents)', async () => {
    const final = await onboarded('992123450');
    expect(await activities.getKycCures({ sessionId: final.sessionId, accountId: final.account.accountId })).toEqual({
      available: [],
    });

    const questions = await onboarded('995123450');
    expect(
      await activities.getKycCures({ sessionId: questions.sessionId, accountId: questions.account.accountId }),
    ).toEqual({ available: ['identity_questions'] });

    const scan = await onboarded('996123450');
    expect(await activities.getKycCures({ sessionId: scan.sessionId, accountId: scan.account.accountId })).toEqual({
      available: ['identity_scan'],
    });
    const scanned = await activities.getIdentityScan({ sessionId: scan.sessionId, personId: scan.person.personId });
    expect(scanned).toEqual({ identityScanId: expect.any(String), status: 'pending' });

    const docs = await onboarded('997123450');
    const request = await activities.getDocumentRequest({ sessionId: docs.sessionId, personId: docs.person.personId });
    expect(request).toMatchObject({ status: 'requested', receivedTypes: [] });
    const claims = await Promise.all(
      (request?.documentTypes ?? []).map(async (type) => {
        const stored = await documents.put(Buffer.from('%PDF-1.4 sandbox'), { contentType: 'application/pdf' });
        return { type, documentRef: stored.documentRef, contentType: 'application/pdf', sizeBytes: stored.sizeBytes };
      }),
    );
    const upload = {
      sessionId: docs.sessionId,
      personId: docs.person.personId,
      documentRequestId: request!.documentRequestId,
      documents: claims,
    };
    expect(await activities.uploadKycDocuments(upload)).toMatchObject({ status: 'accepted' });
    // A repeat (a retry after a lost answer) returns the reviewed request instead of failing.
    expect(await activities.uploadKycDocuments(upload)).toMatchObject({ status: 'accepted' });
    expect(await activities.getPerson({ sessionId: docs.sessionId, personId: docs.person.personId })).toMatchObject({
      kycStatus: 'approved',
    });
  });

  it('creating the person twice returns the first one (one primary per account)', async () => {
    const { sessionId, account, person } = await onboarded('400123458');
    const again = await activities.createPerson({
      sessionId,
      accountId: account.accountId,
      applicant: applicant('400123458'),
    });
    expect(again.personId).toBe(person.personId);
  });

  it('closes cards and accounts, idempotently', async () => {
    const { sessionId, account, person } = await onboarded('400123459', 'GPR');
    await activate(sessionId, person.personId, account.providedId, false);
    const card = await activities.orderCard({
      sessionId,
      accountId: account.accountId,
      personId: person.personId,
      type: 'virtual',
      brandName: 'sandbox_prepaid_mastercard',
    });
    expect((await activities.closeCard({ sessionId, cardId: card.cardId })).status).toBe('closed');
    expect((await activities.closeCard({ sessionId, cardId: card.cardId })).status).toBe('closed');
    expect((await activities.closeAccount({ sessionId, accountId: account.accountId })).status).toBe('closed');
    expect((await activities.closeAccount({ sessionId, accountId: account.accountId })).status).toBe('closed');
  });

  it('maps Netspend refusals to non-retryable failures with its code, outages to retryable ones', async () => {
    const { sessionId } = await onboarded('400123460');
    const missing = await failureOf(activities.getAccount({ sessionId, accountId: 'no-such-account' }));
    expect(missing.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(missing.nonRetryable).toBe(true);
    expect(detailsOf(missing)).toMatchObject({
      provider: 'netspend',
      status: 404,
      code: 'account_not_found',
      kind: 'not_found',
    });

    const unknownContext = await failureOf(activities.createAccount({ sessionId, providedId: 'no-such-context' }));
    expect(detailsOf(unknownContext)).toMatchObject({ code: 'provided_id_not_found' });

    await setFaults({ failNextRequests: 1, pathPattern: '/accounts' });
    const outage = await failureOf(activities.createAccount({ sessionId, accountType: 'DDA' }));
    await setFaults({});
    expect(outage.type).toBe(PROVIDER_UNAVAILABLE);
    expect(outage.nonRetryable).toBe(false);
  });

  it('refuses applicant data Netspend cannot take, naming fields but never values', async () => {
    const foreign = applicant('400123461', {
      address: { line1: '10 Downing Street', city: 'London', state: 'LND', postalCode: 'SW1A 2AA', country: 'GB' },
    });
    const failure = await failureOf((async () => toNetspendPerson(foreign, 'acct-1'))());
    expect(failure.type).toBe(PROVIDER_INPUT_INVALID);
    expect(failure.nonRetryable).toBe(true);
    expect(detailsOf(failure).fields).toEqual(
      expect.arrayContaining(['applicant.address.state', 'applicant.address.postal_code', 'applicant.address.country']),
    );
    expect(failure.message).not.toContain('Downing');
    expect(failure.message).not.toContain('SW1A');
  });

  it('keeps the PIN out of logs and out of the failure Netspend answers to a weak one', async () => {
    const { sessionId, account, person } = await onboarded('400123462', 'GPR');
    await activate(sessionId, person.personId, account.providedId, false);
    const card = await activities.orderCard({
      sessionId,
      accountId: account.accountId,
      personId: person.personId,
      type: 'physical',
      brandName: 'sandbox_prepaid_mastercard',
      shippingAddress: applicant('400123462').address,
    });
    const linesBefore = logLines.length;
    const weak = await failureOf(activities.activateCard({ sessionId, cardId: card.cardId, pin: '1111' }));
    expect(weak.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(detailsOf(weak)).toMatchObject({ code: 'pin_too_weak', status: 422 });
    expect(weak.message).not.toContain('1111');
    await activities.activateCard({ sessionId, cardId: card.cardId, pin: '8164' });
    const logged = logLines.slice(linesBefore).join('\n');
    expect(logged).toContain('/pin');
    expect(logged).not.toContain('8164');
    expect(logged).not.toContain('1111');
  });
});
