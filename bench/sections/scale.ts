/**
 * Section 3: the scale of waiting. Holds N onboardings open waiting on the customer (N cumulative: 1,000 then
 * 10,000 by default), and at each N reports the time to get them all waiting, the memory of the worker and the
 * server per held onboarding, and the p99 of a signal (send → handled in the workflow) to held onboardings.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { providerDefinition } from '../../client/registry.js';
import { taskQueueFor } from '../../common/config.js';
import { SA_BLOCKED_ON, SA_PROVIDER, SA_STATE, SA_STEP, onboardingWorkflowId } from '../../contract/onboarding.js';
import type { OnboardingInput, Provider } from '../../contract/onboarding.js';
import type { BenchContext } from '../context.js';
import type { BenchProvider } from '../providers.js';
import { rssBytes } from '../proc.js';
import { REAL_PREFIX } from '../stack.js';
import { percentile, pool, sleep } from '../stats.js';
import { timeProbes } from './common.js';

export interface ScalePoint {
  /** Onboardings started so far. */
  held: number;
  /** How many of them visibility showed waiting on the customer when the hold ended (= held if all). */
  waiting: number;
  /** Seconds from the first start of this level to every onboarding waiting (or to the hold giving up). */
  secondsToHold: number;
  /** Why the hold ended: all waiting, no new one waiting for `scaleStallSeconds`, or the hold budget spent. */
  holdEnded: 'all waiting' | 'stalled' | 'budget spent';
  /** Up to 5 onboardings not waiting when the hold ended, each with what it was doing (see `describeStraggler`). */
  stragglers: string[];
  startsPerSecond: number;
  workerRssBytes: number;
  serverRssBytes: number;
  workerBytesPerHeld: number;
  serverBytesPerHeld: number;
  signalP50Ms: number;
  signalP99Ms: number;
  signalsLost: number;
  errors: string[];
}

export interface ScaleResults {
  provider: string;
  points: ScalePoint[];
  /** A level that could not be measured, and why (the levels before it are kept). */
  failures: string[];
}

const START_CONCURRENCY = 32;
/**
 * Customer refs of the held onboardings. Visibility counts only these (`WorkflowId STARTS_WITH`), so onboardings
 * left by earlier sections (terminated ones whose visibility row still lags, say) never shift the count.
 */
const HELD_REF_PREFIX = 'scale-';

/**
 * The start the client library makes (same workflow type, id, task queue, input, search attributes), without its
 * read-back of the status: at 10,000 the read-back's query would measure the start path, not the holding.
 */
export async function startLikeTheLibrary(
  client: Client,
  provider: BenchProvider,
  customerRef: string,
  taskQueuePrefix = REAL_PREFIX,
): Promise<string> {
  const definition = providerDefinition(provider.name);
  if (!definition) throw new Error(`no client definition for ${provider.name}`);
  const body = provider.scenario.startBody(customerRef);
  const name = provider.name as Provider;
  const input: OnboardingInput = {
    provider: name,
    customerRef,
    applicant: body.applicant,
    providerInput: definition.blockSchema.parse(body[name]) as Record<string, unknown>,
  };
  const workflowId = onboardingWorkflowId(name, customerRef);
  await client.workflow.start(definition.workflowType, {
    workflowId,
    taskQueue: taskQueueFor({ TASK_QUEUE_PREFIX: taskQueuePrefix }, name),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: SA_PROVIDER, value: name },
      { key: SA_STATE, value: 'in_progress' },
    ],
  });
  return workflowId;
}

export async function scaleOfWaiting(ctx: BenchContext, provider: BenchProvider): Promise<ScaleResults> {
  const { stack, client, budget } = ctx;
  const workerPid = stack.pid('worker') as number;
  const serverPid = stack.pid('temporal') as number;
  const heldIdPrefix = onboardingWorkflowId(provider.name as Provider, HELD_REF_PREFIX);
  const waitingQuery =
    `WorkflowId STARTS_WITH '${heldIdPrefix}' AND ExecutionStatus = 'Running' AND ` +
    `OnboardingState = 'action_required' AND OnboardingBlockedOn = 'customer'`;
  const countWaiting = async (): Promise<number> => (await client.workflow.count(waitingQuery)).count;
  // What the count used to be taken against: every waiting onboarding on the queue, less those at the start. The
  // previous section's onboardings, terminated just before, can still show as waiting there for a moment.
  const queueWaitingQuery =
    `TaskQueue = '${REAL_PREFIX}-${provider.name}' AND ExecutionStatus = 'Running' AND ` +
    `OnboardingState = 'action_required' AND OnboardingBlockedOn = 'customer'`;
  const othersWaitingAtStart = (await client.workflow.count(queueWaitingQuery)).count;
  ctx.log(`scale: ${othersWaitingAtStart} onboardings of earlier sections counted waiting at the start`);

  const workerBase = rssBytes(workerPid);
  const serverBase = rssBytes(serverPid);
  const held: string[] = [];
  const probed = new Set<string>();
  const points: ScalePoint[] = [];
  const failures: string[] = [];

  for (const level of budget.scaleLevels) {
    try {
      await holdLevel(level);
    } catch (err) {
      ctx.log(`  ✖ ${level}: ${err instanceof Error ? err.message : String(err)}`);
      failures.push(`${level}: ${err instanceof Error ? err.message : String(err)}`);
      break;
    }
  }
  return { provider: provider.name, points, failures };

  async function holdLevel(level: number): Promise<void> {
    const errors: string[] = [];
    const refs = Array.from(
      { length: Math.max(0, level - held.length) },
      (_, i) => `${HELD_REF_PREFIX}${held.length + i}`,
    );
    ctx.log(`scale: starting ${refs.length} onboardings (to ${level} waiting on the customer)`);
    const started = performance.now();
    let done = 0;
    const ids = await pool(refs, START_CONCURRENCY, async (customerRef) => {
      try {
        const id = await startLikeTheLibrary(client, provider, customerRef);
        done += 1;
        if (done % 1000 === 0) ctx.log(`  ${done} started`);
        return id;
      } catch (err) {
        if (errors.length < 5) errors.push(err instanceof Error ? err.message : String(err));
        return '';
      }
    });
    held.push(...ids.filter((id) => id !== ''));
    const startedSeconds = (performance.now() - started) / 1000;
    // Waiting on the customer = the status model says so (visibility), for every one of them. The hold ends when
    // all are, or when none more has become so for `scaleStallSeconds` (a straggler must not cost the whole budget).
    const holdDeadline = performance.now() + budget.scaleHoldSeconds * 1000;
    let waiting = 0;
    let lastProgress = performance.now();
    let holdEnded: ScalePoint['holdEnded'] = 'budget spent';
    while (performance.now() < holdDeadline) {
      const now = await countWaiting().catch(() => waiting);
      if (now > waiting) lastProgress = performance.now();
      waiting = Math.max(waiting, now);
      if (waiting >= held.length) {
        holdEnded = 'all waiting';
        break;
      }
      if (performance.now() - lastProgress > budget.scaleStallSeconds * 1000) {
        holdEnded = 'stalled';
        break;
      }
      await sleep(500);
    }
    const stragglers = waiting < held.length ? await describeStragglers() : [];
    if (waiting < held.length) {
      errors.push(`only ${waiting} of ${held.length} waiting (${holdEnded}): ${stragglers[0] ?? 'none identified'}`);
    }
    const secondsToHold = (performance.now() - started) / 1000;
    await sleep(2_000);
    const workerRss = rssBytes(workerPid);
    const serverRss = rssBytes(serverPid);

    // The earliest started are the ones surely waiting when the hold budget ran out.
    const fresh = held.filter((id) => !probed.has(id)).slice(0, Math.max(budget.scaleSignals, waiting));
    const targets = Array.from({ length: Math.min(budget.scaleSignals, fresh.length) }, () => {
      const pick = fresh.splice(Math.floor(Math.random() * fresh.length), 1)[0] as string;
      probed.add(pick);
      return pick;
    });
    const probe = await timeProbes({
      client,
      targets,
      what: 'event application.manual_review',
      count: targets.length,
      perSecond: 20,
      send: async (target) => {
        await client.workflow.getHandle(target).signal('providerEvent', {
          provider: provider.name,
          eventId: `scale-${randomUUID()}`,
          type: 'application.manual_review',
          refs: [],
          occurredAt: new Date().toISOString(),
          data: {},
        });
      },
    });
    const point: ScalePoint = {
      held: held.length,
      waiting,
      secondsToHold,
      holdEnded,
      stragglers,
      startsPerSecond: refs.length / Math.max(0.001, startedSeconds),
      workerRssBytes: workerRss,
      serverRssBytes: serverRss,
      workerBytesPerHeld: (workerRss - workerBase) / Math.max(1, held.length),
      serverBytesPerHeld: (serverRss - serverBase) / Math.max(1, held.length),
      signalP50Ms: percentile(probe.latenciesMs, 50),
      signalP99Ms: percentile(probe.latenciesMs, 99),
      signalsLost: probe.lost,
      errors: [...errors, ...probe.errors],
    };
    points.push(point);
    const othersWaitingNow = (await client.workflow.count(queueWaitingQuery)).count - (await countWaiting());
    if (othersWaitingNow !== othersWaitingAtStart) {
      ctx.log(
        `  onboardings of earlier sections counted waiting: ${othersWaitingAtStart} at the start, ${othersWaitingNow} now`,
      );
    }
    for (const line of stragglers) ctx.log(`  not waiting: ${line}`);
    ctx.log(
      `  ${point.held} waiting: ${point.secondsToHold.toFixed(1)} s to hold (${point.startsPerSecond.toFixed(0)} starts/s), ` +
        `worker ${(workerRss / 2 ** 20).toFixed(0)} MiB, server ${(serverRss / 2 ** 20).toFixed(0)} MiB, ` +
        `signal p50 ${point.signalP50Ms.toFixed(0)} ms p99 ${point.signalP99Ms.toFixed(0)} ms, lost ${point.signalsLost}` +
        (errors.length > 0 ? ` (${errors[0]})` : ''),
    );
  }

  /** The held onboardings visibility does not show waiting, each with its status, search attributes and last events. */
  async function describeStragglers(): Promise<string[]> {
    const waitingIds = new Set<string>();
    for await (const execution of client.workflow.list({ query: waitingQuery, pageSize: 1000 })) {
      waitingIds.add(execution.workflowId);
    }
    const missing = held.filter((id) => !waitingIds.has(id));
    return Promise.all(missing.slice(0, 5).map((id) => describeStraggler(client, id)));
  }
}

/** What one onboarding that never showed as waiting was doing: execution status, search attributes, status query, last events. */
async function describeStraggler(client: Client, workflowId: string): Promise<string> {
  const parts: string[] = [workflowId];
  const handle = client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    const attributes = Object.fromEntries(
      [SA_STATE, SA_STEP, SA_BLOCKED_ON].map((key) => [key.name, description.typedSearchAttributes.get(key)]),
    );
    parts.push(
      `${description.status.name}, visibility ${JSON.stringify(attributes)}, ${description.historyLength} events`,
    );
  } catch (err) {
    parts.push(`describe failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const view = await handle.query<{
      state?: string;
      step?: string;
      blockedOn?: string;
      pendingActions?: { action: string }[];
    }>('status');
    parts.push(
      `status ${view.state ?? '?'}/${view.step ?? '?'} blocked on ${view.blockedOn ?? '?'}, ` +
        `pending [${(view.pendingActions ?? []).map((a) => a.action).join(', ')}]`,
    );
  } catch (err) {
    parts.push(`status query failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const history = await handle.fetchHistory();
    const last = (history.events ?? []).slice(-4).map((event) => {
      const kind = Object.keys(event).find((key) => key.endsWith('EventAttributes')) ?? 'event';
      return kind.replace(/EventAttributes$/, '');
    });
    parts.push(`last events ${last.join(' → ')}`);
  } catch (err) {
    parts.push(`history failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parts.join('; ');
}
