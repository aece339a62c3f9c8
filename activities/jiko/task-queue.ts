import { JIKO_PROVIDER } from '../../contract/jiko.js';
import { providerTaskQueue } from '../task-queue.js';
import { createJikoActivities } from './activities.js';

export const jikoTaskQueue = providerTaskQueue({
  provider: JIKO_PROVIDER,
  maxActivitiesPerSecond: (config) => config.JIKO_RATE_LIMIT_PER_SECOND,
  createActivities: (deps) => createJikoActivities({ config: deps.config, documents: deps.documents }),
});
