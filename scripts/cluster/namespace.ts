/**
 * The namespace and our search attributes on a fresh cluster, idempotently: what docker-compose.yml's
 * temporal-init does with the CLI, here with the SDK and the same list (contract/onboarding.ts SEARCH_ATTRIBUTES
 * through scripts/search-attributes.ts).
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { SEARCH_ATTRIBUTES } from '../../contract/onboarding.js';
import { waitUntil } from '../launcher/probes.js';
import { registerSearchAttributes } from '../search-attributes.js';

const RETENTION = '30 days';

export async function setUpNamespace(address: string, namespace: string, log: (line: string) => void): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const exists = await connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(RETENTION),
      });
      log(`temporal: namespace ${namespace} created (retention 30 days)`);
    }
    // The frontend serves a new namespace once its namespace cache has refreshed (seconds).
    await waitUntil(
      () =>
        connection.workflowService.countWorkflowExecutions({ namespace }).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const added = await registerSearchAttributes(connection, namespace);
    if (added.length > 0) log(`temporal: search attributes ${added.join(', ')} registered`);
    await waitUntil(
      async () => {
        const listed = await connection.operatorService.listSearchAttributes({ namespace });
        return Object.keys(SEARCH_ATTRIBUTES).every((name) => name in (listed.customAttributes ?? {}));
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  } finally {
    await connection.close();
  }
}
