/**
 * Where the cluster's pieces live and how its processes are started: the Temporal server and schema tool that
 * build-server.sh puts in .tools, PostgreSQL 15, free ports, and the one command line of our own processes.
 */
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { freePort as systemFreePort } from '../launcher/ports.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEMPORAL_CONFIG_DIR = path.join(projectRoot, 'scripts', 'cluster', 'temporal');
/** `--env onboarding`: the server loads onboarding.yaml from the config folder. */
export const TEMPORAL_CONFIG_ENV = 'onboarding';
export const TEMPORAL_SERVER_BIN = path.join(projectRoot, '.tools', 'bin', 'temporal-server');
export const TEMPORAL_SQL_TOOL_BIN = path.join(projectRoot, '.tools', 'bin', 'temporal-sql-tool');
export const TEMPORAL_SCHEMA_DIR = path.join(projectRoot, '.tools', 'temporal-schema');
export const POSTGRES_BIN_DIR = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/**
 * The command that runs one of our entry files (workers/main.ts, client/gateway/main.ts, sandbox/main.ts): tsx on
 * the sources, or with CLUSTER_COMPILED=1 node on what a build put in dist/ (dist/workers/main.js…). The one place
 * to make compiled code the default once `npm run build` is part of the project.
 */
export function appCommand(entry: string): { command: string; args: string[] } {
  const compiled = path.join(projectRoot, 'dist', entry.replace(/\.ts$/, '.js'));
  if (process.env.CLUSTER_COMPILED === '1') {
    if (!existsSync(compiled)) throw new Error(`CLUSTER_COMPILED=1 but ${compiled} is missing: run npm run build`);
    return { command: process.execPath, args: ['--enable-source-maps', compiled] };
  }
  return { command: path.join(projectRoot, 'node_modules', '.bin', 'tsx'), args: [path.join(projectRoot, entry)] };
}

/** Builds the server and schema tool unless they are there (scripts/cluster/build-server.sh; minutes the first time). */
export async function ensureServerBuilt(log: (line: string) => void): Promise<void> {
  const ready = [TEMPORAL_SERVER_BIN, TEMPORAL_SQL_TOOL_BIN, TEMPORAL_SCHEMA_DIR].every((file) => existsSync(file));
  if (ready) return;
  log('building the Temporal server with go install (first run only; a few minutes)');
  await run('bash', [path.join(projectRoot, 'scripts', 'cluster', 'build-server.sh')], { log });
}

/** Runs a command to its end; rejects with its last output when it fails. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? projectRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString();
      output = (output + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim()) options.log?.(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${signal ?? code}):\n${output}`));
    });
  });
}

function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

/**
 * A free port below 32768: Temporal keeps its services' membership ports in a smallint column of PostgreSQL, and
 * the ports the system hands out (32768 and up on Linux) do not fit.
 */
export async function freeLowPort(preferred?: number): Promise<number> {
  if (preferred !== undefined && !handedOut.has(preferred) && (await portIsFree(preferred))) {
    handedOut.add(preferred);
    return preferred;
  }
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!handedOut.has(port) && (await portIsFree(port))) {
      handedOut.add(port);
      return port;
    }
  }
}

/** `preferred` when it is free (npm run cluster's familiar ports), else one the system picks; never twice. */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred !== undefined && !handedOut.has(preferred) && (await portIsFree(preferred))) {
    handedOut.add(preferred);
    return preferred;
  }
  for (;;) {
    const port = await systemFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
