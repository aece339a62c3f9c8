/**
 * Jiko activities against the Jiko sandbox over real HTTP: signing, login and token refresh, idempotency,
 * documents through the claim-check store, and error mapping.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createJikoActivities, toJikoApplication } from '../../activities/jiko/activities.js';
import { JIKO_AGREEMENTS_OUTDATED } from '../../contract/jiko.js';
import type { JikoActivities, JikoApplicationView, JikoProviderInput } from '../../contract/jiko.js';
import {
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_INPUT_INVALID,
  PROVIDER_UNAVAILABLE,
  type ProviderErrorDetails,
} from '../../contract/provider-failures.js';
import { parseConfig } from '../../common/config.js';
import { DocumentStore } from '../../common/documents.js';
import { setLogSink } from '../../common/log.js';
import type { Applicant } from '../../contract/onboarding.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import * as jikoSandbox from '../../sandbox/jiko/index.js';
import { testApplicant, testJikoInput } from '../fixtures/applicants.js';

let sandbox: Sandbox & { url: string };
let storeDir: string;
let documents: DocumentStore;
let activities: JikoActivities;
const requests: string[] = [];

const applicant = (ssn: string): Applicant => testApplicant(ssn);
const jiko: JikoProviderInput = testJikoInput;
const consent = { version: '1', timestamp: '2026-01-01T12:00:00+00:00' };

let workflowCounter = 0;
const newWorkflowId = () => `onboarding:jiko:test-${process.pid}-${++workflowCounter}`;
function inWorkflow<T>(workflowId: string, fn: () => Promise<T>, attempt = 1): Promise<T> {
  // Expected failures are asserted below; keep the SDK's "Activity failed" warnings out of the output.
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

async function waitForStatus(
  workflowId: string,
  applicationId: string,
  wanted: JikoApplicationView['status'],
): Promise<JikoApplicationView> {
  let view: JikoApplicationView | undefined;
  for (let i = 0; i < 200; i++) {
    view = await inWorkflow(workflowId, () => activities.getApplication({ applicationId }));
    if (view.status === wanted) return view;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`application ${applicationId} stayed ${view?.status}, expected ${wanted}`);
}

async function audit(kind: string): Promise<{ id: string; data?: Record<string, unknown> }[]> {
  const response = await fetch(`${sandbox.url}/_sandbox/audit?provider=jiko&kind=${kind}`);
  return ((await response.json()) as { items: { id: string; data?: Record<string, unknown> }[] }).items;
}

async function setFaults(config: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/faults/jiko`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  setLogSink(() => {});
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    providers: [jikoSandbox],
    env: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '20' },
    webhookDefaults: { maxAttempts: 1, timeoutMs: 200 },
    webhookTargets: { jiko: 'http://127.0.0.1:9/webhooks/jiko' },
  });
  storeDir = await mkdtemp(path.join(tmpdir(), 'jiko-docs-'));
  const config = parseConfig({ JIKO_BASE_URL: `${sandbox.url}/jiko`, DOCUMENT_STORE_DIR: storeDir });
  documents = DocumentStore.fromConfig(config);
  const countingFetch: typeof fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    return fetch(input, init);
  };
  activities = createJikoActivities({ config, documents, http: { fetch: countingFetch, timeoutMs: 5_000 } });
});

afterAll(async () => {
  await sandbox?.close();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

describe('Jiko activities on the sandbox', () => {
  it('logs in once and reuses the token; signs every call', async () => {
    const before = requests.filter((r) => r.endsWith('/login/')).length;
    const agreements = await activities.getAgreements();
    await activities.getAgreements();
    expect(agreements.version).toBe('1');
    expect(agreements.documents.length).toBeGreaterThan(0);
    expect(agreements.documents[0]).toMatchObject({ title: expect.any(String), url: expect.stringMatching(/^http/) });
    expect(requests.filter((r) => r.endsWith('/login/')).length - before).toBeLessThanOrEqual(1);
  });

  it('logs in again when the sandbox expires the token', async () => {
    await activities.getAgreements();
    const logins = requests.filter((r) => r.endsWith('/login/')).length;
    await fetch(`${sandbox.url}/_sandbox/jiko/tokens/expire`, { method: 'POST' });
    await activities.getAgreements();
    expect(requests.filter((r) => r.endsWith('/login/')).length).toBe(logins + 1);
  });

  it('create → apply → APPROVED for an SSN starting with 4, with the customer accounts', async () => {
    const workflowId = newWorkflowId();
    const created = await inWorkflow(workflowId, () =>
      activities.createApplication({ applicant: applicant('400123456'), jiko, consent }),
    );
    expect(created).toMatchObject({ status: 'CREATED', customerId: null });
    const applied = await inWorkflow(workflowId, () =>
      activities.applyApplication({ applicationId: created.applicationId, round: 1 }),
    );
    expect(applied.status).toBe('SUBMITTED');
    const approved = await waitForStatus(workflowId, created.applicationId, 'APPROVED');
    expect(approved.customerId).toBeTruthy();
    const accounts = await inWorkflow(workflowId, () =>
      activities.getCustomerAccounts({ customerId: approved.customerId! }),
    );
    expect(accounts.accountIds).toHaveLength(1);
    // A second apply of the same round replays Jiko's first answer; a later apply reports the current state.
    const again = await inWorkflow(workflowId, () =>
      activities.applyApplication({ applicationId: created.applicationId, round: 1 }),
    );
    expect(again.status).toBe('SUBMITTED');
    const late = await inWorkflow(workflowId, () =>
      activities.applyApplication({ applicationId: created.applicationId, round: 2 }),
    );
    expect(late.status).toBe('APPROVED');
  });

  it('creates once per workflow, even across retries and a lost response', async () => {
    const workflowId = newWorkflowId();
    await setFaults({ loseNextResponses: 1, pathPattern: '/applications/$' });
    const lost = await failureOf(
      inWorkflow(workflowId, () => activities.createApplication({ applicant: applicant('400123457'), jiko, consent })),
    );
    expect(lost.nonRetryable).toBe(false);
    await setFaults({});
    const first = await inWorkflow(
      workflowId,
      () => activities.createApplication({ applicant: applicant('400123457'), jiko, consent }),
      2,
    );
    const second = await inWorkflow(
      workflowId,
      () => activities.createApplication({ applicant: applicant('400123457'), jiko, consent }),
      3,
    );
    expect(second.applicationId).toBe(first.applicationId);
    const created = (await audit('application')).filter((entry) => entry.id === first.applicationId);
    expect(created).toHaveLength(1);
    const all = await audit('application');
    const other = await inWorkflow(newWorkflowId(), () =>
      activities.createApplication({ applicant: applicant('400123457'), jiko, consent }),
    );
    expect(other.applicationId).not.toBe(first.applicationId);
    expect(await audit('application')).toHaveLength(all.length + 1);
  });

  it('uploads documents from the claim-check store and clears the flags', async () => {
    const workflowId = newWorkflowId();
    const created = await inWorkflow(workflowId, () =>
      activities.createApplication({ applicant: applicant('211123456'), jiko, consent }),
    );
    await inWorkflow(workflowId, () => activities.applyApplication({ applicationId: created.applicationId, round: 1 }));
    const needed = await waitForStatus(workflowId, created.applicationId, 'DOCUMENTS_NEEDED');
    expect(needed.flags).toEqual({ idVerification: true, identificationNumber: false, addressVerification: false });

    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(256, 7)]);
    const uploadedIds: string[] = [];
    for (const type of ['ID_FRONT', 'ID_BACK', 'SELFIE'] as const) {
      const stored = await documents.put(png, { contentType: 'image/png' });
      const document = { type, documentRef: stored.documentRef, contentType: 'image/png', sizeBytes: stored.sizeBytes };
      const { documentId } = await inWorkflow(workflowId, () =>
        activities.uploadDocument({ applicationId: created.applicationId, document }),
      );
      // The retried activity replays the same upload instead of sending the image twice.
      const retried = await inWorkflow(
        workflowId,
        () => activities.uploadDocument({ applicationId: created.applicationId, document }),
        2,
      );
      expect(retried.documentId).toBe(documentId);
      uploadedIds.push(documentId);
    }
    const uploads = (await audit('document')).filter((entry) => entry.data?.applicationId === created.applicationId);
    expect(uploads.map((entry) => entry.id).sort()).toEqual([...uploadedIds].sort());
    expect(uploads.every((entry) => entry.data?.sizeBytes === png.length)).toBe(true);

    const pending = await waitForStatus(workflowId, created.applicationId, 'PENDING');
    expect(pending.flags.idVerification).toBe(false);
    expect(pending.documents).toHaveLength(3);
    await inWorkflow(workflowId, () => activities.applyApplication({ applicationId: created.applicationId, round: 2 }));
    await waitForStatus(workflowId, created.applicationId, 'MANUAL_REVIEW');
  });

  it('maps a 422 to a non-retryable business error naming the field', async () => {
    const minor = { ...applicant('400123458'), dateOfBirth: `${new Date().getUTCFullYear() - 10}-01-01` };
    const failure = await failureOf(
      inWorkflow(newWorkflowId(), () => activities.createApplication({ applicant: minor, jiko, consent })),
    );
    expect(failure.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(failure.nonRetryable).toBe(true);
    const details = failure.details?.[0] as ProviderErrorDetails;
    expect(details).toMatchObject({ provider: 'jiko', status: 422, kind: 'validation' });
    expect(details.fields).toContain('body.date_of_birth');
    expect(failure.message).not.toContain('400123458');
  });

  it('a consent Jiko finds outdated is JikoAgreementsOutdated; the renewed consent then creates the application', async () => {
    const workflowId = newWorkflowId();
    await fetch(`${sandbox.url}/_sandbox/jiko/agreements/bump`, { method: 'POST' });
    try {
      const current = (await inWorkflow(workflowId, () => activities.getAgreements())).version;
      const stale = await failureOf(
        inWorkflow(workflowId, () =>
          activities.createApplication({ applicant: applicant('400123457'), jiko, consent }),
        ),
      );
      expect(stale.type).toBe(JIKO_AGREEMENTS_OUTDATED);
      expect(stale.nonRetryable).toBe(true);
      expect((stale.details?.[0] as ProviderErrorDetails).fields).toContain('body.agreement_consent.version');
      // Jiko keeps its 422 under the first key: the renewed consent must be a new request, not a replay of it.
      const renewed = await inWorkflow(workflowId, () =>
        activities.createApplication({
          applicant: applicant('400123457'),
          jiko,
          consent: { ...consent, version: current },
          renewedConsent: true,
        }),
      );
      expect(renewed.status).toBe('CREATED');
    } finally {
      await fetch(`${sandbox.url}/_sandbox/jiko/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agreementVersion: consent.version }),
      });
    }
  });

  it('rejects applicant data Jiko cannot take before calling it', async () => {
    const bad = { ...applicant('400-12-345'), address: { ...applicant('400123459').address, country: 'ZZ' } };
    const failure = await failureOf(
      inWorkflow(newWorkflowId(), () => activities.createApplication({ applicant: bad, jiko, consent })),
    );
    expect(failure.type).toBe(PROVIDER_INPUT_INVALID);
    expect(failure.nonRetryable).toBe(true);
    expect(toJikoApplication(applicant('400-12-3456'), jiko, consent)).toMatchObject({
      identification_number: '400123456',
      phone_number: '+15551234567',
      name: { first_name: 'Ada', middle_name: 'K', last_name: 'Lovelace' },
      address: { street_address: '2000 Allston Way', country: 'USA', state: 'CA', postal_code: '94701' },
      investment_profile: { employment_status: 'EMPLOYED', occupation: 'Engineer' },
    });
  });

  it('creates an application identified by a passport (not 9 digits) that Jiko accepts', async () => {
    const { ssn: _ssn, ...noSsn } = applicant('400123450');
    const passportHolder = {
      ...jiko,
      identificationType: 'PASSPORT' as const,
      identificationNumber: 'X1234567',
      identificationIssuingCountry: 'GB',
    };
    const created = await inWorkflow(newWorkflowId(), () =>
      activities.createApplication({ applicant: noSsn, jiko: passportHolder, consent }),
    );
    expect(created.status).toBe('CREATED');
  });

  it('a 429 is retryable and carries Retry-After as nextRetryDelay', async () => {
    await setFaults({ rateLimitNextRequests: 1, retryAfterSeconds: 3 });
    const failure = await failureOf(
      inWorkflow(newWorkflowId(), () => activities.getApplication({ applicationId: crypto.randomUUID() })),
    );
    await setFaults({});
    expect(failure.type).toBe(PROVIDER_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(3000);
  });

  it('an unknown application is a non-retryable not_found', async () => {
    const failure = await failureOf(
      inWorkflow(newWorkflowId(), () => activities.getApplication({ applicationId: crypto.randomUUID() })),
    );
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toMatchObject({ status: 404, code: 'not_found' });
  });
});
