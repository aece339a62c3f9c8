/**
 * Secret sealing (common/secret-seal.ts) and where a sealed secret is opened: only by the provider HTTP core, while
 * it writes the request body. The PII codec, even given the same key material, cannot open one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ProviderHttpClient, SECRET_UNREADABLE } from '../../activities/http/client.js';
import { AesGcmPayloadCodec } from '../../common/codec.js';
import { ConfigError, parseConfig } from '../../common/config.js';
import { setLogSink } from '../../common/log.js';
import { isSealedSecret, SecretKeyRing, SecretUnreadableError } from '../../common/secret-seal.js';
import { SEALED_SECRET_MESSAGE, sealedSecretRule } from '../../contract/secrets.js';

const keyOf = (fill: number) => Buffer.alloc(32, fill).toString('base64');
const ring = SecretKeyRing.fromSpec(`seal-a:${keyOf(1)}`);

describe('SecretKeyRing', () => {
  it('seals to an opaque {sealed} shape that only a ring with the key opens', () => {
    const first = ring.seal('7392');
    const second = ring.seal('7392');
    expect(isSealedSecret(first)).toBe(true);
    expect(first.sealed).toMatch(/^seal-a\.[A-Za-z0-9_-]+$/);
    expect(JSON.stringify(first)).not.toContain('7392');
    // A fresh IV each time: two seals of one PIN do not even show they are equal.
    expect(first.sealed).not.toBe(second.sealed);
    expect(ring.open(first)).toBe('7392');
    expect(ring.open(second)).toBe('7392');
  });

  it('passes a clear value through (an Update accepted before sealing, still in flight)', () => {
    expect(ring.open('7392')).toBe('7392');
  });

  it('refuses another key, an unknown key id and altered data, naming the key, never the value', () => {
    const pin = ring.seal('7392');
    const otherMaterial = SecretKeyRing.fromSpec(`seal-a:${keyOf(2)}`);
    expect(() => otherMaterial.open(pin)).toThrow(SecretUnreadableError);
    const otherId = SecretKeyRing.fromSpec(`seal-b:${keyOf(1)}`);
    expect(() => otherId.open(pin)).toThrow(/key 'seal-a', which SECRET_SEAL_KEYS does not have \(it has: seal-b\)/);
    const body = pin.sealed.slice('seal-a.'.length);
    const altered = { sealed: `seal-a.${body.startsWith('A') ? 'B' : 'A'}${body.slice(1)}` };
    expect(() => ring.open(altered)).toThrow(SecretUnreadableError);
    try {
      otherMaterial.open(pin);
    } catch (err) {
      expect(String(err)).not.toContain('7392');
    }
  });

  it('opens secrets sealed before a rotation while the old key stays listed after the new one', () => {
    const before = ring.seal('7392');
    const rotated = SecretKeyRing.fromSpec(`seal-new:${keyOf(3)},seal-a:${keyOf(1)}`);
    expect(rotated.seal('1111').sealed).toMatch(/^seal-new\./);
    expect(rotated.open(before)).toBe('7392');
  });

  it('is not something the PII codec can open, even holding the same key material', async () => {
    const spec = `same:${keyOf(4)}`;
    const pin = SecretKeyRing.fromSpec(spec).seal('7392');
    const [keyId, body] = pin.sealed.split('.') as [string, string];
    const codec = AesGcmPayloadCodec.fromSpec(spec);
    const disguised = {
      metadata: {
        encoding: Buffer.from('binary/encrypted'),
        'encryption-key-id': Buffer.from(keyId),
      },
      data: Buffer.from(body, 'base64url'),
    };
    await expect(codec.decode([disguised])).rejects.toThrow(/authentication failed/);
  });

  it('is the shape the workflow validators want; a clear value is refused', () => {
    expect(sealedSecretRule(ring.seal('7392'))).toBeNull();
    expect(sealedSecretRule('7392')).toBe(SEALED_SECRET_MESSAGE);
    expect(sealedSecretRule({ sealed: 'no-dot' })).toBe(SEALED_SECRET_MESSAGE);
    expect(sealedSecretRule({ ...ring.seal('7392'), pin: '7392' })).toBe(SEALED_SECRET_MESSAGE);
  });
});

describe('SECRET_SEAL_KEYS', () => {
  const isolated = { PII_KEYS_FILE: '/nonexistent/pii-keys', SECRET_SEAL_KEYS_FILE: '/nonexistent/seal-keys' };

  it('refuses a malformed value naming the variable, never echoing key material', () => {
    const bad = { ...isolated, SECRET_SEAL_KEYS: 'k1:c2hvcnQ=' };
    expect(() => parseConfig(bad)).toThrow(ConfigError);
    expect(() => parseConfig(bad)).toThrow(/SECRET_SEAL_KEYS: SECRET_SEAL_KEYS key 'k1': expected 32 bytes/);
    expect(() => parseConfig(bad)).not.toThrow(/c2hvcnQ/);
  });

  it("comes from the launcher's key file when not set, so every process of the checkout agrees", () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'seal-keys-'));
    try {
      const keyFile = path.join(folder, 'secret-seal-keys');
      writeFileSync(keyFile, `local-seal:${keyOf(5)}\n`);
      expect(parseConfig({ ...isolated, SECRET_SEAL_KEYS_FILE: keyFile }).SECRET_SEAL_KEYS).toBe(
        `local-seal:${keyOf(5)}`,
      );
      expect(parseConfig(isolated).SECRET_SEAL_KEYS).toMatch(/^dev-seal-/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the provider HTTP core opens sealed secrets only in the bytes it sends', () => {
  function recordingFetch(sent: string[]): typeof fetch {
    return (async (_url: URL, init: RequestInit) => {
      sent.push(Buffer.from(init.body as Uint8Array).toString('utf8'));
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
  }
  const schema = { safeParse: (value: unknown) => ({ success: true as const, data: value }) };

  it('writes the clear PIN into the request body, sealed or (from an older Update) clear', async () => {
    const sent: string[] = [];
    const logged: string[] = [];
    const previous = setLogSink((line) => logged.push(line));
    try {
      const http = new ProviderHttpClient({
        provider: 'acme',
        baseUrl: 'http://provider.invalid',
        fetch: recordingFetch(sent),
        secrets: ring,
      });
      await http.request({ method: 'PUT', path: '/cards/c1/pin', body: { pin: ring.seal('7392') }, schema } as never);
      await http.request({ method: 'PUT', path: '/cards/c1/pin', body: { pin: '7393' }, schema } as never);
    } finally {
      setLogSink(previous);
    }
    expect(sent.map((body) => JSON.parse(body) as unknown)).toEqual([{ pin: '7392' }, { pin: '7393' }]);
    expect(logged.join('\n')).not.toMatch(/7392|7393/);
  });

  it('refuses, non-retryable and before any call, a sealed secret it has no key for', async () => {
    const sent: string[] = [];
    const withoutKeys = new ProviderHttpClient({
      provider: 'acme',
      baseUrl: 'http://provider.invalid',
      fetch: recordingFetch(sent),
    });
    const withOtherKey = new ProviderHttpClient({
      provider: 'acme',
      baseUrl: 'http://provider.invalid',
      fetch: recordingFetch(sent),
      secrets: SecretKeyRing.fromSpec(`seal-b:${keyOf(6)}`),
    });
    for (const http of [withoutKeys, withOtherKey]) {
      const failure = await http
        .request({ method: 'PUT', path: '/cards/c1/pin', body: { pin: ring.seal('7392') }, schema } as never)
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: SECRET_UNREADABLE, nonRetryable: true });
      expect(String((failure as Error).message)).not.toContain('7392');
    }
    expect(sent).toEqual([]);
  });
});
