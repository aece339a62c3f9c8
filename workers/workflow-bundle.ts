/**
 * The worker's workflow bundle: prebuilt by `npm run build` (scripts/build-workflow-bundle.ts) into
 * dist/workflow-bundle.js, or bundled from the sources when the worker starts. Both paths take the options below,
 * so a prebuilt bundle is the very code a worker would have bundled itself.
 *
 * Which one a worker uses: WORKFLOW_BUNDLE_PATH when set (it must exist); else `workflow-bundle.js` in the folder
 * above this file's (dist/ when running the compiled worker, never the sources' root under tsx); else it bundles.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { BundleOptions, Logger, WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';

export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';
/** The same bundle with the OpenTelemetry workflow interceptors in, for workers started with tracing on. */
export const TRACED_WORKFLOW_BUNDLE_FILE = 'workflow-bundle.traced.js';

/** The folder above workers/: the project root under tsx, dist/ for the compiled worker. */
const codeRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Always the TypeScript sources: the compiled dist/ has no workflows/index.ts, and the bundler compiles TS itself. */
export function workflowBundleOptions(
  projectRoot: string,
  dataConverter: Pick<DataConverter, 'failureConverterPath' | 'payloadConverterPath'>,
  logger?: Logger,
  workflowInterceptorModules?: string[],
): BundleOptions {
  return {
    workflowsPath: path.join(projectRoot, 'workflows', 'index.ts'),
    ...(workflowInterceptorModules?.length ? { workflowInterceptorModules } : {}),
    ...(dataConverter.failureConverterPath ? { failureConverterPath: dataConverter.failureConverterPath } : {}),
    ...(dataConverter.payloadConverterPath ? { payloadConverterPath: dataConverter.payloadConverterPath } : {}),
    ...(logger ? { logger } : {}),
  };
}

/** The prebuilt bundle to load, or undefined when the worker must bundle at start. */
export function prebuiltBundlePath(env: NodeJS.ProcessEnv = process.env, traced = false): string | undefined {
  const fromEnv = env.WORKFLOW_BUNDLE_PATH?.trim();
  if (fromEnv) {
    // With tracing on, the traced twin `npm run build` writes beside it (same name, `.traced.js`).
    const file = traced ? fromEnv.replace(/\.js$/, '.traced.js') : fromEnv;
    if (!existsSync(file)) throw new Error(`WORKFLOW_BUNDLE_PATH: no file at ${file} (run \`npm run build\`)`);
    return path.resolve(file);
  }
  const beside = path.join(codeRoot, traced ? TRACED_WORKFLOW_BUNDLE_FILE : WORKFLOW_BUNDLE_FILE);
  return existsSync(beside) ? beside : undefined;
}

export interface LoadedBundle {
  workflowBundle: NonNullable<WorkerOptions['workflowBundle']>;
  /** Where it came from, for the start log: the prebuilt file, or 'bundled at start'. */
  source: string;
}

/**
 * The prebuilt bundle when there is one, else a fresh bundle of the sources (codeRoot is the project root then).
 * Bundling is the slow part of a worker start: seconds of CPU on a loaded machine.
 */
export async function loadWorkflowBundle(
  dataConverter: Pick<DataConverter, 'failureConverterPath' | 'payloadConverterPath'>,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  workflowInterceptorModules: string[] = [],
): Promise<LoadedBundle> {
  const codePath = prebuiltBundlePath(env, workflowInterceptorModules.length > 0);
  if (codePath) return { workflowBundle: { codePath }, source: codePath };
  if (!existsSync(path.join(codeRoot, 'workflows', 'index.ts'))) {
    throw new Error(`no workflow bundle at ${path.join(codeRoot, WORKFLOW_BUNDLE_FILE)}: run \`npm run build\``);
  }
  const bundle = await bundleWorkflowCode(
    workflowBundleOptions(codeRoot, dataConverter, logger, workflowInterceptorModules),
  );
  return { workflowBundle: bundle, source: 'bundled at start' };
}
