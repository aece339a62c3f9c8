/**
 * An operator's log of verified webhook deliveries: one JSON line per delivery in
 * `<WEBHOOK_INBOX_DIR>/<provider>-<YYYY-MM-DD>.jsonl`. Ids and types only: the payload stays in the (encrypted)
 * delivery workflow, so this file holds no personal data whatever a provider puts in its events.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderEvent } from '../../workflows/contract.js';

export interface InboxRecord {
  receivedAt: string;
  provider: string;
  eventId: string;
  type: string;
  refs: string[];
  routable: boolean;
  /** False for a redelivery of an event id already recorded. */
  firstDelivery: boolean;
  deliveryWorkflowId: string;
}

export interface WebhookInbox {
  append(record: InboxRecord): Promise<void>;
}

export function inboxRecord(
  event: ProviderEvent,
  fields: { routable: boolean; firstDelivery: boolean; deliveryWorkflowId: string; receivedAt?: Date },
): InboxRecord {
  return {
    receivedAt: (fields.receivedAt ?? new Date()).toISOString(),
    provider: event.provider,
    eventId: event.eventId,
    type: event.type,
    refs: event.refs,
    routable: fields.routable,
    firstDelivery: fields.firstDelivery,
    deliveryWorkflowId: fields.deliveryWorkflowId,
  };
}

export function createFileInbox(directory: string): WebhookInbox {
  let ready: Promise<unknown> | undefined;
  return {
    async append(record: InboxRecord): Promise<void> {
      ready ??= mkdir(directory, { recursive: true });
      await ready;
      const day = record.receivedAt.slice(0, 10);
      await appendFile(path.join(directory, `${record.provider}-${day}.jsonl`), JSON.stringify(record) + '\n', 'utf8');
    },
  };
}

export const noopInbox: WebhookInbox = { append: async () => undefined };
