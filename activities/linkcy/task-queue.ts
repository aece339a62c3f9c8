import { LINKCY_PROVIDER } from '../../contract/linkcy.js';
import { providerTaskQueue } from '../task-queue.js';
import { createLinkcyActivities } from './activities.js';

export const linkcyTaskQueue = providerTaskQueue({
  provider: LINKCY_PROVIDER,
  maxActivitiesPerSecond: (config) => config.LINKCY_RATE_LIMIT_PER_SECOND,
  createActivities: (deps) => createLinkcyActivities({ config: deps.config }),
});
