/**
 * The simulated customer: starts an onboarding through the gateway's HTTP API, watches its status, acts at once on
 * every pending action (POST /v1/onboardings/:id/actions/:action), the same on both sides (the floor's provider
 * events come from its worker, as the real side's come from the sandbox). Completion is seen through a long poll on
 * the workflow's result (one call, no polling), so latency is start request → workflow closed.
 */
import type { Client } from '@temporalio/client';
import type { BenchProvider } from './providers.js';
import { BENCH_API_KEY } from './stack.js';

export type Side = 'real' | 'floor';

export interface OnboardingRun {
  onboardingId: string;
  latencyMs: number;
  state: string;
  /** The pending actions the customer acted on, in order, with the data they showed. */
  actions: { action: string; data: Record<string, unknown> }[];
  /** HTTP requests the customer made to the gateway (start, status reads, actions). */
  httpRequests: number;
}

interface StatusView {
  onboardingId: string;
  state: string;
  pendingActions?: { action: string; data?: Record<string, unknown> }[];
}

const FINAL = new Set(['completed', 'rejected', 'failed', 'cancelled', 'expired']);
/** The customer looks again after 10 ms, then backs off to 160 ms; an action taken starts it over. */
const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 160;

export class GatewayError extends Error {
  override name = 'GatewayError';
}

async function call(
  url: string,
  init: { method: string; body?: string; headers?: Record<string, string> },
): Promise<unknown> {
  const response = await fetch(url, {
    method: init.method,
    headers: {
      authorization: `Bearer ${BENCH_API_KEY}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new GatewayError(`${init.method} ${new URL(url).pathname} → ${response.status}: ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export interface CustomerOptions {
  client: Client;
  gatewayUrl: string;
  provider: BenchProvider;
  side: Side;
  timeoutMs?: number;
  /** Latency counts from here (performance.now()): an open loop's scheduled start, not the call's. */
  scheduledAt?: number;
}

export async function runOnboarding(options: CustomerOptions, customerRef: string): Promise<OnboardingRun> {
  const { client, gatewayUrl, provider, side } = options;
  const started = options.scheduledAt ?? performance.now();
  let httpRequests = 1;
  const status = (await call(`${gatewayUrl}/v1/onboardings`, {
    method: 'POST',
    body: JSON.stringify(provider.scenario.startBody(customerRef)),
  })) as StatusView;
  const id = status.onboardingId;
  const path = `${gatewayUrl}/v1/onboardings/${encodeURIComponent(id)}`;
  let closed = false;
  const result = client.workflow
    .getHandle(id)
    .result()
    .finally(() => {
      closed = true;
    });
  const acted = new Set<string>();
  const actions: OnboardingRun['actions'] = [];
  let pollMs = POLL_FIRST_MS;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let view: StatusView = status;
  const customer = (async () => {
    while (!closed && !FINAL.has(view.state)) {
      if (Date.now() > deadline) throw new Error(`${id} did not finish in time (state ${view.state})`);
      const pending = view.pendingActions?.[0];
      // Acting twice on the same pending action (the status may lag one poll behind an accepted Update) is a 409.
      const key = pending ? `${pending.action}#${JSON.stringify(pending.data ?? {})}` : '';
      if (pending && !acted.has(key)) {
        acted.add(key);
        actions.push({ action: pending.action, data: pending.data ?? {} });
        const ask = { action: pending.action, data: pending.data ?? {} };
        const answer = provider.scenario.answer(ask);
        const elsewhere = answer ? undefined : provider.scenario.actElsewhere?.(ask);
        if (elsewhere) {
          // The customer acts at the provider (a hosted page): nothing is sent to our API; the onboarding moves on
          // when the provider's event (or a poll) tells it.
          await elsewhere.act();
          continue;
        }
        if (!answer) throw new Error(`${side} ${id}: the scripted customer cannot answer the action ${pending.action}`);
        httpRequests += 1;
        view = (await call(`${path}/actions/${answer.action}`, {
          method: 'POST',
          body: JSON.stringify(answer.body),
        })) as StatusView;
        pollMs = POLL_FIRST_MS;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      pollMs = Math.min(POLL_MAX_MS, pollMs * 2);
      if (closed) break;
      httpRequests += 1;
      view = (await call(path, { method: 'GET' })) as StatusView;
    }
  })();
  const [final] = await Promise.all([result, customer]);
  const latencyMs = performance.now() - started;
  const state = typeof final === 'object' && final !== null ? String((final as StatusView).state) : 'unknown';
  return { onboardingId: id, latencyMs, state, actions, httpRequests };
}
