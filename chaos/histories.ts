/**
 * Every workflow a scenario started, read back raw (no codec: what Temporal stores) for two figures: activity and
 * workflow-task timeouts (the tail of deliverable 6), and plaintext PII (the scan).
 */
import { Client, Connection } from '@temporalio/client';
// Default import: the package is CommonJS (see test/e2e/harness.ts).
import proto from '@temporalio/proto';
import type { PiiMarks } from './load.js';
import { findMarks } from './pii.js';

const { EventType, TimeoutType } = proto.temporal.api.enums.v1;

export interface TimeoutRecord {
  workflowId: string;
  activityType: string;
  timeoutType: string;
  attempt: number;
  /** Scheduled → started (ms): how long the task waited in the queue before a worker took it. */
  queuedMs: number | null;
  /** Started → timed out (ms). */
  startedForMs: number | null;
  startedAt: string | null;
  /** The worker identity the server recorded as having taken the task. */
  takenBy: string;
  /** Filled from the worker's log after the run: provider calls this workflow made during the attempt, or null. */
  callsDuringAttempt?: number | null;
}

export interface HistoryFigures {
  workflows: number;
  activityTasks: number;
  activityTimeouts: number;
  workflowTaskTimeouts: number;
  /** e.g. {START_TO_CLOSE: 2, SCHEDULE_TO_START: 1} (a sticky queue nobody polled shows as SCHEDULE_TO_START). */
  workflowTaskTimeoutTypes: Record<string, number>;
  timeouts: TimeoutRecord[];
  /** "ssn in onboarding:jiko:…" — plaintext personal values found in raw histories. */
  piiFindings: string[];
}

const millis = (time: proto.google.protobuf.ITimestamp | null | undefined): number | null =>
  time ? Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : null;

export async function historyFigures(
  temporalAddress: string,
  namespace: string,
  sinceIso: string,
  marks: PiiMarks[],
): Promise<HistoryFigures> {
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  const figures: HistoryFigures = {
    workflows: 0,
    activityTasks: 0,
    activityTimeouts: 0,
    workflowTaskTimeouts: 0,
    workflowTaskTimeoutTypes: {},
    timeouts: [],
    piiFindings: [],
  };
  try {
    const ids: { workflowId: string; runId: string }[] = [];
    // The raw service call: the SDK's list decodes memos, and ours are encrypted (no codec here, on purpose).
    let pageToken: Uint8Array | undefined;
    do {
      const page = await client.workflowService.listWorkflowExecutions({
        namespace,
        query: `StartTime >= "${sinceIso}"`,
        pageSize: 1000,
        ...(pageToken ? { nextPageToken: pageToken } : {}),
      });
      for (const execution of page.executions ?? []) {
        ids.push({ workflowId: execution.execution?.workflowId ?? '', runId: execution.execution?.runId ?? '' });
      }
      pageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (pageToken);
    for (const execution of ids) {
      const events: proto.temporal.api.history.v1.IHistoryEvent[] = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await client.workflowService.getWorkflowExecutionHistory({
          namespace,
          execution,
          ...(nextPageToken ? { nextPageToken } : {}),
        });
        events.push(...(page.history?.events ?? []));
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
      figures.workflows += 1;
      const raw = Buffer.from(proto.temporal.api.history.v1.History.encode({ events }).finish()).toString('latin1');
      for (const finding of findMarks(raw, marks)) figures.piiFindings.push(`${finding} in ${execution.workflowId}`);
      const byId = new Map(events.map((event) => [Number(event.eventId), event]));
      for (const event of events) {
        if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) figures.activityTasks += 1;
        if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
          figures.workflowTaskTimeouts += 1;
          const type = event.workflowTaskTimedOutEventAttributes?.timeoutType;
          const name = (type === undefined || type === null ? '?' : TimeoutType[type]).replace('TIMEOUT_TYPE_', '');
          figures.workflowTaskTimeoutTypes[name] = (figures.workflowTaskTimeoutTypes[name] ?? 0) + 1;
        }
        // A timed-out attempt that was retried leaves no TimedOut event: only the next Started event's lastFailure.
        const startedAttributes = event.activityTaskStartedEventAttributes;
        const retriedTimeout = startedAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType;
        if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && retriedTimeout) {
          figures.activityTimeouts += 1;
          const scheduled = byId.get(Number(startedAttributes.scheduledEventId));
          figures.timeouts.push({
            workflowId: execution.workflowId,
            activityType: scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
            timeoutType: `${TimeoutType[retriedTimeout]} (retried)`,
            attempt: (startedAttributes.attempt ?? 2) - 1,
            queuedMs: null,
            startedForMs: null,
            startedAt: null,
            takenBy: '?',
          });
        }
        if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) continue;
        figures.activityTimeouts += 1;
        const attributes = event.activityTaskTimedOutEventAttributes;
        const scheduled = byId.get(Number(attributes?.scheduledEventId));
        const started = byId.get(Number(attributes?.startedEventId));
        const timeoutType = attributes?.failure?.timeoutFailureInfo?.timeoutType;
        const scheduledAt = millis(scheduled?.eventTime);
        const startedAt = millis(started?.eventTime);
        const endedAt = millis(event.eventTime);
        figures.timeouts.push({
          workflowId: execution.workflowId,
          activityType: scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
          timeoutType: timeoutType === undefined || timeoutType === null ? '?' : TimeoutType[timeoutType],
          attempt: started?.activityTaskStartedEventAttributes?.attempt ?? 0,
          queuedMs: scheduledAt !== null && startedAt !== null ? startedAt - scheduledAt : null,
          startedForMs: startedAt !== null && endedAt !== null ? endedAt - startedAt : null,
          startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
          takenBy: started?.activityTaskStartedEventAttributes?.identity ?? '?',
        });
      }
    }
  } finally {
    await connection.close();
  }
  return figures;
}
