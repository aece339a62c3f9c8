/**
 * Outbound events to the backend, in the Standard Webhooks format (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64>` with the `whsec_` OUTBOUND_WEBHOOK_SECRET), so a backend verifies them with
 * any Standard Webhooks or Svix library. Two halves: the onboarding's `emitOutboundEvent` records each event as its
 * own delivery workflow (workflows/outbound-delivery.ts), and that workflow's `deliverOutboundEvent` makes one POST
 * per scheduled attempt.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { z } from 'zod';
import { taskQueueFor } from '../common/config.js';
import type { Config } from '../common/config.js';
import { createLogger } from '../common/log.js';
import { signStandardWebhook } from '../common/standard-webhooks.js';
import {
  OUTBOUND_DELIVERY_WORKFLOW_TYPE,
  OUTBOUND_TASK_QUEUE,
  outboundDeliveryWorkflowId,
  outboundEventId,
} from '../contract/outbound.js';
import type {
  CommonActivities,
  OutboundDeliveryActivities,
  OutboundDeliveryInput,
  OutboundEventBody,
} from '../contract/outbound.js';
import { ProviderHttpClient } from './http/client.js';
import type { TaskQueueDefinition } from './task-queue.js';

export type { OutboundEventBody };

export const OUTBOUND_ID_HEADER = 'webhook-id';
export const OUTBOUND_TIMESTAMP_HEADER = 'webhook-timestamp';
export const OUTBOUND_SIGNATURE_HEADER = 'webhook-signature';

type OutboundConfig = Pick<Config, 'OUTBOUND_WEBHOOK_URL' | 'OUTBOUND_WEBHOOK_SECRET' | 'TASK_QUEUE_PREFIX'> &
  Partial<Pick<Config, 'OUTBOUND_RETRY_SCHEDULE'>>;

export interface CommonActivityDeps {
  /** Starts the delivery workflows; required once OUTBOUND_WEBHOOK_URL is set. */
  client?: Client;
  now?: () => Date;
}

export function createCommonActivities(config: OutboundConfig, deps: CommonActivityDeps = {}): CommonActivities {
  const logger = createLogger('outbound');
  const now = deps.now ?? (() => new Date());
  return {
    async emitOutboundEvent(event): Promise<void> {
      // Events of runs recorded before events were numbered have none: their type and data name them.
      const sequence = event.sequence ?? 0;
      const body: OutboundEventBody = {
        id: outboundEventId(event.onboardingId, sequence),
        type: event.type,
        onboardingId: event.onboardingId,
        sequence,
        createdAt: now().toISOString(),
        data: event.data,
      };
      if (!config.OUTBOUND_WEBHOOK_URL) {
        logger.info('outbound event (OUTBOUND_WEBHOOK_URL not set: logged only)', { event: body });
        return;
      }
      if (!deps.client) throw new Error('emitOutboundEvent needs a Temporal client to record deliveries');
      const schedule = config.OUTBOUND_RETRY_SCHEDULE?.split(',');
      const input: OutboundDeliveryInput = { event: body, ...(schedule ? { schedule } : {}) };
      try {
        await deps.client.workflow.start(OUTBOUND_DELIVERY_WORKFLOW_TYPE, {
          workflowId: outboundDeliveryWorkflowId(body.id),
          taskQueue: taskQueueFor(config, OUTBOUND_TASK_QUEUE),
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          staticSummary: `outbound event #${sequence} ${body.type} · ${body.onboardingId}`,
        });
      } catch (err) {
        // A retried hand-over: the first one recorded it.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
  };
}

/** The headers of one delivery attempt: a fresh timestamp, signed with the body as sent. */
export function outboundHeaders(
  secret: string,
  id: string,
  rawBody: Buffer | string,
  now: Date,
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    [OUTBOUND_ID_HEADER]: id,
    [OUTBOUND_TIMESTAMP_HEADER]: String(timestamp),
    [OUTBOUND_SIGNATURE_HEADER]: signStandardWebhook({ secret, id, timestamp, rawBody }),
  };
}

export function createOutboundDeliveryActivities(
  config: Pick<Config, 'OUTBOUND_WEBHOOK_URL' | 'OUTBOUND_WEBHOOK_SECRET'>,
  deps: { fetch?: typeof fetch; now?: () => Date } = {},
): OutboundDeliveryActivities {
  const now = deps.now ?? (() => new Date());
  const http = config.OUTBOUND_WEBHOOK_URL
    ? new ProviderHttpClient({
        provider: 'outbound',
        baseUrl: config.OUTBOUND_WEBHOOK_URL,
        defaultTimeoutMs: 15_000,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        hooks: [
          (request) =>
            outboundHeaders(
              config.OUTBOUND_WEBHOOK_SECRET,
              request.headers[OUTBOUND_ID_HEADER] ?? '',
              request.body,
              now(),
            ),
        ],
      })
    : undefined;
  return {
    async deliverOutboundEvent(event): Promise<{ status: number }> {
      if (!http) throw new Error('OUTBOUND_WEBHOOK_URL is not set');
      await http.request({
        method: 'POST',
        path: '',
        body: event,
        headers: { [OUTBOUND_ID_HEADER]: event.id },
        schema: z.unknown(),
      });
      return { status: 200 };
    },
  };
}

/** The queue of outbound deliveries: their workflows and the POST activity. */
export const outboundTaskQueue: TaskQueueDefinition = {
  name: OUTBOUND_TASK_QUEUE,
  createActivities: (deps) => createOutboundDeliveryActivities(deps.config),
};
