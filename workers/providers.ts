/**
 * The task queue registry: the queues this worker process serves, one line per provider (its definition is
 * activities/<provider>/task-queue.ts), plus webhook intake and outbound event deliveries. Workflows come from one bundle (workflows/index.ts)
 * shared by every queue.
 */
import { greendotTaskQueue } from '../activities/greendot/task-queue.js';
import { jikoTaskQueue } from '../activities/jiko/task-queue.js';
import { linkcyTaskQueue } from '../activities/linkcy/task-queue.js';
import { netspendTaskQueue } from '../activities/netspend/task-queue.js';
import { outboundTaskQueue } from '../activities/outbound.js';
import type { TaskQueueDefinition } from '../activities/task-queue.js';
import { webhookTaskQueue } from '../activities/webhooks/task-queue.js';

export type { ActivityDeps, ActivityImplementations, TaskQueueDefinition } from '../activities/task-queue.js';

export const TASK_QUEUES: readonly TaskQueueDefinition[] = [
  greendotTaskQueue,
  jikoTaskQueue,
  linkcyTaskQueue,
  netspendTaskQueue,
  webhookTaskQueue,
  outboundTaskQueue,
];
