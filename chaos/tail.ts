/**
 * Deliverable 6, the tail with no fault injected: for each activity that timed out, did the worker run it? The
 * worker logs every provider call with its workflowId and activityAttempt (activities/http); an attempt the worker
 * took (ActivityTaskStarted, with its identity) but during which that workflow made no provider call at all was
 * taken and never run.
 */
import { readFile } from 'node:fs/promises';
import type { TimeoutRecord } from './histories.js';

interface CallLine {
  at: number;
  workflowId: string;
  attempt: number;
}

export async function markRunOrNot(records: TimeoutRecord[], workerLogs: string[]): Promise<void> {
  const calls: CallLine[] = [];
  for (const file of workerLogs) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.includes('"provider call"')) continue;
      try {
        const parsed = JSON.parse(line) as { time?: string; workflowId?: string; activityAttempt?: number };
        if (parsed.time && parsed.workflowId) {
          calls.push({
            at: Date.parse(parsed.time),
            workflowId: parsed.workflowId,
            attempt: parsed.activityAttempt ?? 0,
          });
        }
      } catch {
        // Not a JSON line (the SDK's own output): skip.
      }
    }
  }
  for (const record of records) {
    if (!record.startedAt || record.startedForMs === null) {
      record.callsDuringAttempt = null;
      continue;
    }
    const from = Date.parse(record.startedAt);
    const to = from + record.startedForMs;
    record.callsDuringAttempt = calls.filter(
      (call) =>
        call.workflowId === record.workflowId && call.attempt === record.attempt && call.at >= from && call.at <= to,
    ).length;
  }
}
