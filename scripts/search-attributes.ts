/**
 * Our search attributes (contract/onboarding.ts) in the forms each place needs them: flags for
 * `temporal server start-dev`, CLI commands for a self-hosted cluster, and, run directly, registration on the
 * cluster that TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE point at:
 *
 *   npx tsx scripts/search-attributes.ts
 */
import { pathToFileURL } from 'node:url';
import type { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../contract/onboarding.js';

export type SearchAttributeTypeName = (typeof SEARCH_ATTRIBUTES)[string];

export function searchAttributeEntries(): [string, SearchAttributeTypeName][] {
  return Object.entries(SEARCH_ATTRIBUTES);
}

/** `--search-attribute Name=Type` pairs for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  return searchAttributeEntries().flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

/** One `temporal operator search-attribute create` per attribute, for docs and container init scripts. */
export function operatorCreateCommands(namespace = 'default'): string[] {
  return searchAttributeEntries().map(
    ([name, type]) =>
      `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`,
  );
}

/** Registers the attributes `namespace` lacks on the cluster `connection` talks to; answers the names it added. */
export async function registerSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<string[]> {
  // The package is CommonJS: under Node's ESM loader (tsx) only its default export is there.
  const proto = (await import('@temporalio/proto')).default;
  const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;
  const indexedTypes: Record<SearchAttributeTypeName, number> = {
    Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeEntries().filter(([name]) => !(name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedTypes[type]])),
  });
  return missing.map(([name]) => name);
}

export async function registerOnConfiguredCluster(): Promise<void> {
  const { connectClient, describeTarget } = await import('../common/temporal.js');
  const { client, target, close } = await connectClient();
  try {
    const added = await registerSearchAttributes(client.connection, target.namespace);
    console.log(
      added.length === 0
        ? `search attributes already registered on ${describeTarget(target)}`
        : `registered ${added.join(', ')} on ${describeTarget(target)}`,
    );
  } finally {
    await close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  registerOnConfiguredCluster().catch((err: unknown) => {
    console.error(`could not register search attributes: ${err instanceof Error ? err.message : String(err)}`);
    console.error('On Temporal Cloud, add them with tcld or in the Cloud UI instead (see README.md).');
    process.exit(1);
  });
}
