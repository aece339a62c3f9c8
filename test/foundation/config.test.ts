import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, parseConfig, taskQueueFor } from '../../common/config.js';
import { temporalTarget } from '../../common/temporal.js';
import { projectRoot } from '../helpers/temporal.js';

describe('config', () => {
  it('starts with no variables set: every default is valid', () => {
    const config = parseConfig({});
    expect(config.GATEWAY_PORT).toBe(3000);
    expect(config.SANDBOX_PORT).toBe(4010);
    expect(config.WORKER_METRICS_PORT).toBe(9464);
    expect(taskQueueFor(config, 'jiko')).toBe('onboarding-jiko');
  });

  it('names the bad variable and the value it got', () => {
    expect(() => parseConfig({ GATEWAY_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => parseConfig({ GATEWAY_PORT: 'eighty' })).toThrow(/GATEWAY_PORT: .*\(got "eighty"\)/);
  });

  it('documents every variable in README.md', () => {
    const docs = ['README.md']
      .map((file) => path.join(projectRoot, file))
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const undocumented = Object.keys(configSchema.shape).filter((key) => !docs.includes(`\`${key}\``));
    expect(undocumented).toEqual([]);
  });

  it("reads Netspend's webhook signature header and encoding (ASSUMED, so configurable)", () => {
    expect(parseConfig({})).toMatchObject({
      NETSPEND_WEBHOOK_SIGNATURE_HEADER: 'ns-signature',
      NETSPEND_WEBHOOK_SIGNATURE_ENCODING: 'hex',
    });
    expect(
      parseConfig({ NETSPEND_WEBHOOK_SIGNATURE_HEADER: 'X-NS-Hmac', NETSPEND_WEBHOOK_SIGNATURE_ENCODING: 'base64' }),
    ).toMatchObject({ NETSPEND_WEBHOOK_SIGNATURE_HEADER: 'x-ns-hmac', NETSPEND_WEBHOOK_SIGNATURE_ENCODING: 'base64' });
    expect(() => parseConfig({ NETSPEND_WEBHOOK_SIGNATURE_ENCODING: 'b64' })).toThrow(
      /NETSPEND_WEBHOOK_SIGNATURE_ENCODING/,
    );
    expect(() => parseConfig({ NETSPEND_WEBHOOK_SIGNATURE_HEADER: 'not a header' })).toThrow(
      /NETSPEND_WEBHOOK_SIGNATURE_HEADER/,
    );
  });

  it('reports every bad variable at once', () => {
    let message = '';
    try {
      parseConfig({ JIKO_BASE_URL: 'not a url', DEFAULT_CUSTOMER_EXPIRY: 'soon', JIKO_RATE_LIMIT_PER_SECOND: '-1' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/JIKO_BASE_URL/);
    expect(message).toMatch(/DEFAULT_CUSTOMER_EXPIRY: a duration/);
    expect(message).toMatch(/JIKO_RATE_LIMIT_PER_SECOND/);
  });
});

describe('the PII key of a checkout', () => {
  it("comes from the launcher's key file when PII_KEYS is not set, so processes started by hand agree", () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'pii-keys-'));
    const keyFile = path.join(folder, 'pii-keys');
    const keys = `local-20261201:${Buffer.alloc(32, 7).toString('base64')}`;
    writeFileSync(keyFile, `${keys}\n`, { mode: 0o600 });
    try {
      expect(parseConfig({ PII_KEYS_FILE: keyFile }).PII_KEYS).toBe(keys);
      // The environment still wins over the file.
      expect(parseConfig({ PII_KEYS_FILE: keyFile, PII_KEYS: 'env:abc' }).PII_KEYS).toBe('env:abc');
      // No file: the development key, as before.
      expect(parseConfig({ PII_KEYS_FILE: path.join(folder, 'missing') }).PII_KEYS).toMatch(/^dev-/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('production', () => {
  const ownSecrets = {
    NODE_ENV: 'production',
    PII_KEYS_FILE: '/nonexistent/pii-keys',
    PII_KEYS: `prod:${Buffer.alloc(32, 1).toString('base64')}`,
    SECRET_SEAL_KEYS_FILE: '/nonexistent/secret-seal-keys',
    SECRET_SEAL_KEYS: `prod-seal:${Buffer.alloc(32, 2).toString('base64')}`,
    GATEWAY_API_KEYS: 'a-real-api-key-0123456789',
    OUTBOUND_WEBHOOK_SECRET: `whsec_${Buffer.from('our own outbound secret!').toString('base64')}`,
  };

  it('refuses to start on the built-in development secrets, naming each variable', () => {
    let message = '';
    try {
      parseConfig({
        NODE_ENV: 'production',
        PII_KEYS_FILE: '/nonexistent/pii-keys',
        SECRET_SEAL_KEYS_FILE: '/nonexistent/secret-seal-keys',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of [
      'PII_KEYS',
      'SECRET_SEAL_KEYS',
      'GATEWAY_API_KEYS',
      'OUTBOUND_WEBHOOK_SECRET',
      'JIKO_WEBHOOK_SECRET',
    ]) {
      expect(message).toContain(`${name}: still the built-in development value`);
    }
    expect(message).not.toContain('ZGV2LW9ubHkta2V5');
  });

  it('starts once every secret is its own', () => {
    const providerSecrets = Object.fromEntries(
      Object.keys(configSchema.shape)
        .filter((name) => /(SECRET|PASSWORD|TOKEN|API_KEY)$/.test(name) && !(name in ownSecrets))
        .map((name) => {
          // A secret with a format of its own (a Standard Webhooks `whsec_` key) gets one of that format.
          const fallback = configSchema.shape[name as keyof typeof configSchema.shape].safeParse(undefined);
          const ownValue = `${name.toLowerCase()}-of-our-own-0123456789`;
          const standardWebhooks = fallback.success && String(fallback.data).startsWith('whsec_');
          return [name, standardWebhooks ? `whsec_${Buffer.from(ownValue).toString('base64')}` : ownValue];
        }),
    );
    expect(() => parseConfig({ ...ownSecrets, ...providerSecrets })).not.toThrow();
  });
});

describe('Temporal connection settings (envconfig)', () => {
  it('defaults to the local dev server', () => {
    const target = temporalTarget({ TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' });
    expect(target.address).toBe('127.0.0.1:7233');
    expect(target.namespace).toBe('default');
    expect(target.tls).toBe(false);
  });

  it('reads the Temporal Cloud variables: an API key implies TLS', () => {
    const target = temporalTarget({
      TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml',
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'onboarding.a1b2c',
      TEMPORAL_API_KEY: 'secret',
    });
    expect(target).toMatchObject({ address: 'eu-west-1.aws.api.temporal.io:7233', namespace: 'onboarding.a1b2c' });
    expect(target.tls).toBe(true);
    expect(target.connectionOptions.apiKey).toBe('secret');
  });
});
