/**
 * Two rules that keep every process of a checkout on the same keys, and production off the published ones:
 * - PII_KEYS, when not set, comes from PII_KEYS_FILE (default `.data/pii-keys`, the file `npm start` keeps), so
 *   a worker, gateway, script or library started by hand beside the launcher decrypts what the launcher's wrote;
 *   SECRET_SEAL_KEYS likewise from SECRET_SEAL_KEYS_FILE (default `.data/secret-seal-keys`);
 * - with NODE_ENV=production, a secret still at its built-in default (the dev PII key, API key, webhook secrets,
 *   provider sandbox credentials) stops the process, naming each variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';

export const DEFAULT_PII_KEYS_FILE = '.data/pii-keys';
export const DEFAULT_SECRET_SEAL_KEYS_FILE = '.data/secret-seal-keys';

type Environment = Record<string, string | undefined>;

function withKeysFromFile(env: Environment, variable: string, fileVariable: string, defaultFile: string): Environment {
  if (env[variable]?.trim()) return env;
  const file = env[fileVariable]?.trim() || defaultFile;
  if (!existsSync(file)) return env;
  const keys = readFileSync(file, 'utf8').trim();
  return keys ? { ...env, [variable]: keys } : env;
}

/** The environment with PII_KEYS and SECRET_SEAL_KEYS read from their key files when only the files have them. */
export function withPiiKeysFromFile(env: Environment): Environment {
  const withPii = withKeysFromFile(env, 'PII_KEYS', 'PII_KEYS_FILE', DEFAULT_PII_KEYS_FILE);
  return withKeysFromFile(withPii, 'SECRET_SEAL_KEYS', 'SECRET_SEAL_KEYS_FILE', DEFAULT_SECRET_SEAL_KEYS_FILE);
}

/** Variables that hold a secret, by name: whatever provider fragment they come from. */
const SECRET_NAME = /(SECRET|PASSWORD|TOKEN|API_KEY|API_KEYS|PII_KEYS|SEAL_KEYS)$/;

/** The secret variables whose value is still the schema's built-in default. */
export function secretsAtTheirDefault(shape: Record<string, z.ZodType>, values: Record<string, unknown>): string[] {
  return Object.entries(shape)
    .filter(([name]) => SECRET_NAME.test(name))
    .filter(([name, field]) => {
      const fallback = field.safeParse(undefined);
      return fallback.success && fallback.data !== undefined && fallback.data === values[name];
    })
    .map(([name]) => name);
}
