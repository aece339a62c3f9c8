/**
 * API keys with an identity and scopes, from GATEWAY_API_KEYS. Each comma-separated entry is one of
 *   `<key>`                        a key known by its digest (`key-<8 hex>`), scopes `onboarding` and `operator`
 *   `<identity>:<key>`             the same scopes, under a name the logs and the timeline show
 *   `<identity>:<key>:<scope>+...` exactly these scopes
 * A bare or named key never carries `pii.read`: reading PII through the codec endpoint is granted by name only.
 */
import { createHash } from 'node:crypto';

export const API_KEY_SCOPES = ['onboarding', 'operator', 'pii.read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** What a key may do when its entry names no scopes (the behaviour of keys before scopes existed, minus PII). */
export const DEFAULT_API_KEY_SCOPES: readonly ApiKeyScope[] = ['onboarding', 'operator'];

const IDENTITY_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
const KEY_PATTERN = /^[^\s:,]{8,}$/;

export interface ApiKeyEntry {
  identity: string;
  /** SHA-256 of the key: the key itself is never kept beyond parsing. */
  digest: Buffer;
  scopes: ReadonlySet<ApiKeyScope>;
}

export class ApiKeysInvalid extends Error {
  override name = 'ApiKeysInvalid';
}

function isScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function parseEntry(entry: string, position: number): ApiKeyEntry {
  const parts = entry.split(':');
  if (parts.length > 3)
    throw new ApiKeysInvalid(`entry ${position}: use <key>, <identity>:<key> or <identity>:<key>:<scopes>`);
  const [first, second, third] = parts as [string, string | undefined, string | undefined];
  const key = second ?? first;
  if (!KEY_PATTERN.test(key)) {
    throw new ApiKeysInvalid(`entry ${position}: a key has 8 or more characters, no spaces, colons or commas`);
  }
  const digest = digestOf(key);
  const identity = second === undefined ? `key-${digest.toString('hex').slice(0, 8)}` : first;
  if (!IDENTITY_PATTERN.test(identity)) {
    throw new ApiKeysInvalid(`entry ${position}: the identity must match ${IDENTITY_PATTERN.source}`);
  }
  if (third === undefined) return { identity, digest, scopes: new Set(DEFAULT_API_KEY_SCOPES) };
  const scopes = third.split('+').filter((scope) => scope.length > 0);
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new ApiKeysInvalid(
      `entry ${position} (${identity}): scopes are ${API_KEY_SCOPES.join(', ')} joined by +` +
        (unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''),
    );
  }
  return { identity, digest, scopes: new Set(scopes.filter(isScope)) };
}

/** Every entry of GATEWAY_API_KEYS; throws ApiKeysInvalid naming the entry (never echoing a key). */
export function parseApiKeys(spec: string): ApiKeyEntry[] {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry, index) => parseEntry(entry, index + 1));
  if (entries.length === 0) throw new ApiKeysInvalid('no key given');
  const identities = new Set<string>();
  for (const entry of entries) {
    if (identities.has(entry.identity)) throw new ApiKeysInvalid(`identity ${entry.identity} is given twice`);
    identities.add(entry.identity);
  }
  return entries;
}

/** The key itself of the first entry: what local scripts (the demo) send. */
export function firstApiKey(spec: string): string {
  const first = spec.split(',')[0]?.trim() ?? '';
  const parts = first.split(':');
  return (parts.length === 1 ? parts[0] : parts[1]) ?? '';
}
