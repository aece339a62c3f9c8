/**
 * `POST /v1/onboardings` in one round trip: Update-with-start (`USE_EXISTING`) with the read-only `startAnswer`
 * Update, against the real dev server and workers. 201 for the request that created the onboarding, 200 for every
 * later one (running or finished); the two-call path (start, describe, query) stays available and answers alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnboardingClient } from '../../client/onboarding-client.js';
import type { StartBodyInput } from '../../client/onboarding-client.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { jikoCustomer } from '../../scripts/customers/jiko.js';
import { onboardingPath, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack();
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

const { approved } = jikoCustomer.scenarios;

/** The names of the Updates the onboarding's history accepted, in order. */
async function acceptedUpdates(workflowId: string): Promise<string[]> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const name = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    return name ? [name] : [];
  });
}

describe('a start in one round trip', () => {
  it('answers 201 with the live status once, then 200 with the same onboarding', async () => {
    const first = await stack.call('POST', '/v1/onboardings', approved.startBody('one_call_1'));
    expect(first.status).toBe(201);
    expect(first.body.onboardingId).toBe('onboarding:jiko:one_call_1');
    // The workflow answered (not the execution record's stand-in).
    expect(first.body.timeline[0]?.why).toBeUndefined();
    expect(await acceptedUpdates(first.body.onboardingId)).toEqual(['startAnswer']);

    const again = await stack.call('POST', '/v1/onboardings', approved.startBody('one_call_1'));
    expect(again.status).toBe(200);
    expect(again.body.onboardingId).toBe(first.body.onboardingId);
    expect(again.body.startedAt).toBe(first.body.startedAt);
    expect(await acceptedUpdates(first.body.onboardingId)).toEqual(['startAnswer', 'startAnswer']);
  }, 120_000);

  it('answers 200 with the final status for a finished onboarding, which is not restarted', async () => {
    const started = await stack.call('POST', '/v1/onboardings', approved.startBody('one_call_2'));
    expect(started.status).toBe(201);
    const id = started.body.onboardingId;
    const cancelled = await stack.call('POST', `${onboardingPath(id)}/cancel?wait=true`, { reason: 'test' });
    expect(cancelled.body.state).toBe('cancelled');
    await stack.client.workflow.getHandle(id).result();

    const late = await stack.call<OnboardingStatus>('POST', '/v1/onboardings', approved.startBody('one_call_2'));
    expect(late.status).toBe(200);
    expect(late.body.state).toBe('cancelled');
  }, 120_000);

  it('answers alike on the two-call path (start, describe, query), with no Update in history', async () => {
    const twoCalls = new OnboardingClient({
      client: stack.client,
      config: stack.config,
      inbox: { append: async () => undefined },
      updateWithStart: false,
    });
    // A scripted customer's body is plain JSON: the client validates it as any caller's.
    const body = approved.startBody('two_calls_1') as unknown as StartBodyInput;
    const first = await twoCalls.start(body);
    expect(first.created).toBe(true);
    const again = await twoCalls.start(body);
    expect(again.created).toBe(false);
    expect(again.status.onboardingId).toBe(first.status.onboardingId);
    expect(await acceptedUpdates(first.status.onboardingId)).toEqual([]);
  }, 120_000);
});
