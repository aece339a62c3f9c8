/**
 * `npm run build`: what production runs, compiled ahead of time.
 *
 *   1. tsc -p tsconfig.build.json → <out>/ (ESM JavaScript of workflows, activities, workers, client, sandbox,
 *      common, contract; source maps beside them);
 *   2. the CommonJS failure converter the SDK require()s (common/failure-converter.cjs), which tsc does not copy;
 *   3. the workflow bundle → <out>/workflow-bundle.js, with the options the worker would bundle with
 *      (workers/workflow-bundle.ts), so `node <out>/workers/main.js` starts without bundling.
 *
 *   npx tsx scripts/build/index.ts [--out-dir=dist]
 *
 * The output folder must sit inside the project: the compiled files find node_modules by walking up from it.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import {
  TRACED_WORKFLOW_BUNDLE_FILE,
  WORKFLOW_BUNDLE_FILE,
  workflowBundleOptions,
} from '../../workers/workflow-bundle.js';
import { WORKFLOW_TRACING_INTERCEPTORS_MODULE } from '../../common/tracing.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * common/data-converter.ts's failureConverterPath, the only converter path the worker bundles with. Not imported:
 * that module reads the config at load, and a build (e.g. in the Dockerfile, NODE_ENV=production) needs none.
 */
const failureConverterPath = path.join(projectRoot, 'common', 'failure-converter.cjs');

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}`)),
    );
  });
}

/** The workflow bundle alone, written to `file`; the options are the worker's own (same converters). */
export async function buildWorkflowBundle(
  file: string,
  workflowInterceptorModules: string[] = [],
): Promise<{ bytes: number }> {
  const { code } = await bundleWorkflowCode(
    workflowBundleOptions(projectRoot, { failureConverterPath }, new DefaultLogger('WARN'), workflowInterceptorModules),
  );
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, code);
  return { bytes: Buffer.byteLength(code) };
}

export async function build(outDir: string, log: (line: string) => void = console.log): Promise<void> {
  const out = path.resolve(projectRoot, outDir);
  if (!out.startsWith(projectRoot + path.sep)) throw new Error(`--out-dir must be inside ${projectRoot}: ${out}`);
  await rm(out, { recursive: true, force: true });
  log(`build: tsc -p tsconfig.build.json → ${path.relative(projectRoot, out)}/`);
  await run(path.join(projectRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', out]);
  await copyFile(failureConverterPath, path.join(out, 'common', path.basename(failureConverterPath)));
  const { bytes } = await buildWorkflowBundle(path.join(out, WORKFLOW_BUNDLE_FILE));
  log(
    `build: workflow bundle → ${path.relative(projectRoot, out)}/${WORKFLOW_BUNDLE_FILE} (${Math.round(bytes / 1024)} KiB)`,
  );
  // The twin a worker with tracing on loads (OTEL_* set): the same code plus the OpenTelemetry workflow interceptors.
  await buildWorkflowBundle(path.join(out, TRACED_WORKFLOW_BUNDLE_FILE), [WORKFLOW_TRACING_INTERCEPTORS_MODULE]);
  log(`build: traced workflow bundle → ${path.relative(projectRoot, out)}/${TRACED_WORKFLOW_BUNDLE_FILE}`);
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const outArg = process.argv.slice(2).find((arg) => arg.startsWith('--out-dir='));
  const unknown = process.argv.slice(2).filter((arg) => !arg.startsWith('--out-dir='));
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown.join(' ')} (known: --out-dir=<folder inside the project>)`);
    process.exit(2);
  }
  build(outArg?.slice('--out-dir='.length) ?? 'dist').then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
