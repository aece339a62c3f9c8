/**
 * Fuzzing of the gateway's OpenAPI document (GET /openapi.json) with schemathesis, installed by this script into
 * the git-ignored .tools/venv-schemathesis (python3 -m venv + pip, pinned). Bounded by examples per operation and
 * by time. A failure: a 5xx (not_a_server_error) or a status code the document does not list
 * (status_code_conformance).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../bench/stack.js';
import type { ChaosStack } from './stack.js';

export const SCHEMATHESIS_VERSION = '4.32.5';
const venv = path.join(projectRoot, '.tools', 'venv-schemathesis');
const schemathesisBin = path.join(venv, 'bin', 'schemathesis');

function run(
  command: string,
  args: string[],
  timeoutMs: number,
  cwd = projectRoot,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function ensureSchemathesis(log: (line: string) => void): Promise<void> {
  if (existsSync(schemathesisBin)) {
    const version = await run(schemathesisBin, ['--version'], 60_000);
    if (version.output.includes(SCHEMATHESIS_VERSION)) return;
  }
  log(`fuzz: installing schemathesis ${SCHEMATHESIS_VERSION} into ${path.relative(projectRoot, venv)}`);
  const created = await run('python3', ['-m', 'venv', venv], 120_000);
  if (created.code !== 0) throw new Error(`python3 -m venv failed: ${created.output.slice(-500)}`);
  const pip = path.join(venv, 'bin', 'pip');
  const installed = await run(pip, ['install', '-q', `schemathesis==${SCHEMATHESIS_VERSION}`], 600_000);
  if (installed.code !== 0) throw new Error(`pip install schemathesis failed: ${installed.output.slice(-500)}`);
}

export interface FuzzOutcome {
  operations: number;
  testCases: number;
  failures: string[];
  durationMs: number;
}

export async function fuzzGateway(
  stack: ChaosStack,
  options: { dir: string; maxExamples: number; maxSeconds: number; log: (line: string) => void },
): Promise<FuzzOutcome> {
  const started = Date.now();
  await ensureSchemathesis(options.log);
  const gateway = stack.gatewayUrls[0] ?? '';
  const junit = path.join(options.dir, 'schemathesis-junit.xml');
  const args = [
    'run',
    `${gateway}/openapi.json`,
    '--url',
    gateway,
    '-H',
    `Authorization: Bearer ${stack.apiKey}`,
    '--checks',
    'not_a_server_error,status_code_conformance',
    '--phases',
    'examples,coverage,fuzzing',
    '--max-examples',
    String(options.maxExamples),
    '--max-time',
    String(options.maxSeconds),
    '--request-timeout',
    '30',
    '--workers',
    '1',
    '--seed',
    '20261201',
    '--continue-on-failure',
    '--report',
    'junit',
    '--report-junit-path',
    junit,
  ];
  options.log(
    `fuzz: schemathesis ${args.slice(0, 2).join(' ')} (≤ ${options.maxExamples} examples per operation, ≤ ${options.maxSeconds}s)`,
  );
  // In the run's temp folder: schemathesis keeps its example database (.schemathesis/) in its working directory.
  const result = await run(schemathesisBin, args, (options.maxSeconds + 300) * 1000, options.dir);
  const xml = await readFile(junit, 'utf8').catch(() => '');
  const operations = (xml.match(/<testcase /g) ?? []).length;
  const failures: string[] = [];
  // Self-closed <testcase …/> passed; <testcase …>…</testcase> holds its failures.
  for (const match of xml.matchAll(/<testcase ([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[2] ?? '';
    if (!/<(failure|error)/.test(body)) continue;
    const name = /name="([^"]+)"/.exec(match[1] ?? '')?.[1] ?? '?';
    const checks = [
      ...new Set(
        [...body.matchAll(/- (ST\d+ [^\n]+|[A-Z][^\n]{0,60})\n\n\s+Received: (\d+)/g)].map(
          (m) => `${m[1]?.trim()} ${m[2]}`,
        ),
      ),
    ];
    const codes = [
      ...new Set([...body.matchAll(/&quot;code&quot;:&quot;(\w+)&quot;|"code":"(\w+)"/g)].map((m) => m[1] ?? m[2])),
    ];
    failures.push(
      `${name}: ${checks.slice(0, 3).join('; ') || 'failed'}${codes.length ? ` (${codes.slice(0, 3).join(', ')})` : ''}`,
    );
  }
  const testCases = Number(/(\d+) (?:generated|test cases)/.exec(result.output)?.[1] ?? 0);
  if (!xml) failures.push(`schemathesis wrote no report (exit ${result.code}): ${result.output.slice(-400)}`);
  return { operations, testCases, failures, durationMs: Date.now() - started };
}
