/**
 * The task queues this worker process serves. Adding a provider is one entry here: its task queue suffix, the
 * provider's rate limit, and the factory of the activities its workflow calls. Workflows come from one bundle
 * (workflows/index.ts) shared by every queue.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../common/config.js';
import type { DocumentStore } from '../common/documents.js';
import { createJikoActivities } from '../activities/jiko/activities.js';
import { createNetspendActivities } from '../activities/netspend/activities.js';
import { createCommonActivities } from '../activities/outbound.js';
import { createWebhookActivities } from '../activities/webhooks/activities.js';

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
  /** Suffix of the task queue: `${TASK_QUEUE_PREFIX}-${name}`. */
  name: string;
  /**
   * Server-side cap on activities started per second across every worker of this queue: a provider's API rate
   * limit holds however many worker replicas run. Unset for queues that call no provider.
   */
  maxActivitiesPerSecond?: (config: Config) => number;
  createActivities: (deps: ActivityDeps) => ActivityImplementations;
}

/** Every provider workflow also emits outbound events (reminders, state changes). */
function withCommonActivities(
  deps: ActivityDeps,
  providerActivities: ActivityImplementations,
): ActivityImplementations {
  return { ...createCommonActivities(deps.config), ...providerActivities };
}

export const TASK_QUEUES: readonly TaskQueueDefinition[] = [
  {
    name: 'jiko',
    maxActivitiesPerSecond: (config) => config.JIKO_RATE_LIMIT_PER_SECOND,
    createActivities: (deps) =>
      withCommonActivities(deps, createJikoActivities({ config: deps.config, documents: deps.documents })),
  },
  {
    name: 'netspend',
    maxActivitiesPerSecond: (config) => config.NETSPEND_RATE_LIMIT_PER_SECOND,
    createActivities: (deps) => withCommonActivities(deps, createNetspendActivities({ config: deps.config })),
  },
  {
    // Webhook deliveries: record, resolve the onboarding through OnboardingRefs, signal it. No provider calls.
    name: 'webhooks',
    createActivities: (deps) => createWebhookActivities({ client: deps.client }),
  },
];
