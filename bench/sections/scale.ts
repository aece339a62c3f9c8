/**
 * Section 3: the scale of waiting. Holds N onboardings open waiting on the customer (N cumulative: 1,000 then
 * 10,000 by default), and at each N reports the time to get them all waiting, the memory of the worker and the
 * server per held onboarding, and the p99 of a signal (send → handled in the workflow) to held onboardings.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { providerDefinition } from '../../client/providers.js';
import { taskQueueFor } from '../../common/config.js';
import { SA_PROVIDER, SA_STATE, onboardingWorkflowId } from '../../workflows/contract.js';
import type { OnboardingInput, Provider } from '../../workflows/contract.js';
import type { BenchContext } from '../context.js';
import type { BenchProvider } from '../providers.js';
import { rssBytes } from '../proc.js';
import { REAL_PREFIX } from '../stack.js';
import { percentile, pool, sleep } from '../stats.js';
import { timeProbes } from './common.js';

export interface ScalePoint {
  /** Onboardings started so far. */
  held: number;
  /** How many of them visibility showed waiting on the customer when the hold budget ran out (= held if all). */
  waiting: number;
  /** Seconds from the first start of this level to every onboarding of the level waiting on the customer. */
  secondsToHold: number;
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
 * The start the client library makes (same workflow type, id, task queue, input, search attributes), without its
 * read-back of the status: at 10,000 the read-back's query would measure the start path, not the holding.
 */
async function startLikeTheLibrary(client: Client, provider: BenchProvider, customerRef: string): Promise<string> {
  const definition = providerDefinition(provider.name);
  if (!definition) throw new Error(`no client definition for ${provider.name}`);
  const body = provider.startBody(customerRef) as { applicant: OnboardingInput['applicant'] } & Record<string, unknown>;
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
    taskQueue: taskQueueFor({ TASK_QUEUE_PREFIX: REAL_PREFIX }, name),
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
  const waitingQuery =
    `TaskQueue = '${REAL_PREFIX}-${provider.name}' AND ExecutionStatus = 'Running' AND ` +
    `OnboardingState = 'action_required' AND OnboardingBlockedOn = 'customer'`;
  const countWaiting = async (): Promise<number> => (await client.workflow.count(waitingQuery)).count;

  const baseWaiting = await countWaiting();
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
    const refs = Array.from({ length: Math.max(0, level - held.length) }, (_, i) => `s${held.length + i}`);
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
    // Waiting on the customer = the status model says so (visibility), for every one of them.
    const holdDeadline = performance.now() + budget.scaleHoldSeconds * 1000;
    let waiting = 0;
    while (performance.now() < holdDeadline) {
      waiting = Math.max(0, (await countWaiting().catch(() => 0)) - baseWaiting);
      if (waiting >= held.length) break;
      await sleep(500);
    }
    if (waiting < held.length) {
      errors.push(`only ${waiting} of ${held.length} waiting after ${budget.scaleHoldSeconds} s (the hold budget)`);
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
    ctx.log(
      `  ${point.held} waiting: ${point.secondsToHold.toFixed(1)} s to hold (${point.startsPerSecond.toFixed(0)} starts/s), ` +
        `worker ${(workerRss / 2 ** 20).toFixed(0)} MiB, server ${(serverRss / 2 ** 20).toFixed(0)} MiB, ` +
        `signal p50 ${point.signalP50Ms.toFixed(0)} ms p99 ${point.signalP99Ms.toFixed(0)} ms, lost ${point.signalsLost}` +
        (errors.length > 0 ? ` (${errors[0]})` : ''),
    );
  }
}
