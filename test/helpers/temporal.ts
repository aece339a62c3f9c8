/**
 * The one place tests get Temporal from. Never downloads anything on these machines: the dev server is the CLI that
 * scripts/setup.sh installed (.tools/bin/temporal, TEMPORAL_CLI_PATH, or one on PATH), and the time-skipping server
 * is Temporal's Java test server fetched from Maven Central (.tools/bin/temporal-test-server).
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../workflows/contract.js';
import { SA_BLOCKED_ON, SA_BLOCKED_SINCE, SA_PROVIDER, SA_REFS, SA_STATE, SA_STEP } from '../../workflows/contract.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const toolsBin = path.join(projectRoot, '.tools', 'bin');

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function temporalCliPath(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const local = path.join(toolsBin, 'temporal');
  if (existsSync(local)) return local;
  return onPath('temporal');
}

export function testServerPath(): string | undefined {
  const local = path.join(toolsBin, 'temporal-test-server');
  return existsSync(local) ? local : undefined;
}

const searchAttributeKeys = [SA_PROVIDER, SA_STATE, SA_STEP, SA_BLOCKED_ON, SA_BLOCKED_SINCE, SA_REFS];

/** Time-skipping environment on the Java test server; our search attributes registered. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const serverPath = testServerPath();
  const env = await TestWorkflowEnvironment.createTimeSkipping(
    serverPath ? { server: { executable: { type: 'existing-path', path: serverPath } } } : {},
  );
  await registerSearchAttributes(env);
  return env;
}

/** A real Temporal dev server (the CLI), in memory, with our search attributes registered. */
export async function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  const cli = temporalCliPath();
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...(cli ? { executable: { type: 'existing-path' as const, path: cli } } : {}),
      searchAttributes: searchAttributeKeys,
      extraArgs: ['--log-level', 'error'],
    },
  });
}

async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const { temporal } = await import('@temporalio/proto');
  const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
  const types = {
    Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  } as const;
  const searchAttributes = Object.fromEntries(
    Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, types[type]]),
  );
  try {
    await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
  } catch (err) {
    // The Java test server accepts any search attribute; it may not implement the operator call.
    if (!/unimplemented|already exists/i.test(String(err))) throw err;
  }
}
