/**
 * The balancer in front of the cluster's gateways (scripts/cluster/balancer.ts): round-robin, a refused backend
 * answered with 502 (never retried by the balancer itself, so the caller's retry is what recovers) and then
 * skipped while it stays down.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startBalancer } from '../../scripts/cluster/balancer.js';
import type { Balancer } from '../../scripts/cluster/balancer.js';
import { freePort } from '../../scripts/cluster/tools.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function backend(name: string): Promise<string> {
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ name, path: request.url, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function balancerOver(backends: string[]): Promise<Balancer> {
  const balancer = await startBalancer(() => backends, { port: 0, log: () => undefined });
  closers.push(() => balancer.close());
  return balancer;
}

async function post(url: string): Promise<{ status: number; body: { name?: string; path?: string; body?: string } }> {
  const response = await fetch(`${url}/webhooks/jiko?x=1`, { method: 'POST', body: '{"event":1}' });
  return { status: response.status, body: (await response.json()) as { name?: string } };
}

describe('the cluster balancer', () => {
  it('alternates between the gateways and passes path, query and body through', async () => {
    const balancer = await balancerOver([await backend('a'), await backend('b')]);
    const answers = [await post(balancer.url), await post(balancer.url), await post(balancer.url)];
    expect(answers.map((answer) => answer.body.name)).toEqual(['a', 'b', 'a']);
    expect(answers[0]?.body).toMatchObject({ path: '/webhooks/jiko?x=1', body: '{"event":1}' });
  });

  it('answers 502 for a gateway that is down, then sends everything to the one that is up', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const balancer = await balancerOver([dead, await backend('alive')]);
    const first = await post(balancer.url);
    expect(first.status).toBe(502);
    // The caller's retry (a provider's redelivery) lands on the other gateway, and so does what follows.
    const after = [await post(balancer.url), await post(balancer.url), await post(balancer.url)];
    expect(after.map((answer) => [answer.status, answer.body.name])).toEqual([
      [200, 'alive'],
      [200, 'alive'],
      [200, 'alive'],
    ]);
  });
});
