/**
 * The Temporal server's own counters, scraped from the dev server's Prometheus endpoint (`--metrics-port`):
 * `action{action_type=…}` (the server's billable-action meter, the counter Temporal Cloud bills by) and the
 * frontend's `service_requests{operation=…}` (every gRPC round trip to the server) in the `default` namespace.
 * A phase's figure is the difference of two scrapes, divided by the onboardings of the phase.
 */
export type Counters = Record<string, number>;

/** Worker-side calls (polls, task completions, heartbeats): server work, but not round trips of a client. */
const WORKER_OPERATION = /^(Poll|Respond|RecordActivityTaskHeartbeat|ShutdownWorker|GetSystemInfo|DescribeNamespace)/;

export async function scrape(url: string): Promise<Counters> {
  const counters: Counters = {};
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
    for (const line of text.split('\n')) {
      const match = /^(action|service_requests)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
      if (!match) continue;
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
      );
      if (labels.namespace !== 'default') continue;
      let key: string | undefined;
      if (match[1] === 'action') key = `action:${labels.action_type ?? '?'}`;
      else if (labels.service_name === 'frontend') key = `request:${labels.operation ?? '?'}`;
      if (key) counters[key] = (counters[key] ?? 0) + Number(match[3]);
    }
  } catch {
    // No metrics: the figures read n/a.
  }
  return counters;
}

export function diff(before: Counters, after: Counters): Counters {
  const out: Counters = {};
  for (const key of Object.keys(after)) {
    const delta = (after[key] ?? 0) - (before[key] ?? 0);
    if (delta > 0) out[key] = delta;
  }
  return out;
}

export interface ServerCost {
  /** Billable actions per onboarding, by the server's own meter, and by type. */
  actions: number;
  actionsByType: Record<string, number>;
  /** Client round trips to the server per onboarding (frontend requests that are not a worker's), and by operation. */
  clientRequests: number;
  clientRequestsByOperation: Record<string, number>;
  /** Worker round trips (polls, task completions) per onboarding. */
  workerRequests: number;
}

export function costPer(delta: Counters, onboardings: number): ServerCost {
  const n = Math.max(1, onboardings);
  const cost: ServerCost = {
    actions: 0,
    actionsByType: {},
    clientRequests: 0,
    clientRequestsByOperation: {},
    workerRequests: 0,
  };
  for (const [key, value] of Object.entries(delta)) {
    const [kind, name = ''] = key.split(':');
    const per = value / n;
    if (kind === 'action') {
      cost.actions += per;
      cost.actionsByType[name.replace(/^grpc_/, '')] = per;
    } else if (WORKER_OPERATION.test(name)) cost.workerRequests += per;
    else {
      cost.clientRequests += per;
      cost.clientRequestsByOperation[name] = per;
    }
  }
  return cost;
}

/**
 * Scrapes until the server's action counters stop moving (the server reports its metrics on an interval, so the
 * last phase's actions can land a second late), at most `maxMs`: a phase's counters then hold its work only.
 */
export async function settledScrape(url: string, maxMs = 10_000): Promise<Counters> {
  const actions = (counters: Counters): string =>
    JSON.stringify(Object.entries(counters).filter(([key]) => key.startsWith('action:')));
  let last = await scrape(url);
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const now = await scrape(url);
    if (actions(now) === actions(last)) return now;
    last = now;
  }
  return last;
}
