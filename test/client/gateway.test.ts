/**
 * Gateway routes that are answered before Temporal is asked anything: authentication, validation (422 naming the
 * field), unknown routes and actions, webhook authentication, CORS for the Web UI, and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createPiiCodec } from '../../common/codec.js';
import { createLogger, setLogLevel } from '../../common/log.js';
import { buildGateway } from '../../client/gateway/app.js';
import { DEFAULT_PROVIDER_REGISTRY } from '../../client/registry.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { pascalCase } from '../../client/provider-definition.js';
import { CLIENT_PROVIDERS } from '../../client/providers/index.js';
import { API_KEY, jikoStartBody, testConfig, unreachableClient } from './fixtures.js';

let app: FastifyInstance;
const quietLogger = createLogger('gateway-test');
setLogLevel('warn');
const config = testConfig();
const auth = { authorization: `Bearer ${API_KEY}` };

beforeAll(async () => {
  const onboarding = new OnboardingClient({ client: unreachableClient(), config, queryTimeoutMs: 500 });
  app = await buildGateway({ onboarding, config, codec: createPiiCodec(config), logger: quietLogger });
});
afterAll(async () => {
  await app.close();
});

describe('authentication', () => {
  it.each([
    ['no header', {}],
    ['a wrong key', { authorization: 'Bearer nope' }],
    ['a key prefix', { authorization: `Bearer ${API_KEY.slice(0, 4)}` }],
    ['basic auth', { authorization: `Basic ${Buffer.from(`x:${API_KEY}`).toString('base64')}` }],
  ])('refuses /v1 with %s', async (_what, headers) => {
    const response = await app.inject({ method: 'GET', url: '/v1/onboardings/onboarding:jiko:c1', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });

  it('accepts every configured key', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: { authorization: 'Bearer second-key' },
      payload: {},
    });
    expect(response.statusCode).toBe(422);
  });

  it('holds each route to its scope: operator routes need operator, the rest onboarding (403 naming it)', async () => {
    const scopedConfig = testConfig({
      GATEWAY_API_KEYS: 'backend:backend-key-1:onboarding,ops:ops-key-123:operator',
    });
    const onboarding = new OnboardingClient({ client: unreachableClient(), config: scopedConfig, queryTimeoutMs: 500 });
    const scoped = await buildGateway({ onboarding, config: scopedConfig, logger: quietLogger });
    try {
      const retry = await scoped.inject({
        method: 'POST',
        url: '/v1/onboardings/onboarding:jiko:c1/retry-step',
        headers: { authorization: 'Bearer backend-key-1' },
        payload: {},
      });
      expect(retry.statusCode).toBe(403);
      expect(retry.json()).toEqual({ error: { code: 'forbidden', message: expect.stringContaining('operator') } });
      const start = await scoped.inject({
        method: 'POST',
        url: '/v1/onboardings',
        headers: { authorization: 'Bearer ops-key-123' },
        payload: {},
      });
      expect(start.statusCode).toBe(403);
      expect(start.json().error.message).toContain('onboarding scope');
      const retryByOperator = await scoped.inject({
        method: 'POST',
        url: '/v1/onboardings/onboarding:jiko:c1/retry-step',
        headers: { authorization: 'Bearer ops-key-123' },
        payload: {},
      });
      expect(retryByOperator.statusCode).toBe(422);
    } finally {
      await scoped.close();
    }
  });

  it('protects the codec endpoint too', async () => {
    const response = await app.inject({ method: 'POST', url: '/codec/decode', payload: { payloads: [] } });
    expect(response.statusCode).toBe(401);
  });
});

describe('malformed URLs', () => {
  it('answers a bad percent-encoding 400 and an impossibly long id 404, both in the error envelope', async () => {
    const badUrl = await app.inject({ method: 'GET', url: '/v1/onboardings/%E0%A4%A', headers: auth });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json()).toEqual({ error: { code: 'bad_request', message: expect.stringContaining('malformed') } });
    const longId = `onboarding:jiko:${'x'.repeat(600)}`;
    const tooLong = await app.inject({ method: 'POST', url: `/v1/onboardings/${longId}/cancel`, headers: auth });
    expect(tooLong.statusCode).toBe(404);
    expect(tooLong.json()).toEqual({ error: { code: 'not_found', message: expect.stringContaining('512') } });
  });
});

describe('validation', () => {
  it('answers 422 naming the field path', async () => {
    const body = jikoStartBody() as { applicant: Record<string, unknown> };
    const response = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: auth,
      payload: { ...body, applicant: { ...body.applicant, ssn: '12345' } },
    });
    expect(response.statusCode).toBe(422);
    const { error } = response.json();
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('applicant.ssn');
    expect(error.details.issues).toEqual([{ path: 'applicant.ssn', message: 'must be 9 digits, no dashes' }]);
    // The value itself is never echoed back.
    expect(response.body).not.toContain('12345');
  });

  it('refuses a customerRef that looks like an email', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: auth,
      payload: { ...(jikoStartBody() as object), customerRef: 'ada@example.com' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.details.issues[0].path).toBe('customerRef');
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"provider":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('bad_request');
  });

  it('answers 404 for an unknown action or an id that is no onboarding', async () => {
    const unknownAction = await app.inject({
      method: 'POST',
      url: `/v1/onboardings/${encodeURIComponent('onboarding:jiko:c1')}/actions/launchRocket`,
      headers: auth,
      payload: {},
    });
    expect(unknownAction.statusCode).toBe(404);
    expect(unknownAction.json().error).toMatchObject({
      code: 'unknown_action',
      details: { actions: ['acceptAgreements', 'uploadDocuments'] },
    });
    const notAnOnboarding = await app.inject({ method: 'GET', url: '/v1/onboardings/webhook:jiko:x', headers: auth });
    expect(notAnOnboarding.statusCode).toBe(404);
    expect(notAnOnboarding.json().error.code).toBe('onboarding_not_found');
  });

  it('answers 422 for an invalid action body before reaching the onboarding', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/onboardings/${encodeURIComponent('onboarding:jiko:c1')}/actions/uploadDocuments`,
      headers: auth,
      payload: { documents: [{ type: 'DRIVING_LICENCE', contentType: 'image/png', contentBase64: 'AAAA' }] },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.details.issues[0].path).toBe('documents[0].type');
  });

  it('answers 422 for list filters it does not know', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/onboardings?state=done', headers: auth });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.details.issues[0].path).toBe('state');
  });

  it('answers 422 at once for a page token it did not issue, without asking Temporal', async () => {
    for (const token of ['garbage', 'v1.AAAA.AAAA', 'djEuYWJj']) {
      const response = await app.inject({
        method: 'GET',
        url: `/v1/onboardings?nextPageToken=${token}`,
        headers: auth,
      });
      expect(response.statusCode).toBe(422);
      expect(response.json().error.details.issues[0].path).toBe('nextPageToken');
    }
  });

  it('answers 422 for a provider filter no registered provider has', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/onboardings?provider=nosuch', headers: auth });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.details.issues[0]).toEqual({
      path: 'provider',
      message: `one of ${DEFAULT_PROVIDER_REGISTRY.names().join(', ')}`,
    });
  });

  it('answers 404 in the error envelope for unknown routes', async () => {
    const response = await app.inject({ method: 'GET', url: '/v2/things' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
  });
});

describe('webhooks', () => {
  it('answers 401 to a forged Jiko webhook without touching Temporal', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/webhooks/jiko',
      headers: { 'content-type': 'application/json', 'x-jiko-signature': Buffer.alloc(32).toString('base64') },
      payload: JSON.stringify({
        event_id: 'e1',
        timestamp: '2026-01-01T00:00:00Z',
        event_type: 'application.approved',
        payload: {},
      }),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('webhook_unauthenticated');
  });

  it('answers 404 for a provider it does not know', async () => {
    const response = await app.inject({ method: 'POST', url: '/webhooks/acme', payload: {} });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('unsupported_provider');
  });
});

describe('codec endpoint', () => {
  it('answers the Web UI preflight with its origin, credentials and X-Namespace', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: {
        origin: 'http://127.0.0.1:8233',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(String(response.headers['access-control-allow-headers']).toLowerCase()).toContain('x-namespace');
  });

  it('gives no CORS grant to another origin', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('trusts the Web UI origin without a key only when configured to (local development)', async () => {
    const localConfig = testConfig({ GATEWAY_CODEC_TRUST_UI_ORIGIN: 'true' });
    const local = await buildGateway({
      onboarding: new OnboardingClient({ client: unreachableClient(), config: localConfig }),
      config: localConfig,
      codec: createPiiCodec(localConfig),
      logger: quietLogger,
    });
    try {
      const fromUi = await local.inject({
        method: 'POST',
        url: '/codec/decode',
        headers: { origin: 'http://localhost:8233' },
        payload: { payloads: [] },
      });
      expect(fromUi.statusCode).toBe(200);
      const fromElsewhere = await local.inject({
        method: 'POST',
        url: '/codec/decode',
        headers: { origin: 'http://evil.example' },
        payload: { payloads: [] },
      });
      expect(fromElsewhere.statusCode).toBe(401);
    } finally {
      await local.close();
    }
    const strict = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { origin: 'http://127.0.0.1:8233' },
      payload: { payloads: [] },
    });
    expect(strict.statusCode).toBe(401);
  });

  it('round-trips payloads: encode then decode (PII masked for a key without pii.read)', async () => {
    const plain = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('{"ssn":"400123456"}').toString('base64'),
    };
    const encoded = await app.inject({
      method: 'POST',
      url: '/codec/encode',
      headers: { ...auth, 'x-namespace': 'default' },
      payload: { payloads: [plain] },
    });
    expect(encoded.statusCode).toBe(200);
    expect(encoded.body).not.toContain(plain.data);
    const decoded = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { ...auth, 'x-namespace': 'default' },
      payload: encoded.json(),
    });
    expect(decoded.statusCode).toBe(200);
    // This key has no pii.read: the SSN comes back masked (test/client/codec-permissions.test.ts has the rest).
    const masked = { ...plain, data: Buffer.from('{"ssn":"[REDACTED]"}').toString('base64') };
    expect(decoded.json()).toEqual({ payloads: [masked] });
  });
});

describe('description', () => {
  it('serves health without auth', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('reports not ready when Temporal does not answer', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
  });

  it('serves an OpenAPI document generated from the zod schemas', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/onboardings',
        '/v1/onboardings/{id}',
        '/v1/onboardings/{id}/actions/{action}',
        '/webhooks/{provider}',
      ]),
    );
    const schemas = document.components.schemas;
    // One start option per registered provider, each a component of its own built from the registry.
    const options = (schemas.StartOnboardingBody.oneOf as { $ref: string }[]).map((option) => option.$ref);
    const registered = CLIENT_PROVIDERS.map((definition) => definition.provider);
    expect(options).toEqual(registered.map((name) => `#/components/schemas/${pascalCase(name)}StartBody`));
    expect(schemas.JikoStartBody.required).toEqual(expect.arrayContaining(['provider', 'customerRef', 'jiko']));
    expect(schemas.NetspendStartBody.required).toEqual(expect.arrayContaining(['netspend']));
    expect(document.paths['/v1/onboardings'].get.parameters[0].schema.enum).toEqual(registered);
    const applicant = schemas.Applicant;
    expect(applicant.required).toEqual(
      expect.arrayContaining(['name', 'dateOfBirth', 'ssn', 'email', 'phone', 'address']),
    );
    expect(applicant.properties.ssn.pattern).toBe('^\\d{9}$');
  });
});
