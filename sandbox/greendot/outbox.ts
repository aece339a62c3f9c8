/**
 * Green Dot publishes one message per delivery that may carry several events [doc]. The rules raise events while
 * they change state; everything raised by one operation (a request, a timer, a control) leaves as one message,
 * grouped by account:
 *   {"accounts":[{"accountIdentifier","events":[{eventIdentifier, eventType, eventDateTime, …}]}]}
 * Payloads are rendered when the operation ends, so each event shows the account as the operation left it.
 */
import { randomUUID } from 'node:crypto';

export type GreenDotEventType = 'accountUpdated' | 'cardUpdated' | 'transaction' | 'adjustmentFinalStatus';

export interface RaisedEvent {
  accountIdentifier: string;
  eventType: GreenDotEventType;
  payload: () => Record<string, unknown>;
}

export interface OutboundMessage {
  body: string;
  eventIdentifiers: string[];
  eventTypes: GreenDotEventType[];
}

export class Outbox {
  private pending: RaisedEvent[] | null = null;

  constructor(
    private readonly clock: () => Date,
    private readonly deliver: (message: OutboundMessage) => void,
  ) {}

  /** Runs `operation`; the events it raises (also from nested batches) go out as one message afterwards. */
  batch<T>(operation: () => T): T {
    if (this.pending !== null) return operation();
    this.pending = [];
    try {
      return operation();
    } finally {
      const raised = this.pending;
      this.pending = null;
      // State already changed even when the operation then refused something: announce what happened.
      if (raised.length > 0) this.deliver(this.render(raised));
    }
  }

  raise(event: RaisedEvent): void {
    if (this.pending === null) {
      this.batch(() => this.raise(event));
      return;
    }
    this.pending.push(event);
  }

  private render(raised: RaisedEvent[]): OutboundMessage {
    const at = this.clock().toISOString();
    const byAccount = new Map<string, Record<string, unknown>[]>();
    const eventIdentifiers: string[] = [];
    for (const event of raised) {
      const eventIdentifier = randomUUID();
      eventIdentifiers.push(eventIdentifier);
      const events = byAccount.get(event.accountIdentifier) ?? [];
      events.push({ eventIdentifier, eventType: event.eventType, eventDateTime: at, ...event.payload() });
      byAccount.set(event.accountIdentifier, events);
    }
    const accounts = [...byAccount].map(([accountIdentifier, events]) => ({ accountIdentifier, events }));
    return {
      body: JSON.stringify({ accounts }),
      eventIdentifiers,
      eventTypes: raised.map((event) => event.eventType),
    };
  }
}
