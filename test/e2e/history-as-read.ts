/**
 * An onboarding's history as someone with access would read it: every payload of every event, decoded with the
 * PII codec (what the codec endpoint does, and what anyone holding PII_KEYS could do), or sent through the
 * gateway's own `/codec/decode` with a given API key (what the Web UI shows that key's holder). Secrets must be
 * unreadable in both.
 */
import type { Payload } from '@temporalio/common';
import { createPiiCodec } from '../../common/codec.js';
import type { E2eStack } from './harness.js';

export interface DecodedPayload {
  eventType: string;
  text: string;
}

/** Every payload inside a history event, at any depth (inputs, results, failures, headers, update requests). */
export function payloadsOf(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object') return found;
  const record = value as Record<string, unknown>;
  if (record.metadata && typeof record.metadata === 'object' && 'data' in record) {
    found.push(record as Payload);
    return found;
  }
  for (const child of Object.values(record)) payloadsOf(child, found);
  return found;
}

async function historyEvents(stack: E2eStack, workflowId: string) {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((event) => ({ event, eventType: String(event.eventType) }));
}

/** Decoded with the PII codec, in process. */
export async function decodedWithPiiCodec(stack: E2eStack, workflowId: string): Promise<DecodedPayload[]> {
  const codec = createPiiCodec(stack.config);
  const decoded: DecodedPayload[] = [];
  for (const { event, eventType } of await historyEvents(stack, workflowId)) {
    for (const payload of await codec.decode(payloadsOf(event))) {
      decoded.push({ eventType, text: Buffer.from(payload.data ?? new Uint8Array()).toString('utf8') });
    }
  }
  return decoded;
}

/** Decoded by the gateway's codec endpoint for the holder of `apiKey`, as the Web UI asks it. */
export async function decodedByCodecEndpoint(
  stack: E2eStack,
  workflowId: string,
  apiKey: string,
): Promise<DecodedPayload[]> {
  const decoded: DecodedPayload[] = [];
  for (const { event, eventType } of await historyEvents(stack, workflowId)) {
    const payloads = payloadsOf(event).map((payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      ),
      data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
    }));
    if (payloads.length === 0) continue;
    const response = await fetch(`${stack.gatewayUrl}/codec/decode`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'x-namespace': stack.namespace,
      },
      body: JSON.stringify({ payloads }),
    });
    if (response.status !== 200) throw new Error(`codec endpoint answered ${response.status}`);
    const body = (await response.json()) as { payloads: { data?: string }[] };
    for (const payload of body.payloads) {
      decoded.push({ eventType, text: Buffer.from(payload.data ?? '', 'base64').toString('utf8') });
    }
  }
  return decoded;
}

/** The event types whose decoded payloads contain `needle`. */
export function eventTypesContaining(decoded: readonly DecodedPayload[], needle: string): Set<string> {
  return new Set(decoded.filter((payload) => payload.text.includes(needle)).map((payload) => payload.eventType));
}
