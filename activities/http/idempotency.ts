import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';

/** The running activity's context, or undefined when called outside one (tests, scripts, the gateway). */
export function currentActivityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** The workflow id of the running activity; throws outside an activity so a key can never silently be random. */
export function currentWorkflowId(): string {
  const workflowId = currentActivityContext()?.info.workflowExecution?.workflowId;
  if (!workflowId) {
    throw new Error('idempotencyKey(scope) needs a workflow id: call it inside an activity or pass workflowId');
  }
  return workflowId;
}

/**
 * A provider idempotency key for one step of one onboarding: sha-256 of the workflow id and a step scope (e.g.
 * `<provider>:apply:2`), shaped as an RFC 9562 version-8 UUID. The attempt number is deliberately not part of it, so a
 * retried activity repeats the same key and the provider answers the first result instead of creating twice.
 */
export function idempotencyKey(scope: string, workflowId: string = currentWorkflowId()): string {
  if (!scope) throw new Error('idempotencyKey needs a non-empty scope');
  const digest = createHash('sha256').update(`onboarding-idempotency/v1\n${workflowId}\n${scope}`).digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
