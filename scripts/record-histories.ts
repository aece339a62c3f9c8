/**
 * `npx tsx scripts/record-histories.ts [<provider>|<provider>/<name>|<name> ...]`: records workflow histories for the replay tests
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
  /** A sandbox control (POST path) called the first time the customer answers `action`, just before the answer. */
  controlBefore?: { action: string; path: string };
  expectedState: OnboardingState;
}

const RECORDINGS: Recording[] = [
  { provider: 'netspend', name: 'dda-physical-approved', scenario: 'dda', expectedState: 'completed' },
  { provider: 'netspend', name: 'gpr-virtual-approved', scenario: 'gpr-by-id', expectedState: 'completed' },
  // 991…: the simulator's conditional KYC, cured by answering the identity questions.
  { provider: 'netspend', name: 'gpr-kyc-cured-virtual', scenario: 'kyc-gpr', expectedState: 'completed' },
  // 995… / 997…: a rejected KYC Netspend lets the person cure (patch netspend-cure-rejected-kyc).
  {
    provider: 'netspend',
    name: 'gpr-kyc-rejected-cured-questions',
    scenario: 'kyc-rejected-gpr',
    expectedState: 'completed',
  },
  {
    provider: 'netspend',
    name: 'gpr-kyc-rejected-cured-documents',
    scenario: 'kyc-documents-gpr',
    expectedState: 'completed',
  },
  // 992…: rejected with no cure on offer; with the patch, final only once Netspend's kyc_approve says so.
  { provider: 'netspend', name: 'gpr-kyc-rejected-final', scenario: 'kyc-rejected-final', expectedState: 'rejected' },
  {
    provider: 'netspend',
    name: 'dda-cancelled-at-agreements',
    scenario: 'dda',
    cancelAt: 'acceptAgreements',
    expectedState: 'cancelled',
  },
  // Compensation after the card order: the card is re-read by id (patch netspend-card-by-id), then voided.
  {
    provider: 'netspend',
    name: 'dda-cancelled-at-card-activation',
    scenario: 'dda',
    cancelAt: 'activateCard',
    expectedState: 'cancelled',
  },
  { provider: 'greendot', name: 'approved-bonus-posted', scenario: 'approved', expectedState: 'completed' },
  { provider: 'greendot', name: 'physical-card-wallet', scenario: 'physical', expectedState: 'completed' },
  // Ofac…: the simulator's OFAC partial match, approved by its review after the review delay.
  { provider: 'greendot', name: 'ofac-review-approved', scenario: 'ofac', expectedState: 'completed' },
  { provider: 'greendot', name: 'ofac-review-declined', scenario: 'ofac-declined', expectedState: 'rejected' },
  {
    provider: 'greendot',
    name: 'cancelled-at-terms',
    scenario: 'approved',
    cancelAt: 'acceptTerms',
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
  // Recorded after patch jiko-agreements-recheck-before-application: the agreements are read again once accepted.
  { provider: 'jiko', name: 'approved-agreements-rechecked', scenario: 'approved', expectedState: 'completed' },
  {
    provider: 'jiko',
    name: 'agreements-republished-then-approved',
    scenario: 'approved',
    // Jiko publishes a new bundle while the customer reads the first: the customer is asked again.
    controlBefore: { action: 'acceptAgreements', path: '/_sandbox/jiko/agreements/bump' },
    expectedState: 'completed',
  },
];

/**
 * Recorded again after patch status-published-at-waits (search attributes published where the onboarding waits,
 * onboarding.state_changed events, the start answered by the startAnswer Update), as `at-waits-<name>`: the files
 * above keep proving the old path, these the new one.
 */
const AT_WAITS_RECORDINGS = [
  'netspend/dda-physical-approved',
  'netspend/gpr-kyc-cured-virtual',
  'netspend/dda-cancelled-at-card-activation',
  'greendot/approved-bonus-posted',
  'greendot/ofac-review-approved',
  'greendot/cancelled-at-terms',
  'jiko/approved-agreements-rechecked',
  'jiko/documents-then-approved',
  'jiko/cancelled-at-agreements',
  'linkcy/validated',
  'linkcy/declined',
  'linkcy/cancelled-at-phone',
];
for (const recorded of AT_WAITS_RECORDINGS) {
  const original = RECORDINGS.find((recording) => `${recording.provider}/${recording.name}` === recorded);
  if (!original) throw new Error(`no recording ${recorded}`);
  RECORDINGS.push({ ...original, name: `at-waits-${original.name}` });
}

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
  let controlled = false;
  const { status, finished } = await drive({
    call: async (method, route, body) => {
      const before = recording.controlBefore;
      if (before && !controlled && method === 'POST' && route.endsWith(`/actions/${before.action}`)) {
        controlled = true;
        const response = await fetch(`${stack.sandbox.url}${before.path}`, { method: 'POST' });
        if (!response.ok) throw new Error(`${recording.name}: ${before.path} answered ${response.status}`);
      }
      return stack.call<unknown>(method, route, body);
    },
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

async function firstDeliveryWorkflow(stack: E2eStack, workflowIds: string[]): Promise<string | undefined> {
  for (const workflowId of workflowIds) {
    try {
      await stack.client.workflow.getHandle(workflowId).describe();
      return workflowId;
    } catch {
      // Not started: that event was signalled directly.
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  // `jiko` records every Jiko file; `jiko/<name>` only that one (to add a recording beside the old ones).
  const only = process.argv.slice(2);
  // By provider, or by name (`jiko/<name>` or `<name>`): recording one new path must not overwrite older files.
  const selected = (recording: Recording): boolean =>
    only.length === 0 ||
    only.includes(recording.provider) ||
    only.includes(recording.name) ||
    only.includes(`${recording.provider}/${recording.name}`);
  const recordings = RECORDINGS.filter(selected);
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

      // One webhook delivery per provider too (when the whole provider is recorded): it runs on every webhook.
      const wholeProvider = only.length === 0 || only.includes(recording.provider);
      if (wholeProvider && !recordedDeliveries.has(recording.provider)) {
        await stack.sandbox.ctx.webhooks.idle();
        const delivered = stack.sandbox.ctx.webhooks
          .list({ provider: recording.provider })
          .filter((candidate) => candidate.state === 'delivered' && candidate.eventId);
        // Most events take the direct path (a signal, no delivery workflow); and a delivery's id may be its
        // message's, not an event's (a multi-event message): record the first one that started a workflow.
        const deliveryId = await firstDeliveryWorkflow(
          stack,
          delivered.map((candidate) => `webhook:${recording.provider}:${candidate.eventId}`),
        );
        if (deliveryId) {
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
