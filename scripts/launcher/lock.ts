/**
 * One `npm start` per checkout: a lock file in .data holding the launcher's pid and its children's pids. A lock
 * whose launcher is gone is stale (a crash, a SIGKILL) and is taken over; children it left behind are reported so
 * the new launcher can stop them before it binds the same ports.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';

export interface LockRecord {
  pid: number;
  startedAt: string;
  children: { name: string; pid: number }[];
}

export type AcquireResult = { acquired: true; staleLock?: LockRecord } | { acquired: false; holder: LockRecord };

export type IsAlive = (pid: number) => boolean;

const FRESH_LOCK_MS = 2000;

function lockAgeReference(lockPath: string): number {
  try {
    return statSync(lockPath).mtimeMs;
  } catch {
    return 0;
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(lockPath: string): LockRecord | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockRecord>;
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : 'unknown',
      children: Array.isArray(parsed.children) ? parsed.children : [],
    };
  } catch {
    // A lock cut short by a crash mid-write: no live owner can be proven, so it is stale.
    return { pid: -1, startedAt: 'unknown', children: [] };
  }
}

/**
 * Takes the lock atomically (O_EXCL). A lock held by a live process wins; a stale one is removed and the take is
 * retried once, so two launchers racing over the same stale lock cannot both succeed.
 */
export function acquireLock(
  lockPath: string,
  pid: number = process.pid,
  isAlive: IsAlive = processIsAlive,
): AcquireResult {
  let staleLock: LockRecord | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const record: LockRecord = { pid, startedAt: new Date().toISOString(), children: [] };
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(record));
      } finally {
        closeSync(fd);
      }
      return staleLock ? { acquired: true, staleLock } : { acquired: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(lockPath);
    if (holder && holder.pid > 0 && holder.pid !== pid && isAlive(holder.pid)) return { acquired: false, holder };
    // An unreadable lock written a moment ago is most likely another launcher between its open and its write.
    if (holder && holder.pid <= 0 && Date.now() - lockAgeReference(lockPath) < FRESH_LOCK_MS) {
      return { acquired: false, holder };
    }
    staleLock = holder;
    rmSync(lockPath, { force: true });
  }
  const holder = readLock(lockPath);
  return { acquired: false, holder: holder ?? { pid: -1, startedAt: 'unknown', children: [] } };
}

/** Records the children's pids in the lock (written atomically), so a later launcher can find what a crash left. */
export function updateLockChildren(lockPath: string, children: LockRecord['children']): void {
  const current = readLock(lockPath);
  if (!current || current.pid !== process.pid) return;
  const temporary = `${lockPath}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ ...current, children }), { mode: 0o600 });
  renameSync(temporary, lockPath);
}

/** Removes the lock only if this process still owns it. */
export function releaseLock(lockPath: string, pid: number = process.pid): void {
  const current = readLock(lockPath);
  if (current && current.pid === pid) rmSync(lockPath, { force: true });
}
