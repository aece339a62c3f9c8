/**
 * Contract tests of the shared sandbox core over real HTTP: fault injection, the webhook sender, audit, reset.
 * A tiny fake provider stands in for the real simulators so these tests pin the core alone.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxContext, SandboxProvider } from '../../sandbox/core/context.js';
import { parseFaultsEnv } from '../../sandbox/core/faults.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import type { WebhookDelivery } from '../../sandbox/core/webhooks.js';

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

/** A webhook receiver whose answers the test scripts: `statuses` are used in order, then 200. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  statuses: number[];
  close(): Promise<void>;
  server: Server;
}> {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      const echo = request.headers['x-echo-me'];
      if (typeof echo === 'string') response.setHeader('x-echoed', echo);
      response.statusCode = statuses.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    statuses,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let echoCreated = 0;
const echoProvider: SandboxProvider = {
  name: 'echo',
  register(app: FastifyInstance, ctx: SandboxContext) {
    app.post('/things', async (request, reply) => {
      echoCreated += 1;
      const id = `thing-${echoCreated}`;
      ctx.audit.record('echo', 'thing', id);
      return reply.code(201).send({ id, rawBodyBytes: request.rawBody?.length ?? 0 });
    });
    app.post('/upload', async (request) => ({
      isBuffer: Buffer.isBuffer(request.body),
      bytes: request.rawBody?.length ?? 0,
    }));
    app.post('/form', async (request) => ({ body: request.body }));
    app.get('/ping', async () => ({ pong: true }));
    app.post('/emit', async (request) => {
      const { n, isDeliveredOnlyOn } = request.body as { n: number; isDeliveredOnlyOn?: number };
      const deliveries = [];
      for (let i = 1; i <= n; i++) {
        deliveries.push(
          ctx.webhooks.send({
            provider: 'echo',
            body: JSON.stringify({ seq: i }),
            headers: (attempt) => ({ 'x-attempt': String(attempt) }),
            eventId: `evt-${i}`,
            ...(isDeliveredOnlyOn ? { isDelivered: (status: number) => status === isDeliveredOnlyOn } : {}),
          }),
        );
      }
      return { ids: deliveries.map((d) => d.id) };
    });
  },
  faultBody: (status) => ({ echoError: status }),
};

let sandbox: Sandbox & { url: string };
let receiver: Awaited<ReturnType<typeof startReceiver>>;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json: json as Record<string, unknown> };
}

async function deliveries(): Promise<WebhookDelivery[]> {
  return (await call('GET', '/_sandbox/webhooks?provider=echo')).json.items as WebhookDelivery[];
}

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({
    port: 0,
    env: {},
    providers: [echoProvider],
    webhookTargets: { echo: receiver.url },
    webhookDefaults: { backoffMs: 10, maxBackoffMs: 40, maxAttempts: 4, timeoutMs: 2_000 },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

beforeEach(async () => {
  await call('POST', '/_sandbox/reset');
  receiver.received.length = 0;
  receiver.statuses.length = 0;
});

describe('sandbox core', () => {
  it('serves providers under their prefix and keeps raw bodies', async () => {
    const created = await call('POST', '/echo/things', { a: 1 });
    expect(created.status).toBe(201);
    expect(created.json.rawBodyBytes).toBe(JSON.stringify({ a: 1 }).length);

    const upload = await fetch(`${sandbox.url}/echo/upload`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array([137, 80, 78, 71, 1, 2, 3]),
    });
    expect(await upload.json()).toEqual({ isBuffer: true, bytes: 7 });

    const form = await fetch(`${sandbox.url}/echo/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(await form.json()).toEqual({ body: { grant_type: 'client_credentials' } });
    expect((await call('GET', '/_sandbox')).json.providers).toEqual(['echo']);
  });

  it('fails exactly the next N requests with 5xx in the provider envelope, never control routes', async () => {
    expect((await call('PUT', '/_sandbox/faults/echo', { failNextRequests: 2 })).status).toBe(200);
    expect((await call('GET', '/_sandbox/audit')).status).toBe(200); // control routes are not faulted
    const first = await call('GET', '/echo/ping');
    const second = await call('GET', '/echo/ping');
    const third = await call('GET', '/echo/ping');
    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expect(first.json).toEqual({ echoError: 503 });
    const faults = await call('GET', '/_sandbox/faults/echo');
    expect(faults.json).toMatchObject({ config: { failNextRequests: 0 }, stats: { errors: 2 } });
  });

  it('rate limits with 429 and Retry-After', async () => {
    await call('PUT', '/_sandbox/faults/echo', { rateLimitNextRequests: 1, retryAfterSeconds: 7 });
    const limited = await call('GET', '/echo/ping');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await call('GET', '/echo/ping')).status).toBe(200);
  });

  it('simulates a timeout by hanging, then answering 504', async () => {
    await call('PUT', '/_sandbox/faults/echo', { timeoutNextRequests: 1, timeoutMs: 150 });
    const controller = AbortSignal.timeout(50);
    await expect(fetch(`${sandbox.url}/echo/ping`, { signal: controller })).rejects.toThrow();
    await call('PUT', '/_sandbox/faults/echo', { timeoutNextRequests: 1, timeoutMs: 20 });
    expect((await call('GET', '/echo/ping')).status).toBe(504);
  });

  it('loses a response after the request was handled (the thing exists, the client saw 502)', async () => {
    await call('PUT', '/_sandbox/faults/echo', { loseNextResponses: 1 });
    const lost = await call('POST', '/echo/things', {});
    expect(lost.status).toBe(502);
    expect((await call('GET', '/_sandbox/audit?provider=echo&kind=thing')).json.items).toHaveLength(1);
  });

  it('draws random faults reproducibly from a seed and honours pathPattern', async () => {
    const run = async () => {
      await call('PUT', '/_sandbox/faults/echo', { errorRate: 0.5, seed: 42, pathPattern: '/ping$' });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await call('GET', '/echo/ping')).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect((await call('POST', '/echo/things', {})).status).toBe(201); // outside pathPattern
  });

  it('rejects an invalid fault config and an unknown provider', async () => {
    expect((await call('PUT', '/_sandbox/faults/echo', { errorRate: 2 })).status).toBe(422);
    expect((await call('PUT', '/_sandbox/faults/nope', {})).status).toBe(404);
    expect(() => parseFaultsEnv('{"echo":{"errorRate":"x"}}')).toThrow(/SANDBOX_FAULTS/);
    expect(parseFaultsEnv('{"echo":{"failNextRequests":3}}')).toEqual({ echo: { failNextRequests: 3 } });
  });

  it('redelivers a webhook with backoff until it is delivered, with the attempt in the headers', async () => {
    receiver.statuses.push(500, 503);
    await call('POST', '/echo/emit', { n: 1 });
    await sandbox.ctx.webhooks.idle();
    expect(receiver.received.map((r) => r.headers['x-attempt'])).toEqual(['1', '2', '3']);
    const [delivery] = await deliveries();
    expect(delivery?.state).toBe('delivered');
    expect(delivery?.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
  });

  it('gives up after maxAttempts and honours a custom isDelivered (exactly 200)', async () => {
    receiver.statuses.push(202, 202, 202, 202);
    await call('POST', '/echo/emit', { n: 1, isDeliveredOnlyOn: 200 });
    await sandbox.ctx.webhooks.idle();
    const [delivery] = await deliveries();
    expect(delivery?.state).toBe('failed');
    expect(delivery?.attempts).toHaveLength(4);
  });

  it('retries only what shouldRetry allows, and reports every attempt to onAttempt', async () => {
    receiver.statuses.push(503, 404, 500);
    const seen: (number | null)[] = [];
    sandbox.ctx.webhooks.send({
      provider: 'echo',
      body: '{}',
      headers: () => ({}),
      shouldRetry: (attempt) => attempt.status === null || attempt.status >= 500,
      onAttempt: (attempt) => seen.push(attempt.status),
    });
    await sandbox.ctx.webhooks.idle();
    const [delivery] = await deliveries();
    expect(delivery?.state).toBe('failed');
    expect(delivery?.attempts.map((a) => a.status)).toEqual([503, 404]);
    expect(seen).toEqual([503, 404]);
  });

  it('awaits async headers, records a header failure as a failed attempt, and can check response headers', async () => {
    let calls = 0;
    sandbox.ctx.webhooks.send({
      provider: 'echo',
      body: '{}',
      headers: async (attempt) => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (attempt === 1) throw new Error('token fetch failed: 401');
        return { 'x-echo-me': `attempt-${attempt}` };
      },
      isDelivered: (status, headers) => status === 200 && headers.get('x-echoed') === 'attempt-3',
    });
    await sandbox.ctx.webhooks.idle();
    const [delivery] = await deliveries();
    expect(calls).toBe(3);
    expect(delivery?.attempts.map((a) => [a.status, a.error])).toEqual([
      [null, 'token fetch failed: 401'],
      [200, null],
      [200, null],
    ]);
    expect(delivery?.state).toBe('delivered');
    expect(receiver.received).toHaveLength(2);
  });

  it('drops, duplicates and reorders webhooks on demand', async () => {
    await call('PUT', '/_sandbox/faults/echo', { dropNextWebhooks: 1, duplicateNextWebhooks: 1 });
    await call('POST', '/echo/emit', { n: 2 });
    await sandbox.ctx.webhooks.idle();
    // evt-1 dropped; evt-2 delivered twice.
    expect(receiver.received.map((r) => JSON.parse(r.body).seq)).toEqual([2, 2]);
    const list = await deliveries();
    expect(list.map((d) => d.state).sort()).toEqual(['delivered', 'delivered', 'dropped']);
    expect(list.filter((d) => d.duplicateOf !== null)).toHaveLength(1);

    receiver.received.length = 0;
    await call('PUT', '/_sandbox/faults/echo', { webhookReorder: true, webhookReorderWindowMs: 100 });
    await call('POST', '/echo/emit', { n: 3 });
    await sandbox.ctx.webhooks.idle();
    expect(receiver.received.map((r) => JSON.parse(r.body).seq)).toEqual([3, 2, 1]);
  });

  it('flush() skips a long delay; webhook targets can be changed at run time', async () => {
    await call('PUT', '/_sandbox/faults/echo', { webhookDelayMs: 60_000 });
    await call('POST', '/echo/emit', { n: 1 });
    expect(receiver.received).toHaveLength(0);
    expect((await call('POST', '/_sandbox/webhooks/flush')).status).toBe(200);
    expect(receiver.received).toHaveLength(1);

    const other = await startReceiver();
    try {
      expect((await call('PUT', '/_sandbox/webhook-targets/echo', { url: other.url })).status).toBe(200);
      expect((await call('GET', '/_sandbox/webhook-targets')).json).toEqual({ echo: other.url });
      await call('DELETE', '/_sandbox/faults/echo');
      await call('POST', '/echo/emit', { n: 1 });
      await sandbox.ctx.webhooks.idle();
      expect(other.received).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('reset clears audit, deliveries and run-time faults and targets', async () => {
    await call('POST', '/echo/things', {});
    await call('PUT', '/_sandbox/faults/echo', { failNextRequests: 5 });
    await call('PUT', '/_sandbox/webhook-targets/echo', { url: 'http://127.0.0.1:9/elsewhere' });
    await call('POST', '/_sandbox/reset');
    expect((await call('GET', '/_sandbox/audit')).json.items).toEqual([]);
    expect((await call('GET', '/_sandbox/faults/echo')).json.config).toEqual({});
    expect((await call('GET', '/_sandbox/webhook-targets')).json).toEqual({ echo: receiver.url });
    expect((await call('GET', '/echo/ping')).status).toBe(200);
  });
});
