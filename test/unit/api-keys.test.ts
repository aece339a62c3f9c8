import { describe, expect, it } from 'vitest';
import { ApiKeysInvalid, firstApiKey, parseApiKeys } from '../../common/api-keys.js';
import { createApiKeyAuth } from '../../client/gateway/auth.js';
import { parseConfig } from '../../common/config.js';

describe('API keys with identities and scopes', () => {
  it('reads bare, named and scoped entries', () => {
    const [bare, named, scoped] = parseApiKeys('plain-key-1, alice:alice-key-1 ,ops-bob:bob-key-123:operator+pii.read');
    expect(bare?.identity).toMatch(/^key-[0-9a-f]{8}$/);
    expect([...(bare?.scopes ?? [])]).toEqual(['onboarding', 'operator']);
    expect(named?.identity).toBe('alice');
    expect([...(named?.scopes ?? [])]).toEqual(['onboarding', 'operator']);
    expect(scoped?.identity).toBe('ops-bob');
    expect([...(scoped?.scopes ?? [])].sort()).toEqual(['operator', 'pii.read']);
  });

  it('refuses unknown scopes, short keys and repeated identities, naming the entry and never the key', () => {
    expect(() => parseApiKeys('alice:alice-key-1:admin')).toThrow(/entry 1 \(alice\).*unknown: admin/);
    expect(() => parseApiKeys('ok-key-123,short')).toThrow(/entry 2: a key has 8 or more/);
    expect(() => parseApiKeys('a:key-aaaa-1,a:key-bbbb-2')).toThrow(/identity a is given twice/);
    try {
      parseApiKeys('alice:secret-value-9:nope');
    } catch (err) {
      expect(err).toBeInstanceOf(ApiKeysInvalid);
      expect(String(err)).not.toContain('secret-value-9');
    }
    expect(() => parseConfig({ GATEWAY_API_KEYS: 'alice:alice-key-1:root' })).toThrow(/GATEWAY_API_KEYS: entry 1/);
  });

  it('resolves a bearer key to its caller, and nothing else', () => {
    const auth = createApiKeyAuth('alice:alice-key-1:onboarding,bob:bob-key-123:operator');
    expect(auth('Bearer bob-key-123')?.identity).toBe('bob');
    expect(auth('Bearer alice-key-1')?.scopes.has('operator')).toBe(false);
    expect(auth('Bearer alice-key-2')).toBeUndefined();
    expect(auth('alice-key-1')).toBeUndefined();
    expect(auth(undefined)).toBeUndefined();
  });

  it('gives local scripts the key of the first entry', () => {
    expect(firstApiKey('dev:dev-api-key:onboarding,x:other-key-1')).toBe('dev-api-key');
    expect(firstApiKey('dev-api-key')).toBe('dev-api-key');
  });
});
