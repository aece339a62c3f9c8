import { GREENDOT_PROVIDER } from '../../contract/greendot.js';
import { providerTaskQueue } from '../task-queue.js';
import { createGreendotActivities } from './activities.js';

export const greendotTaskQueue = providerTaskQueue({
  provider: GREENDOT_PROVIDER,
  maxActivitiesPerSecond: (config) => config.GREENDOT_RATE_LIMIT_PER_SECOND,
  createActivities: (deps) => createGreendotActivities({ config: deps.config }),
});
