/**
 * What the codec endpoint shows to whom (in-process gateway, fastify.inject): payloads decoded for a key without
 * `pii.read` come back with personal data masked, for a key with it in clear; the key-less trusted Web UI origin is
 * a caller of its own (`web-ui-origin`), masked unless GATEWAY_CODEC_UI_SCOPES gives it `pii.read`; each decision
 * is logged with the caller's identity and never the data; a sealed secret stays sealed for everyone.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { createPiiCodec, encodePayloadsJson } from '../../common/codec.js';
import type { JsonPayloads } from '../../common/codec.js';
import { maskPii } from '../../common/codec-masking.js';
import { ConfigError, parseConfig } from '../../common/config.js';
import { createLogger, setLogLevel, setLogSink } from '../../common/log.js';
import type { LogSink } from '../../common/log.js';
import { sealed } from '../helpers/secrets.js';
import { testConfig, unreachableClient } from './fixtures.js';

const BACKEND_KEY = 'backend-key-0001';
const READER_KEY = 'pii-reader-key-0001';
const KEYS = `backend:${BACKEND_KEY},ops-alice:${READER_KEY}:operator+pii.read`;
const UI_ORIGIN = 'http://127.0.0.1:8233';

const applicant = {
  name: { first: 'Wilhelmina', middle: null, last: 'Trevelyan' },
  dateOfBirth: '1984-07-19',
  ssn: '400123456',
  email: 'wilhelmina@example.com',
  phone: '+15550003333',
  address: { line1: '2000 Allston Way', line2: null, city: 'Berkeley', state: 'CA', postalCode: '94701' },
};
const PERSONAL_VALUES = [
  'Wilhelmina',
  'Trevelyan',
  '1984-07-19',
  '400123456',
  'wilhelmina@example.com',
  '+15550003333',
];
const workflowInput = {
  provider: 'netspend',
  customerRef: 'cust_42',
  applicant,
  providerInput: { accountType: 'DDA' },
};
const pinUpdate = { pin: sealed('7392') };

const b64 = (text: string) => Buffer.from(text).toString('base64');
const jsonPayload = (value: unknown) => ({
  metadata: { encoding: b64('json/plain') },
  data: b64(JSON.stringify(value)),
});
const binaryPayload = { metadata: { encoding: b64('binary/plain') }, data: b64('not json: 400123456') };
const brokenJsonPayload = { metadata: { encoding: b64('json/plain') }, data: b64('{"ssn":"400123456"') };
const plain: JsonPayloads = {
  payloads: [jsonPayload(workflowInput), jsonPayload(pinUpdate), binaryPayload, brokenJsonPayload],
};

let lines: string[] = [];
let previousSink: LogSink;
beforeEach(() => {
  lines = [];
  previousSink = setLogSink((line) => lines.push(line));
  setLogLevel('info');
});
afterEach(() => {
  setLogSink(previousSink);
  setLogLevel('warn');
});

async function gatewayWith(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = testConfig({ GATEWAY_API_KEYS: KEYS, ...overrides });
  return buildGateway({
    onboarding: new OnboardingClient({ client: unreachableClient(), config }),
    config,
    codec: createPiiCodec(config),
    logger: createLogger('gateway'),
  });
}

let app: FastifyInstance;
let encrypted: JsonPayloads;
beforeAll(async () => {
  app = await gatewayWith();
  encrypted = await encodePayloadsJson(createPiiCodec(testConfig()), plain);
});
afterAll(async () => {
  await app.close();
});

async function decode(gateway: FastifyInstance, headers: Record<string, string>) {
  const response = await gateway.inject({ method: 'POST', url: '/codec/decode', headers, payload: encrypted });
  expect(response.statusCode).toBe(200);
  const body = response.json() as JsonPayloads;
  const texts = body.payloads.map((payload) => Buffer.from(payload.data ?? '', 'base64').toString('utf8'));
  return { body, texts };
}

function decisions(): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.msg === 'codec decode');
}

describe('the codec endpoint masks PII unless the key may read it', () => {
  it('masks the SSN, name, date of birth, email, phone and address for a key without pii.read', async () => {
    const { body, texts } = await decode(app, { authorization: `Bearer ${BACKEND_KEY}` });
    const input = JSON.parse(texts[0]!) as typeof workflowInput;
    expect(input.applicant).toEqual({
      name: '[REDACTED]',
      dateOfBirth: '[REDACTED]',
      ssn: '[REDACTED]',
      email: '[REDACTED]',
      phone: '[REDACTED]',
      address: '[REDACTED]',
    });
    // What is no PII stays readable, so the payload is still worth showing.
    expect(input).toMatchObject({
      provider: 'netspend',
      customerRef: 'cust_42',
      providerInput: { accountType: 'DDA' },
    });
    for (const value of PERSONAL_VALUES) expect(texts[0]).not.toContain(value);
    // Even the sealed PIN is hidden from this caller.
    expect(JSON.parse(texts[1]!)).toEqual({ pin: '[REDACTED]' });
    // Metadata untouched: the UI still reads json/plain; what is not JSON comes back as it is.
    expect(body.payloads.map((payload) => payload.metadata)).toEqual(plain.payloads.map((payload) => payload.metadata));
    expect(body.payloads[2]).toEqual(binaryPayload);
    expect(body.payloads[3]).toEqual(brokenJsonPayload);

    expect(decisions()).toEqual([
      expect.objectContaining({ level: 'info', identity: 'backend', pii: 'masked', payloads: 4 }),
    ]);
  });

  it('shows them in clear to a key with pii.read, and the PIN still sealed', async () => {
    const { body, texts } = await decode(app, { authorization: `Bearer ${READER_KEY}` });
    expect(body).toEqual(plain);
    expect(JSON.parse(texts[0]!)).toEqual(workflowInput);
    for (const value of PERSONAL_VALUES) expect(texts[0]).toContain(value);
    // pii.read is no key to secrets: the PIN is what the client sealed, and no codec opens it.
    expect(JSON.parse(texts[1]!)).toEqual(pinUpdate);
    expect(texts[1]).not.toContain('7392');

    expect(decisions()).toEqual([expect.objectContaining({ identity: 'ops-alice', pii: 'unmasked', payloads: 4 })]);
  });

  it('logs the decision, never the data', async () => {
    await decode(app, { authorization: `Bearer ${BACKEND_KEY}` });
    await decode(app, { authorization: `Bearer ${READER_KEY}` });
    expect(decisions().map((entry) => [entry.identity, entry.pii])).toEqual([
      ['backend', 'masked'],
      ['ops-alice', 'unmasked'],
    ]);
    const written = lines.join('\n');
    for (const value of [...PERSONAL_VALUES, BACKEND_KEY, READER_KEY, pinUpdate.pin.sealed]) {
      expect(written).not.toContain(value);
    }
  });

  it('still refuses a caller with no key', async () => {
    const response = await app.inject({ method: 'POST', url: '/codec/decode', payload: encrypted });
    expect(response.statusCode).toBe(401);
    expect(decisions()).toEqual([]);
  });
});

describe('the trusted Web UI origin (local development)', () => {
  it('is the caller web-ui-origin, with no scope by default: masked', async () => {
    const local = await gatewayWith({ GATEWAY_CODEC_TRUST_UI_ORIGIN: 'true' });
    try {
      const { texts } = await decode(local, { origin: UI_ORIGIN });
      expect(JSON.parse(texts[0]!).applicant.ssn).toBe('[REDACTED]');
      for (const value of PERSONAL_VALUES) expect(texts[0]).not.toContain(value);
      expect(decisions()).toEqual([expect.objectContaining({ identity: 'web-ui-origin', pii: 'masked' })]);
    } finally {
      await local.close();
    }
  });

  it('reads PII only when GATEWAY_CODEC_UI_SCOPES gives it pii.read; a key it sends decides instead', async () => {
    const local = await gatewayWith({ GATEWAY_CODEC_TRUST_UI_ORIGIN: 'true', GATEWAY_CODEC_UI_SCOPES: 'pii.read' });
    try {
      const fromUi = await decode(local, { origin: UI_ORIGIN });
      expect(JSON.parse(fromUi.texts[0]!)).toEqual(workflowInput);
      const withKey = await decode(local, { origin: UI_ORIGIN, authorization: `Bearer ${BACKEND_KEY}` });
      expect(JSON.parse(withKey.texts[0]!).applicant.ssn).toBe('[REDACTED]');
      expect(decisions().map((entry) => [entry.identity, entry.pii])).toEqual([
        ['web-ui-origin', 'unmasked'],
        ['backend', 'masked'],
      ]);
    } finally {
      await local.close();
    }
  });

  it('refuses an unknown scope in GATEWAY_CODEC_UI_SCOPES, naming the variable', () => {
    expect(() => parseConfig({ GATEWAY_CODEC_UI_SCOPES: 'pii.write' })).toThrow(ConfigError);
    expect(() => parseConfig({ GATEWAY_CODEC_UI_SCOPES: 'pii.write' })).toThrow(
      /GATEWAY_CODEC_UI_SCOPES: .*pii\.write/,
    );
  });
});

describe('maskPii', () => {
  it('masks sensitive keys at any depth and PII-shaped text under any key, keeping the rest', () => {
    // Deeper than the log redactor goes (it cuts at 8 levels): the codec must not truncate what it shows.
    const nest = (leaf: unknown, levels: number): unknown =>
      levels === 0 ? leaf : { level: levels, inner: nest(leaf, levels - 1) };
    expect(maskPii(nest({ email: 'x@y.io', step: 'kyc' }, 12))).toEqual(nest({ email: '[REDACTED]', step: 'kyc' }, 12));
    expect(maskPii({ why: 'mail ada@example.com, ssn 400123456', count: 3, ok: true, none: null })).toEqual({
      why: 'mail [REDACTED], ssn [REDACTED]',
      count: 3,
      ok: true,
      none: null,
    });
    expect(maskPii([{ dateOfBirth: '1990-01-31' }, 'plain'])).toEqual([{ dateOfBirth: '[REDACTED]' }, 'plain']);
  });
});
