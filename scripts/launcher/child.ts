/**
 * A child process of the launcher: its own process group (so stopping it also stops what it spawned, e.g. tsx's
 * node), output prefixed with its name, the last lines kept for the report when it dies.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** How long SIGTERM may take before SIGKILL. */
  graceMs: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const COLORS = [36, 35, 33, 32, 34, 31];
const KEEP_LINES = 30;

export class ManagedChild {
  readonly spec: ChildSpec;
  readonly process: ChildProcess;
  readonly exited: Promise<ChildExit>;
  exit: ChildExit | undefined;
  private readonly recent: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(spec: ChildSpec, colorIndex: number, prefixWidth: number, write: (text: string) => void) {
    this.spec = spec;
    const color = process.stdout.isTTY ? COLORS[colorIndex % COLORS.length] : undefined;
    const label = spec.name.padEnd(prefixWidth);
    const prefix = color ? `\u001b[${color}m${label} |\u001b[0m ` : `${label} | `;

    this.process = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true, // a new process group, signalled as a whole
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.process.once('error', (err) => {
        this.remember(`failed to start: ${err.message}`);
        this.exit = { code: 127, signal: null };
        resolve(this.exit);
      });
    });
    for (const stream of [this.process.stdout, this.process.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.remember(line);
        write(`${prefix}${line}\n`);
        for (const listener of this.lineListeners) listener(line);
      });
    }
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  lastLines(): string[] {
    return [...this.recent];
  }

  /** Resolves when a line of output matches; never rejects (the caller races it with a timeout and the exit). */
  waitForLine(pattern: RegExp): Promise<string> {
    const seen = this.recent.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const listener = (line: string): void => {
        if (!pattern.test(line)) return;
        this.lineListeners.delete(listener);
        resolve(line);
      };
      this.lineListeners.add(listener);
    });
  }

  /** SIGTERM to the group, SIGKILL after the grace period; then makes sure nothing of the group is left. */
  async stop(graceMs: number = this.spec.graceMs): Promise<ChildExit> {
    const pid = this.pid;
    if (pid === undefined) return this.exited;
    if (this.running) {
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // The leader may be gone while something it spawned still holds a port.
    if (groupExists(pid)) signalGroup(pid, 'SIGKILL');
    return this.exited;
  }

  kill(): void {
    if (this.pid !== undefined) signalGroup(this.pid, 'SIGKILL');
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > KEEP_LINES) this.recent.shift();
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
