/**
 * An operator's log of verified webhook deliveries: one JSON line per delivery in
 * `<WEBHOOK_INBOX_DIR>/<provider>-<YYYY-MM-DD>.jsonl`. Ids and types only: the payload stays in the (encrypted)
 * onboarding or delivery workflow, so this file holds no personal data whatever a provider puts in its events.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderEvent } from '../../contract/onboarding.js';

/**
 * How the delivery was made durable: `routed-direct` when the gateway signalled the running onboarding(s) itself,
 * `delivery-workflow` when it started (or found) the `webhook:<provider>:<eventId>` delivery workflow instead.
 */
export type InboxOutcome = 'routed-direct' | 'delivery-workflow';

export interface InboxRecord {
  receivedAt: string;
  provider: string;
  eventId: string;
  type: string;
  refs: string[];
  routable: boolean;
  outcome: InboxOutcome;
  /**
   * False for a redelivery whose delivery workflow already existed. Null on the direct path: the gateway does not
   * know whether the onboarding had seen this eventId (it drops repeats itself).
   */
  firstDelivery: boolean | null;
  /** The onboardings signalled on the direct path; empty on the delivery-workflow path (its result says). */
  signalled: string[];
  /** The delivery workflow's id: started on the delivery-workflow path, the one a redelivery may start later. */
  deliveryWorkflowId: string;
}

export interface WebhookInbox {
  append(record: InboxRecord): Promise<void>;
}

export function inboxRecord(
  event: ProviderEvent,
  fields: {
    routable: boolean;
    outcome: InboxOutcome;
    firstDelivery: boolean | null;
    signalled?: string[];
    deliveryWorkflowId: string;
    receivedAt?: Date;
  },
): InboxRecord {
  return {
    receivedAt: (fields.receivedAt ?? new Date()).toISOString(),
    provider: event.provider,
    eventId: event.eventId,
    type: event.type,
    refs: event.refs,
    routable: fields.routable,
    outcome: fields.outcome,
    firstDelivery: fields.firstDelivery,
    signalled: fields.signalled ?? [],
    deliveryWorkflowId: fields.deliveryWorkflowId,
  };
}

/**
 * Appends through one open append-mode stream per file (the day's file of each provider) instead of an open, write
 * and close per record: concurrent records go out in one write. `append` resolves, as before, once the line has been
 * written to the file (handed to the kernel; neither version fsyncs: the events' durability is in Temporal, this is
 * the operator's log of them). A stream that fails is dropped, so the next record reopens the file.
 */
export function createFileInbox(directory: string): WebhookInbox {
  let ready: Promise<unknown> | undefined;
  const streams = new Map<string, WriteStream>();
  const streamFor = (name: string): WriteStream => {
    const open = streams.get(name);
    if (open && !open.destroyed) return open;
    // Yesterday's files are finished: close them rather than hold one descriptor per provider and day.
    const day = name.slice(-'YYYY-MM-DD.jsonl'.length);
    for (const [other, stream] of streams) {
      if (!other.endsWith(day)) {
        streams.delete(other);
        stream.end();
      }
    }
    const stream = createWriteStream(path.join(directory, name), { flags: 'a', encoding: 'utf8' });
    // The failing append rejects through its write callback; the stream is not reused.
    stream.on('error', () => {
      if (streams.get(name) === stream) streams.delete(name);
    });
    streams.set(name, stream);
    return stream;
  };
  return {
    async append(record: InboxRecord): Promise<void> {
      ready ??= mkdir(directory, { recursive: true });
      await ready;
      const day = record.receivedAt.slice(0, 10);
      const stream = streamFor(`${record.provider}-${day}.jsonl`);
      await new Promise<void>((resolve, reject) => {
        stream.write(JSON.stringify(record) + '\n', (err) => (err ? reject(err) : resolve()));
      });
    },
  };
}

export const noopInbox: WebhookInbox = { append: async () => undefined };
