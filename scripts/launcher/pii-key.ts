/**
 * The local stack's PII codec key. PII_KEYS from the environment wins; otherwise one random AES-256 key is made
 * once and kept in .data/pii-keys (mode 600), so payloads written before a restart still decrypt after it.
 * The secret seal key (SECRET_SEAL_KEYS, .data/secret-seal-keys) is kept the same way, in a file of its own.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';

export interface PiiKeySource {
  keys: string;
  origin: 'environment' | 'file' | 'generated';
}

function newKeyId(prefix: string, now: Date): string {
  return `${prefix}-${now.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export function ensurePiiKeys(keyFile: string, env: NodeJS.ProcessEnv = process.env, now = new Date()): PiiKeySource {
  return ensureKeys('PII_KEYS', 'local', keyFile, env, now);
}

/** SECRET_SEAL_KEYS for the local stack: from the environment, else kept in its own file like PII_KEYS. */
export function ensureSecretSealKeys(
  keyFile: string,
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
): PiiKeySource {
  return ensureKeys('SECRET_SEAL_KEYS', 'local-seal', keyFile, env, now);
}

function ensureKeys(
  variable: string,
  keyIdPrefix: string,
  keyFile: string,
  env: NodeJS.ProcessEnv,
  now: Date,
): PiiKeySource {
  const fromEnv = env[variable]?.trim();
  if (fromEnv) return { keys: fromEnv, origin: 'environment' };
  try {
    const stored = readFileSync(keyFile, 'utf8').trim();
    if (stored) {
      // Someone may have copied the file with a looser mode; the key is a secret.
      if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600);
      return { keys: stored, origin: 'file' };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const keys = `${newKeyId(keyIdPrefix, now)}:${randomBytes(32).toString('base64')}`;
  // 'wx': if another process wrote the file first, its key is the one to keep.
  try {
    writeFileSync(keyFile, `${keys}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return ensureKeys(variable, keyIdPrefix, keyFile, env, now);
    throw err;
  }
  return { keys, origin: 'generated' };
}
