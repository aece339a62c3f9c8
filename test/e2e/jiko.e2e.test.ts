/**
 * End to end, the way a backend sees it: HTTP to the gateway, a real Temporal dev server, a real Worker running
 * the real workflows and activities against the Jiko sandbox, and the sandbox's signed webhooks coming back
 * through the gateway, duplicated and reordered on purpose. Polling is slowed to minutes so the webhooks are
 * what moves each onboarding along.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { createPiiCodec } from '../../common/codec.js';
import { parseConfig, taskQueueFor } from '../../common/config.js';
import type { Config } from '../../common/config.js';
import { createDataConverter } from '../../common/data-converter.js';
import { DocumentStore } from '../../common/documents.js';
import { setLogLevel } from '../../common/log.js';
import { startSandbox } from '../../sandbox/core/server.js';
import type { OnboardingStatus } from '../../workflows/contract.js';
import { TASK_QUEUES } from '../../workers/providers.js';
import { createLocalEnv, projectRoot } from '../helpers/temporal.js';

const API_KEY = 'e2e-api-key';
const TEST_TIMEOUT_MS = 150_000;

let env: TestWorkflowEnvironment;
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let gateway: FastifyInstance;
let gatewayUrl: string;
let client: Client;
let config: Config;
let workers: Worker[] = [];
let workerRuns: Promise<void>[] = [];
let scratch: string;

beforeAll(async () => {
  setLogLevel('warn');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  scratch = await mkdtemp(path.join(tmpdir(), 'onboarding-e2e-'));
  env = await createLocalEnv();
  // Every webhook is delivered twice, and deliveries are held and sent newest-first.
  sandbox = await startSandbox({
    port: 0,
    env: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '500' },
    faults: { jiko: { webhookDuplicateRate: 1, webhookReorder: true, webhookReorderWindowMs: 300 } },
  });
  config = parseConfig({
    GATEWAY_API_KEYS: API_KEY,
    TASK_QUEUE_PREFIX: 'e2e',
    JIKO_BASE_URL: `${sandbox.url}/jiko`,
    DOCUMENT_STORE_DIR: path.join(scratch, 'documents'),
    WEBHOOK_INBOX_DIR: path.join(scratch, 'webhooks'),
  });
  const dataConverter = createDataConverter(config);
  client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter });
  const documents = DocumentStore.fromConfig(config);

  // The worker process's own queue wiring (workers/providers.ts), one in-process Worker per queue.
  const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');
  workers = await Promise.all(
    TASK_QUEUES.map((queue) =>
      Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue: taskQueueFor(config, queue.name),
        workflowsPath,
        dataConverter,
        activities: queue.createActivities({ config, client, documents }),
      }),
    ),
  );
  workerRuns = workers.map((worker) => worker.run());

  const onboarding = new OnboardingClient({ client, config, documents });
  gateway = await buildGateway({ onboarding, config, codec: createPiiCodec(config) });
  gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  sandbox.ctx.webhooks.setTarget('jiko', `${gatewayUrl}/webhooks/jiko`);
});

afterAll(async () => {
  await gateway?.close();
  for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  await Promise.allSettled(workerRuns);
  await sandbox?.close();
  await env?.teardown();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// --- the backend's side -----------------------------------------------------------------------------------------

interface HttpResult<T> {
  status: number;
  body: T;
}

async function call<T = OnboardingStatus>(method: string, route: string, body?: unknown): Promise<HttpResult<T>> {
  const response = await fetch(`${gatewayUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const onboardingPath = (id: string) => `/v1/onboardings/${encodeURIComponent(id)}`;

async function waitForStatus(
  id: string,
  what: string,
  accept: (status: OnboardingStatus) => boolean,
  timeoutMs = 90_000,
): Promise<OnboardingStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: OnboardingStatus | undefined;
  while (Date.now() < deadline) {
    const { status, body } = await call('GET', onboardingPath(id));
    if (status === 200) {
      last = body;
      if (accept(body)) return body;
      if (['rejected', 'failed', 'cancelled', 'expired'].includes(body.state)) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`onboarding ${id} never reached "${what}"; last status: ${JSON.stringify(last, null, 2)}`);
}

interface Person {
  first: string;
  last: string;
  dateOfBirth: string;
  ssn: string;
  email: string;
  phone: string;
}

function startBody(customerRef: string, person: Person) {
  return {
    provider: 'jiko',
    customerRef,
    applicant: {
      name: { first: person.first, last: person.last },
      dateOfBirth: person.dateOfBirth,
      ssn: person.ssn,
      email: person.email,
      phone: person.phone,
      address: { line1: '2000 Allston Way', city: 'Berkeley', state: 'CA', postalCode: '94701', country: 'US' },
    },
    jiko: {
      investmentProfile: { employmentStatus: 'STUDENT', income: 'BELOW_50K', netWorth: 'BELOW_50K' },
      contactVerification: { phoneVerifiedAt: '2026-01-01T10:00:00Z', emailVerifiedAt: '2026-01-01T10:01:00Z' },
    },
    // Reconciliation polls every few minutes only: the webhooks must do the work.
    options: { pollInitialInterval: '5m', pollMaxInterval: '10m' },
  };
}

const approvedPerson: Person = {
  first: 'Philippa',
  last: 'Quarrendon',
  dateOfBirth: '1987-03-14',
  ssn: '400551234',
  email: 'philippa.quarrendon@example.com',
  phone: '+15550001111',
};
const documentsPerson: Person = {
  first: 'Ottoline',
  last: 'Vardamanth',
  dateOfBirth: '1979-11-02',
  ssn: '210667788',
  email: 'ottoline.vardamanth@example.com',
  phone: '+15550002222',
};

function pendingAction(status: OnboardingStatus, action: string) {
  return status.pendingActions.find((pending) => pending.action === action);
}

async function acceptAgreements(id: string): Promise<void> {
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

  const accepted = await call('POST', `${onboardingPath(id)}/actions/acceptAgreements`, { version });
  expect(accepted.status).toBe(200);
  expect(pendingAction(accepted.body, 'acceptAgreements')).toBeUndefined();
}

/** Every delivery the sandbox made reached the gateway, and each event's delivery workflow routed it to `id`. */
async function expectWebhooksRouted(id: string, applicationId: string): Promise<void> {
  await sandbox.ctx.webhooks.idle();
  const deliveries = sandbox.ctx.webhooks
    .list({ provider: 'jiko' })
    .filter((delivery) => delivery.body.includes(applicationId));
  expect(deliveries.length).toBeGreaterThanOrEqual(2);
  expect(deliveries.some((delivery) => delivery.duplicateOf !== null)).toBe(true);
  expect(deliveries.every((delivery) => delivery.state === 'delivered')).toBe(true);
  const eventIds = [...new Set(deliveries.map((delivery) => delivery.eventId))];
  for (const eventId of eventIds) {
    const result = await client.workflow.getHandle(`webhook:jiko:${eventId}`).result();
    expect(result).toMatchObject({ outcome: 'routed', signalled: [id] });
  }
  // The operator inbox saw each event once as new and again as a duplicate, ids only.
  const inboxDir = config.WEBHOOK_INBOX_DIR;
  const lines = (
    await Promise.all((await readdir(inboxDir)).map((file) => readFile(path.join(inboxDir, file), 'utf8')))
  )
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { eventId: string; firstDelivery: boolean });
  for (const eventId of eventIds) {
    const seen = lines.filter((line) => line.eventId === eventId).map((line) => line.firstDelivery);
    expect(seen.filter((first) => first)).toHaveLength(1);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  }
}

describe('Jiko onboarding through the gateway', () => {
  it(
    'approves a customer (SSN 4…): start, accept agreements, webhook-driven decision, account opened',
    async () => {
      const started = await call('POST', '/v1/onboardings', startBody('e2e-approved', approvedPerson));
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      expect(id).toBe('onboarding:jiko:e2e-approved');

      const again = await call('POST', '/v1/onboardings', startBody('e2e-approved', approvedPerson));
      expect(again.status).toBe(200);
      expect(again.body.onboardingId).toBe(id);

      await acceptAgreements(id);
      const done = await waitForStatus(id, 'completed', (s) => s.state === 'completed');
      expect(done.result).toMatchObject({
        applicationId: expect.any(String),
        customerId: expect.any(String),
        accountId: expect.any(String),
      });
      expect(done.blockedOn).toBeNull();

      // One application at Jiko, however many webhooks and retries there were.
      const applicationId = done.result.applicationId as string;
      expect(sandbox.ctx.audit.list({ provider: 'jiko', kind: 'application', id: applicationId })).toHaveLength(1);
      await expectWebhooksRouted(id, applicationId);

      // Finished is final: a late action is refused, a new start returns it as it is.
      const late = await call<{ error: { code: string } }>('POST', `${onboardingPath(id)}/actions/acceptAgreements`, {
        version: '1',
      });
      expect(late.status).toBe(409);
      const restart = await call('POST', '/v1/onboardings', startBody('e2e-approved', approvedPerson));
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
      const started = await call('POST', '/v1/onboardings', startBody('e2e-documents', documentsPerson));
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;
      await acceptAgreements(id);

      const asked = await waitForStatus(
        id,
        'documents pending',
        (s) => pendingAction(s, 'uploadDocuments') !== undefined,
      );
      expect(asked.state).toBe('action_required');
      const image = (label: string) => Buffer.from(`\x89PNG\r\n\x1a\n${label}-${'x'.repeat(256)}`).toString('base64');
      const uploaded = await call('POST', `${onboardingPath(id)}/actions/uploadDocuments`, {
        documents: [
          { type: 'ID_FRONT', contentType: 'image/png', contentBase64: image('front') },
          { type: 'ID_BACK', contentType: 'image/png', contentBase64: image('back') },
          { type: 'SELFIE', contentType: 'image/png', contentBase64: image('selfie') },
        ],
      });
      expect(uploaded.status).toBe(200);

      const done = await waitForStatus(id, 'completed', (s) => s.state === 'completed');
      const applicationId = done.result.applicationId as string;
      expect(done.result.accountId).toEqual(expect.any(String));
      expect(sandbox.ctx.audit.list({ provider: 'jiko', kind: 'application', id: applicationId })).toHaveLength(1);
      const documentsAtJiko = sandbox.ctx.audit
        .list({ provider: 'jiko', kind: 'document' })
        .filter((entry) => JSON.stringify(entry.data ?? {}).includes(applicationId));
      expect(documentsAtJiko.length).toBe(3);
      await expectWebhooksRouted(id, applicationId);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps personal data out of history: the raw events, read without the codec, hold no SSN, name, birth date, email or phone',
    async () => {
      for (const [customerRef, person] of [
        ['e2e-approved', approvedPerson],
        ['e2e-documents', documentsPerson],
      ] as const) {
        const response = await client.workflowService.getWorkflowExecutionHistory({
          namespace: env.namespace ?? 'default',
          execution: { workflowId: `onboarding:jiko:${customerRef}` },
        });
        const history = response.history ?? { events: [] };
        expect(history.events?.length ?? 0).toBeGreaterThan(10);
        const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
        for (const secret of [
          person.ssn,
          person.first,
          person.last,
          person.dateOfBirth,
          person.email,
          person.phone,
          person.phone.slice(2),
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
