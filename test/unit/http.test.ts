import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { z } from 'zod';
import {
  idempotencyKey,
  parseRetryAfter,
  PROVIDER_AUTH_FAILED,
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_RESPONSE_INVALID,
  PROVIDER_TIMEOUT,
  PROVIDER_UNAVAILABLE,
  ProviderHttpClient,
  TokenAuth,
  basicAuthorization,
  type ProviderErrorDetails,
} from '../../activities/http/index.js';
import { setLogSink } from '../../common/log.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let routes: Record<string, Handler> = {};
let logLines: string[] = [];

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      const handler = routes[`${req.method} ${req.url!.split('?')[0]}`];
      if (handler) handler(entry, res);
      else json(res, 404, { error_code: 'route_not_found', message: 'no route' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  setLogSink((line) => logLines.push(line));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  routes = {};
  logLines = [];
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

const thing = z.object({ id: z.string(), items: z.array(z.object({ status: z.enum(['OPEN', 'CLOSED']) })) });

function plainClient(options: Partial<ConstructorParameters<typeof ProviderHttpClient>[0]> = {}) {
  return new ProviderHttpClient({ provider: 'acme', baseUrl, ...options });
}

describe('ProviderHttpClient', () => {
  it('returns the parsed body on 200 and sends JSON', async () => {
    routes['POST /api/things'] = (_req, res) => json(res, 200, { id: 't1', items: [{ status: 'OPEN' }], extra: 1 });
    const result = await plainClient().request({ method: 'POST', path: '/things', body: { a: 1 }, schema: thing });
    expect(result).toEqual({ id: 't1', items: [{ status: 'OPEN' }] });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body.toString())).toEqual({ a: 1 });
  });

  it('a response that does not match the schema is non-retryable ProviderResponseInvalid naming the field', async () => {
    routes['GET /api/things/1'] = (_req, res) => json(res, 200, { id: 't1', items: [{ status: 'WEIRD' }] });
    const failure = await failureOf(plainClient().request({ method: 'GET', path: '/things/1', schema: thing }));
    expect(failure.type).toBe(PROVIDER_RESPONSE_INVALID);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('items[0].status');
  });

  it('422 is a non-retryable business error with the code the provider parser extracts', async () => {
    routes['POST /api/things'] = (_req, res) =>
      json(res, 422, { detail: [{ loc: ['body', 'email'], msg: 'value is not a valid email', type: 'value_error' }] });
    const client = plainClient({
      parseError: (_status, body) => {
        const detail = (body as { detail: { loc: string[]; type: string; msg: string }[] }).detail;
        return { code: detail[0]!.type, message: detail[0]!.msg, fields: detail.map((d) => d.loc.join('.')) };
      },
    });
    const failure = await failureOf(client.request({ method: 'POST', path: '/things', body: {}, schema: thing }));
    expect(failure.type).toBe(PROVIDER_BUSINESS_ERROR);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toEqual({
      provider: 'acme',
      status: 422,
      code: 'value_error',
      kind: 'validation',
      fields: ['body.email'],
    } satisfies ProviderErrorDetails);
  });

  it('falls back to snake_case {error_code, message} envelopes', async () => {
    routes['GET /api/accounts/9'] = (_req, res) => json(res, 404, { error_code: 'account_not_found', message: 'nope' });
    const failure = await failureOf(plainClient().request({ method: 'GET', path: '/accounts/9', schema: thing }));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toMatchObject({ status: 404, code: 'account_not_found', kind: 'not_found' });
  });

  it('429 with Retry-After is retryable with nextRetryDelay', async () => {
    routes['GET /api/things'] = (_req, res) => json(res, 429, { message: 'slow down' }, { 'retry-after': '7' });
    const failure = await failureOf(plainClient().request({ method: 'GET', path: '/things', schema: thing }));
    expect(failure.type).toBe(PROVIDER_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7000);
  });

  it('503 is retryable; a parser can mark a 4xx retryable too', async () => {
    routes['GET /api/things'] = (_req, res) => json(res, 503, { message: 'maintenance' });
    const failure = await failureOf(plainClient().request({ method: 'GET', path: '/things', schema: thing }));
    expect(failure.type).toBe(PROVIDER_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBeUndefined();

    routes['POST /api/things'] = (_req, res) => json(res, 409, { message: 'still processing' });
    const client = plainClient({
      parseError: (_s, body) => ({ code: 'in_flight', message: String(body), retryable: true }),
    });
    const inFlight = await failureOf(client.request({ method: 'POST', path: '/things', body: {}, schema: thing }));
    expect(inFlight.nonRetryable).toBe(false);
  });

  it('a call that outlives its timeout is retryable ProviderTimeout', async () => {
    routes['GET /api/slow'] = (_req, res) => {
      const timer = setTimeout(() => json(res, 200, { id: 'late', items: [] }), 5_000);
      res.on('close', () => clearTimeout(timer));
    };
    const failure = await failureOf(
      plainClient().request({ method: 'GET', path: '/slow', schema: thing, timeoutMs: 100 }),
    );
    expect(failure.type).toBe(PROVIDER_TIMEOUT);
    expect(failure.nonRetryable).toBe(false);
  });

  it('a connection failure is retryable', async () => {
    const client = new ProviderHttpClient({ provider: 'acme', baseUrl: 'http://127.0.0.1:1' });
    const failure = await failureOf(client.request({ method: 'GET', path: '/x', schema: thing }));
    expect(failure.type).toBe(PROVIDER_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
  });

  it('caches the token, refreshes it after a 401 and retries once', async () => {
    let issued = 0;
    let valid = new Set<string>();
    routes['POST /api/oauth/accesstoken'] = (req, res) => {
      expect(req.headers.authorization).toBe(basicAuthorization('key', 'secret'));
      expect(req.body.toString()).toBe('grant_type=client_credentials');
      const token = `tok-${++issued}`;
      valid.add(token);
      json(res, 200, { access_token: token, token_type: 'BearerToken', expires_in: '86399' });
    };
    routes['GET /api/things'] = (req, res) => {
      const token = req.headers.authorization?.replace('Bearer ', '') ?? '';
      if (!valid.has(token)) return json(res, 401, { error_code: 'invalid_token', message: 'expired' });
      json(res, 200, { id: token, items: [] });
    };
    const client = plainClient({
      auth: new TokenAuth({
        defaultTtlMs: 24 * 3600_000,
        acquire: async (http) => {
          const token = await http.request({
            method: 'POST',
            path: '/oauth/accesstoken',
            auth: false,
            headers: { authorization: basicAuthorization('key', 'secret') },
            body: new URLSearchParams({ grant_type: 'client_credentials' }),
            schema: z.object({ access_token: z.string(), expires_in: z.coerce.number() }),
          });
          return { token: token.access_token, expiresInMs: token.expires_in * 1000 };
        },
      }),
    });
    const [a, b] = await Promise.all([
      client.request({ method: 'GET', path: '/things', schema: thing }),
      client.request({ method: 'GET', path: '/things', schema: thing }),
    ]);
    expect([a.id, b.id, issued]).toEqual(['tok-1', 'tok-1', 1]);
    valid = new Set(); // the provider revokes every token
    const c = await client.request({ method: 'GET', path: '/things', schema: thing });
    expect([c.id, issued]).toEqual(['tok-2', 2]);

    routes['GET /api/things'] = (_req, res) => json(res, 401, { error_code: 'invalid_token', message: 'no' });
    const failure = await failureOf(client.request({ method: 'GET', path: '/things', schema: thing }));
    expect(failure.type).toBe(PROVIDER_AUTH_FAILED);
    expect(issued).toBe(3); // one fresh token per 401, never a loop
  });

  it('a token call refused with 401 is a retryable ProviderAuthFailed', async () => {
    routes['POST /api/login'] = (_req, res) => json(res, 401, { message: 'bad credentials' });
    const client = plainClient({
      auth: new TokenAuth({
        defaultTtlMs: 60_000,
        acquire: async (http) => {
          const login = await http.request({
            method: 'POST',
            path: '/login',
            auth: false,
            schema: z.object({ token: z.string() }),
          });
          return { token: login.token };
        },
      }),
    });
    const failure = await failureOf(client.request({ method: 'GET', path: '/things', schema: thing }));
    expect(failure.type).toBe(PROVIDER_AUTH_FAILED);
    expect(failure.nonRetryable).toBe(false);
  });

  it('refreshes a token before it expires', async () => {
    let now = 1_000_000;
    let issued = 0;
    routes['GET /api/things'] = (_req, res) => json(res, 200, { id: 'x', items: [] });
    const client = plainClient({
      auth: new TokenAuth({
        defaultTtlMs: 60 * 60_000,
        now: () => now,
        acquire: async () => ({ token: `t${++issued}` }),
      }),
    });
    await client.request({ method: 'GET', path: '/things', schema: thing });
    now += 50 * 60_000;
    await client.request({ method: 'GET', path: '/things', schema: thing });
    expect(issued).toBe(1);
    now += 6 * 60_000; // inside the refresh margin before the 60-minute expiry
    await client.request({ method: 'GET', path: '/things', schema: thing });
    expect(issued).toBe(2);
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer t2');
  });

  it('signing hooks see the exact bytes, path and idempotency key', async () => {
    routes['POST /api/upload/'] = (_req, res) => json(res, 200, { id: 'u', items: [] });
    const image = Buffer.from([0, 1, 2, 250, 251]);
    const client = plainClient({
      hooks: [
        (request) => ({
          'x-sig': `${request.method}|${request.urlPath}|${request.idempotencyKey}|${request.body.toString('hex')}`,
        }),
      ],
    });
    await client.request({
      method: 'POST',
      path: '/upload/',
      body: image,
      contentType: 'image/png',
      idempotencyKey: 'k1',
      schema: thing,
    });
    expect(seen[0]!.headers['x-sig']).toBe('POST|/api/upload/|k1|000102fafb');
    expect(seen[0]!.headers['content-type']).toBe('image/png');
    expect(seen[0]!.body.equals(image)).toBe(true);
  });

  it('logs calls as JSON without bodies or PII', async () => {
    routes['POST /api/things'] = (_req, res) => json(res, 200, { id: 't', items: [] });
    await plainClient().request({ method: 'POST', path: '/things', body: { ssn: '400123456' }, schema: thing });
    expect(logLines.length).toBeGreaterThan(0);
    const entry = JSON.parse(logLines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', component: 'http.acme', status: 200 });
    expect(logLines.join('\n')).not.toContain('400123456');
  });
});

describe('idempotencyKey', () => {
  it('depends on workflow id and scope, not on the attempt', async () => {
    const keyIn = (workflowId: string, attempt: number, scope: string) =>
      new MockActivityEnvironment({
        attempt,
        workflowExecution: { workflowId, runId: 'r' },
      }).run(async () => idempotencyKey(scope));
    const first = await keyIn('onboarding:jiko:c1', 1, 'jiko:create-application');
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await keyIn('onboarding:jiko:c1', 5, 'jiko:create-application')).toBe(first);
    expect(await keyIn('onboarding:jiko:c2', 1, 'jiko:create-application')).not.toBe(first);
    expect(await keyIn('onboarding:jiko:c1', 1, 'jiko:apply:1')).not.toBe(first);
    expect(idempotencyKey('jiko:create-application', 'onboarding:jiko:c1')).toBe(first);
    expect(() => idempotencyKey('x')).toThrow(/workflow id/);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
