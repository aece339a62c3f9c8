/**
 * What a backend can rely on when it retries or cancels: an action sent again with the same Idempotency-Key gets
 * the first answer and changes nothing, and a cancel is answered at once even while the provider is down, its
 * compensation running (and visible) until the provider is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { netspendCustomer } from '../../scripts/customers/netspend.js';
import { customerAnswer, onboardingPath, pendingAction, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({ sandboxEnv: { SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: '0' } });
});
afterAll(async () => {
  await stack?.close();
});

async function setNetspendFaults(config: Record<string, unknown> | undefined): Promise<void> {
  const url = `${stack.sandbox.url}/_sandbox/faults/netspend`;
  const response = config
    ? await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) })
    : await fetch(url, { method: 'DELETE' });
  expect(response.ok).toBe(true);
}

describe('retries and cancels from a backend', () => {
  it('applies an action retried with the same Idempotency-Key once; cancels at once while Netspend is down', async () => {
    const scenario = netspendCustomer.scenarios.gpr;
    const started = await stack.call('POST', '/v1/onboardings', scenario.startBody('contract-e2e-1'));
    expect(started.status).toBe(201);
    const id = started.body.onboardingId;
    const asked = await stack.waitForStatus(
      id,
      'agreements',
      (s) => pendingAction(s, 'acceptAgreements') !== undefined,
    );
    const answer = customerAnswer(scenario, asked, 'acceptAgreements');

    const send = (key: string) =>
      fetch(`${stack.gatewayUrl}${onboardingPath(id)}/actions/acceptAgreements`, {
        method: 'POST',
        headers: { authorization: 'Bearer e2e-api-key', 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(answer.body),
      });
    const first = await send('retry-me-1');
    expect(first.status).toBe(200);
    const firstStatus = (await first.json()) as OnboardingStatus;
    const again = await send('retry-me-1');
    expect(again.status).toBe(200);
    // The first answer, word for word: the action ran once.
    expect((await again.json()) as OnboardingStatus).toEqual(firstStatus);
    const afterwards = (await stack.call('GET', onboardingPath(id))).body;
    expect(afterwards.timeline.filter((entry) => entry.what === 'accepted agreements')).toHaveLength(1);
    // A key that is not a key is refused, naming the header.
    const badKey = await send('not a key!');
    expect(badKey.status).toBe(422);

    const choosing = await stack.waitForStatus(id, 'card choice', (s) => pendingAction(s, 'chooseCard') !== undefined);
    expect(choosing.result.accountId).toEqual(expect.any(String));
    await setNetspendFaults({ errorRate: 1 });
    try {
      const cancel = await stack.call('POST', `${onboardingPath(id)}/cancel`, { reason: 'changed their mind' });
      // Answered at once, though closing the account cannot succeed while Netspend answers 503.
      expect(cancel.status).toBe(202);
      expect(cancel.body.state).not.toBe('cancelled');
      const compensating = await stack.waitForStatus(id, 'compensation retrying', (s) =>
        s.steps.some((step) => step.lastError !== null && /ProviderUnavailable/.test(step.lastError)),
      );
      expect(compensating.state).not.toBe('cancelled');
    } finally {
      await setNetspendFaults(undefined);
    }
    const cancelled = await stack.waitForStatus(id, 'cancelled', (s) => s.state === 'cancelled');
    expect(cancelled.steps.find((step) => step.name === 'account')?.status).toBe('compensated');
  });
});
