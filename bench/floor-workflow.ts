/**
 * The floor: what an onboarding of the same shape costs on bare Temporal. Registered under the real workflow
 * types (greendotOnboarding, jikoOnboarding, linkcyOnboarding, netspendOnboarding) but only on the floor's task
 * queues, so the very same gateway code starts and drives it. It keeps no status model, publishes no search
 * attributes and calls no-op activities: it only replays, step by step, the activities, timers, Updates and signals
 * of a real onboarding (bench/floor-shape.ts), with payloads of the same sizes.
 */
import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { FloorShape, FloorStep } from './floor-shape.js';

export interface FloorActivities {
  /** The shape to replay, padded to the size of the real onboarding's first activity result. */
  floorPlan(provider: string, padding: string): Promise<{ shape: FloorShape; padding: string }>;
  /**
   * Takes an input of the real call's size and returns a result of the real call's size. `events`: the provider
   * events the real call set off (the sizes of their signal payloads), signalled to the onboarding once this call's
   * completion is recorded, as the sandbox's webhook follows its answer.
   */
  floorNoop(padding: string, resultBytes: number, events?: number[]): Promise<string>;
}

const { floorPlan, floorNoop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30s' });

interface FloorInput {
  provider: string;
  customerRef: string;
}

interface FloorEvent {
  eventId: string;
}

const statusQuery = defineQuery<unknown>('status');
/**
 * The read-only Update a start sends with it (Update-with-start): as the engine answers it (created = the start's
 * token is the one in the memo), so the floor's start is the same one round trip as the real side's.
 */
const startAnswerUpdate = defineUpdate<unknown, [{ startToken?: string } | undefined]>('startAnswer');
const providerEventSignal = defineSignal<[FloorEvent]>('providerEvent');

function pad(bytes: number): string {
  // A JSON string payload is its characters plus two quotes.
  return 'x'.repeat(Math.max(0, bytes - 2));
}

/** `value` with a `padding` field that brings its JSON to `bytes`. */
function padded<T extends object>(value: T, bytes: number): T & { padding: string } {
  const bare = JSON.stringify({ ...value, padding: '' }).length;
  return { ...value, padding: 'x'.repeat(Math.max(0, bytes - bare)) };
}

/**
 * The payload sizes of the provider events the real onboarding received right after the activities of step `index`:
 * the floor's last call of that step sends them, as the sandbox sends a webhook after answering the call that set it
 * off, so they reach the floor at the real onboarding's position (after that call's completion).
 */
function eventsAfter(steps: FloorStep[], index: number): number[] | undefined {
  const events: number[] = [];
  for (const step of steps.slice(index + 1)) {
    if (step.kind !== 'signal') break;
    events.push(step.inputBytes ?? 0);
  }
  return events.length > 0 ? events : undefined;
}

async function floorOnboarding(input: FloorInput): Promise<unknown> {
  const startedAt = new Date().toISOString();
  const status = {
    onboardingId: workflowInfo().workflowId,
    provider: input.provider,
    customerRef: input.customerRef,
    state: 'in_progress',
    step: 'floor',
    blockedOn: null as string | null,
    pendingActions: [] as { action: string; data: Record<string, unknown> }[],
    startedAt,
  };
  const updatesDone = new Map<string, number>();
  setHandler(statusQuery, () => status);
  setHandler(startAnswerUpdate, (request) => {
    const token = request?.startToken;
    return { created: typeof token === 'string' && workflowInfo().memo?.startToken === token, status };
  });
  // Received and recorded in history, nothing more: see the 'signal' step below.
  setHandler(providerEventSignal, () => undefined);

  const plan = await floorPlan(input.provider, '');
  const { shape } = plan;
  const resultPadding = new Map<string, number>();
  for (const step of shape.steps) {
    if (step.kind !== 'update' || updatesDone.has(step.name)) continue;
    updatesDone.set(step.name, 0);
    resultPadding.set(step.name, step.resultBytes);
    const name = step.name;
    setHandler(
      defineUpdate<unknown, [unknown]>(name),
      (_input: unknown): unknown => {
        updatesDone.set(name, (updatesDone.get(name) ?? 0) + 1);
        status.pendingActions = status.pendingActions.filter((action) => action.action !== name);
        return padded(status, resultPadding.get(name) ?? 0);
      },
      {
        validator: (_input: unknown): void => {
          if (!status.pendingActions.some((action) => action.action === name)) throw new Error(`${name} not expected`);
        },
      },
    );
  }

  let first = true;
  const background: Promise<unknown>[] = [];
  for (const [index, step] of shape.steps.entries()) {
    switch (step.kind) {
      case 'activities': {
        // The plan call stands for the real onboarding's first activity.
        const calls = first ? step.calls.slice(1) : step.calls;
        first = false;
        const events = eventsAfter(shape.steps, index);
        const running = Promise.all(
          calls.map((call, at) =>
            floorNoop(pad(call.inputBytes), call.resultBytes, at === calls.length - 1 ? events : undefined),
          ),
        );
        if (step.background) background.push(running);
        else await running;
        break;
      }
      case 'sleep':
        await sleep(step.ms);
        break;
      case 'update': {
        const before = updatesDone.get(step.name) ?? 0;
        status.state = 'action_required';
        status.blockedOn = 'customer';
        // The data the real pending action showed, so the customer sends the same (valid) body.
        status.pendingActions = [{ action: step.name, data: step.data ?? {} }];
        const done = (): boolean => (updatesDone.get(step.name) ?? 0) > before;
        if (step.timerMs) await condition(done, step.timerMs);
        else await condition(done);
        status.state = 'in_progress';
        status.blockedOn = null;
        break;
      }
      case 'signal':
        // The real onboarding treats provider events as hints and goes on without them; so does the floor. The
        // activity before this step signals them (see eventsAfter).
        break;
    }
  }
  await Promise.all(background);
  status.state = 'completed';
  return padded(status, shape.resultBytes);
}

export async function jikoOnboarding(input: FloorInput): Promise<unknown> {
  return floorOnboarding(input);
}

export async function netspendOnboarding(input: FloorInput): Promise<unknown> {
  return floorOnboarding(input);
}

export async function greendotOnboarding(input: FloorInput): Promise<unknown> {
  return floorOnboarding(input);
}

export async function linkcyOnboarding(input: FloorInput): Promise<unknown> {
  return floorOnboarding(input);
}
