/**
 * `npx tsx scripts/record-histories.ts [netspend|jiko ...]`: records workflow histories for the replay tests
 * (test/workflows/*-replay.test.ts), which replay them against the current workflow code so a change that breaks
 * running onboardings (non-determinism) fails CI.
 *
 * Each scenario runs through the whole stack in this process (Temporal dev server, the worker's task queues, the
 * gateway, the sandbox; test/e2e/harness.ts) WITHOUT the PII codec, so the files replay with no key. Their inputs
 * are therefore in clear: only made-up applicants (example.com, 555 numbers, sandbox SSN prefixes) and sandbox ids
 * are used here. Re-record after an intentional, versioned workflow change; keep the old files while executions
 * recorded by the old code may still be running.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { startE2eStack } from '../test/e2e/harness.js';
import type { E2eStack } from '../test/e2e/harness.js';
import { projectRoot } from '../test/helpers/temporal.js';
import { FINAL_STATES } from '../contract/onboarding.js';
import type { OnboardingState, OnboardingStatus, PendingAction } from '../contract/onboarding.js';

const HISTORIES_DIR = path.join(projectRoot, 'test', 'histories');

/** What the customer does for a pending action: an action call, a cancel, or nothing yet. */
type Move = { action: string; body: unknown } | { cancel: string } | undefined;

interface Scenario {
  provider: 'netspend' | 'jiko';
  name: string;
  start: Record<string, unknown>;
  respond(pending: PendingAction): Move;
  expectedState: OnboardingState;
}

const ADDRESS = { line1: '500 Congress Ave', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US' };
/** A made-up PIN the simulator accepts; it is in clear in the recorded (unencrypted) Update input. */
const FAKE_PIN = '7392';
const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function applicant(first: string, last: string, ssn: string, phone: string) {
  return {
    name: { first, last },
    dateOfBirth: '1980-05-17',
    ssn,
    email: `${first.toLowerCase()}.${last.toLowerCase()}@example.com`,
    phone,
    address: ADDRESS,
  };
}

interface QuestionData {
  questionId: string;
  answers: { answerId: string }[];
}

function firstAnswers(pending: PendingAction): { answers: { questionId: string; answerId: string }[] } {
  const questions = (pending.data.questions ?? []) as QuestionData[];
  return {
    answers: questions.map((question) => ({
      questionId: question.questionId,
      answerId: question.answers[0]?.answerId ?? '',
    })),
  };
}

/** Netspend's customer: accepts every agreement, first answers, the given card; cancels at `cancelAt`. */
function netspendCustomer(card: { type: 'physical' | 'virtual' }, cancelAt?: string) {
  return (pending: PendingAction): Move => {
    if (pending.action === cancelAt) return { cancel: 'customer changed their mind' };
    switch (pending.action) {
      case 'acceptAgreements': {
        const agreements = pending.data.agreements as { agreementId: string; accepted: boolean }[];
        return {
          action: pending.action,
          body: { agreementIds: agreements.filter((a) => !a.accepted).map((a) => a.agreementId) },
        };
      }
      case 'answerExpectedUse':
      case 'cureKyc':
        return { action: pending.action, body: firstAnswers(pending) };
      case 'chooseCard': {
        const brands = pending.data.brands as { brandName: string }[];
        return { action: pending.action, body: { type: card.type, brandName: brands[0]?.brandName } };
      }
      case 'activateCard':
        return { action: pending.action, body: { pin: FAKE_PIN } };
      default:
        return undefined;
    }
  };
}

function jikoCustomer(cancelAt?: string) {
  return (pending: PendingAction): Move => {
    if (pending.action === cancelAt) return { cancel: 'customer changed their mind' };
    if (pending.action === 'acceptAgreements') {
      return { action: pending.action, body: { version: String(pending.data.version) } };
    }
    if (pending.action === 'uploadDocuments') {
      const requirements = (pending.data.documents ?? []) as { anyOf: string[]; received: boolean }[];
      const documents = requirements
        .filter((requirement) => !requirement.received)
        .map((requirement) => ({
          type: requirement.anyOf[0],
          contentType: 'image/png',
          contentBase64: TINY_PNG_BASE64,
        }));
      return { action: pending.action, body: { documents } };
    }
    return undefined;
  };
}

const jikoBlock = {
  investmentProfile: { employmentStatus: 'STUDENT', income: 'BELOW_50K', netWorth: 'BELOW_50K' },
  contactVerification: { phoneVerifiedAt: '2026-01-01T10:00:00Z', emailVerifiedAt: '2026-01-01T10:01:00Z' },
};
const fastPolling = { pollInitialInterval: '2s', pollMaxInterval: '5s' };

const SCENARIOS: Scenario[] = [
  {
    provider: 'netspend',
    name: 'dda-physical-approved',
    start: {
      applicant: applicant('Rosamund', 'Fairweather', '512340001', '+15550100001'),
      netspend: { accountType: 'DDA' },
    },
    respond: netspendCustomer({ type: 'physical' }),
    expectedState: 'completed',
  },
  {
    provider: 'netspend',
    name: 'gpr-virtual-approved',
    start: {
      applicant: applicant('Cornelius', 'Blackwood', '512340002', '+15550100002'),
      netspend: { providedId: 'sandbox-gpr-prepaid' },
    },
    respond: netspendCustomer({ type: 'virtual' }),
    expectedState: 'completed',
  },
  {
    provider: 'netspend',
    name: 'gpr-kyc-cured-virtual',
    start: {
      // 991…: the simulator's conditional KYC, cured by answering the identity questions (first answers).
      applicant: applicant('Perpetua', 'Honeysett', '991340003', '+15550100003'),
      netspend: { accountType: 'GPR' },
    },
    respond: netspendCustomer({ type: 'virtual' }),
    expectedState: 'completed',
  },
  {
    provider: 'netspend',
    name: 'dda-cancelled-at-agreements',
    start: {
      applicant: applicant('Ignatius', 'Whitlock', '512340004', '+15550100004'),
      netspend: { accountType: 'DDA' },
    },
    respond: netspendCustomer({ type: 'physical' }, 'acceptAgreements'),
    expectedState: 'cancelled',
  },
  {
    provider: 'jiko',
    name: 'approved',
    start: { applicant: applicant('Lavinia', 'Thornbury', '400340005', '+15550100005'), jiko: jikoBlock },
    respond: jikoCustomer(),
    expectedState: 'completed',
  },
  {
    provider: 'jiko',
    name: 'documents-then-approved',
    start: { applicant: applicant('Ambrose', 'Kettleby', '210340006', '+15550100006'), jiko: jikoBlock },
    respond: jikoCustomer(),
    expectedState: 'completed',
  },
  {
    provider: 'jiko',
    name: 'cancelled-at-agreements',
    start: { applicant: applicant('Clementine', 'Marlowe', '400340007', '+15550100007'), jiko: jikoBlock },
    respond: jikoCustomer('acceptAgreements'),
    expectedState: 'cancelled',
  },
];

async function play(stack: E2eStack, scenario: Scenario, customerRef: string): Promise<OnboardingStatus> {
  const started = await stack.call('POST', '/v1/onboardings', {
    provider: scenario.provider,
    customerRef,
    ...scenario.start,
    options: fastPolling,
  });
  if (started.status !== 201) throw new Error(`${scenario.name}: start answered ${started.status}`);
  const id = started.body.onboardingId;
  const onboardingPath = `/v1/onboardings/${encodeURIComponent(id)}`;
  const acted = new Set<string>();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { body: status } = await stack.call('GET', onboardingPath);
    if (FINAL_STATES.includes(status.state)) return status;
    for (const pending of status.pendingActions) {
      const key = `${pending.action}:${JSON.stringify(pending.data)}`;
      const move = acted.has(key) ? undefined : scenario.respond(pending);
      if (!move) continue;
      acted.add(key);
      const answer =
        'cancel' in move
          ? await stack.call('POST', `${onboardingPath}/cancel`, { reason: move.cancel, actor: 'customer' })
          : await stack.call('POST', `${onboardingPath}/actions/${move.action}`, move.body);
      if (answer.status !== 200) {
        throw new Error(
          `${scenario.name}: ${JSON.stringify(move)} answered ${answer.status} ${JSON.stringify(answer.body)}`,
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${scenario.name}: did not finish in 2 minutes`);
}

async function writeHistory(stack: E2eStack, workflowId: string, file: string): Promise<void> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, historyToJSON(history) + '\n', 'utf8');
  console.log(`  wrote ${path.relative(projectRoot, file)} (${history.events?.length ?? 0} events)`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const scenarios = SCENARIOS.filter((scenario) => only.length === 0 || only.includes(scenario.provider));
  if (scenarios.length === 0) throw new Error(`no scenario for ${only.join(', ')}: netspend or jiko`);
  const stack = await startE2eStack({ codec: false, sandboxEnv: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '500' } });
  try {
    const recordedDeliveries = new Set<string>();
    for (const scenario of scenarios) {
      const customerRef = `replay-${scenario.name}`;
      console.log(`${scenario.provider}/${scenario.name}`);
      const final = await play(stack, scenario, customerRef);
      if (final.state !== scenario.expectedState) {
        throw new Error(`${scenario.name}: ended ${final.state}, expected ${scenario.expectedState}`);
      }
      const dir = path.join(HISTORIES_DIR, scenario.provider);
      await writeHistory(stack, final.onboardingId, path.join(dir, `${scenario.name}.json`));

      // One webhook delivery per provider too: that workflow runs on every webhook.
      if (!recordedDeliveries.has(scenario.provider)) {
        await stack.sandbox.ctx.webhooks.idle();
        const delivery = stack.sandbox.ctx.webhooks
          .list({ provider: scenario.provider })
          .find((candidate) => candidate.state === 'delivered' && candidate.eventId);
        if (delivery?.eventId) {
          const deliveryId = `webhook:${scenario.provider}:${delivery.eventId}`;
          await stack.client.workflow.getHandle(deliveryId).result();
          await writeHistory(stack, deliveryId, path.join(dir, 'webhook-delivery.json'));
          recordedDeliveries.add(scenario.provider);
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
