/**
 * `npm run cluster` as a person runs it: up, then Ctrl-C (SIGINT to its process group, as a terminal sends it),
 * and afterwards no process of the stack is alive: every descendant of the launcher, seen in /proc while it ran.
 * One worker and one gateway, to keep it light beside test/cluster/cluster.test.ts.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/temporal.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onboarding-cluster-cli-'));
chmodSync(dataDir, 0o711); // the postgres user passes through to its folder inside

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every process whose parent chain leads to `root` (Linux /proc). */
function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  const found = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!found.has(pid) && (ppid === root || found.has(ppid))) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}

describe('npm run cluster', () => {
  it.runIf(existsSync('/proc/self/stat'))(
    'prints the endpoints, and on Ctrl-C stops leaving no process behind',
    async () => {
      const launcher = spawn(
        path.join(projectRoot, 'node_modules', '.bin', 'tsx'),
        [path.join(projectRoot, 'scripts', 'cluster.ts'), '--workers', '1', '--gateways', '1', '--tsx'].concat([
          '--data-dir',
          dataDir,
          '--free-ports',
        ]),
        { cwd: projectRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
      const seen = new Set<number>();
      let stoppedCleanly = false;
      try {
        const deadline = Date.now() + 15 * 60_000;
        while (!output.includes('Press Ctrl-C')) {
          if (launcher.exitCode !== null) throw new Error(`npm run cluster exited early:\n${output.slice(-3000)}`);
          if (Date.now() > deadline) throw new Error(`npm run cluster not up in time:\n${output.slice(-3000)}`);
          for (const pid of descendantsOf(launcher.pid ?? -1)) seen.add(pid);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        for (const pid of descendantsOf(launcher.pid ?? -1)) seen.add(pid);
        expect(output).toMatch(/Temporal gRPC +127\.0\.0\.1:\d+/);
        expect(output).toMatch(/gateway-0 +http:\/\/127\.0\.0\.1:\d+/);
        // PostgreSQL and its helpers, four Temporal services, sandbox, worker, gateway (and their tsx wrappers).
        expect(seen.size).toBeGreaterThanOrEqual(8);

        process.kill(-(launcher.pid ?? 0), 'SIGINT');
        expect(await exited).toBe(0);
        stoppedCleanly = true;
        expect(output).toContain('no process left');
        const alive = [...seen].filter((pid) => existsSync(`/proc/${pid}`));
        expect(alive).toEqual([]);
      } finally {
        // A failure above must not leave a cluster running: its own stop first, then whatever it started, by pid.
        if (!stoppedCleanly && launcher.exitCode === null) {
          process.kill(-(launcher.pid ?? 0), 'SIGTERM');
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
        }
        for (const pid of stoppedCleanly ? [] : [launcher.pid ?? 0, ...seen]) {
          if (existsSync(`/proc/${pid}`)) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // Already gone.
            }
          }
        }
      }
    },
    20 * 60_000,
  );
});
