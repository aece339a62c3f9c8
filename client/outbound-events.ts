/**
 * The outbound events of an onboarding, as the backend can list and redeliver them: each is a delivery workflow
 * `event:<eventId>` (eventId = `<onboardingId>:<sequence>`), found through visibility by its id prefix.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { taskQueueFor } from '../common/config.js';
import type { Config } from '../common/config.js';
import {
  OUTBOUND_DELIVERY_WORKFLOW_TYPE,
  OUTBOUND_TASK_QUEUE,
  outboundDeliveryStatusQuery,
  outboundDeliveryWorkflowId,
  redeliverOutboundEventSignal,
} from '../contract/outbound.js';
import type { OutboundDeliveryInput, OutboundDeliveryStatus } from '../contract/outbound.js';
import { OnboardingError } from './errors.js';

const EVENT_ID = /^onboarding:[a-z][a-z0-9]{1,31}:[A-Za-z0-9_.-]{1,64}:\d{6}$/;
const LIST_LIMIT = 200;

export class EventNotFoundError extends OnboardingError {
  override name = 'EventNotFoundError';
  constructor(eventId: string) {
    super(404, 'event_not_found', `No outbound event with id ${eventId}`);
  }
}

export class OutboundEvents {
  constructor(
    private readonly client: Client,
    private readonly config: Pick<Config, 'TASK_QUEUE_PREFIX' | 'OUTBOUND_RETRY_SCHEDULE'>,
  ) {}

  /** Every event of the onboarding recorded for delivery, in the order the onboarding emitted them. */
  async list(onboardingId: string): Promise<OutboundDeliveryStatus[]> {
    const prefix = outboundDeliveryWorkflowId(`${onboardingId}:`).replace(/'/g, '');
    const query = `WorkflowType = '${OUTBOUND_DELIVERY_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${prefix}'`;
    const ids: string[] = [];
    for await (const execution of this.client.workflow.list({ query })) {
      ids.push(execution.workflowId);
      if (ids.length >= LIST_LIMIT) break;
    }
    const statuses = await Promise.all(ids.map((workflowId) => this.statusOf(workflowId)));
    return statuses
      .filter((status): status is OutboundDeliveryStatus => status !== undefined)
      .sort((a, b) => a.sequence - b.sequence);
  }

  /**
   * Tries the event again now: a delivery still on its schedule is woken; a finished one (delivered, or failed
   * once its schedule was spent) starts over with the same event id, so the backend's dedupe still applies.
   */
  async redeliver(eventId: string): Promise<OutboundDeliveryStatus> {
    if (!EVENT_ID.test(eventId)) throw new EventNotFoundError(eventId);
    const workflowId = outboundDeliveryWorkflowId(eventId);
    const handle = this.client.workflow.getHandle(workflowId);
    let running: boolean;
    try {
      running = (await handle.describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new EventNotFoundError(eventId);
      throw err;
    }
    if (running) {
      await handle.signal(redeliverOutboundEventSignal);
    } else {
      const previous = (await handle.result()) as OutboundDeliveryStatus;
      const input: OutboundDeliveryInput = {
        event: previous.event,
        schedule: this.config.OUTBOUND_RETRY_SCHEDULE.split(','),
      };
      await this.client.workflow.start(OUTBOUND_DELIVERY_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: taskQueueFor(this.config, OUTBOUND_TASK_QUEUE),
        args: [input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
    }
    return (await this.statusOf(workflowId)) ?? Promise.reject(new EventNotFoundError(eventId));
  }

  private async statusOf(workflowId: string): Promise<OutboundDeliveryStatus | undefined> {
    const handle = this.client.workflow.getHandle(workflowId);
    try {
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') return await handle.query(outboundDeliveryStatusQuery);
      return (await handle.result()) as OutboundDeliveryStatus;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }
}
