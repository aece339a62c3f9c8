/**
 * Netspend with 10% of its answers lost (the simulator handles the request, the client sees a 502), over 20
 * onboardings through the gateway. Netspend offers no idempotency key, so a retried `POST /accounts` or
 * `POST /sessions` could leave a second entity; the audit must still end with exactly one open account and one
 * session in use per onboarding. On top of the 10%, the first answers to two account creations and one session
 * creation are lost for sure, so the run always covers the case the rate only makes likely.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { drive } from '../../scripts/customers/drive.js';
import { netspendCustomer } from '../../scripts/customers/netspend.js';
import { startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

const ONBOARDINGS = 20;
/** How many customers act at once: enough to interleave, few enough for a small shared machine. */
const CONCURRENCY = 5;
const API = '/netspend/netspend-api/v1';
const { 'dda-virtual': ddaVirtual, gpr } = netspendCustomer.scenarios;

let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    sandboxEnv: { SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: '200' },
    faults: {
      netspend: {
        lostResponseRate: 0.1,
        seed: 20261201,
        loseNextResponsesTo: [`^POST ${API}/accounts$`, `^POST ${API}/accounts$`, `^POST ${API}/sessions$`],
      },
    },
  });
});

afterAll(async () => {
  await stack?.close();
});

interface AuditItem {
  kind: string;
  id: string;
  data?: Record<string, unknown>;
}

async function audit(kind: string): Promise<AuditItem[]> {
  const response = await fetch(`${stack.sandbox.url}/_sandbox/audit?provider=netspend&kind=${kind}`);
  return ((await response.json()) as { items: AuditItem[] }).items;
}

async function onboard(index: number): Promise<OnboardingStatus> {
  const scenario = index % 2 === 0 ? ddaVirtual : gpr;
  const body = scenario.startBody(`ns-lost-${index}`, {
    options: { pollInitialInterval: '1s', pollMaxInterval: '2s' },
  });
  const started = await stack.call('POST', '/v1/onboardings', body);
  expect(started.status).toBe(201);
  const { status, finished } = await drive({
    call: (method, route, payload) => stack.call<unknown>(method, route, payload),
    onboardingId: started.body.onboardingId,
    scenario,
    pollMs: 250,
    timeoutMs: 240_000,
  });
  expect(finished, `${started.body.onboardingId} ended ${status.state}`).toBe(true);
  return status;
}

describe('Netspend with 10% lost responses', () => {
  it(
    'ends 20 onboardings with exactly one open account and one session in use each',
    { timeout: 600_000 },
    async () => {
      const finals: OnboardingStatus[] = [];
      for (let next = 0; next < ONBOARDINGS; next += CONCURRENCY) {
        const batch = Array.from({ length: Math.min(CONCURRENCY, ONBOARDINGS - next) }, (_, i) => onboard(next + i));
        finals.push(...(await Promise.all(batch)));
      }
      expect(finals.map((final) => final.state)).toEqual(Array(ONBOARDINGS).fill('completed'));

      const faults = (await (await fetch(`${stack.sandbox.url}/_sandbox/faults/netspend`)).json()) as {
        stats: { lostResponses: number };
      };
      expect(faults.stats.lostResponses).toBeGreaterThanOrEqual(3);

      // Accounts: every one created is either an onboarding's own (open) or closed.
      const closed = new Set(
        (await audit('account_status')).filter((item) => item.data?.status === 'closed').map((item) => item.id),
      );
      const open = (await audit('account')).map((item) => item.id).filter((id) => !closed.has(id));
      const ownAccounts = finals.map((final) => final.result.accountId);
      expect(open.sort()).toEqual([...ownAccounts].sort());
      expect(new Set(ownAccounts).size).toBe(ONBOARDINGS);

      // Sessions: a session whose creation answer was lost is never used; each onboarding uses exactly its own.
      const inUse = (await audit('session_in_use')).map((item) => item.id);
      const ownSessions = finals.map((final) => final.result.sessionId);
      expect(inUse.sort()).toEqual([...ownSessions].sort());
      expect(new Set(ownSessions).size).toBe(ONBOARDINGS);
      expect((await audit('session')).length).toBeGreaterThan(ONBOARDINGS);
    },
  );
});
