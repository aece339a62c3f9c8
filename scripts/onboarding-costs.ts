/**
 * `npx tsx scripts/onboarding-costs.ts [<provider> ...]`: what one happy-path onboarding costs Temporal, per
 * provider (its bench scenario, scripts/customers/), counted from its history with the bench's own counters
 * (bench/history.ts serverWorkOf: workflow tasks, search-attribute upserts and the most in one task, state
 * transitions, billable actions as Temporal Cloud counts them). The whole stack runs in this process
 * (test/e2e/harness.ts), so the figures are those of the current workflow code. COSTS_HISTORY_DIR=<dir> also
 * writes each history there (<provider>.json), to see where the actions go.
 */
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { serverWorkOf } from '../bench/history.js';
import { startE2eStack } from '../test/e2e/harness.js';
import type { E2eStack } from '../test/e2e/harness.js';
import type { OnboardingStatus } from '../contract/onboarding.js';
import { drive } from './customers/drive.js';
import { SCRIPTED_CUSTOMERS, scenarioOf } from './customers/index.js';

const fastPolling = { pollInitialInterval: '2s', pollMaxInterval: '5s' };

async function playBenchScenario(stack: E2eStack, provider: string, customerRef: string): Promise<OnboardingStatus> {
  const customer = SCRIPTED_CUSTOMERS.find((candidate) => candidate.provider === provider);
  const scenario = customer?.bench && scenarioOf(customer, customer.bench.scenario);
  if (!customer || !scenario) throw new Error(`no bench scenario for ${provider}`);
  const started = await stack.call(
    'POST',
    '/v1/onboardings',
    scenario.startBody(customerRef, { options: fastPolling }),
  );
  if (started.status !== 201) {
    throw new Error(`${provider}: start answered ${started.status}: ${JSON.stringify(started.body)}`);
  }
  const { status, finished } = await drive({
    call: (method, route, body) => stack.call<unknown>(method, route, body),
    onboardingId: started.body.onboardingId,
    scenario,
    pollMs: 200,
    timeoutMs: 120_000,
  });
  if (!finished) throw new Error(`${provider}: did not finish in 2 minutes (state ${status.state})`);
  return status;
}

async function main(): Promise<void> {
  const providers = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['jiko', 'netspend'];
  const stack = await startE2eStack({
    codec: false,
    sandboxEnv: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '500', SANDBOX_LINKCY_KYC_AUTO_COMPLETE_MS: '500' },
  });
  try {
    for (const provider of providers) {
      const final = await playBenchScenario(stack, provider, `costs-${provider}-${Date.now().toString(36)}`);
      const work = await serverWorkOf(stack.client, final.onboardingId);
      const figures = {
        state: final.state,
        events: work.events,
        workflowTasks: work.workflowTasks,
        upserts: work.upserts,
        maxUpsertsPerTask: work.maxUpsertsPerTask,
        stateTransitions: work.stateTransitions,
        billableFromHistory: work.billableFromHistory,
        byType: work.eventTypes,
      };
      console.log(`${provider}: ${JSON.stringify(figures)}`);
      const dir = process.env.COSTS_HISTORY_DIR;
      if (dir) {
        const history = await stack.client.workflow.getHandle(final.onboardingId).fetchHistory();
        await writeFile(`${dir}/${provider}.json`, historyToJSON(history) + '\n', 'utf8');
      }
    }
  } finally {
    await stack.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
