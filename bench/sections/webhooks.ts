/**
 * Section 2: webhook intake. How many verified webhooks per second the gateway durably accepts (2xx only once
 * the delivery workflow is recorded), then the time from the webhook POST to the signal being handled in the
 * onboarding at 50% and 80% of that rate, with the count of lost ones; beside it, a direct client.signal of the
 * same event at the same rates.
 */
import { randomUUID } from 'node:crypto';
import type { BenchContext } from '../context.js';
import { jikoCustomer, signedJikoWebhook } from '../../scripts/customers/jiko.js';
import { closedLoop, percentile, pool, tailLabel } from '../stats.js';
import { gatewayCall, timeProbes, waitForStatus } from './common.js';
import { untilSettled } from './floor.js';

export interface LoadPoint {
  loadFraction: number;
  perSecond: number;
  sent: number;
  accepted: number;
  lost: number;
  /** POST → handled in the onboarding. `tailLabel`: 'p99' with ≥ 200 samples, else 'max of N'. */
  p50Ms: number;
  p99Ms: number;
  tailLabel: string;
  /** POST → our 200 (what the provider waits for); for the direct signal, the signal call's duration. */
  ackP50Ms: number;
  ackTailMs: number;
  ackTailLabel: string;
  errors: string[];
}

export interface WebhookResults {
  provider: string;
  capacityPerSecond: number;
  capacityRamp: { concurrency: number; perSecond: number; errors: number; meanAckMs: number }[];
  /** Why the ramp stopped: throughput stopped rising, errors, or the last level was reached. */
  capacityEnded: string;
  webhook: LoadPoint[];
  directSignal: LoadPoint[];
}

const PROBE_TYPE = 'application.manual_review';
const CAPACITY_LEVELS = [8, 16, 32, 64, 128, 256];
/** Each capacity step runs this long before its completions count (connections opened, caches warm). */
const CAPACITY_WARMUP_MS = 500;

/** The targets wait for documents (SSN 21…), so a routed event finds them through OnboardingRefs. */
const documentsCustomer = jikoCustomer.scenarios.documents;

export async function webhookIntake(ctx: BenchContext): Promise<WebhookResults> {
  const { stack, client, budget } = ctx;
  const secret = ctx.webhookSecrets.jiko ?? '';
  const post = async (eventType: string, payload: Record<string, unknown>): Promise<void> => {
    const { body, headers } = signedJikoWebhook(secret, eventType, payload, `bench-${randomUUID()}`);
    const response = await fetch(`${stack.gatewayUrl}/webhooks/jiko`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`webhook → ${response.status}`);
  };

  // Targets: onboardings whose application is created and that wait on the customer for documents (SSN 21…),
  // so a routed event finds them through OnboardingRefs.
  ctx.log(`webhooks: preparing ${budget.webhookTargets} onboardings waiting for documents`);
  const targets = await pool(
    Array.from({ length: budget.webhookTargets }, (_, i) => `wh-${i}`),
    8,
    async (customerRef) => {
      const started = await gatewayCall(
        `${stack.gatewayUrl}/v1/onboardings`,
        'POST',
        documentsCustomer.startBody(customerRef),
      );
      const id = started.onboardingId;
      const asked = await waitForStatus(client, id, (v) => (v.pendingActions?.length ?? 0) > 0);
      const pending = asked.pendingActions?.[0];
      const agreements = pending && documentsCustomer.answer({ action: pending.action, data: pending.data ?? {} });
      if (!agreements) throw new Error(`${id}: the scripted customer cannot answer ${pending?.action}`);
      await gatewayCall(
        `${stack.gatewayUrl}/v1/onboardings/${encodeURIComponent(id)}/actions/${agreements.action}`,
        'POST',
        agreements.body,
      );
      const waiting = await waitForStatus(client, id, (v) =>
        (v.pendingActions ?? []).some((action) => action.action === 'uploadDocuments'),
      );
      const applicationId = waiting.result?.applicationId;
      if (!applicationId) throw new Error(`${id}: no application id (state ${waiting.state})`);
      return { id, applicationId };
    },
  );
  const byId = new Map(targets.map((target) => [target.id, target.applicationId]));

  // Capacity on the path the load probes take: routable events (the targets' application ids), so each goes the
  // direct way (visibility lookup + signal) and is handled by its onboarding; the ramp runs until it saturates.
  ctx.log('webhooks: capacity of the direct path (verified, routed, signalled, acknowledged)');
  let next = 0;
  const capacityRamp: WebhookResults['capacityRamp'] = [];
  let capacity = 0;
  let capacityEnded = `the last level (${CAPACITY_LEVELS[CAPACITY_LEVELS.length - 1]}) still rose`;
  for (const concurrency of CAPACITY_LEVELS) {
    await untilSettled(ctx, 'real', 30_000);
    const step = await closedLoop(
      concurrency,
      budget.webhookCapacitySeconds * 1000 + CAPACITY_WARMUP_MS,
      () =>
        post(PROBE_TYPE, {
          application_id: (targets[(next += 1) % targets.length] as { applicationId: string }).applicationId,
        }),
      CAPACITY_WARMUP_MS,
    );
    const perSecond = step.completedInWindow / budget.webhookCapacitySeconds;
    capacityRamp.push({ concurrency, perSecond, errors: step.errors.length, meanAckMs: step.meanDurationMs });
    ctx.log(
      `  concurrency ${concurrency}: ${perSecond.toFixed(0)}/s, mean ack ${step.meanDurationMs.toFixed(0)} ms` +
        (step.errors.length ? `, ${step.errors.length} errors: ${step.errors[0]}` : ''),
    );
    // Saturated: errors (more than 1 % of the answers), or less than 5 % more throughput than the best step so far.
    if (step.errors.length > 0.01 * Math.max(1, step.results.length)) {
      capacityEnded = `errors at concurrency ${concurrency}`;
      break;
    }
    const rose = perSecond > capacity * 1.05;
    capacity = Math.max(capacity, perSecond);
    if (!rose) {
      capacityEnded = `throughput rose by less than 5 % at concurrency ${concurrency}`;
      break;
    }
  }
  ctx.log(`  capacity ${capacity.toFixed(0)}/s (${capacityEnded})`);

  const point = async (loadFraction: number, direct: boolean): Promise<LoadPoint> => {
    await untilSettled(ctx, 'real', 60_000);
    const perSecond = Math.max(1, capacity * loadFraction);
    const count = Math.max(10, Math.round(perSecond * budget.webhookLoadSeconds));
    const acks: number[] = [];
    const result = await timeProbes({
      client,
      targets: targets.map((target) => target.id),
      what: `event ${PROBE_TYPE}`,
      count,
      perSecond,
      send: async (target) => {
        const applicationId = byId.get(target) as string;
        const sent = performance.now();
        if (!direct) {
          await post(PROBE_TYPE, { application_id: applicationId });
          acks.push(performance.now() - sent);
          return;
        }
        await client.workflow.getHandle(target).signal('providerEvent', {
          provider: 'jiko',
          eventId: `direct-${randomUUID()}`,
          type: PROBE_TYPE,
          refs: [`jiko:application:${applicationId}`],
          occurredAt: new Date().toISOString(),
          data: { application_id: applicationId },
        });
        acks.push(performance.now() - sent);
      },
    });
    const tail = tailLabel(result.latenciesMs);
    const ackTail = tailLabel(acks);
    const summary: LoadPoint = {
      loadFraction,
      perSecond,
      sent: result.sent,
      accepted: result.accepted,
      lost: result.lost,
      p50Ms: percentile(result.latenciesMs, 50),
      p99Ms: tail.ms,
      tailLabel: tail.label,
      ackP50Ms: percentile(acks, 50),
      ackTailMs: ackTail.ms,
      ackTailLabel: ackTail.label,
      errors: result.errors,
    };
    ctx.log(
      `  ${direct ? 'direct signal' : 'webhook'} at ${(loadFraction * 100).toFixed(0)}% (${perSecond.toFixed(0)}/s): ` +
        `handled p50 ${summary.p50Ms.toFixed(0)} ms, ${tail.label} ${summary.p99Ms.toFixed(0)} ms; ` +
        `ack p50 ${summary.ackP50Ms.toFixed(0)} ms, ${ackTail.label} ${summary.ackTailMs.toFixed(0)} ms; lost ${summary.lost}/${summary.sent}`,
    );
    return summary;
  };

  ctx.log('webhooks: POST → signal handled, at 50% and 80% of capacity');
  const webhook: LoadPoint[] = [];
  const directSignal: LoadPoint[] = [];
  for (const fraction of [0.5, 0.8]) {
    webhook.push(await point(fraction, false));
    directSignal.push(await point(fraction, true));
  }
  // Deliveries accepted faster than they are routed are still queued: let them drain before the next section.
  ctx.log('webhooks: waiting for the accepted deliveries to drain');
  await untilSettled(ctx, 'real', 180_000);
  await pool(targets, 16, (target) =>
    client.workflow
      .getHandle(target.id)
      .terminate('bench: webhook probe done')
      .catch(() => undefined),
  );
  return { provider: 'jiko', capacityPerSecond: capacity, capacityRamp, capacityEnded, webhook, directSignal };
}
