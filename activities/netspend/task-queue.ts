import { NETSPEND_PROVIDER } from '../../contract/netspend.js';
import { providerTaskQueue } from '../task-queue.js';
import { createNetspendActivities } from './activities.js';

export const netspendTaskQueue = providerTaskQueue({
  provider: NETSPEND_PROVIDER,
  maxActivitiesPerSecond: (config) => config.NETSPEND_RATE_LIMIT_PER_SECOND,
  createActivities: (deps) => createNetspendActivities({ config: deps.config, documents: deps.documents }),
});
