import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, processIsAlive, readLock, releaseLock, updateLockChildren } from '../../scripts/launcher/lock.js';
import { ensurePiiKeys, ensureSecretSealKeys } from '../../scripts/launcher/pii-key.js';

let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'launcher-lock-'));
  lockPath = path.join(dir, 'start.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('launcher lock file', () => {
  it('is taken when absent and records the pid', () => {
    expect(acquireLock(lockPath, 4242, () => false)).toEqual({ acquired: true });
    expect(readLock(lockPath)?.pid).toBe(4242);
    expect(statSync(lockPath).mode & 0o777).toBe(0o600);
  });

  it('refuses a second launcher while the holder is alive', () => {
    acquireLock(lockPath, 4242, () => false);
    const second = acquireLock(lockPath, 5353, (pid) => pid === 4242);
    expect(second.acquired).toBe(false);
    if (!second.acquired) expect(second.holder.pid).toBe(4242);
    expect(readLock(lockPath)?.pid).toBe(4242);
  });

  it('takes over a stale lock and hands back what it recorded', () => {
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: 4242, startedAt: 'then', children: [{ name: 'temporal', pid: 4243 }] }),
    );
    const result = acquireLock(lockPath, 5353, () => false);
    expect(result.acquired).toBe(true);
    if (result.acquired) expect(result.staleLock?.children).toEqual([{ name: 'temporal', pid: 4243 }]);
    expect(readLock(lockPath)?.pid).toBe(5353);
  });

  it('treats an old truncated lock file as stale, a fresh one as being written', () => {
    writeFileSync(lockPath, '{"pid": 12');
    expect(acquireLock(lockPath, 5353, () => true).acquired).toBe(false);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lockPath, aMinuteAgo, aMinuteAgo);
    expect(acquireLock(lockPath, 5353, () => true).acquired).toBe(true);
    expect(readLock(lockPath)?.pid).toBe(5353);
  });

  it('records children and is released only by its owner', () => {
    acquireLock(lockPath);
    updateLockChildren(lockPath, [{ name: 'worker', pid: 777 }]);
    expect(readLock(lockPath)?.children).toEqual([{ name: 'worker', pid: 777 }]);
    releaseLock(lockPath, process.pid + 1);
    expect(readLock(lockPath)).toBeDefined();
    releaseLock(lockPath);
    expect(readLock(lockPath)).toBeUndefined();
  });

  it('sees this process as alive and a nonsense pid as gone', () => {
    expect(processIsAlive(process.pid)).toBe(true);
    expect(processIsAlive(-1)).toBe(false);
    expect(processIsAlive(2 ** 22 + 1)).toBe(false);
  });
});

describe('local PII key', () => {
  it('prefers PII_KEYS from the environment and writes nothing', () => {
    const keyFile = path.join(dir, 'pii-keys');
    expect(ensurePiiKeys(keyFile, { PII_KEYS: 'k1:abc' })).toEqual({ keys: 'k1:abc', origin: 'environment' });
    expect(() => statSync(keyFile)).toThrow();
  });

  it('generates one 32-byte key once, mode 600, and reuses it', () => {
    const keyFile = path.join(dir, 'pii-keys');
    const first = ensurePiiKeys(keyFile, {}, new Date('2026-01-02T00:00:00Z'));
    expect(first.origin).toBe('generated');
    const [keyId, key] = first.keys.split(':');
    expect(keyId).toBe('local-20260102');
    expect(Buffer.from(key ?? '', 'base64')).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = ensurePiiKeys(keyFile, {});
    expect(second).toEqual({ keys: first.keys, origin: 'file' });
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(first.keys);
  });
  it('keeps the secret seal key the same way, in a file of its own, from its own variable', () => {
    const keyFile = path.join(dir, 'secret-seal-keys');
    expect(ensureSecretSealKeys(keyFile, { SECRET_SEAL_KEYS: 's1:abc', PII_KEYS: 'k1:abc' })).toEqual({
      keys: 's1:abc',
      origin: 'environment',
    });
    const first = ensureSecretSealKeys(keyFile, { PII_KEYS: 'k1:abc' }, new Date('2026-01-02T00:00:00Z'));
    expect(first.origin).toBe('generated');
    expect(first.keys).toMatch(/^local-seal-20260102:/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(ensureSecretSealKeys(keyFile, {})).toEqual({ keys: first.keys, origin: 'file' });
  });
});
