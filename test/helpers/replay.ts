/**
 * Recorded histories (test/histories/<provider>/*.json, written by scripts/record-histories.ts without the PII
 * codec) replayed against the current workflow code: what guards running onboardings against a non-deterministic
 * change across commits.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Applicant } from '../../contract/onboarding.js';
import { projectRoot } from './temporal.js';

export interface RecordedHistory {
  /** The file name without `.json`. */
  name: string;
  history: History;
  /** The file's JSON, as Temporal's tools write it. */
  json: unknown;
}

export const HISTORIES_DIR = path.join(projectRoot, 'test', 'histories');

export async function loadRecordedHistories(provider: string): Promise<RecordedHistory[]> {
  const dir = path.join(HISTORIES_DIR, provider);
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const json: unknown = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
      return { name: file.slice(0, -'.json'.length), history: historyFromJSON(json), json };
    }),
  );
}

/** Replays every history; returns `name: error` for each that failed (empty when all replayed cleanly). */
export async function replayFailures(
  workflowBundle: WorkflowBundleWithSourceMap,
  histories: readonly RecordedHistory[],
): Promise<string[]> {
  const failures: string[] = [];
  const input = histories.map(({ name, history }) => ({ workflowId: name, history }));
  for await (const replay of Worker.runReplayHistories({ workflowBundle }, input)) {
    if (replay.error) failures.push(`${replay.workflowId}: ${String(replay.error)}`);
  }
  return failures;
}

/** The ids of the `patched()` markers a history recorded (so a test can tell which side of a patch it covers). */
export function patchIds(history: History): string[] {
  return (history.events ?? []).flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
    if (!data) return [];
    const decoded = JSON.parse(Buffer.from(data).toString('utf8')) as { id?: unknown };
    return typeof decoded.id === 'string' ? [decoded.id] : [];
  });
}

/** The history's start input, decoded (recorded without the codec, so plain JSON). */
export function startInput(history: History): unknown {
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload?.data) return undefined;
  return JSON.parse(Buffer.from(payload.data).toString('utf8'));
}

/** Made-up people only: example.com mail, 555 numbers, an adult born long ago. Names are checked by the caller. */
export function looksFake(applicant: Applicant<never>): boolean {
  // Each field the applicant has must look made up (a phone-first provider's applicant may hold only the phone).
  const checks: [string | undefined, RegExp][] = [
    [applicant.email, /@example\.(com|org|net)$/],
    [applicant.phone, /^\+1555\d{7}$/],
    [applicant.ssn, /^\d{9}$/],
  ];
  const present = checks.filter(([value]) => value !== undefined);
  return present.length > 0 && present.every(([value, pattern]) => pattern.test(value as string));
}

/** A copy of the history in which the first scheduled activity has another type: replay must refuse it. */
export function withRenamedFirstActivity(recorded: RecordedHistory): RecordedHistory {
  const json = structuredClone(recorded.json) as {
    events: { activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
  };
  const attributes = json.events.find(
    (event) => event.activityTaskScheduledEventAttributes,
  )?.activityTaskScheduledEventAttributes;
  if (!attributes) throw new Error(`${recorded.name} schedules no activity`);
  attributes.activityType.name = `${attributes.activityType.name}Renamed`;
  return { name: `${recorded.name}-tampered`, history: historyFromJSON(json), json };
}
