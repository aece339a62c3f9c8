/**
 * The load scenarios: the same customers (chaos/load.ts) under one fault each, judged by the sandbox audit
 * (completed / lost / duplicated), the gateway's 5xx answers, and the histories' timeouts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { auditVerdict, auditWatermark } from './audit.js';
import { historyFigures } from './histories.js';
import type { TimeoutRecord } from './histories.js';
import { runLoad } from './load.js';
import type { LoadSpec, PiiMarks } from './load.js';
import type { ChaosStack } from './stack.js';

export interface ScenarioContext {
  stack: ChaosStack;
  quick: boolean;
  marks: PiiMarks[];
  log: (line: string) => void;
  /** Plaintext PII found in raw histories, over every scenario (reported by the PII scan). */
  historyPii: string[];
  /** Every activity timeout seen, for the tail analysis. */
  timeouts: (TimeoutRecord & { scenario: string })[];
}

export interface ScenarioResult {
  name: string;
  load: string;
  fault: string;
  outcome: string;
  ok: boolean;
  completed?: number;
  lost?: number;
  duplicated?: number;
  seconds: number;
  http5xx?: number;
  activityTimeouts?: string;
  workflowTaskTimeouts?: string;
  notes: string[];
}

export interface LoadScenario {
  name: string;
  fault: string;
  size: 'standard' | 'medium';
  /** Runs beside the load; `done()` turns true once every onboarding has finished (or the deadline passed). */
  during?(ctx: ScenarioContext, done: () => boolean): Promise<string[] | void>;
}

const SIZES: Record<'quick' | 'standard' | 'medium', LoadSpec> = {
  quick: { jiko: 8, netspend: 4, greendot: 2, linkcy: 2 },
  standard: { jiko: 50, netspend: 20, greendot: 10, linkcy: 10 },
  medium: { jiko: 20, netspend: 10, greendot: 5, linkcy: 5 },
};

const describeSpec = (spec: LoadSpec): string =>
  Object.entries(spec)
    .map(([provider, count]) => `${count} ${provider}`)
    .join(' + ');

const random = (min: number, max: number): number => min + Math.random() * (max - min);

export async function setFaults(sandboxUrl: string, providers: string[], config: Record<string, unknown> | null) {
  for (const provider of providers) {
    const response = await fetch(`${sandboxUrl}/_sandbox/faults/${provider}`, {
      method: config ? 'PUT' : 'DELETE',
      ...(config ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) } : {}),
    });
    if (!response.ok) throw new Error(`sandbox faults for ${provider}: ${response.status} ${await response.text()}`);
  }
}

export async function runLoadScenario(ctx: ScenarioContext, scenario: LoadScenario): Promise<ScenarioResult> {
  const { stack, log } = ctx;
  const spec = ctx.quick ? SIZES.quick : SIZES[scenario.size];
  const load = `${describeSpec(spec)}${stack.workers > 1 ? ` (${stack.workers} workers)` : ''}`;
  log(`▶ ${scenario.name}: ${load}; ${scenario.fault}`);
  const sinceIso = new Date(Date.now() - 1000).toISOString();
  const watermark = await auditWatermark(stack.sandboxUrl);
  let finished = false;
  const loadRun = runLoad(stack, spec, {
    label: scenario.name,
    deadlineMs: ctx.quick ? 240_000 : 420_000,
    marks: ctx.marks,
    log,
  }).finally(() => {
    finished = true;
  });
  const faultNotes = scenario.during ? scenario.during(ctx, () => finished) : Promise.resolve();
  const [run, notes] = await Promise.all([loadRun, faultNotes]);
  const verdict = await auditVerdict(stack.sandboxUrl, run.outcomes, watermark);
  // What did not finish must not create anything during the next scenario (its audit would count it).
  const unfinished = new Set(run.outcomes.filter((o) => o.state === 'unfinished').map((o) => o.onboardingId));
  const terminated = unfinished.size > 0 ? await terminateRunning(stack, sinceIso, unfinished) : 0;
  // The deliveries and webhook-routing workflows of these onboardings end a little after them.
  await delay(2_000);
  const figures = await historyFigures(stack.temporalAddress, stack.namespace, sinceIso, ctx.marks);
  ctx.historyPii.push(...figures.piiFindings);
  ctx.timeouts.push(...figures.timeouts.map((record) => ({ ...record, scenario: scenario.name })));
  const byType = new Map<string, number>();
  for (const record of figures.timeouts) byType.set(record.timeoutType, (byType.get(record.timeoutType) ?? 0) + 1);
  const activityTimeouts =
    figures.activityTimeouts === 0
      ? `0 of ${figures.activityTasks}`
      : `${figures.activityTimeouts} of ${figures.activityTasks} (${[...byType].map(([type, n]) => `${n} ${type.replace('TIMEOUT_TYPE_', '')}`).join(', ')})`;
  const ok = verdict.lost === 0 && verdict.duplicated === 0;
  const result: ScenarioResult = {
    name: scenario.name,
    load,
    fault: scenario.fault,
    outcome: ok ? 'pass' : 'FAIL',
    ok,
    completed: verdict.completed,
    lost: verdict.lost,
    duplicated: verdict.duplicated,
    seconds: Math.round(run.durationMs / 1000),
    http5xx: run.http5xx,
    activityTimeouts,
    workflowTaskTimeouts:
      figures.workflowTaskTimeouts === 0
        ? '0'
        : `${figures.workflowTaskTimeouts} (${Object.entries(figures.workflowTaskTimeoutTypes)
            .map(([type, n]) => `${n} ${type}`)
            .join(', ')})`,
    notes: [
      ...(notes ?? []),
      ...(terminated > 0 ? [`${terminated} workflows still running at the deadline were terminated`] : []),
      ...(run.unreachable > 0
        ? [`${run.unreachable} calls got no answer (refused, reset or 30 s without one; retried)`]
        : []),
      ...(run.http5xx > 0
        ? [
            `5xx: ${Object.entries(run.http5xxBy)
              .map(([what, n]) => `${n}× ${what}`)
              .join(', ')}`,
          ]
        : []),
      ...verdict.details,
    ],
  };
  log(
    `${ok ? '✔' : '✖'} ${scenario.name}: ${verdict.completed} completed, ${verdict.lost} lost, ${verdict.duplicated} duplicated, ${result.seconds}s, ${run.http5xx} 5xx, activity timeouts ${activityTimeouts}, workflow-task timeouts ${result.workflowTaskTimeouts}`,
  );
  for (const note of result.notes) log(`    ${note}`);
  return result;
}

const ALL_PROVIDERS = Object.keys(SIZES.standard);

/** Terminates the onboardings of `ids` still running (visibility may lag: a finished one is never touched). */
async function terminateRunning(stack: ChaosStack, sinceIso: string, ids: Set<string>): Promise<number> {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    const { executions } = await connection.workflowService.listWorkflowExecutions({
      namespace: stack.namespace,
      query: `ExecutionStatus = "Running" AND StartTime >= "${sinceIso}" AND WorkflowId STARTS_WITH "onboarding:"`,
      pageSize: 1000,
    });
    const mine = (executions ?? []).filter((execution) => ids.has(execution.execution?.workflowId ?? ''));
    for (const execution of mine) {
      await connection.workflowService
        .terminateWorkflowExecution({
          namespace: stack.namespace,
          workflowExecution: execution.execution,
          reason: 'chaos: scenario deadline',
        })
        .catch(() => undefined);
    }
    return mine.length;
  } finally {
    await connection.close();
  }
}

export const LOAD_SCENARIOS: LoadScenario[] = [
  { name: 'baseline', fault: 'none', size: 'standard' },
  {
    name: 'worker-kill9',
    fault: 'worker kill -9 at a random point, restarted after 10 s',
    size: 'standard',
    async during(ctx) {
      const index = Math.floor(Math.random() * ctx.stack.workers);
      const at = random(ctx.quick ? 2 : 4, ctx.quick ? 6 : 15);
      await delay(at * 1000);
      await ctx.stack.killWorker(index, 'SIGKILL');
      ctx.log(`  worker ${index} killed (-9) at ${at.toFixed(1)}s`);
      await delay(10_000);
      await ctx.stack.startWorker(index);
      ctx.log(`  worker ${index} restarted`);
      return [`worker ${index} kill -9 at ${at.toFixed(1)} s, back 10 s later`];
    },
  },
  ...(['clean', 'kill9'] as const).map((mode): LoadScenario => ({
    name: `temporal-restart-${mode}`,
    fault: `Temporal ${mode === 'clean' ? 'stopped (SIGTERM)' : 'killed (-9)'} at a random point and started again on its data`,
    size: 'medium',
    async during(ctx) {
      const at = random(ctx.quick ? 2 : 3, ctx.quick ? 5 : 10);
      await delay(at * 1000);
      const started = Date.now();
      await ctx.stack.restartTemporal(mode);
      const back = ((Date.now() - started) / 1000).toFixed(1);
      ctx.log(`  Temporal restarted (${mode}) at ${at.toFixed(1)}s, serving again after ${back}s`);
      return [`Temporal ${mode} restart at ${at.toFixed(1)} s, serving again after ${back} s`];
    },
  })),
  {
    name: 'provider-faults',
    fault:
      'every provider, for 2 min (quick: 1), then healed: 20% 5xx, 5% timeouts (12 s hang), 10% lost responses, a burst of 10 429s every 8 s',
    size: 'medium',
    async during(ctx, done) {
      const { sandboxUrl } = ctx.stack;
      await setFaults(sandboxUrl, ALL_PROVIDERS, {
        errorRate: 0.2,
        timeoutRate: 0.05,
        timeoutMs: 12_000,
        lostResponseRate: 0.1,
      });
      let bursts = 0;
      // Faults for a window, then healed: the onboardings must all finish afterwards (retries back off up to 60 s).
      const healAt = Date.now() + (ctx.quick ? 60_000 : 120_000);
      try {
        while (!done() && Date.now() < healAt) {
          await delay(8_000);
          for (const provider of ALL_PROVIDERS) {
            await fetch(`${sandboxUrl}/_sandbox/faults/${provider}`, {
              method: 'PATCH',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ rateLimitNextRequests: 10, retryAfterSeconds: 1 }),
            });
          }
          bursts += 1;
        }
        const stats = await Promise.all(
          ALL_PROVIDERS.map(async (provider) => {
            const body = (await (await fetch(`${sandboxUrl}/_sandbox/faults/${provider}`)).json()) as {
              stats: Record<string, number>;
            };
            return `${provider} ${body.stats.errors ?? 0}×5xx ${body.stats.timeouts ?? 0}×timeout ${body.stats.lostResponses ?? 0}×lost ${body.stats.rateLimited ?? 0}×429`;
          }),
        );
        return [`injected for ${ctx.quick ? 60 : 120} s, then healed: ${stats.join('; ')} (${bursts} bursts)`];
      } finally {
        await setFaults(sandboxUrl, ALL_PROVIDERS, null);
      }
    },
  },
  {
    name: 'webhook-faults',
    fault: 'every webhook duplicated (×2), held 1 s and delivered newest-first, delayed 1.5 s; 30% dropped',
    size: 'medium',
    async during(ctx, done) {
      const { sandboxUrl } = ctx.stack;
      await setFaults(sandboxUrl, ALL_PROVIDERS, {
        webhookDuplicateRate: 1,
        webhookReorder: true,
        webhookReorderWindowMs: 1_000,
        webhookDelayMs: 1_500,
        webhookDropRate: 0.3,
      });
      try {
        while (!done()) await delay(1_000);
        const stats = await Promise.all(
          ALL_PROVIDERS.map(async (provider) => {
            const body = (await (await fetch(`${sandboxUrl}/_sandbox/faults/${provider}`)).json()) as {
              stats: Record<string, number>;
            };
            return `${provider} ${body.stats.webhooksDuplicated ?? 0} duplicated, ${body.stats.webhooksDropped ?? 0} dropped`;
          }),
        );
        return [`injected: ${stats.join('; ')}`];
      } finally {
        await setFaults(sandboxUrl, ALL_PROVIDERS, null);
      }
    },
  },
  {
    name: 'gateway-down',
    fault: "every gateway stopped for 20 s (past the sandbox's 4 webhook attempts, 0.5-2 s apart): polling must finish",
    size: 'medium',
    async during(ctx) {
      const at = random(3, 8);
      await delay(at * 1000);
      const gateways = ctx.stack.gatewayUrls.map((_, index) => index);
      await Promise.all(gateways.map((index) => ctx.stack.killGateway(index, 'SIGKILL')));
      ctx.log(`  gateways down at ${at.toFixed(1)}s`);
      await delay(20_000);
      await Promise.all(gateways.map((index) => ctx.stack.startGateway(index)));
      ctx.log('  gateways back');
      const response = await fetch(`${ctx.stack.sandboxUrl}/_sandbox/webhooks`);
      const { items } = (await response.json()) as { items: { state: string }[] };
      const failed = items.filter((item) => item.state === 'failed').length;
      return [
        `gateways down (-9) from ${at.toFixed(1)} s for 20 s; ${failed} webhook deliveries gave up after their attempts`,
      ];
    },
  },
];
