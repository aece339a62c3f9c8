/**
 * What the codec endpoint shows to whom. After the PII codec has decrypted the Web UI's payloads, a caller whose
 * API key lacks `pii.read` gets them back with personal data masked: the same sensitive keys (and SSN- or
 * email-shaped text under any key) that common/log.ts keeps out of the logs. Only `json/plain` payloads are
 * rewritten (decode → mask → re-encode, metadata unchanged); anything else is returned as it is.
 *
 * Secrets are not this module's business: they were sealed at the edge (common/secret-seal.ts) and stay sealed for
 * every caller, `pii.read` included; masking only hides even their sealed form from callers without it.
 */
import { API_KEY_SCOPES } from './api-keys.js';
import type { ApiKeyScope } from './api-keys.js';
import type { JsonPayloads } from './codec.js';
import { isSensitiveKey, REDACTED, redact } from './log.js';

export const PII_READ_SCOPE: ApiKeyScope = 'pii.read';

const JSON_PLAIN = Buffer.from('json/plain').toString('base64');

/** A copy of a parsed JSON value with every sensitive key's value, and PII-shaped text anywhere, masked. */
export function maskPii(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(maskPii);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      isSensitiveKey(key) && item !== null && item !== undefined ? REDACTED : maskPii(item),
    ]),
  );
}

function maskPayload(payload: JsonPayloads['payloads'][number]): JsonPayloads['payloads'][number] {
  if (payload.metadata?.encoding !== JSON_PLAIN || payload.data === undefined) return payload;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
  } catch {
    return payload; // says json/plain but is not: nothing we can read, so nothing we can mask; left as is
  }
  return { ...payload, data: Buffer.from(JSON.stringify(maskPii(parsed)), 'utf8').toString('base64') };
}

/** The decoded payloads as a caller without `pii.read` may see them. */
export function maskPayloadsJson(decoded: JsonPayloads): JsonPayloads {
  return { payloads: decoded.payloads.map(maskPayload) };
}

/** GATEWAY_CODEC_UI_SCOPES: `+`- (or comma-) separated scopes, empty for none; `problem` names what is wrong. */
export function parseCodecUiScopes(spec: string): { scopes: ReadonlySet<ApiKeyScope>; problem?: string } {
  const names = spec
    .split(/[+,]/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const known = (name: string): name is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(name);
  const unknown = names.filter((name) => !known(name));
  const scopes = new Set(names.filter(known));
  return unknown.length > 0
    ? { scopes, problem: `scopes are ${API_KEY_SCOPES.join(', ')} joined by +; unknown: ${unknown.join(', ')}` }
    : { scopes };
}
