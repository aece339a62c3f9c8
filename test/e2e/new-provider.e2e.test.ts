/**
 * A provider is new files plus one line per registry. Acme, a throwaway provider, is made only of files under
 * test/fixtures/acme/; this test composes each registry with one more line (workflows, task queues, client
 * providers, config fragments, sandbox providers) and drives Acme through the gateway on a real dev server:
 * start (with a phone-only applicant), status, the action's 422 and 409 paths, the webhook, completion. No shared
 * file of the engine knows Acme exists.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowMetadataQuery } from '@temporalio/workflow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { CLIENT_PROVIDERS } from '../../client/providers/index.js';
import { ProviderRegistry } from '../../client/registry.js';
import { configSchema, parseConfig, taskQueueFor } from '../../common/config.js';
import { createDataConverter } from '../../common/data-converter.js';
import { DocumentStore } from '../../common/documents.js';
import { setLogLevel } from '../../common/log.js';
import { FINAL_STATES } from '../../contract/onboarding.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { providers as SANDBOX_PROVIDERS } from '../../sandbox/core/providers.js';
import { startSandbox } from '../../sandbox/core/server.js';
import { TASK_QUEUES } from '../../workers/providers.js';
import { createLocalEnv, projectRoot } from '../helpers/temporal.js';
import { acmeTaskQueue } from '../fixtures/acme/activities.js';
import { acmeClientProvider } from '../fixtures/acme/client.js';
import { acmeConfig } from '../fixtures/acme/config.js';
import * as acmeSimulator from '../fixtures/acme/sandbox.js';
import { ACME_SANDBOX_CODE } from '../fixtures/acme/sandbox.js';

const API_KEY = 'acme-e2e-key';
const WEBHOOK_TOKEN = 'acme-e2e-webhook-token-0123456789';

let env: TestWorkflowEnvironment;
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let gateway: FastifyInstance;
let gatewayUrl: string;
let workers: Worker[] = [];
let workerRuns: Promise<void>[] = [];
let scratch: string;
let client: Client;

async function call<T = OnboardingStatus>(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
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

async function waitFor(id: string, accept: (status: OnboardingStatus) => boolean): Promise<OnboardingStatus> {
  const deadline = Date.now() + 60_000;
  let last: OnboardingStatus | undefined;
  while (Date.now() < deadline) {
    const { status, body } = await call('GET', `/v1/onboardings/${encodeURIComponent(id)}`);
    if (status === 200) {
      last = body;
      if (accept(body)) return body;
      if (FINAL_STATES.includes(body.state)) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`onboarding ${id} did not get there; last status: ${JSON.stringify(last, null, 2)}`);
}

beforeAll(async () => {
  setLogLevel('warn');
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // One Runtime per process.
  }
  scratch = await mkdtemp(path.join(tmpdir(), 'onboarding-acme-'));
  env = await createLocalEnv();
  const namespace = env.namespace ?? 'default';

  // Sandbox providers registry + one line.
  sandbox = await startSandbox({
    port: 0,
    env: { SANDBOX_ACME_WEBHOOK_TOKEN: WEBHOOK_TOKEN },
    providers: [...SANDBOX_PROVIDERS, acmeSimulator],
  });
  // Config fragments + one line.
  const config = parseConfig(
    {
      GATEWAY_API_KEYS: API_KEY,
      TASK_QUEUE_PREFIX: 'acme-e2e',
      ACME_BASE_URL: `${sandbox.url}/acme`,
      ACME_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      DOCUMENT_STORE_DIR: path.join(scratch, 'documents'),
      WEBHOOK_INBOX_DIR: path.join(scratch, 'webhooks'),
    },
    configSchema.extend(acmeConfig),
  );
  const dataConverter = createDataConverter(config);
  client = new Client({ connection: env.connection, namespace, dataConverter });
  const documents = DocumentStore.fromConfig(config);

  // Workflows registry + one line (test/fixtures/acme/workflows.ts), task queue registry + one line.
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.join(projectRoot, 'test', 'fixtures', 'acme', 'workflows.ts'),
    failureConverterPath: dataConverter.failureConverterPath,
    logger: new DefaultLogger('WARN'),
  });
  workers = await Promise.all(
    [...TASK_QUEUES, acmeTaskQueue].map((queue) =>
      Worker.create({
        connection: env.nativeConnection,
        namespace,
        taskQueue: taskQueueFor(config, queue.name),
        workflowBundle,
        dataConverter,
        activities: queue.createActivities({ config, client, documents }),
      }),
    ),
  );
  workerRuns = workers.map((worker) => worker.run());

  // Client provider registry + one line.
  const onboarding = new OnboardingClient({
    client,
    config,
    documents,
    providers: new ProviderRegistry([...CLIENT_PROVIDERS, acmeClientProvider]),
  });
  gateway = await buildGateway({ onboarding, config });
  gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  sandbox.ctx.webhooks.setTarget('acme', `${gatewayUrl}/webhooks/acme`);
});

afterAll(async () => {
  await gateway?.close();
  for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  await Promise.allSettled(workerRuns);
  await sandbox?.close();
  await env?.teardown();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('a provider added with new files and one line per registry', () => {
  it('is described by the OpenAPI document and accepted by the start-body union', async () => {
    const document = (await (await fetch(`${gatewayUrl}/openapi.json`)).json()) as {
      components: { schemas: Record<string, { required?: string[]; oneOf?: { $ref: string }[] }> };
    };
    const options = document.components.schemas.StartOnboardingBody?.oneOf?.map((option) => option.$ref);
    expect(options).toContain('#/components/schemas/AcmeStartBody');
    // Acme requires only the phone; the other applicant fields are optional for it.
    expect(document.components.schemas.AcmeApplicant?.required).toEqual(['phone']);

    const missingBlock = await call('POST', '/v1/onboardings', {
      provider: 'acme',
      customerRef: 'acme_no_block',
      applicant: { phone: '+15551230000' },
    });
    expect(missingBlock.status).toBe(422);
    expect(JSON.stringify(missingBlock.body)).toContain('acme');
    const noPhone = await call('POST', '/v1/onboardings', {
      provider: 'acme',
      customerRef: 'acme_no_phone',
      applicant: { email: 'ada@example.com' },
      acme: { plan: 'basic' },
    });
    expect(noPhone.status).toBe(422);
    expect(JSON.stringify(noPhone.body)).toContain('applicant.phone');
  });

  it('starts phone-first, refuses wrong and untimely actions, completes on its webhook', async () => {
    const started = await call('POST', '/v1/onboardings', {
      provider: 'acme',
      customerRef: 'acme_cust_1',
      applicant: { phone: '+15551234567' },
      acme: { plan: 'plus' },
      // No reconciliation poll within the test: only the webhook can end the activation wait.
      options: { pollInitialInterval: '1h', pollMaxInterval: '1h' },
    });
    expect(started.status).toBe(201);
    const id = started.body.onboardingId;
    expect(id).toBe('onboarding:acme:acme_cust_1');

    const waiting = await waitFor(id, (status) => status.pendingActions.some((p) => p.action === 'confirmCode'));
    expect(waiting.state).toBe('action_required');
    expect(waiting.blockedOn).toBe('customer');
    expect(waiting.result.customerId).toMatch(/^cus_/);

    const actionPath = `/v1/onboardings/${encodeURIComponent(id)}/actions/confirmCode`;
    // The workflow's own validator: 422 naming the field, nothing changes.
    const invalid = await call<{ error: { code: string; message: string } }>('POST', actionPath, { code: 'abc' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('invalid_action');
    expect(invalid.body.error.message).toContain('code');
    // An action another provider has is unknown here.
    const unknown = await call('POST', `/v1/onboardings/${encodeURIComponent(id)}/actions/activateCard`, {
      pin: '1234',
    });
    expect(unknown.status).toBe(404);

    const accepted = await call('POST', actionPath, { code: ACME_SANDBOX_CODE });
    expect(accepted.status).toBe(200);
    // Once done, the same action is not expected any more: 409.
    const again = await call<{ error: { code: string } }>('POST', actionPath, { code: ACME_SANDBOX_CODE });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('action_not_expected');

    const completed = await waitFor(id, (status) => status.state === 'completed');
    expect(completed.steps.map((step) => [step.name, step.status])).toEqual([
      ['customer', 'done'],
      ['code', 'done'],
      ['activation', 'done'],
    ]);
    expect(
      completed.timeline.some((entry) => entry.actor === 'provider' && entry.what === 'event customer.activated'),
    ).toBe(true);
    await sandbox.ctx.webhooks.idle();
    const deliveries = sandbox.ctx.webhooks.list({ provider: 'acme' });
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((delivery) => delivery.state === 'delivered')).toBe(true);

    // The Web UI's view, without decoding anything: a summary from the start, current details from the workflow.
    const handle = client.workflow.getHandle(id);
    expect(await (await handle.describe()).staticSummary()).toBe('acme onboarding · acme_cust_1');
    const metadata = await handle.query(workflowMetadataQuery);
    expect(metadata.currentDetails).toContain('**State:** completed');
    expect(metadata.currentDetails).toContain('activation: done');
    expect(metadata.currentDetails).not.toContain('+1555');

    const listed = await call<{ onboardings: { onboardingId: string }[] }>('GET', '/v1/onboardings?provider=acme');
    expect(listed.status).toBe(200);
    expect(listed.body.onboardings.map((summary) => summary.onboardingId)).toContain(id);
  });

  it('refuses a webhook without the token it issued Acme', async () => {
    const response = await fetch(`${gatewayUrl}/webhooks/acme`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token', 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'evt_forged', type: 'customer.activated', customer_id: 'cus_x' }),
    });
    expect(response.status).toBe(401);
  });
});
