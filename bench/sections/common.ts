/** Helpers the webhook and scale sections share: holding onboardings open, and timing signal → handled. */
import type { Client } from '@temporalio/client';
import { BENCH_API_KEY } from '../stack.js';
import { pool, sleep } from '../stats.js';

export interface TimelineView {
  state?: string;
  pendingActions?: { action: string; data?: Record<string, unknown> }[];
  result?: Record<string, string>;
  timeline?: { at: string; actor: string; what: string }[];
}

export async function gatewayCall(
  url: string,
  method: string,
  body?: unknown,
): Promise<TimelineView & { onboardingId: string }> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${BENCH_API_KEY}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${new URL(url).pathname} → ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as TimelineView & { onboardingId: string };
}

export async function status(client: Client, id: string): Promise<TimelineView> {
  return client.workflow.getHandle(id).query<TimelineView>('status');
}

/** Polls the status until `until` holds (or gives up after `timeoutMs`). */
export async function waitForStatus(
  client: Client,
  id: string,
  until: (view: TimelineView) => boolean,
  timeoutMs = 60_000,
): Promise<TimelineView> {
  const deadline = Date.now() + timeoutMs;
  let last: TimelineView = {};
  for (;;) {
    try {
      last = await status(client, id);
      if (until(last)) return last;
    } catch (err) {
      // An overloaded server or an evicted workflow replaying may miss the query deadline: ask again.
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) return last;
    await sleep(100);
  }
}

/** Workflow time of each timeline entry `what`, in order. */
export function entriesAt(view: TimelineView, what: string): number[] {
  return (view.timeline ?? []).filter((entry) => entry.what === what).map((entry) => Date.parse(entry.at));
}

/**
 * Sends probes and times each one from its send to its timeline entry in the target onboarding (the workflow's
 * clock when it handled the signal). `send(target, index)` returns once the probe is accepted.
 */
export async function timeProbes(options: {
  client: Client;
  targets: string[];
  what: string;
  count: number;
  perSecond: number;
  send: (target: string, index: number) => Promise<void>;
  settleMs?: number;
}): Promise<{
  latenciesMs: number[];
  sent: number;
  accepted: number;
  lost: number;
  errors: string[];
  elapsedMs: number;
}> {
  const { client, targets, what } = options;
  const baseline = new Map<string, number>();
  await pool(targets, 8, async (target) =>
    baseline.set(target, entriesAt(await waitForStatus(client, target, () => true), what).length),
  );
  const sentAt = new Map<string, number[]>();
  const errors: string[] = [];
  let accepted = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const due = started + (index * 1000) / options.perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const target = targets[index % targets.length] as string;
    const at = Date.now();
    const list = sentAt.get(target) ?? [];
    list.push(at);
    sentAt.set(target, list);
    inFlight.push(
      options.send(target, index).then(
        () => {
          accepted += 1;
        },
        (err: unknown) => {
          errors.push(err instanceof Error ? err.message : String(err));
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  const latenciesMs: number[] = [];
  let lost = 0;
  const deadline = Date.now() + (options.settleMs ?? 30_000);
  await pool([...sentAt.entries()], 8, async ([target, sends]) => {
    const want = (baseline.get(target) ?? 0) + sends.length;
    const view = await waitForStatus(
      client,
      target,
      (v) => entriesAt(v, what).length >= want,
      Math.max(1_000, deadline - Date.now()),
    );
    const handled = entriesAt(view, what).slice(baseline.get(target) ?? 0);
    // Probes to one target are spaced far apart, so they are handled in the order they were sent.
    sends.forEach((sent, k) => {
      const at = handled[k];
      if (at === undefined) lost += 1;
      else latenciesMs.push(Math.max(0, at - sent));
    });
  });
  return { latenciesMs, sent: options.count, accepted, lost, errors: errors.slice(0, 5), elapsedMs };
}
