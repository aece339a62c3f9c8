/**
 * Finding and signalling the onboarding(s) a provider event concerns: one place for both paths that route events,
 * the gateway's direct path (client/webhooks/intake.ts) and the delivery workflow's activity
 * (./activities.ts). Plain Temporal client calls, no activity context, so the gateway can use it as is.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { providerEventSignal } from '../contract/onboarding.js';
import type { ProviderEvent } from '../contract/onboarding.js';
import type { RouteResult } from '../contract/webhook-delivery.js';

/** Refs are `provider:kind:id`; anything else never reaches a visibility query. */
const REF_PATTERN = /^[a-z]+:[A-Za-z0-9_-]+:[A-Za-z0-9_.:-]{1,128}$/;

export function hasRoutableRef(event: Pick<ProviderEvent, 'refs'>): boolean {
  return event.refs.some((ref) => REF_PATTERN.test(ref));
}

/** The visibility query that finds every onboarding (open or closed) carrying one of the refs. */
export function onboardingsByRefsQuery(event: Pick<ProviderEvent, 'provider' | 'refs'>): string {
  const refs = event.refs.filter((ref) => REF_PATTERN.test(ref));
  if (refs.length === 0) throw new Error('no routable ref');
  const list = refs.map((ref) => `'${ref}'`).join(', ');
  return `OnboardingProvider = '${event.provider}' AND OnboardingRefs IN (${list})`;
}

export interface OnboardingMatches {
  running: string[];
  closed: string[];
}

/** Every onboarding whose OnboardingRefs contain one of the event's refs, split by whether it still runs. */
export async function findOnboardingsByRefs(client: Client, event: ProviderEvent): Promise<OnboardingMatches> {
  const running = new Set<string>();
  const closed = new Set<string>();
  for await (const execution of client.workflow.list({ query: onboardingsByRefsQuery(event) })) {
    if (execution.status.name === 'RUNNING') running.add(execution.workflowId);
    else closed.add(execution.workflowId);
  }
  return { running: [...running], closed: [...closed] };
}

/**
 * Signals the event to each running match. Once the server accepts a signal it is in that onboarding's history:
 * durable. An onboarding that finished between the listing and the signal moves to `closed`; any other error is
 * thrown (the onboarding dedupes by eventId, so a caller that retries and signals twice does no harm).
 */
export async function signalOnboardings(
  client: Client,
  event: ProviderEvent,
  matches: OnboardingMatches,
): Promise<RouteResult> {
  const signalled: string[] = [];
  const closed = new Set(matches.closed);
  for (const workflowId of matches.running) {
    try {
      await client.workflow.getHandle(workflowId).signal(providerEventSignal, event);
      signalled.push(workflowId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) closed.add(workflowId);
      else throw err;
    }
  }
  return { signalled, closed: [...closed] };
}

/** How many ref sets the gateway remembers, and for how long: see OnboardingRouteCache. */
export const ROUTE_CACHE_MAX_ENTRIES = 10_000;
export const ROUTE_CACHE_TTL_MS = 10 * 60_000;

/**
 * The running onboarding a visibility query for an event's refs found, remembered so that the next webhook with the
 * same refs is signalled without asking visibility again (the query is most of a routed webhook's time).
 *
 * Only positive, unambiguous answers are kept: exactly one running onboarding, which accepted the signal. Such a
 * mapping does not go stale while the onboarding runs, because a provider ref, once recorded, stays in that
 * onboarding's OnboardingRefs (refs are only added, and carried across continue-as-new under the same workflow id).
 * When the onboarding closes, the signal to it fails with WorkflowNotFoundError: the entry is forgotten and the
 * event takes the visibility query, as if it had never been cached. Entries expire after `ttlMs`, which also bounds
 * how long a second onboarding that came to carry the same refs would go unsignalled (the providers create their
 * refs per onboarding, so this is not expected); the least recently used entry goes first past `maxEntries`.
 * Keys and values are refs and workflow ids only (no PII, as in OnboardingRefs).
 */
export class OnboardingRouteCache {
  private readonly entries = new Map<string, { workflowId: string; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: { maxEntries?: number; ttlMs?: number; now?: () => number } = {}) {
    this.maxEntries = options.maxEntries ?? ROUTE_CACHE_MAX_ENTRIES;
    this.ttlMs = options.ttlMs ?? ROUTE_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new Error(`OnboardingRouteCache: maxEntries must be a positive integer, got ${this.maxEntries}`);
    }
    if (!(this.ttlMs > 0)) throw new Error(`OnboardingRouteCache: ttlMs must be positive, got ${this.ttlMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The onboarding to signal for the event's refs, or undefined (never seen, expired or forgotten). */
  get(event: Pick<ProviderEvent, 'provider' | 'refs'>): string | undefined {
    const key = routeKey(event);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order, so the first key is the least recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.workflowId;
  }

  /** Keeps the answer of a visibility query when it is one running onboarding that was signalled; else nothing. */
  remember(event: Pick<ProviderEvent, 'provider' | 'refs'>, matches: OnboardingMatches, routed: RouteResult): void {
    const [only] = matches.running;
    if (matches.running.length !== 1 || only === undefined || !routed.signalled.includes(only)) return;
    const key = routeKey(event);
    this.entries.delete(key);
    this.entries.set(key, { workflowId: only, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  forget(event: Pick<ProviderEvent, 'provider' | 'refs'>): void {
    this.entries.delete(routeKey(event));
  }
}

/** The provider and its routable refs, order-independent: what the visibility query asks. */
function routeKey(event: Pick<ProviderEvent, 'provider' | 'refs'>): string {
  const refs = [...new Set(event.refs.filter((ref) => REF_PATTERN.test(ref)))].sort();
  return `${event.provider}\n${refs.join('\n')}`;
}

/**
 * The gateway's direct path: the cached onboarding for the event's refs is signalled at once; on a miss, or when
 * it has closed or is gone (WorkflowNotFoundError), visibility is asked as without a cache, and an unambiguous
 * answer is remembered. Any other error is thrown (the caller falls back to the delivery workflow).
 */
export async function routeByRefs(
  client: Client,
  event: ProviderEvent,
  cache: OnboardingRouteCache | undefined,
): Promise<RouteResult & { cached: boolean }> {
  const cachedId = cache?.get(event);
  if (cache && cachedId !== undefined) {
    const routed = await signalOnboardings(client, event, { running: [cachedId], closed: [] });
    if (routed.signalled.length > 0) return { ...routed, cached: true };
    cache.forget(event);
  }
  const matches = await findOnboardingsByRefs(client, event);
  const routed: RouteResult =
    matches.running.length > 0
      ? await signalOnboardings(client, event, matches)
      : { signalled: [], closed: matches.closed };
  cache?.remember(event, matches, routed);
  return { ...routed, cached: false };
}
