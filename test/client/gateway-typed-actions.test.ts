/**
 * The typed action paths (/v1/providers/<provider>/onboardings/{id}/actions/<action>), one per provider and action
 * from the registry, through fastify.inject. The workflow handle is stubbed where an answer from the onboarding is
 * needed (200, 409); everything else is refused before Temporal is asked.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { createLogger, setLogLevel } from '../../common/log.js';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { ACTION_NOT_EXPECTED } from '../../contract/onboarding.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { API_KEY, testConfig, unreachableClient } from './fixtures.js';

setLogLevel('warn');
const config = testConfig();
const auth = { authorization: `Bearer ${API_KEY}` };
const jikoId = encodeURIComponent('onboarding:jiko:cust_1');
const netspendId = encodeURIComponent('onboarding:netspend:cust_1');
const jikoAccept = (id: string): string => `/v1/providers/jiko/onboardings/${id}/actions/acceptAgreements`;

const status = { onboardingId: 'onboarding:jiko:cust_1', state: 'running' } as unknown as OnboardingStatus;
/** What the stubbed onboarding answers to the next Update: its status, or a refusal. */
let answer: () => Promise<OnboardingStatus>;
const updates: { name: string; args: unknown[] }[] = [];

let app: FastifyInstance;
beforeAll(async () => {
  const client = unreachableClient();
  vi.spyOn(client.workflow, 'getHandle').mockImplementation(
    () =>
      ({
        executeUpdate: async (update: { name: string }, options: { args: unknown[] }) => {
          updates.push({ name: update.name, args: options.args });
          return answer();
        },
      }) as unknown as WorkflowHandle,
  );
  const onboarding = new OnboardingClient({ client, config, queryTimeoutMs: 500 });
  app = await buildGateway({ onboarding, config, logger: createLogger('gateway-test') });
});
afterAll(async () => {
  await app.close();
});

describe('typed action paths', () => {
  it('registers one route per provider and action of the registry', () => {
    const routes = app.printRoutes({ commonPrefix: false });
    expect(routes).toContain('/v1/providers/jiko/onboardings/:id/actions/acceptAgreements');
    expect(routes).toContain('/v1/providers/netspend/onboardings/:id/actions/activateCard');
    expect(routes).toContain('/v1/providers/greendot/onboardings/:id/actions/pushProvisioning');
  });

  it('answers 200 with the status after the action, as the untyped route does', async () => {
    answer = async () => status;
    updates.length = 0;
    const response = await app.inject({
      method: 'POST',
      url: jikoAccept(jikoId),
      headers: auth,
      payload: { version: '2024-06-01' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(status);
    expect(updates).toEqual([{ name: 'acceptAgreements', args: [{ version: '2024-06-01' }] }]);
    const untyped = await app.inject({
      method: 'POST',
      url: `/v1/onboardings/${jikoId}/actions/acceptAgreements`,
      headers: auth,
      payload: { version: '2024-06-01' },
    });
    expect(untyped.statusCode).toBe(200);
    expect(updates).toHaveLength(2);
  });

  it('answers 409 when the onboarding does not expect the action now', async () => {
    answer = async () => {
      throw new WorkflowUpdateFailedError(
        'update failed',
        ApplicationFailure.create({ type: ACTION_NOT_EXPECTED, message: 'nothing pending', nonRetryable: true }),
      );
    };
    const response = await app.inject({
      method: 'POST',
      url: jikoAccept(jikoId),
      headers: auth,
      payload: { version: '2024-06-01' },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('action_not_expected');
  });

  it('answers 404 for an onboarding of another provider, without asking it', async () => {
    updates.length = 0;
    const response = await app.inject({
      method: 'POST',
      url: jikoAccept(netspendId),
      headers: auth,
      payload: { version: '2024-06-01' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('onboarding_not_found');
    expect(updates).toEqual([]);
  });

  it('answers 404 for an action the provider does not have (no such path)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/providers/jiko/onboardings/${jikoId}/actions/activateCard`,
      headers: auth,
      payload: { pin: '1234' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
  });

  it("answers 422 for another action's body (Netspend's {pin} on Jiko's acceptAgreements)", async () => {
    updates.length = 0;
    const response = await app.inject({
      method: 'POST',
      url: jikoAccept(jikoId),
      headers: auth,
      payload: { pin: '1234' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('validation_failed');
    expect(response.body).not.toContain('1234');
    expect(updates).toEqual([]);
  });

  it('answers 413 over the action’s own body limit, and 401 without a key', async () => {
    const big = await app.inject({
      method: 'POST',
      url: jikoAccept(jikoId),
      headers: auth,
      payload: { version: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('body_too_large');
    const anonymous = await app.inject({ method: 'POST', url: jikoAccept(jikoId), payload: { version: 'v' } });
    expect(anonymous.statusCode).toBe(401);
  });
});
