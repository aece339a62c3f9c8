/**
 * `npx tsx scripts/search-attributes.ts`, the README's way to register our search attributes on a cluster, run as a
 * user runs it: against the Temporal that TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE name, twice (it is idempotent).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { msToTs } from '@temporalio/common/lib/time.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../contract/onboarding.js';
import { portsToBind } from '../../scripts/launcher/ports.js';
import { createLocalEnv, projectRoot } from '../helpers/temporal.js';

const run = promisify(execFile);
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createLocalEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('registering our search attributes on a cluster', () => {
  it('registers them in a namespace that has none, then says they are there', async () => {
    const namespace = 'search-attributes-check';
    await env.client.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const address = (env.connection.options as { address: string }).address;
    const script = path.join(projectRoot, 'scripts', 'search-attributes.ts');
    const childEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml',
    };
    const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
    const first = await run(tsx, [script], { env: childEnv, cwd: projectRoot });
    expect(first.stdout).toContain('registered OnboardingProvider');
    const again = await run(tsx, [script], { env: childEnv, cwd: projectRoot });
    expect(again.stdout).toContain('search attributes already registered');

    const listed = await env.connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.keys(listed.customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
  });
});

describe('npm start against a Temporal it does not run', () => {
  const config = {
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_PORT: 4010,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: 3000,
    WORKER_METRICS_HOST: '127.0.0.1',
    WORKER_METRICS_PORT: 9464,
  };

  it('with --skip temporal, does not claim the Temporal port (a local cluster holds it)', () => {
    const planned = new Set(['sandbox', 'worker', 'gateway']);
    const ports = portsToBind(config, '127.0.0.1:7233', true, planned).map((port) => port.what);
    expect(ports).toEqual(['sandbox', 'gateway', 'worker metrics']);
  });

  it('checks the Temporal ports when it runs the dev server itself', () => {
    const planned = new Set(['temporal', 'sandbox']);
    const ports = portsToBind(config, '127.0.0.1:7233', true, planned).map((port) => port.what);
    expect(ports).toEqual(['Temporal gRPC', 'Temporal Web UI', 'sandbox']);
  });
});
