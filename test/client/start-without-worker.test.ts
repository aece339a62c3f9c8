/**
 * A start is answered even when no worker serves the provider's queue yet: the onboarding exists (Temporal has it),
 * so the caller gets its 201 with the status known from the execution record, and a later GET follows it.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { setLogLevel } from '../../common/log.js';
import type { OnboardingInput } from '../../contract/onboarding.js';
import { createLocalEnv } from '../helpers/temporal.js';
import { API_KEY, jikoStartBody, testConfig } from './fixtures.js';

let env: TestWorkflowEnvironment;
let app: FastifyInstance;

beforeAll(async () => {
  setLogLevel('error');
  env = await createLocalEnv();
  const config = testConfig({
    TASK_QUEUE_PREFIX: 'no-worker-here',
    DEFAULT_CUSTOMER_EXPIRY: '5d',
    DEFAULT_CUSTOMER_REMINDER: '12h',
    DEFAULT_REVIEW_SLA: '2d',
  });
  // A status query timeout far beyond the start's own wait: a start that waited for the query would answer 503.
  const onboarding = new OnboardingClient({
    client: env.client,
    config,
    inbox: { append: async () => undefined },
    queryTimeoutMs: 60_000,
  });
  app = await buildGateway({ onboarding, config });
});

afterAll(async () => {
  await app?.close();
  await env?.teardown();
});

describe('a start while no worker runs', () => {
  it('answers 201 with the status known so far, and the same onboarding again after', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: jikoStartBody({ customerRef: 'no_worker_1' }),
    });
    expect(response.statusCode).toBe(201);
    const status = response.json();
    expect(status.onboardingId).toBe('onboarding:jiko:no_worker_1');
    expect(status.state).toBe('in_progress');
    expect(status.timeline[0].why).toContain('worker has not reported yet');

    const again = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: jikoStartBody({ customerRef: 'no_worker_1' }),
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().onboardingId).toBe('onboarding:jiko:no_worker_1');
  });

  it("records the deployment's deadline defaults (DEFAULT_CUSTOMER_EXPIRY…) in the onboarding's input", async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: jikoStartBody({ customerRef: 'no_worker_2' }),
    });
    expect(response.statusCode).toBe(201);
    const history = await env.client.workflow.getHandle('onboarding:jiko:no_worker_2').fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = defaultPayloadConverter.fromPayload<OnboardingInput>(payload ?? {});
    expect(input.deadlineDefaults).toEqual({ customerExpireAfter: '5d', customerRemindAfter: '12h', reviewSla: '2d' });
  });
});
