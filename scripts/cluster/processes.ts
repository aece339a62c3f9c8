/**
 * The cluster's processes, each in its own process group (scripts/launcher/child.ts), restartable by name, with
 * output forwarded line by line to the cluster's log.
 */
import { ManagedChild, groupExists, signalGroup } from '../launcher/child.js';
import type { ChildSpec } from '../launcher/child.js';

const LABEL_WIDTH = 12;

export class ProcessSet {
  private readonly children = new Map<string, ManagedChild>();
  private readonly everStarted = new Set<number>();
  private colour = 0;

  constructor(private readonly log: (line: string) => void) {
    // A test runner that exits without stop() (a crash, a timeout) must not leave the cluster running.
    process.once('exit', this.killAllNow);
  }

  start(spec: ChildSpec): ManagedChild {
    const running = this.children.get(spec.name);
    if (running?.running) throw new Error(`${spec.name} is already running (pid ${running.pid})`);
    const child = new ManagedChild(spec, this.colour++, LABEL_WIDTH, (text) => this.log(text.replace(/\n$/, '')));
    this.children.set(spec.name, child);
    if (child.pid !== undefined) this.everStarted.add(child.pid);
    return child;
  }

  get(name: string): ManagedChild | undefined {
    return this.children.get(name);
  }

  /** Stops one process: SIGTERM (or `signal`) to its group, SIGKILL after its grace period. */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.children.get(name);
    if (!child?.pid) return;
    if (signal === 'SIGKILL') {
      child.kill();
      await child.exited;
    } else if (signal === 'SIGTERM') {
      await child.stop();
    } else {
      if (child.running) signalGroup(child.pid, signal);
      const timer = setTimeout(() => child.kill(), child.spec.graceMs);
      await child.exited;
      clearTimeout(timer);
    }
    if (groupExists(child.pid)) signalGroup(child.pid, 'SIGKILL');
  }

  /** Every process group this set ever started that still has a member. */
  alive(): number[] {
    return [...this.everStarted].filter((pid) => groupExists(pid));
  }

  /** Every pid this set ever started (for a test that checks none is left). */
  allPids(): number[] {
    return [...this.everStarted];
  }

  /** SIGKILL to every group still there (something a process spawned and left behind). */
  killLeftovers(): void {
    this.killAllNow();
  }

  detach(): void {
    process.off('exit', this.killAllNow);
  }

  private readonly killAllNow = (): void => {
    for (const pid of this.everStarted) if (groupExists(pid)) signalGroup(pid, 'SIGKILL');
  };
}

/** A ChildSpec with the cluster's defaults. */
export function spec(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  graceMs = 10_000,
): ChildSpec {
  return { name, command, args, env, cwd, graceMs };
}
