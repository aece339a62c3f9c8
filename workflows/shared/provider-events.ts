/**
 * Provider events (webhooks) as the workflow keeps them: deduplicated by `eventId`, the last few kept for the
 * provider workflow to look at, and counted so a wait can tell that one arrived. Events are hints only: whoever
 * acts on one re-reads the provider first.
 */
import type { ProviderEvent } from '../../contract/onboarding.js';
import type { StatusRecord } from './status-record.js';

/** Event ids remembered for dedupe; older ones fall out (webhook redeliveries come within hours, not weeks). */
const SEEN_EVENT_IDS_LIMIT = 500;
const RECENT_EVENTS_LIMIT = 50;

export class ProviderEventInbox {
  /** Oldest first; carried over on continue-as-new, so a redelivery after it is still recognised. */
  readonly seenEventIds: string[];
  private readonly seenEventIdSet: Set<string>;
  private readonly recentEvents: ProviderEvent[] = [];
  private received = 0;

  constructor(
    private readonly record: StatusRecord,
    carriedSeenEventIds: readonly string[] | undefined,
  ) {
    this.seenEventIds = carriedSeenEventIds ? [...carriedSeenEventIds] : [];
    this.seenEventIdSet = new Set(this.seenEventIds);
  }

  /** How many new events arrived in this run: a wait that remembers it sees when another one came. */
  get count(): number {
    return this.received;
  }

  /** The last events received (deduplicated), newest last. */
  get recent(): readonly ProviderEvent[] {
    return this.recentEvents;
  }

  /** The providerEvent signal: a malformed or already seen event is dropped; after the end one is only remembered. */
  receive(event: ProviderEvent): void {
    if (!event || typeof event.eventId !== 'string' || this.seenEventIdSet.has(event.eventId)) return;
    this.seenEventIds.push(event.eventId);
    this.seenEventIdSet.add(event.eventId);
    if (this.seenEventIds.length > SEEN_EVENT_IDS_LIMIT) {
      const forgotten = this.seenEventIds.shift();
      if (forgotten !== undefined) this.seenEventIdSet.delete(forgotten);
    }
    if (this.record.settled) return;
    this.recentEvents.push(event);
    if (this.recentEvents.length > RECENT_EVENTS_LIMIT) this.recentEvents.shift();
    this.received += 1;
    this.record.addTimeline('provider', `event ${String(event.type)}`);
    this.record.touch();
  }
}
