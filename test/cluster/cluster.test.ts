/**
 * The production topology, for real: PostgreSQL, the Temporal server as four processes, two worker processes, two
 * gateways behind a round-robin balancer, and the provider sandbox (test/helpers/cluster.ts). One cluster for the
 * file; each test leaves it whole (what it kills it starts again). Timeouts are for the infrastructure of a loaded
 * 2-core machine, never a claim about speed; the first run on a machine also builds the Temporal server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { drive } from '../../scripts/customers/drive.js';
import type { GatewayCall } from '../../scripts/customers/drive.js';
import { scenarioOf, scriptedCustomer } from '../../scripts/customers/index.js';
import type { StartChoices } from '../../scripts/customers/index.js';
import type { AuditEntry } from '../../sandbox/core/audit.js';
import type { WebhookDelivery } from '../../sandbox/core/webhooks.js';
import { startCluster } from '../helpers/cluster.js';
import type { ClusterStack } from '../helpers/cluster.js';

const START_TIMEOUT_MS = 20 * 60_000; // includes building the Temporal server on a fresh machine
const TEST_TIMEOUT_MS = 12 * 60_000;
const DRIVE_TIMEOUT_MS = 8 * 60_000;
/** Reconciliation polls every few minutes only: the provider's webhooks must do the work. */
const SLOW_POLLING = { pollInitialInterval: '5m', pollMaxInterval: '10m' };

let cluster: ClusterStack;
const recentLines: string[] = [];
const run = Date.now().toString(36);

beforeAll(async () => {
  cluster = await startCluster({
    log: (line) => {
      recentLines.push(line);
      if (recentLines.length > 300) recentLines.shift();
    },
    env: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '300', SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: '300' },
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
});

function callThrough(baseUrl: string): GatewayCall {
  return async (method, route, body) => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${cluster.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
}

/** A call that tries again on 502/503 and network errors: what a client behind a load balancer does. */
function retryingCall(baseUrl: string): GatewayCall {
  const call = callThrough(baseUrl);
  return async (method, route, body) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await call(method, route, body).catch((err: unknown) => {
        if (attempt >= 5) throw err;
        return undefined;
      });
      if (answer && ((answer.status !== 502 && answer.status !== 503) || attempt >= 5)) return answer;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  };
}

interface Journey {
  provider: string;
  scenario: string;
  customerRef: string;
  choices?: StartChoices;
}

/** Starts one scripted customer's onboarding and plays it to its end; answers the final status. */
async function journey(baseUrl: string, { provider, scenario: name, customerRef, choices }: Journey) {
  const customer = scriptedCustomer(provider);
  const scenario = customer && scenarioOf(customer, name);
  if (!scenario) throw new Error(`no scripted ${provider} customer with scenario ${name}`);
  const call = retryingCall(baseUrl);
  const started = await call('POST', '/v1/onboardings', scenario.startBody(customerRef, choices));
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const onboardingId = (started.body as OnboardingStatus).onboardingId;
  const driven = await drive({ call, onboardingId, scenario, pollMs: 500, timeoutMs: DRIVE_TIMEOUT_MS });
  return driven.status;
}

async function sandbox<T>(route: string): Promise<T> {
  const response = await fetch(`${cluster.sandboxUrl}${route}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const audit = async (provider: string, kind: string): Promise<AuditEntry[]> =>
  (await sandbox<{ items: AuditEntry[] }>(`/_sandbox/audit?provider=${provider}&kind=${kind}`)).items;

/** Exactly one provider entity per onboarding: the ids in their results, each created once, and nothing else. */
async function expectOneEntityEach(statuses: OnboardingStatus[], provider: string, kind: string, key: string) {
  const ours = statuses.filter((status) => status.provider === provider);
  const ids = ours.map((status) => status.result[key]);
  expect(ids.every((id) => typeof id === 'string')).toBe(true);
  expect(new Set(ids).size).toBe(ours.length);
  const created = (await audit(provider, kind)).filter((entry) => ids.includes(entry.id));
  expect(created.map((entry) => entry.id).sort()).toEqual([...ids].sort());
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** All the journeys at once, counting those finished so far (to prove a fault struck while some were in flight). */
function inFlight(baseUrl: string, journeys: Journey[]) {
  let finished = 0;
  const all = Promise.all(journeys.map((j) => journey(baseUrl, j).finally(() => (finished += 1))));
  all.catch(() => undefined);
  return { all, finished: () => finished };
}

function expectAllCompleted(statuses: OnboardingStatus[]): void {
  const unfinished = statuses.filter((status) => status.state !== 'completed');
  expect(
    unfinished.map((status) => `${status.onboardingId}: ${status.state} at ${status.step}`),
    `the cluster's last lines:\n${recentLines.slice(-40).join('\n')}`,
  ).toEqual([]);
}

describe('the cluster on PostgreSQL', () => {
  it(
    'runs the Jiko and Netspend flows end to end through either gateway',
    async () => {
      const journeys = cluster.gatewayUrls.flatMap((url, index) =>
        (['jiko', 'netspend'] as const).map((provider) => ({
          url,
          journey: {
            provider,
            scenario: scriptedCustomer(provider)?.defaultScenario ?? '',
            customerRef: `cl-${run}-e2e-${provider}-gw${index}`,
          },
        })),
      );
      const statuses = await Promise.all(journeys.map(({ url, journey: j }) => journey(url, j)));
      expectAllCompleted(statuses);
      await expectOneEntityEach(statuses, 'jiko', 'application', 'applicationId');
      await expectOneEntityEach(statuses, 'netspend', 'account', 'accountId');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'finishes 30 onboardings in flight while one worker is killed with SIGKILL, on the other worker alone',
    async () => {
      const before = (await audit('jiko', 'application')).length;
      const journeys = Array.from({ length: 30 }, (_, index) =>
        index < 20
          ? { provider: 'jiko', scenario: 'approved', customerRef: `cl-${run}-kill-j${index}` }
          : { provider: 'netspend', scenario: 'dda-virtual', customerRef: `cl-${run}-kill-n${index}` },
      );
      const flight = inFlight(cluster.publicUrl, journeys);
      // In flight: applications are being created at Jiko, most onboardings are not done.
      await waitFor('Jiko applications created', async () => (await audit('jiko', 'application')).length >= before + 5);
      await cluster.killWorker(0, 'SIGKILL');
      expect(flight.finished()).toBeLessThan(journeys.length);
      const statuses = await flight.all;
      expectAllCompleted(statuses);
      await expectOneEntityEach(statuses, 'jiko', 'application', 'applicationId');
      await expectOneEntityEach(statuses, 'netspend', 'account', 'accountId');
      await expectOneEntityEach(statuses, 'netspend', 'person', 'personId');
      await cluster.startWorker(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'finishes every onboarding in flight when the history service is killed and started again',
    async () => {
      const before = (await audit('jiko', 'application')).length;
      const journeys = Array.from({ length: 10 }, (_, index) => ({
        provider: 'jiko',
        scenario: 'approved',
        customerRef: `cl-${run}-history-${index}`,
      }));
      const flight = inFlight(cluster.publicUrl, journeys);
      await waitFor('Jiko applications created', async () => (await audit('jiko', 'application')).length >= before + 3);
      const finishedBeforeKill = flight.finished();
      await cluster.restartTemporalService('history', 'kill9');
      expect(finishedBeforeKill).toBeLessThan(journeys.length);
      const statuses = await flight.all;
      expectAllCompleted(statuses);
      await expectOneEntityEach(statuses, 'jiko', 'application', 'applicationId');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "lands the webhooks of a gateway killed while they arrive through the provider's redelivery to the other one",
    async () => {
      const deliveriesBefore = new Set(
        (await sandbox<{ items: WebhookDelivery[] }>('/_sandbox/webhooks?provider=jiko')).items.map((d) => d.id),
      );
      const newDeliveries = async (): Promise<WebhookDelivery[]> =>
        (await sandbox<{ items: WebhookDelivery[] }>('/_sandbox/webhooks?provider=jiko')).items.filter(
          (delivery) => !deliveriesBefore.has(delivery.id),
        );
      // Driven through gateway 1 directly: only the webhooks go through the balancer, to either gateway.
      const journeys = Array.from({ length: 12 }, (_, index) => ({
        provider: 'jiko',
        scenario: 'approved',
        customerRef: `cl-${run}-webhooks-${index}`,
        choices: { options: SLOW_POLLING },
      }));
      const flight = inFlight(cluster.gatewayUrls[1] ?? '', journeys);
      await waitFor('the first Jiko webhook sent', async () => (await newDeliveries()).length >= 1);
      await cluster.killGateway(0, 'SIGKILL');
      expect(flight.finished()).toBeLessThan(journeys.length);
      const statuses = await flight.all;
      expectAllCompleted(statuses);
      const deliveries = await newDeliveries();
      // Some delivery met the dead gateway (502 from the balancer) and a later attempt of it landed.
      const redelivered = deliveries.filter(
        (delivery) => delivery.state === 'delivered' && delivery.attempts.some((attempt) => !attempt.delivered),
      );
      expect(
        redelivered.length,
        JSON.stringify(
          deliveries.map((d) => d.attempts),
          null,
          1,
        ),
      ).toBeGreaterThan(0);
      expect(redelivered.flatMap((d) => d.attempts.filter((a) => !a.delivered).map((a) => a.status))).toContain(502);
      expect(deliveries.filter((delivery) => delivery.state !== 'delivered')).toEqual([]);
      await cluster.startGateway(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'stops leaving no process of the stack behind',
    async () => {
      const { started } = cluster.pids();
      // PostgreSQL, four Temporal services, the sandbox, two workers and two gateways, plus the ones restarted.
      expect(started.length).toBeGreaterThanOrEqual(10);
      await cluster.stop();
      const alive = started.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(alive).toEqual([]);
      expect(cluster.pids().alive).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
