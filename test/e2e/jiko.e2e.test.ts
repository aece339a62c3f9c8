/**
 * End to end, the way a backend sees it: HTTP to the gateway, a real Temporal dev server, a real Worker running
 * the real workflows and activities against the Jiko sandbox, and the sandbox's signed webhooks coming back
 * through the gateway, duplicated and reordered on purpose. Polling is slowed to minutes so the webhooks are
 * what moves each onboarding along.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxRecord } from '../../client/webhooks/inbox.js';
import type { Scenario } from '../../scripts/customers/index.js';
import { jikoCustomer } from '../../scripts/customers/jiko.js';
import type { JikoUploadDocumentsBody } from '../../scripts/customers/jiko.js';
import { customerAnswer, onboardingPath, pendingAction, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

const TEST_TIMEOUT_MS = 150_000;

let stack: E2eStack;
const call: E2eStack['call'] = (method, route, body) => stack.call(method, route, body);
const waitForStatus: E2eStack['waitForStatus'] = (id, what, accept, timeoutMs) =>
  stack.waitForStatus(id, what, accept, timeoutMs);

beforeAll(async () => {
  // Every webhook is delivered twice, and deliveries are held and sent newest-first.
  stack = await startE2eStack({
    sandboxEnv: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '500' },
    faults: { jiko: { webhookDuplicateRate: 1, webhookReorder: true, webhookReorderWindowMs: 300 } },
  });
});

afterAll(async () => {
  await stack?.close();
});

// --- the backend's side -----------------------------------------------------------------------------------------

/** Reconciliation polls every few minutes only: the webhooks must do the work. */
const SLOW_POLLING = { pollInitialInterval: '5m', pollMaxInterval: '10m' };
const { approved, documents } = jikoCustomer.scenarios;

// Each onboarding has a person of its own, so searching its history for that person's values means something.
// The scripted customer's scenario chooses the SSN (4… approves, 210… asks for documents).
const approvedStart = approved.startBody('e2e-approved', {
  person: {
    name: { first: 'Philippa', last: 'Quarrendon' },
    dateOfBirth: '1987-03-14',
    email: 'philippa.quarrendon@example.com',
    phone: '+15550001111',
  },
  options: SLOW_POLLING,
});
const documentsStart = documents.startBody('e2e-documents', {
  person: {
    name: { first: 'Ottoline', last: 'Vardamanth' },
    dateOfBirth: '1979-11-02',
    email: 'ottoline.vardamanth@example.com',
    phone: '+15550002222',
  },
  options: SLOW_POLLING,
});

async function acceptAgreements(id: string, scenario: Scenario): Promise<void> {
  const waiting = await waitForStatus(
    id,
    'agreements pending',
    (s) => pendingAction(s, 'acceptAgreements') !== undefined,
  );
  expect(waiting.state).toBe('action_required');
  expect(waiting.blockedOn).toBe('customer');
  const version = String(pendingAction(waiting, 'acceptAgreements')?.data.version);

  const wrong = await call<{ error: { code: string; message: string } }>(
    'POST',
    `${onboardingPath(id)}/actions/acceptAgreements`,
    {
      version: `${version}-not-shown`,
    },
  );
  expect(wrong.status).toBe(422);
  expect(wrong.body.error.code).toBe('invalid_action');

  const answer = customerAnswer(scenario, waiting, 'acceptAgreements');
  expect(answer.body).toEqual({ version });
  const accepted = await call('POST', `${onboardingPath(id)}/actions/${answer.action}`, answer.body);
  expect(accepted.status).toBe(200);
  expect(pendingAction(accepted.body, 'acceptAgreements')).toBeUndefined();
}

/** The providerEvent signals recorded in the onboarding's history (the direct path's durable trace). */
async function providerEventSignals(workflowId: string): Promise<number> {
  const events = (await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'providerEvent')
    .length;
}

/**
 * Every delivery the sandbox made reached the gateway, and each event reached `id`: signalled directly by the
 * gateway (inbox `routed-direct`), or routed by its `webhook:jiko:<eventId>` delivery workflow. Duplicates are
 * harmless on both paths: the onboarding drops repeated eventIds, redeliveries collapse onto one delivery workflow.
 */
async function expectWebhooksRouted(id: string, applicationId: string): Promise<void> {
  const { sandbox, client } = stack;
  await sandbox.ctx.webhooks.idle();
  const deliveries = sandbox.ctx.webhooks
    .list({ provider: 'jiko' })
    .filter((delivery) => delivery.body.includes(applicationId));
  expect(deliveries.length).toBeGreaterThanOrEqual(2);
  expect(deliveries.some((delivery) => delivery.duplicateOf !== null)).toBe(true);
  expect(deliveries.every((delivery) => delivery.state === 'delivered')).toBe(true);
  const eventIds = [...new Set(deliveries.map((delivery) => delivery.eventId))];
  // The operator inbox has a line per delivery (ids only), saying which path made it durable.
  const lines = (await stack.inboxLines()) as unknown as InboxRecord[];
  for (const eventId of eventIds) {
    const seen = lines.filter((line) => line.eventId === eventId);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const direct of seen.filter((line) => line.outcome === 'routed-direct')) {
      expect(direct.signalled).toEqual([id]);
    }
    const viaWorkflow = seen.filter((line) => line.outcome === 'delivery-workflow');
    if (viaWorkflow.length === 0) continue;
    expect(viaWorkflow.filter((line) => line.firstDelivery === true)).toHaveLength(1);
    const result = await client.workflow.getHandle(`webhook:jiko:${eventId}`).result();
    expect(result).toMatchObject({ outcome: 'routed', signalled: [id] });
  }
  // Each direct delivery, duplicates included, is a signal in the onboarding's history (which drops the repeats).
  const direct = lines.filter((line) => eventIds.includes(line.eventId) && line.outcome === 'routed-direct');
  expect(await providerEventSignals(id)).toBeGreaterThanOrEqual(direct.length);
}

describe('Jiko onboarding through the gateway', () => {
  it(
    'approves a customer (SSN 4…): start, accept agreements, webhook-driven decision, account opened',
    async () => {
      const started = await call('POST', '/v1/onboardings', approvedStart);
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      expect(id).toBe('onboarding:jiko:e2e-approved');

      const again = await call('POST', '/v1/onboardings', approvedStart);
      expect(again.status).toBe(200);
      expect(again.body.onboardingId).toBe(id);

      await acceptAgreements(id, approved);
      const done = await waitForStatus(id, 'completed', (s) => s.state === 'completed');
      expect(done.result).toMatchObject({
        applicationId: expect.any(String),
        customerId: expect.any(String),
        accountId: expect.any(String),
      });
      expect(done.blockedOn).toBeNull();

      // One application at Jiko, however many webhooks and retries there were.
      const applicationId = done.result.applicationId as string;
      expect(stack.sandbox.ctx.audit.list({ provider: 'jiko', kind: 'application', id: applicationId })).toHaveLength(
        1,
      );
      await expectWebhooksRouted(id, applicationId);

      // Finished is final: a late action is refused, a new start returns it as it is.
      const late = await call<{ error: { code: string } }>('POST', `${onboardingPath(id)}/actions/acceptAgreements`, {
        version: '1',
      });
      expect(late.status).toBe(409);
      const restart = await call('POST', '/v1/onboardings', approvedStart);
      expect(restart.status).toBe(200);
      expect(restart.body.state).toBe('completed');

      // Visibility finds it by its search attributes (eventually consistent: poll briefly).
      const deadline = Date.now() + 15_000;
      let listed: string[] = [];
      while (Date.now() < deadline) {
        const page = await call<{ onboardings: { onboardingId: string }[] }>(
          'GET',
          '/v1/onboardings?provider=jiko&state=completed',
        );
        listed = page.body.onboardings.map((row) => row.onboardingId);
        if (listed.includes(id)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(listed).toContain(id);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'collects documents (SSN 21…): ID_FRONT, ID_BACK and SELFIE uploaded through the gateway, re-applied, approved',
    async () => {
      const started = await call('POST', '/v1/onboardings', documentsStart);
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      await acceptAgreements(id, documents);

      const asked = await waitForStatus(
        id,
        'documents pending',
        (s) => pendingAction(s, 'uploadDocuments') !== undefined,
      );
      expect(asked.state).toBe('action_required');
      // The customer uploads one tiny image per requirement (the first type of each: SELFIE, not PASSPORT).
      const upload = customerAnswer(documents, asked, 'uploadDocuments');
      expect((upload.body as unknown as JikoUploadDocumentsBody).documents.map((document) => document.type)).toEqual([
        'ID_FRONT',
        'ID_BACK',
        'SELFIE',
      ]);
      const uploaded = await call('POST', `${onboardingPath(id)}/actions/${upload.action}`, upload.body);
      expect(uploaded.status).toBe(200);

      const done = await waitForStatus(id, 'completed', (s) => s.state === 'completed');
      const applicationId = done.result.applicationId as string;
      expect(done.result.accountId).toEqual(expect.any(String));
      expect(stack.sandbox.ctx.audit.list({ provider: 'jiko', kind: 'application', id: applicationId })).toHaveLength(
        1,
      );
      const documentsAtJiko = stack.sandbox.ctx.audit
        .list({ provider: 'jiko', kind: 'document' })
        .filter((entry) => JSON.stringify(entry.data ?? {}).includes(applicationId));
      expect(documentsAtJiko.length).toBe(3);
      await expectWebhooksRouted(id, applicationId);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows agreements Jiko published while the customer decided, and sends Jiko only the current version',
    async () => {
      const start = approved.startBody('e2e-agreements-republished', {
        person: { email: 'perpetua.lindqvist@example.com', phone: '+15550003333' },
        options: SLOW_POLLING,
      });
      const started = await call('POST', '/v1/onboardings', start);
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      const shown = await waitForStatus(id, 'agreements', (s) => pendingAction(s, 'acceptAgreements') !== undefined);
      const firstVersion = String(pendingAction(shown, 'acceptAgreements')?.data.version);

      // Jiko publishes a new bundle (the sandbox control) while the customer reads the first one, then accepts it.
      const bumped = await fetch(`${stack.sandbox.url}/_sandbox/jiko/agreements/bump`, { method: 'POST' });
      const currentVersion = ((await bumped.json()) as { agreementVersion: string }).agreementVersion;
      expect(currentVersion).not.toBe(firstVersion);
      const first = await call('POST', `${onboardingPath(id)}/actions/acceptAgreements`, { version: firstVersion });
      expect(first.status).toBe(200);

      const askedAgain = await waitForStatus(
        id,
        'the new agreements',
        (s) => pendingAction(s, 'acceptAgreements')?.data.version === currentVersion,
      );
      expect(askedAgain.state).toBe('action_required');
      expect(askedAgain.timeline.map((entry) => entry.what)).toContain(
        'Jiko published new agreements while the customer decided: asking again',
      );
      const second = await call('POST', `${onboardingPath(id)}/actions/acceptAgreements`, { version: currentVersion });
      expect(second.status).toBe(200);

      const done = await waitForStatus(id, 'completed', (s) => s.state === 'completed');
      expect(done.result.agreementsVersion).toBe(currentVersion);
      const applicationId = done.result.applicationId as string;
      // One application, created with the current version: the stale one never reached Jiko.
      const atJiko = await fetch(`${stack.sandbox.url}/_sandbox/jiko/applications/${applicationId}`);
      expect(((await atJiko.json()) as { agreement_consent: { version: string } }).agreement_consent.version).toBe(
        currentVersion,
      );
      const applications = stack.sandbox.ctx.audit.list({ provider: 'jiko', kind: 'application' });
      expect(applications.filter((entry) => entry.id === applicationId)).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps personal data out of history: the raw events, read without the codec, hold no SSN, name, birth date, email or phone',
    async () => {
      for (const { customerRef, applicant } of [approvedStart, documentsStart]) {
        const { eventCount, raw } = await stack.rawHistory(`onboarding:jiko:${customerRef}`);
        expect(eventCount).toBeGreaterThan(10);
        for (const secret of [
          applicant.ssn,
          applicant.name.first,
          applicant.name.last,
          applicant.dateOfBirth,
          applicant.email,
          applicant.phone,
          applicant.phone.slice(2),
        ]) {
          expect(raw.includes(secret), `history of ${customerRef} contains ${secret}`).toBe(false);
        }
        // The document images never entered history either (only claim-check references did).
        expect(raw.includes('\x89PNG')).toBe(false);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
