/**
 * The whole stack in one test process, the way a backend sees it: a real Temporal dev server, the worker's own
 * queue wiring (workers/providers.ts TASK_QUEUES, one in-process Worker per queue, one shared workflow bundle), the
 * HTTP gateway on a port, and the sandbox on another, its signed webhooks sent back to the gateway. Each e2e file
 * starts one stack in beforeAll and closes it in afterAll.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
// Default import: the package is CommonJS, and Node's ESM loader (tsx scripts) sees no named exports.
import proto from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../client/gateway/app.js';
import { DEFAULT_PROVIDER_REGISTRY } from '../../client/registry.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { createPiiCodec } from '../../common/codec.js';
import { parseConfig, taskQueueFor } from '../../common/config.js';
import type { Config } from '../../common/config.js';
import { createDataConverter } from '../../common/data-converter.js';
import { DocumentStore } from '../../common/documents.js';
import { setLogLevel } from '../../common/log.js';
import type { Tracing } from '../../common/tracing.js';
import type { FaultConfigByProvider } from '../../sandbox/core/faults.js';
import { startSandbox } from '../../sandbox/core/server.js';
import { FINAL_STATES } from '../../contract/onboarding.js';
import type { OnboardingStatus, PendingAction } from '../../contract/onboarding.js';
import { TASK_QUEUES } from '../../workers/providers.js';
import type { CustomerAnswer, Scenario } from '../../scripts/customers/index.js';
import { createLocalEnv, freePort, projectRoot } from '../helpers/temporal.js';

export const E2E_API_KEY = 'e2e-api-key';

export interface HttpResult<T> {
  status: number;
  body: T;
}

export interface E2eStackOptions {
  /** Sandbox env (e.g. SANDBOX_JIKO_SUBMITTED_DELAY_MS). */
  sandboxEnv?: Record<string, string>;
  /** Sandbox fault injection, keyed by provider (webhook duplication and reordering…). */
  faults?: FaultConfigByProvider;
  /** Extra engine config on top of the stack's own. */
  config?: Record<string, string>;
  /**
   * false: the SDK's default data converter (no PII codec, default failure converter), so the histories can be
   * replayed without a key (scripts/record-histories.ts). Default true, as in production.
   */
  codec?: boolean;
  /** OpenTelemetry (common/tracing.ts startTracing): the client, bundle and workers wired as the processes wire it. */
  tracing?: Tracing;
  /**
   * true: the dev server serves its Web UI (the browser test), with the gateway's /codec as its codec endpoint and
   * the UI's origin trusted there, as `npm start` runs it. Default false (`--headless`).
   */
  webUi?: boolean;
}

export interface E2eStack {
  env: TestWorkflowEnvironment;
  sandbox: Awaited<ReturnType<typeof startSandbox>>;
  gateway: FastifyInstance;
  gatewayUrl: string;
  /** The Web UI's base URL, when started with `webUi: true`. */
  uiUrl?: string;
  /** A Temporal client with the PII codec (unless started with `codec: false`), as the gateway and worker use. */
  client: Client;
  config: Config;
  namespace: string;
  /** An authenticated JSON call to the gateway. */
  call<T = OnboardingStatus>(method: string, route: string, body?: unknown): Promise<HttpResult<T>>;
  /** Polls GET /v1/onboardings/:id until `accept`; fails fast when the onboarding ends another way. */
  waitForStatus(
    id: string,
    what: string,
    accept: (status: OnboardingStatus) => boolean,
    timeoutMs?: number,
  ): Promise<OnboardingStatus>;
  /** The history as Temporal stores it, encoded as protobuf bytes read as latin1: what is there WITHOUT the codec. */
  rawHistory(workflowId: string): Promise<{ eventCount: number; raw: string }>;
  /** Every line of the operator's webhook inbox (JSONL files under WEBHOOK_INBOX_DIR). */
  inboxLines(): Promise<{ provider: string; eventId: string; firstDelivery: boolean }[]>;
  close(): Promise<void>;
}

export const onboardingPath = (id: string): string => `/v1/onboardings/${encodeURIComponent(id)}`;

export function pendingAction(status: OnboardingStatus, action: string): PendingAction | undefined {
  const pending = status.pendingActions.find((candidate) => candidate.action === action);
  if (pending) expectPublishedData(status.provider, pending);
  return pending;
}

/**
 * Holds a pending action's data to the schema the OpenAPI document publishes for it, so what the workflow shows a
 * customer and what the spec promises cannot drift apart unnoticed.
 */
function expectPublishedData(provider: string, pending: PendingAction): void {
  const definition = DEFAULT_PROVIDER_REGISTRY.definitions.find((candidate) => candidate.provider === provider);
  const schema =
    definition?.actions[pending.action]?.dataSchema ?? definition?.actionsElsewhere?.[pending.action]?.dataSchema;
  if (!schema) return;
  const parsed = schema.safeParse(pending.data);
  if (!parsed.success) {
    throw new Error(
      `${provider} ${pending.action}: pendingActions[].data does not match its published schema: ${parsed.error.message}`,
    );
  }
}

/**
 * The scripted customer's happy-path answer to the pending `action` of `status` (scripts/customers/): what the
 * tests send when they are not testing a wrong answer. Fails when the action is not pending or has no answer.
 */
export function customerAnswer(scenario: Scenario, status: OnboardingStatus, action: string): CustomerAnswer {
  const pending = pendingAction(status, action);
  if (!pending) throw new Error(`${status.onboardingId}: '${action}' is not pending (state ${status.state})`);
  const answer = scenario.answer(pending);
  if (!answer) throw new Error(`${status.onboardingId}: the scripted customer has no answer to '${action}'`);
  return answer;
}

export async function startE2eStack(options: E2eStackOptions = {}): Promise<E2eStack> {
  setLogLevel('warn');
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process (one Runtime per process).
  }
  const scratch = await mkdtemp(path.join(tmpdir(), 'onboarding-e2e-'));
  // With a Web UI, the gateway's port is chosen first: the UI is started pointing at its /codec.
  const ui = options.webUi ? { port: await freePort(), gatewayPort: await freePort() } : undefined;
  const uiUrl = ui ? `http://127.0.0.1:${ui.port}` : undefined;
  const env = await createLocalEnv(
    ui ? { ui: { port: ui.port, codecEndpoint: `http://127.0.0.1:${ui.gatewayPort}/codec` } } : {},
  );
  const namespace = env.namespace ?? 'default';
  const sandbox = await startSandbox({
    port: 0,
    ...(options.sandboxEnv ? { env: options.sandboxEnv } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const config = parseConfig({
    GATEWAY_API_KEYS: E2E_API_KEY,
    TASK_QUEUE_PREFIX: 'e2e',
    JIKO_BASE_URL: `${sandbox.url}/jiko`,
    LINKCY_BASE_URL: `${sandbox.url}/linkcy`,
    NETSPEND_BASE_URL: `${sandbox.url}/netspend/netspend-api/v1`,
    GREENDOT_BASE_URL: `${sandbox.url}/greendot`,
    DOCUMENT_STORE_DIR: path.join(scratch, 'documents'),
    WEBHOOK_INBOX_DIR: path.join(scratch, 'webhooks'),
    ...(uiUrl ? { TEMPORAL_UI_URL: uiUrl, GATEWAY_CODEC_TRUST_UI_ORIGIN: 'true' } : {}),
    ...options.config,
  });
  const dataConverter = options.codec === false ? undefined : createDataConverter(config);
  const client = new Client({
    connection: env.connection,
    namespace,
    ...(dataConverter ? { dataConverter } : {}),
    ...(options.tracing ? { interceptors: options.tracing.clientInterceptors } : {}),
  });
  const documents = DocumentStore.fromConfig(config);

  // The worker process's own queue wiring, one in-process Worker per queue, sharing one bundle as workers/main does.
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.join(projectRoot, 'workflows', 'index.ts'),
    ...(dataConverter ? { failureConverterPath: dataConverter.failureConverterPath } : {}),
    ...(options.tracing ? { workflowInterceptorModules: options.tracing.workflowInterceptorModules } : {}),
    logger: new DefaultLogger('WARN'),
  });
  const workers = await Promise.all(
    TASK_QUEUES.map((queue) => {
      const maxActivitiesPerSecond = queue.maxActivitiesPerSecond?.(config);
      return Worker.create({
        connection: env.nativeConnection,
        namespace,
        taskQueue: taskQueueFor(config, queue.name),
        workflowBundle,
        ...(dataConverter ? { dataConverter } : {}),
        activities: queue.createActivities({ config, client, documents }),
        ...(options.tracing ? { interceptors: options.tracing.workerInterceptors, sinks: options.tracing.sinks } : {}),
        ...(maxActivitiesPerSecond ? { maxTaskQueueActivitiesPerSecond: maxActivitiesPerSecond } : {}),
      });
    }),
  );
  const workerRuns = workers.map((worker) => worker.run());

  const onboarding = new OnboardingClient({ client, config, documents });
  const gateway = await buildGateway({ onboarding, config, codec: createPiiCodec(config) });
  const gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: ui?.gatewayPort ?? 0 });
  for (const provider of sandbox.providers) {
    sandbox.ctx.webhooks.setTarget(provider, `${gatewayUrl}/webhooks/${provider}`);
  }

  async function call<T = OnboardingStatus>(method: string, route: string, body?: unknown): Promise<HttpResult<T>> {
    const response = await fetch(`${gatewayUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${E2E_API_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

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
        if (FINAL_STATES.includes(body.state)) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`onboarding ${id} never reached "${what}"; last status: ${JSON.stringify(last, null, 2)}`);
  }

  async function rawHistory(workflowId: string): Promise<{ eventCount: number; raw: string }> {
    const response = await client.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId },
    });
    const history = response.history ?? { events: [] };
    const raw = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    return { eventCount: history.events?.length ?? 0, raw };
  }

  async function inboxLines(): Promise<{ provider: string; eventId: string; firstDelivery: boolean }[]> {
    const inboxDir = config.WEBHOOK_INBOX_DIR;
    const files = await readdir(inboxDir).catch(() => [] as string[]);
    return (await Promise.all(files.map((file) => readFile(path.join(inboxDir, file), 'utf8'))))
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { provider: string; eventId: string; firstDelivery: boolean });
  }

  async function close(): Promise<void> {
    await gateway.close();
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(workerRuns);
    await sandbox.close();
    await env.teardown();
    await rm(scratch, { recursive: true, force: true });
  }

  return {
    env,
    sandbox,
    gateway,
    gatewayUrl,
    ...(uiUrl ? { uiUrl } : {}),
    client,
    config,
    namespace,
    call,
    waitForStatus,
    rawHistory,
    inboxLines,
    close,
  };
}
