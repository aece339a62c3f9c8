/**
 * The PostgreSQL Temporal cluster for tests (test/cluster/) and the chaos suite: scripts/cluster/stack.ts, with a
 * fresh data folder per cluster (deleted by stop()) and ports the system picks, so parallel runs do not collide.
 * The first call on a machine builds the Temporal server (minutes): give the beforeAll that calls it a long timeout.
 */
export { startCluster } from '../../scripts/cluster/stack.js';
export type { ClusterOptions, ClusterStack } from '../../scripts/cluster/stack.js';
export type { TemporalService } from '../../scripts/cluster/temporal-services.js';
