import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { createFileInbox, inboxRecord } from '../../client/webhooks/inbox.js';
import type { InboxRecord } from '../../client/webhooks/inbox.js';
import { WebhookIntake } from '../../client/webhooks/intake.js';
import type { ProviderWebhookIntake } from '../../client/webhooks/types.js';
import { setLogLevel } from '../../common/log.js';
import { OnboardingRouteCache } from '../../common/routing.js';
import type { ProviderEvent } from '../../contract/onboarding.js';
import { testConfig } from './fixtures.js';

const REF = 'jiko:application:app-1';
const ONBOARDING = 'onboarding:jiko:cust_1';
const event = (refs: string[] = [REF], provider: ProviderEvent['provider'] = 'jiko') => ({ provider, refs });
const oneRunning = { running: [ONBOARDING], closed: [] };
const signalledOnly = { signalled: [ONBOARDING], closed: [] };

describe('OnboardingRouteCache', () => {
  it('keeps one running onboarding that accepted the signal, under the provider and refs in any order', () => {
    const cache = new OnboardingRouteCache();
    const refs = [REF, 'jiko:person:p-1'];
    cache.remember(event(refs), oneRunning, signalledOnly);
    expect(cache.get(event([...refs].reverse()))).toBe(ONBOARDING);
    expect(cache.get(event([REF]))).toBeUndefined();
    expect(cache.get(event(refs, 'netspend'))).toBeUndefined();
  });

  it('keeps no negative, ambiguous or unsignalled answer', () => {
    const cache = new OnboardingRouteCache();
    cache.remember(event(), { running: [], closed: [ONBOARDING] }, { signalled: [], closed: [ONBOARDING] });
    cache.remember(
      event(['jiko:application:two']),
      { running: [ONBOARDING, 'onboarding:jiko:cust_2'], closed: [] },
      {
        signalled: [ONBOARDING, 'onboarding:jiko:cust_2'],
        closed: [],
      },
    );
    cache.remember(event(['jiko:application:gone']), oneRunning, { signalled: [], closed: [ONBOARDING] });
    expect(cache.size).toBe(0);
  });

  it('forgets an entry once its time to live has passed', () => {
    let now = 1_000;
    const cache = new OnboardingRouteCache({ ttlMs: 500, now: () => now });
    cache.remember(event(), oneRunning, signalledOnly);
    now += 499;
    expect(cache.get(event())).toBe(ONBOARDING);
    now += 1;
    expect(cache.get(event())).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used entry past its bound', () => {
    const cache = new OnboardingRouteCache({ maxEntries: 2 });
    const remember = (n: number) =>
      cache.remember(
        event([`jiko:application:${n}`]),
        { running: [`onb-${n}`], closed: [] },
        {
          signalled: [`onb-${n}`],
          closed: [],
        },
      );
    remember(1);
    remember(2);
    expect(cache.get(event(['jiko:application:1']))).toBe('onb-1'); // 1 is now the most recently used
    remember(3);
    expect(cache.size).toBe(2);
    expect(cache.get(event(['jiko:application:2']))).toBeUndefined();
    expect(cache.get(event(['jiko:application:1']))).toBe('onb-1');
    expect(cache.get(event(['jiko:application:3']))).toBe('onb-3');
  });

  it('forgets on request, and refuses a bound or time to live that cannot work, naming it', () => {
    const cache = new OnboardingRouteCache();
    cache.remember(event(), oneRunning, signalledOnly);
    cache.forget(event());
    expect(cache.get(event())).toBeUndefined();
    expect(() => new OnboardingRouteCache({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => new OnboardingRouteCache({ ttlMs: 0 })).toThrow(/ttlMs/);
  });
});

// --- the intake's direct path with the cache, against a fake Temporal whose onboardings come and go --------------

interface World {
  /** What visibility answers: each onboarding carrying REF and whether it runs. */
  carrying: Map<string, 'RUNNING' | 'COMPLETED'>;
  queries: number;
  signals: string[];
  /** Signals refused because the onboarding had closed. */
  refused: number;
  starts: string[];
  signalError?: Error;
}

function fakeTemporal(world: World): Client {
  return {
    options: { namespace: 'default' },
    withDeadline: async <R>(_deadline: number, fn: () => Promise<R>): Promise<R> => fn(),
    workflow: {
      list: () => {
        world.queries += 1;
        return (async function* () {
          for (const [workflowId, status] of world.carrying) yield { workflowId, status: { name: status } };
        })();
      },
      getHandle: (workflowId: string) => ({
        signal: async () => {
          if (world.signalError) throw world.signalError;
          if (world.carrying.get(workflowId) !== 'RUNNING') {
            world.refused += 1;
            throw new WorkflowNotFoundError('workflow execution already completed', workflowId, undefined);
          }
          world.signals.push(workflowId);
        },
      }),
      start: async (_type: string, options: { workflowId: string }) => {
        world.starts.push(options.workflowId);
        return { workflowId: options.workflowId };
      },
    },
  } as unknown as Client;
}

/** A provider whose every delivery is one routable event carrying REF (ids from the body). */
const refProvider: ProviderWebhookIntake = {
  verify: () => undefined,
  normalize: (rawBody) => [
    {
      event: {
        provider: 'jiko',
        eventId: rawBody.toString('utf8'),
        type: 'application.manual_review',
        refs: [REF],
        occurredAt: '2026-01-01T12:00:00.000Z',
        data: {},
      },
      routable: true,
    },
  ],
};

function intakeIn(world: World) {
  const inbox: InboxRecord[] = [];
  const webhooks = new WebhookIntake({
    client: fakeTemporal(world),
    config: testConfig({ TASK_QUEUE_PREFIX: 'onb' }),
    inbox: { append: async (record) => void inbox.push(record) },
    intakeFor: () => refProvider,
    knownProviders: () => ['jiko'],
  });
  let n = 0;
  const deliver = () => webhooks.deliver('jiko', Buffer.from(`evt-${(n += 1)}`), {});
  return { deliver, inbox };
}

const newWorld = (carrying: [string, 'RUNNING' | 'COMPLETED'][]): World => ({
  carrying: new Map(carrying),
  queries: 0,
  signals: [],
  refused: 0,
  starts: [],
});

describe('WebhookIntake: the direct path with the ref cache', () => {
  beforeAll(() => setLogLevel('error'));

  it('asks visibility for the first webhook of an onboarding only', async () => {
    const world = newWorld([[ONBOARDING, 'RUNNING']]);
    const { deliver, inbox } = intakeIn(world);
    await deliver();
    await deliver();
    await deliver();
    expect(world.queries).toBe(1);
    expect(world.signals).toEqual([ONBOARDING, ONBOARDING, ONBOARDING]);
    expect(world.starts).toEqual([]);
    expect(inbox.map((record) => record.outcome)).toEqual(['routed-direct', 'routed-direct', 'routed-direct']);
  });

  it('falls back to visibility, then the delivery workflow, once the cached onboarding has closed', async () => {
    const world = newWorld([[ONBOARDING, 'RUNNING']]);
    const { deliver, inbox } = intakeIn(world);
    await deliver();
    world.carrying.set(ONBOARDING, 'COMPLETED');
    await deliver();
    expect(world.queries).toBe(2);
    expect(world.starts).toEqual(['webhook:jiko:evt-2']);
    expect(world.refused).toBe(1);
    await deliver();
    // Forgotten: the next one asks visibility again rather than signalling the closed onboarding.
    expect(world.queries).toBe(3);
    expect(world.refused).toBe(1);
    expect(inbox.map((record) => record.outcome)).toEqual(['routed-direct', 'delivery-workflow', 'delivery-workflow']);
  });

  it('finds the onboarding that now carries the refs when the cached one is gone', async () => {
    const world = newWorld([[ONBOARDING, 'RUNNING']]);
    const { deliver } = intakeIn(world);
    await deliver();
    world.carrying = new Map([
      [ONBOARDING, 'COMPLETED'],
      ['onboarding:jiko:cust_1b', 'RUNNING'],
    ]);
    await deliver();
    await deliver();
    expect(world.signals).toEqual([ONBOARDING, 'onboarding:jiko:cust_1b', 'onboarding:jiko:cust_1b']);
    expect(world.queries).toBe(2);
    expect(world.starts).toEqual([]);
  });

  it('asks visibility every time while two running onboardings carry the refs, and signals both', async () => {
    const world = newWorld([
      [ONBOARDING, 'RUNNING'],
      ['onboarding:jiko:cust_2', 'RUNNING'],
    ]);
    const { deliver } = intakeIn(world);
    await deliver();
    await deliver();
    expect(world.queries).toBe(2);
    expect(world.signals).toHaveLength(4);
  });

  it('keeps the entry through a transient signal failure, which the delivery workflow takes', async () => {
    const world = newWorld([[ONBOARDING, 'RUNNING']]);
    const { deliver } = intakeIn(world);
    await deliver();
    world.signalError = new Error('14 UNAVAILABLE: no frontend');
    await deliver();
    expect(world.starts).toEqual(['webhook:jiko:evt-2']);
    delete world.signalError;
    await deliver();
    expect(world.queries).toBe(1);
    expect(world.signals).toEqual([ONBOARDING, ONBOARDING]);
  });
});

describe('the file inbox', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inbox-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const record = (eventId: string, provider: ProviderEvent['provider'] = 'jiko') =>
    inboxRecord(
      { provider, eventId, type: 'x', refs: [], occurredAt: '2026-01-01T00:00:00.000Z', data: {} },
      {
        routable: false,
        outcome: 'delivery-workflow',
        firstDelivery: true,
        deliveryWorkflowId: `webhook:${provider}:${eventId}`,
        receivedAt: new Date('2026-02-03T04:05:06.000Z'),
      },
    );

  it('writes every record, concurrent ones included, as one JSON line each, before resolving', async () => {
    const inbox = createFileInbox(path.join(dir, 'ok'));
    await Promise.all(Array.from({ length: 50 }, (_, i) => inbox.append(record(`e${i}`))));
    await inbox.append(record('last'));
    const lines = readFileSync(path.join(dir, 'ok', 'jiko-2026-02-03.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(51);
    expect(lines.map((line) => (JSON.parse(line) as InboxRecord).eventId)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => `e${i}`),
      'last',
    ]);
  });

  it('rejects when the file cannot be written, and writes again once it can', async () => {
    const target = path.join(dir, 'blocked');
    // A directory where the day's file should be: opening it for append fails.
    mkdirSync(path.join(target, 'jiko-2026-02-03.jsonl'), { recursive: true });
    const inbox = createFileInbox(target);
    await expect(inbox.append(record('e1'))).rejects.toThrow(/EISDIR/);
    rmSync(path.join(target, 'jiko-2026-02-03.jsonl'), { recursive: true });
    await inbox.append(record('e2'));
    expect(readFileSync(path.join(target, 'jiko-2026-02-03.jsonl'), 'utf8')).toContain('"eventId":"e2"');
  });
});
