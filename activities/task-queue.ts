/**
 * What a worker needs to serve one task queue: its name, the provider's rate limit, and the activities its
 * workflows call. Each provider exports one from activities/<provider>/task-queue.ts; workers/providers.ts lists them.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../common/config.js';
import type { DocumentStore } from '../common/documents.js';
import { createCommonActivities } from './outbound.js';

/** What an activity factory may need, built once per process and shared by every queue. */
export interface ActivityDeps {
  config: Config;
  /** To signal or search onboardings (webhook routing). */
  client: Client;
  /** Claim-checked documents (encrypted, outside history), shared with the gateway. */
  documents: DocumentStore;
}

/** Activity implementations keyed by name, as Worker.create takes them. */
export type ActivityImplementations = object;

export interface TaskQueueDefinition {
  /** Suffix of the task queue: `${TASK_QUEUE_PREFIX}-${name}`; a provider's queue is named after the provider. */
  name: string;
  /**
   * Server-side cap on activities started per second across every worker of this queue: a provider's API rate
   * limit holds however many worker replicas run. Unset for queues that call no provider.
   */
  maxActivitiesPerSecond?: (config: Config) => number;
  createActivities: (deps: ActivityDeps) => ActivityImplementations;
}

/** A provider's queue: its activities plus the ones every onboarding uses (outbound events). */
export function providerTaskQueue(definition: {
  provider: string;
  maxActivitiesPerSecond: (config: Config) => number;
  createActivities: (deps: ActivityDeps) => ActivityImplementations;
}): TaskQueueDefinition {
  return {
    name: definition.provider,
    maxActivitiesPerSecond: definition.maxActivitiesPerSecond,
    createActivities: (deps) => ({
      ...createCommonActivities(deps.config, { client: deps.client }),
      ...definition.createActivities(deps),
    }),
  };
}
