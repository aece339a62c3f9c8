/**
 * The Jiko webhook subscription bootstrap against the simulator over HTTP: it creates one subscription for our
 * gateway URL, events and secret; run again it changes nothing; it completes an incomplete one in place; a lost
 * answer to the create does not leave a second one; and Jiko's deliveries then carry our secret's signature.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JikoClient } from '../../activities/jiko/client.js';
import { ensureJikoSubscription, subscriptionIdempotencyKey } from '../../activities/jiko/subscriptions.js';
import { parseConfig } from '../../common/config.js';
import { setLogSink } from '../../common/log.js';
import { JIKO_ROUTED_EVENT_TYPES } from '../../contract/jiko.js';
import { startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import * as jikoSandbox from '../../sandbox/jiko/index.js';
import { ensureSandboxJikoSubscription } from '../../scripts/jiko-subscribe.js';
import { projectRoot } from '../helpers/temporal.js';

const execFileAsync = promisify(execFile);

const SHARED_SECRET = 'our-gateway-shared-secret-0123';

let sandbox: Sandbox & { url: string };
let client: JikoClient;
let receiverUrl = '';
let closeReceiver: () => Promise<void>;
const received: { path: string; body: string; signature: string | undefined }[] = [];

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

async function auditedSubscriptions(): Promise<unknown[]> {
  const audit = (await control('GET', '/_sandbox/audit?provider=jiko&kind=subscription')) as { items: unknown[] };
  return audit.items;
}

beforeAll(async () => {
  setLogSink(() => {});
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const signature = request.headers['x-jiko-signature'];
      received.push({
        path: request.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        signature: typeof signature === 'string' ? signature : undefined,
      });
      response.statusCode = 202;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeReceiver = () => new Promise<void>((resolve) => server.close(() => resolve()));
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    providers: [jikoSandbox],
    env: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '0' },
    webhookDefaults: { maxAttempts: 1, timeoutMs: 1_000 },
    webhookTargets: { jiko: `${receiverUrl}/configured-target` },
  });
  client = new JikoClient(parseConfig({ JIKO_BASE_URL: `${sandbox.url}/jiko` }), { timeoutMs: 5_000 });
});

afterAll(async () => {
  await sandbox?.close();
  await closeReceiver?.();
});

beforeEach(async () => {
  await control('POST', '/_sandbox/reset');
  received.length = 0;
});

describe('Jiko webhook subscription bootstrap', () => {
  it('creates one subscription for our URL, events and secret; run again it changes nothing', async () => {
    const target = { url: `${receiverUrl}/webhooks/jiko`, sharedSecret: SHARED_SECRET };
    const first = await ensureJikoSubscription(client, target);
    expect(first).toMatchObject({ outcome: 'created', url: target.url, events: [...JIKO_ROUTED_EVENT_TYPES] });
    const second = await ensureJikoSubscription(client, target);
    expect(second).toMatchObject({ outcome: 'unchanged', subscriptionId: first.subscriptionId });
    const listed = await client.listSubscriptions();
    expect(listed.map((subscription) => subscription.id)).toEqual([first.subscriptionId]);
    expect(await auditedSubscriptions()).toHaveLength(1);
  });

  it('finds ours among many (every page) and completes its events in place', async () => {
    for (let i = 0; i < 120; i++) {
      await client.createSubscription(
        { events: ['card.status.open'], url: `${receiverUrl}/other/${i}`, shared_secret: 'somebody-elses-secret' },
        crypto.randomUUID(),
      );
    }
    const url = `${receiverUrl}/webhooks/jiko`;
    const ours = await client.createSubscription(
      { events: ['application.approved', 'card.status.open'], url, shared_secret: SHARED_SECRET },
      crypto.randomUUID(),
    );
    const ensured = await ensureJikoSubscription(client, { url: `${url}/`, sharedSecret: SHARED_SECRET });
    expect(ensured.outcome).toBe('updated');
    expect(ensured.subscriptionId).toBe(ours.id);
    expect(ensured.events).toEqual(['application.approved', 'card.status.open', ...JIKO_ROUTED_EVENT_TYPES.slice(1)]);
    expect(await client.listSubscriptions()).toHaveLength(121);
  });

  it('a lost answer to the create, run again, still leaves one subscription', async () => {
    // The create reaches Jiko, but its answer never comes back (a connection reset on the way home).
    let lost = false;
    const losingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!lost && init?.method === 'POST' && String(input).endsWith('/api/v1/subscriptions/')) {
        lost = true;
        throw new TypeError('fetch failed: connection reset');
      }
      return response;
    };
    const unlucky = new JikoClient(parseConfig({ JIKO_BASE_URL: `${sandbox.url}/jiko` }), { fetch: losingFetch });
    const target = { url: `${receiverUrl}/webhooks/jiko`, sharedSecret: SHARED_SECRET };
    await expect(ensureJikoSubscription(unlucky, target)).rejects.toThrow();
    expect(lost).toBe(true);
    const again = await ensureJikoSubscription(unlucky, target);
    expect(again.outcome).toBe('unchanged');
    expect(await client.listSubscriptions()).toHaveLength(1);

    // And the create's own key replays within Jiko's window instead of making another.
    const key = subscriptionIdempotencyKey(`${receiverUrl}/twice`, JIKO_ROUTED_EVENT_TYPES, SHARED_SECRET);
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const body = { events: [...JIKO_ROUTED_EVENT_TYPES], url: `${receiverUrl}/twice`, shared_secret: SHARED_SECRET };
    const created = await client.createSubscription(body, key);
    expect((await client.createSubscription(body, key)).id).toBe(created.id);
    expect(await client.listSubscriptions()).toHaveLength(2);
  });

  it("Jiko's deliveries then reach our URL signed with our secret, and only there", async () => {
    await ensureJikoSubscription(client, { url: `${receiverUrl}/webhooks/jiko`, sharedSecret: SHARED_SECRET });
    const triggered = await client.http.request({
      method: 'POST',
      path: '/api/v1/sandbox/webhook/',
      body: { event_type: 'application.approved', payload: { application_id: crypto.randomUUID() } },
      idempotencyKey: crypto.randomUUID(),
      schema: z.object({ event_id: z.string() }),
    });
    await sandbox.ctx.webhooks.idle();
    expect(received.map((delivery) => delivery.path)).toEqual(['/webhooks/jiko']);
    const [delivery] = received;
    expect(JSON.parse(delivery!.body).event_id).toBe(triggered.event_id);
    expect(delivery!.signature).toBe(createHmac('sha256', SHARED_SECRET).update(delivery!.body).digest('base64'));
  });

  it('`npm run jiko:subscribe` subscribes GATEWAY_PUBLIC_URL/webhooks/jiko with JIKO_WEBHOOK_SECRET, once', async () => {
    const env = {
      ...process.env,
      JIKO_BASE_URL: `${sandbox.url}/jiko`,
      GATEWAY_PUBLIC_URL: `${receiverUrl}/base/`,
      JIKO_WEBHOOK_SECRET: SHARED_SECRET,
    };
    const run = () =>
      execFileAsync(path.join(projectRoot, 'node_modules', '.bin', 'tsx'), ['scripts/jiko-subscribe.ts'], {
        cwd: projectRoot,
        env,
      });
    expect((await run()).stdout).toMatch(/subscription \S+ created: .*\/base\/webhooks\/jiko for application\./);
    expect((await run()).stdout).toMatch(/already in place/);
    const [only, ...more] = await client.listSubscriptions();
    expect(more).toEqual([]);
    expect(only).toMatchObject({ url: `${receiverUrl}/base/webhooks/jiko`, events: [...JIKO_ROUTED_EVENT_TYPES] });
  });

  it("npm start's step leaves a Jiko that is not the local sandbox alone", async () => {
    const config = parseConfig({ JIKO_BASE_URL: 'https://partner.sandbox-api.jikoservices.com' });
    expect(await ensureSandboxJikoSubscription(config, sandbox.url)).toMatch(/run `npm run jiko:subscribe` yourself/);
    expect(await client.listSubscriptions()).toEqual([]);
  });
});
