/**
 * `npx tsx scripts/record-histories.ts [netspend|jiko|linkcy ...]`: records workflow histories for the replay tests
 * (test/workflows/*-replay.test.ts), which replay them against the current workflow code so a change that breaks
 * running onboardings (non-determinism) fails CI.
 *
 * Each recording plays a scripted customer's scenario (scripts/customers/, the same customers as the demo, the
 * bench and the e2e tests) through the whole stack in this process (Temporal dev server, the worker's task queues,
 * the gateway, the sandbox; test/e2e/harness.ts) WITHOUT the PII codec, so the files replay with no key. Their
 * inputs are therefore in clear: only the made-up applicant (example.com, a 555 number, sandbox SSN prefixes), the
 * customer's made-up PIN and sandbox ids are used here. Re-record after an intentional, versioned workflow change; keep the old files while executions
 * recorded by the old code may still be running.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { startE2eStack } from '../test/e2e/harness.js';
import type { E2eStack } from '../test/e2e/harness.js';
import { projectRoot } from '../test/helpers/temporal.js';
import type { OnboardingState, OnboardingStatus } from '../contract/onboarding.js';
import { drive } from './customers/drive.js';
import { scenarioOf, scriptedCustomer } from './customers/index.js';

const HISTORIES_DIR = path.join(projectRoot, 'test', 'histories');

/** One recorded file: a scripted customer's scenario, played to its end (or cancelled at `cancelAt`). */
interface Recording {
  provider: string;
  /** The file name under test/histories/<provider>/ (the replay test lists the names it expects). */
  name: string;
  scenario: string;
  /** The customer cancels when this action is asked, instead of answering it. */
  cancelAt?: string;
  expectedState: OnboardingState;
}

const RECORDINGS: Recording[] = [
  { provider: 'netspend', name: 'dda-physical-approved', scenario: 'dda', expectedState: 'completed' },
  { provider: 'netspend', name: 'gpr-virtual-approved', scenario: 'gpr-by-id', expectedState: 'completed' },
  // 991…: the simulator's conditional KYC, cured by answering the identity questions.
  { provider: 'netspend', name: 'gpr-kyc-cured-virtual', scenario: 'kyc-gpr', expectedState: 'completed' },
  {
    provider: 'netspend',
    name: 'dda-cancelled-at-agreements',
    scenario: 'dda',
    cancelAt: 'acceptAgreements',
    expectedState: 'cancelled',
  },
  { provider: 'jiko', name: 'approved', scenario: 'approved', expectedState: 'completed' },
  { provider: 'jiko', name: 'documents-then-approved', scenario: 'documents', expectedState: 'completed' },
  {
    provider: 'jiko',
    name: 'cancelled-at-agreements',
    scenario: 'approved',
    cancelAt: 'acceptAgreements',
    expectedState: 'cancelled',
  }, // Linkcy's KYC page is completed by the simulator (SANDBOX_LINKCY_KYC_AUTO_COMPLETE_MS below).
  { provider: 'linkcy', name: 'validated', scenario: 'validated', expectedState: 'completed' },
  { provider: 'linkcy', name: 'email-sent-ledger', scenario: 'email', expectedState: 'completed' },
  { provider: 'linkcy', name: 'declined', scenario: 'declined', expectedState: 'rejected' },
  {
    provider: 'linkcy',
    name: 'cancelled-at-phone',
    scenario: 'validated',
    cancelAt: 'verifyPhone',
    expectedState: 'cancelled',
  },
];

const fastPolling = { pollInitialInterval: '2s', pollMaxInterval: '5s' };

async function play(stack: E2eStack, recording: Recording, customerRef: string): Promise<OnboardingStatus> {
  const customer = scriptedCustomer(recording.provider);
  const scenario = customer && scenarioOf(customer, recording.scenario);
  if (!scenario) throw new Error(`${recording.name}: no ${recording.provider} scenario '${recording.scenario}'`);
  const started = await stack.call(
    'POST',
    '/v1/onboardings',
    scenario.startBody(customerRef, { options: fastPolling }),
  );
  if (started.status !== 201) throw new Error(`${recording.name}: start answered ${started.status}`);
  const { status, finished } = await drive({
    call: (method, route, body) => stack.call<unknown>(method, route, body),
    onboardingId: started.body.onboardingId,
    scenario,
    ...(recording.cancelAt ? { cancelAt: { action: recording.cancelAt, reason: 'customer changed their mind' } } : {}),
    pollMs: 200,
    timeoutMs: 120_000,
  });
  if (!finished) throw new Error(`${recording.name}: did not finish in 2 minutes (state ${status.state})`);
  return status;
}

async function writeHistory(stack: E2eStack, workflowId: string, file: string): Promise<void> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, historyToJSON(history) + '\n', 'utf8');
  console.log(`  wrote ${path.relative(projectRoot, file)} (${history.events?.length ?? 0} events)`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const recordings = RECORDINGS.filter((recording) => only.length === 0 || only.includes(recording.provider));
  if (recordings.length === 0) {
    const providers = [...new Set(RECORDINGS.map((recording) => recording.provider))];
    throw new Error(`no recording for ${only.join(', ')}: ${providers.join(' or ')}`);
  }
  const stack = await startE2eStack({
    codec: false,
    sandboxEnv: {
      SANDBOX_JIKO_SUBMITTED_DELAY_MS: '500',
      SANDBOX_LINKCY_KYC_AUTO_COMPLETE_MS: '500',
      SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: '500',
    },
  });
  try {
    const recordedDeliveries = new Set<string>();
    for (const recording of recordings) {
      const customerRef = `replay-${recording.name}`;
      console.log(`${recording.provider}/${recording.name}`);
      const final = await play(stack, recording, customerRef);
      if (final.state !== recording.expectedState) {
        throw new Error(`${recording.name}: ended ${final.state}, expected ${recording.expectedState}`);
      }
      const dir = path.join(HISTORIES_DIR, recording.provider);
      await writeHistory(stack, final.onboardingId, path.join(dir, `${recording.name}.json`));

      // One webhook delivery per provider too: that workflow runs on every webhook.
      if (!recordedDeliveries.has(recording.provider)) {
        await stack.sandbox.ctx.webhooks.idle();
        const delivery = stack.sandbox.ctx.webhooks
          .list({ provider: recording.provider })
          .find((candidate) => candidate.state === 'delivered' && candidate.eventId);
        if (delivery?.eventId) {
          const deliveryId = `webhook:${recording.provider}:${delivery.eventId}`;
          await stack.client.workflow.getHandle(deliveryId).result();
          await writeHistory(stack, deliveryId, path.join(dir, 'webhook-delivery.json'));
          recordedDeliveries.add(recording.provider);
        }
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
