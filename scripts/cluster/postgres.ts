/**
 * PostgreSQL 15 for the cluster, in a data folder of the project's: initialised once (user `temporal`, trust on
 * 127.0.0.1 only), TCP only, as the `postgres` user when we are root (PostgreSQL refuses to run as root), then
 * Temporal's two databases created or migrated by schema.sh with the schema tool.
 */
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { waitUntil } from '../launcher/probes.js';
import type { ProcessSet } from './processes.js';
import { spec } from './processes.js';
import { POSTGRES_BIN_DIR, TEMPORAL_CONFIG_DIR, TEMPORAL_SCHEMA_DIR, TEMPORAL_SQL_TOOL_BIN, run } from './tools.js';

export const POSTGRES_USER = 'temporal';
export const POSTGRES_PASSWORD = 'temporal';

export interface PostgresOptions {
  dataDir: string;
  port: number;
  /** fsync off: for throwaway test clusters, where a machine crash loses nothing worth keeping. */
  ephemeral: boolean;
  log: (line: string) => void;
}

const asRoot = process.getuid?.() === 0;

/** The command line that runs a PostgreSQL binary as the user that owns the data folder. */
function asPostgresUser(binary: string, args: string[]): { command: string; args: string[] } {
  const full = path.join(POSTGRES_BIN_DIR, binary);
  return asRoot ? { command: 'runuser', args: ['-u', 'postgres', '--', full, ...args] } : { command: full, args };
}

function ownDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!asRoot) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dataDir, uid, gid);
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dataDir]);
  } catch {
    throw new Error(
      `the postgres user cannot reach ${dataDir}: a parent folder is not traversable for others (chmod o+x it), ` +
        'or run the cluster from a checkout under a folder that is',
    );
  }
}

export async function startPostgres(processes: ProcessSet, options: PostgresOptions): Promise<void> {
  const { dataDir, port, log } = options;
  if (!existsSync(path.join(POSTGRES_BIN_DIR, 'postgres'))) {
    throw new Error(
      `PostgreSQL 15 is not in ${POSTGRES_BIN_DIR}: install postgresql-15 (Debian/Ubuntu) or set POSTGRES_BIN_DIR`,
    );
  }
  ownDataDir(dataDir);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`postgres: initialising ${dataDir}`);
    const init = asPostgresUser('initdb', [
      '-D',
      dataDir,
      '-U',
      POSTGRES_USER,
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    await run(init.command, init.args, { cwd: '/' });
  }
  const settings = [
    `port=${port}`,
    'listen_addresses=127.0.0.1',
    'unix_socket_directories=',
    'max_connections=300',
    // Temporal reports what fails; PostgreSQL's own account of each failed statement is noise in the log.
    'log_min_messages=fatal',
    'log_min_error_statement=panic',
    ...(options.ephemeral ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  const server = asPostgresUser('postgres', ['-D', dataDir, ...settings.flatMap((setting) => ['-c', setting])]);
  processes.start(spec('postgres', server.command, server.args, process.env, '/', 30_000));
  const isReady = asPostgresUser('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-q']);
  await waitUntil(
    () =>
      run(isReady.command, isReady.args, { cwd: '/' }).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 60_000, intervalMs: 300, stopped: () => !processes.get('postgres')?.running },
  );
  if (!processes.get('postgres')?.running) {
    throw new Error(`postgres exited at start:\n${processes.get('postgres')?.lastLines().join('\n')}`);
  }
  log(`postgres: ready on 127.0.0.1:${port}`);
  await run('sh', [path.join(TEMPORAL_CONFIG_DIR, 'schema.sh')], {
    env: {
      ...process.env,
      SQL_TOOL: TEMPORAL_SQL_TOOL_BIN,
      SCHEMA_DIR: TEMPORAL_SCHEMA_DIR,
      POSTGRES_HOST: '127.0.0.1',
      POSTGRES_PORT: String(port),
      POSTGRES_USER,
      POSTGRES_PASSWORD,
    },
    log: (line) => log(`schema: ${line}`),
  });
}

/** Fast shutdown (SIGINT: open transactions rolled back, no waiting for clients), SIGKILL after its grace. */
export async function stopPostgres(processes: ProcessSet): Promise<void> {
  await processes.stop('postgres', 'SIGINT');
}
