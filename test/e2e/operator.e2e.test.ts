/**
 * Operator commands end to end: the gateway's operator routes and `npm run ops` (client/ops/cli.ts, run in-process
 * against the gateway over HTTP) on a real stack. Each command takes a reason and lands in the timeline with who
 * acted (the key's identity, /the operator named); a key without the operator scope gets 403; bulk re-drive counts
 * first (changing nothing), then applies through retry-step at a rate, and says what was done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import type { BlockedList, RedriveResult } from '../../client/operator-schemas.js';
import { runOps } from '../../client/ops/cli.js';
import { greendotCustomer } from '../../scripts/customers/greendot.js';
import { customerAnswer, onboardingPath, pendingAction, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

const TEST_TIMEOUT_MS = 180_000;
const OPS_KEY = 'ops-key-0123456789';
const BACKEND_KEY = 'backend-key-0123456789';
const { approved } = greendotCustomer.scenarios;
let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    config: { GATEWAY_API_KEYS: `e2e:e2e-api-key,ops:${OPS_KEY},backend:${BACKEND_KEY}:onboarding` },
    sandboxEnv: { SANDBOX_GREENDOT_REVIEW_DELAY_MS: 'off', SANDBOX_GREENDOT_TRANSACTION_POST_DELAY_MS: '500' },
  });
}, 240_000);
afterAll(async () => {
  await stack?.close();
});

async function callAs<T>(
  key: string,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.gatewayUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** `npm run ops -- …` in-process, against this stack's gateway with the operator key. */
async function ops(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runOps([...argv, '--gateway', stack.gatewayUrl, '--api-key', OPS_KEY], {
    out: (text) => (out += `${text}\n`),
    err: (text) => (err += `${text}\n`),
    env: {},
  });
  return { code, out, err };
}

let customers = 0;
function startBody(label: string) {
  customers += 1;
  return approved.startBody(`ops-${label}-${customers}`, {
    person: {
      name: { first: 'Marguerite', last: 'Ashdown' },
      dateOfBirth: '1984-04-12',
      email: `marguerite.ashdown${customers}@example.com`,
      phone: `+1555001${String(customers).padStart(4, '0')}`,
    },
    options: { pollInitialInterval: '1s', pollMaxInterval: '2s' },
  });
}

async function startWaitingOnTerms(label: string): Promise<OnboardingStatus> {
  const started = await stack.call('POST', '/v1/onboardings', startBody(label));
  expect(started.status).toBe(201);
  return stack.waitForStatus(started.body.onboardingId, 'terms pending', (s) => !!pendingAction(s, 'acceptTerms'));
}

describe('operator commands', () => {
  it(
    'lists onboardings blocked on the customer for longer than a while, with the Web UI query',
    async () => {
      const waiting = await startWaitingOnTerms('blocked');
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const blocked = async (olderThan: string) => {
        const answer = await callAs<BlockedList>(
          OPS_KEY,
          'GET',
          `/v1/operator/blocked?blockedOn=customer&olderThan=${olderThan}&provider=greendot`,
        );
        expect(answer.status).toBe(200);
        return answer.body;
      };
      let longer: BlockedList | undefined;
      for (let tries = 0; tries < 40; tries++) {
        longer = await blocked('2s');
        if (longer.onboardings.some((row) => row.onboardingId === waiting.onboardingId)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(longer?.onboardings.map((row) => row.onboardingId)).toContain(waiting.onboardingId);
      expect(longer?.query).toContain('OnboardingBlockedSince <');
      expect((await blocked('1h')).onboardings.map((row) => row.onboardingId)).not.toContain(waiting.onboardingId);

      const cli = await ops('blocked', '--on', 'customer', '--longer-than', '2s', '--provider', 'greendot');
      expect(cli.code).toBe(0);
      expect(cli.out).toContain(waiting.onboardingId);
      expect(cli.out).toContain('Web UI query: ');

      const bad = await callAs<{ error: { code: string; message: string } }>(
        OPS_KEY,
        'GET',
        '/v1/operator/blocked?blockedOn=customer&olderThan=soon',
      );
      expect(bad.status).toBe(422);
      expect(bad.body.error.message).toContain('olderThan');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'extends a deadline and cancels with a reason, the operator named in the timeline; 403 without the scope',
    async () => {
      const waiting = await startWaitingOnTerms('extend');
      const id = waiting.onboardingId;
      const route = `${onboardingPath(id)}/extend-deadline`;
      const body = { by: '2d', reason: 'the customer is travelling' };

      const forbidden = await callAs<{ error: { code: string } }>(BACKEND_KEY, 'POST', route, body);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.code).toBe('forbidden');
      const retryForbidden = await callAs<{ error: { code: string } }>(
        BACKEND_KEY,
        'POST',
        `${onboardingPath(id)}/retry-step`,
        { step: 'terms', reason: 'x' },
      );
      expect(retryForbidden.status).toBe(403);

      const noReason = await callAs<{ error: { code: string; message: string } }>(OPS_KEY, 'POST', route, {
        by: '2d',
      });
      expect(noReason.status).toBe(422);
      expect(noReason.body.error.message).toContain('reason');

      const extended = await callAs<OnboardingStatus>(OPS_KEY, 'POST', route, body, { 'x-operator': 'alice' });
      expect(extended.status).toBe(200);
      const before = Date.parse(pendingAction(waiting, 'acceptTerms')?.expiresAt ?? '');
      expect(Date.parse(pendingAction(extended.body, 'acceptTerms')?.expiresAt ?? '')).toBe(before + 2 * 86_400_000);
      expect(extended.body.timeline.at(-1)).toMatchObject({ actor: 'operator', by: 'ops/alice' });
      expect(extended.body.timeline.at(-1)?.why).toContain('the customer is travelling');

      const cli = await ops('cancel', id, '--reason', 'duplicate application', '--operator', 'bob');
      expect(cli.code, cli.err).toBe(0);
      const final = await stack.waitForStatus(id, 'cancelled', (s) => s.state === 'cancelled');
      expect(final.timeline.find((entry) => entry.what === 'cancel requested')).toMatchObject({
        actor: 'operator',
        by: 'ops/bob',
        why: 'duplicate application',
      });

      const refused = await ops('extend', id, '--by', '1d');
      expect(refused.code).toBe(2);
      expect(refused.err).toContain('--reason is required');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    're-drives in bulk by provider, step and error: a dry-run count that changes nothing, then a rate-limited apply',
    async () => {
      // Green Dot enrolls, then the response is lost (ProviderOutcomeUnknown): each onboarding waits for an operator.
      const fault = await fetch(`${stack.sandbox.url}/_sandbox/faults/greendot`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pathPattern: '/enrollments', loseNextResponses: 2 }),
      });
      expect(fault.status).toBe(200);
      const ids: string[] = [];
      for (const label of ['redrive-a', 'redrive-b']) {
        const asked = await startWaitingOnTerms(label);
        const answer = customerAnswer(approved, asked, 'acceptTerms');
        const accepted = await stack.call(
          'POST',
          `${onboardingPath(asked.onboardingId)}/actions/${answer.action}`,
          answer.body,
        );
        expect(accepted.status).toBe(200);
        await stack.waitForStatus(asked.onboardingId, 'operator needed', (s) => s.blockedOn === 'retrying');
        ids.push(asked.onboardingId);
      }
      const redrive = (extra: string[]) =>
        ops(
          'redrive',
          '--provider',
          'greendot',
          '--step',
          'enrollment',
          '--reason',
          'Green Dot confirmed',
          '--json',
          ...extra,
        );
      // Visibility follows the upserts shortly: wait until both are listed.
      let dryRun: RedriveResult | undefined;
      for (let tries = 0; tries < 40; tries++) {
        const run = await redrive(['--error', 'ProviderOutcomeUnknown']);
        expect(run.code, run.err).toBe(0);
        dryRun = JSON.parse(run.out) as RedriveResult;
        if (dryRun.matched >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(dryRun).toMatchObject({ apply: false, matched: 2, done: 0, failed: 0 });
      expect(dryRun?.items.map((item) => item.onboardingId).sort()).toEqual([...ids].sort());
      const unmatched = JSON.parse((await redrive(['--error', 'no such error text'])).out) as RedriveResult;
      expect(unmatched.matched).toBe(0);
      for (const id of ids) expect((await stack.call('GET', onboardingPath(id))).body.blockedOn).toBe('retrying');

      const applied = await redrive(['--error', 'outcomeunknown', '--apply', '--rate', '2/s']);
      expect(applied.code, applied.err).toBe(0);
      const result = JSON.parse(applied.out) as RedriveResult;
      expect(result).toMatchObject({ apply: true, matched: 2, done: 2, failed: 0 });
      for (const id of ids) {
        const final = await stack.waitForStatus(id, 'completed', (s) => s.state === 'completed');
        expect(final.timeline.find((entry) => entry.what === 'retry of step enrollment requested')).toMatchObject({
          actor: 'operator',
          by: 'ops',
          why: 'Green Dot confirmed',
        });
      }
      const after = JSON.parse((await redrive([])).out) as RedriveResult;
      expect(after.matched).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});
