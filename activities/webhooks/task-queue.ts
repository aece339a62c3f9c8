import type { TaskQueueDefinition } from '../task-queue.js';
import { createWebhookActivities } from './activities.js';

/** Webhook deliveries: resolve the onboarding through OnboardingRefs and signal it. No provider calls. */
export const webhookTaskQueue: TaskQueueDefinition = {
  name: 'webhooks',
  createActivities: (deps) => createWebhookActivities({ client: deps.client }),
};
