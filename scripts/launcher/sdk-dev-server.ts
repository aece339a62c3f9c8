/**
 * Fallback for machines with no Temporal CLI and no Go toolchain: the Temporal SDK downloads its own dev server
 * (temporal.download, cached in the OS temp folder) and runs it with the same options the launcher would pass the
 * CLI. Runs as its own process, so the launcher supervises it like the CLI. Options arrive as JSON in
 * DEV_SERVER_OPTIONS.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

interface Options {
  dbFilename: string;
  ip: string;
  port: number;
  uiPort: number;
  namespace: string;
  searchAttributes: Record<string, 'Keyword' | 'Datetime' | 'KeywordList'>;
  extraArgs: string[];
}

const types = {
  Keyword: SearchAttributeType.KEYWORD,
  Datetime: SearchAttributeType.DATETIME,
  KeywordList: SearchAttributeType.KEYWORD_LIST,
} as const;

async function main(): Promise<void> {
  const options = JSON.parse(process.env.DEV_SERVER_OPTIONS ?? '{}') as Options;
  console.log('starting the dev server the Temporal SDK downloads (no Temporal CLI installed; see scripts/setup.sh)');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      dbFilename: options.dbFilename,
      ip: options.ip,
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      namespace: options.namespace,
      searchAttributes: Object.entries(options.searchAttributes).map(([name, type]) =>
        defineSearchAttributeKey(name, types[type]),
      ),
      extraArgs: options.extraArgs,
    },
  });
  console.log(`dev server listening on ${options.ip}:${options.port}`);
  const stop = (): void => {
    env.teardown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`could not start the SDK's dev server: ${err instanceof Error ? err.message : String(err)}`);
  console.error(
    'Install the Temporal CLI (https://docs.temporal.io/cli#install) or Go 1.25+, then run npm start again.',
  );
  process.exit(1);
});
