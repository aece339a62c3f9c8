/**
 * An operator's log of verified webhook deliveries: one JSON line per delivery in
 * `<WEBHOOK_INBOX_DIR>/<provider>-<YYYY-MM-DD>.jsonl`. Ids and types only: the payload stays in the (encrypted)
 * onboarding or delivery workflow, so this file holds no personal data whatever a provider puts in its events.
 */
import { appendFile, mkdir } from 'node:fs/promises';
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
