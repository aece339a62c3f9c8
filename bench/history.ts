/**
 * Histories: their size (events, encoded bytes) and, for a real onboarding, the shape the floor replays.
 * Payload sizes are plaintext sizes (after the PII codec's decode), so the floor, sealed by the same codec,
 * writes payloads of the same size.
 */
import { startAnswerUpdate } from '../contract/onboarding.js';
import type { CommonActivities } from '../contract/outbound.js';
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { FloorShape, FloorStep, ShapeCounts } from './floor-shape.js';

const { temporal } = proto;
type History = proto.temporal.api.history.v1.History;
type IPayloads = { payloads?: Payload[] | null } | null | undefined;

export interface HistorySize {
  events: number;
  bytes: number;
  counts: ShapeCounts;
  /** Events by type (`EVENT_TYPE_…` without the prefix): where real and floor histories differ. */
  eventTypes?: Record<string, number>;
  /** Workflow tasks completed, and search-attribute upserts, in the history. */
  workflowTasks?: number;
  upserts?: number;
  /** The most upserts one workflow task recorded (its commands follow its WORKFLOW_TASK_COMPLETED event). */
  maxUpsertsPerTask?: number;
  /** State transitions of the execution (DescribeWorkflowExecution's stateTransitionCount). */
  stateTransitions?: number;
  /** Billable actions as Temporal Cloud counts them, estimated from the history (see billableFromHistory). */
  billableFromHistory?: number;
}

/**
 * Temporal Cloud's actions that a history shows: the start, each signal, each Update, each activity attempt
 * (scheduled + retries), each timer, each search-attribute upsert or memo change, each marker (local activity,
 * side effect), each child workflow, each external signal or cancel request. Not in a history, so not counted
 * here: queries and rejected Updates (the server's own `action` meter counts them; see server-metrics.ts).
 */
export function billableFromHistory(types: Record<string, number>, retries: number): number {
  const of = (name: string): number => types[name] ?? 0;
  return (
    of('WORKFLOW_EXECUTION_STARTED') +
    of('WORKFLOW_EXECUTION_SIGNALED') +
    of('WORKFLOW_EXECUTION_UPDATE_ACCEPTED') +
    of('ACTIVITY_TASK_SCHEDULED') +
    retries +
    of('TIMER_STARTED') +
    of('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') +
    of('WORKFLOW_PROPERTIES_MODIFIED') +
    of('MARKER_RECORDED') +
    of('START_CHILD_WORKFLOW_EXECUTION_INITIATED') +
    of('SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED') +
    of('REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED')
  );
}

/** The size of a workflow's history and its describe's state transitions. */
export async function serverWorkOf(client: Client, workflowId: string): Promise<HistorySize> {
  const history = await fetchHistory(client, workflowId);
  const size = sizeOf(history);
  const description = await client.workflow.getHandle(workflowId).describe();
  const transitions = Number(description.raw.workflowExecutionInfo?.stateTransitionCount ?? Number.NaN);
  let retries = 0;
  let inTask = 0;
  let maxUpsertsPerTask = 0;
  for (const event of history.events ?? []) {
    retries += Math.max(0, (event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
    if (event.workflowTaskCompletedEventAttributes) inTask = 0;
    if (event.upsertWorkflowSearchAttributesEventAttributes)
      maxUpsertsPerTask = Math.max(maxUpsertsPerTask, (inTask += 1));
  }
  const types = size.eventTypes ?? {};
  return {
    ...size,
    workflowTasks: types.WORKFLOW_TASK_COMPLETED ?? 0,
    upserts: types.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0,
    maxUpsertsPerTask,
    stateTransitions: transitions,
    billableFromHistory: billableFromHistory(types, retries),
  };
}

export async function fetchHistory(client: Client, workflowId: string): Promise<History> {
  return temporal.api.history.v1.History.fromObject(await client.workflow.getHandle(workflowId).fetchHistory());
}

export function countsOf(history: History): ShapeCounts {
  const counts: ShapeCounts = { activities: 0, timers: 0, updates: 0, signals: 0 };
  for (const event of history.events ?? []) {
    if (event.activityTaskScheduledEventAttributes) counts.activities += 1;
    if (event.timerStartedEventAttributes) counts.timers += 1;
    if (event.workflowExecutionUpdateAcceptedEventAttributes) counts.updates += 1;
    if (event.workflowExecutionSignaledEventAttributes) counts.signals += 1;
  }
  return counts;
}

export function sizeOf(history: History): HistorySize {
  return {
    events: history.events?.length ?? 0,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    counts: countsOf(history),
    eventTypes: eventTypesOf(history),
  };
}

export function eventTypesOf(history: History): Record<string, number> {
  const types: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const name = (temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'UNKNOWN').replace(/^EVENT_TYPE_/, '');
    types[name] = (types[name] ?? 0) + 1;
  }
  return types;
}

async function plaintextBytes(codec: PayloadCodec, payloads: IPayloads): Promise<number> {
  const list = payloads?.payloads ?? [];
  if (list.length === 0) return 0;
  const decoded = await codec.decode(list as Payload[]);
  return decoded.reduce((sum, payload) => sum + (payload.data?.length ?? 0), 0);
}

function durationMs(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!duration) return 0;
  return Number(duration.seconds ?? 0) * 1000 + Math.round((duration.nanos ?? 0) / 1e6);
}

/** Typed against the contract, so a rename breaks the build instead of the floor. */
const OUTBOUND_EVENT_ACTIVITY: keyof CommonActivities = 'emitOutboundEvent';

/** The floor's shape of a real onboarding's history (see floor-shape.ts). */
export async function shapeOf(provider: string, history: History, codec: PayloadCodec): Promise<FloorShape> {
  const steps: FloorStep[] = [];
  const activities = new Map<string, { inputBytes: number; resultBytes: number }>();
  const updates = new Map<string, Extract<FloorStep, { kind: 'update' }>>();
  const timers = new Map<string, { ms: number; stepsBefore: number }>();
  let batch: Extract<FloorStep, { kind: 'activities' }> | undefined;
  let resultBytes = 0;
  let outboundEvents = 0;
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    if (event.workflowTaskCompletedEventAttributes) batch = undefined;
    const scheduled = event.activityTaskScheduledEventAttributes;
    // Handing an outbound event over is the engine's own work, as the delivery workflow it starts is: not replayed.
    if (scheduled && scheduled.activityType?.name === OUTBOUND_EVENT_ACTIVITY) {
      outboundEvents += 1;
    } else if (scheduled) {
      if (!batch) {
        batch = { kind: 'activities', calls: [] };
        steps.push(batch);
      }
      const call = { inputBytes: await plaintextBytes(codec, scheduled.input), resultBytes: 0 };
      batch.calls.push(call);
      activities.set(id, call);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      const call = activities.get(String(completed.scheduledEventId));
      if (call) call.resultBytes = await plaintextBytes(codec, completed.result);
    }
    const timerStarted = event.timerStartedEventAttributes;
    if (timerStarted) {
      if (batch) batch.background = true;
      timers.set(String(timerStarted.timerId), {
        ms: durationMs(timerStarted.startToFireTimeout),
        stepsBefore: steps.length,
      });
    }
    const fired = event.timerFiredEventAttributes;
    if (fired) {
      const timer = timers.get(String(fired.timerId));
      steps.push({ kind: 'sleep', ms: timer?.ms ?? 0 });
      batch = undefined;
    }
    const cancelled = event.timerCanceledEventAttributes;
    if (cancelled) {
      const timer = timers.get(String(cancelled.timerId));
      // A deadline around a wait: the first wait after the timer started carries it.
      const wait = timer
        ? steps.slice(timer.stepsBefore).find((step) => step.kind === 'update' || step.kind === 'signal')
        : undefined;
      if (timer && wait && (wait.kind === 'update' || wait.kind === 'signal') && wait.timerMs === undefined)
        wait.timerMs = timer.ms;
    }
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    // The start's own read-only Update (Update-with-start) is no customer step: the floor answers it by itself.
    if (accepted && accepted.acceptedRequest?.input?.name !== startAnswerUpdate.name) {
      const step: Extract<FloorStep, { kind: 'update' }> = {
        kind: 'update',
        name: accepted.acceptedRequest?.input?.name ?? 'unknown',
        resultBytes: 0,
      };
      steps.push(step);
      updates.set(accepted.protocolInstanceId ?? '', step);
      batch = undefined;
    }
    const updateCompleted = event.workflowExecutionUpdateCompletedEventAttributes;
    if (updateCompleted) {
      const step = updates.get(updateCompleted.meta?.updateId ?? '');
      if (step) step.resultBytes = await plaintextBytes(codec, updateCompleted.outcome?.success);
    }
    const signalled = event.workflowExecutionSignaledEventAttributes;
    if (signalled) {
      steps.push({ kind: 'signal', inputBytes: await plaintextBytes(codec, signalled.input) });
      batch = undefined;
    }
    const done = event.workflowExecutionCompletedEventAttributes;
    if (done) resultBytes = await plaintextBytes(codec, done.result);
  }
  const replayed = steps.reduce((sum, step) => sum + (step.kind === 'activities' ? step.calls.length : 0), 0);
  return { provider, steps, resultBytes, counts: { ...countsOf(history), activities: replayed }, outboundEvents };
}
