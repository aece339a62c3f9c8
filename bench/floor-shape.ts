/**
 * The shape of one onboarding as Temporal sees it, read from a real onboarding's history: what the workflow did in
 * each workflow task (activities, timers) and what it waited for in between (an Update, a signal). The floor
 * workflow replays exactly this shape with no-op activities and payloads of the same sizes. Plain types and
 * functions only: the floor workflow bundle imports the types.
 */
export interface FloorActivityCall {
  /** Plaintext bytes of the real call's input and result payloads (before the PII codec). */
  inputBytes: number;
  resultBytes: number;
}

export type FloorStep =
  /**
   * Activities scheduled in one workflow task, run together. `background`: scheduled in the same task as the start
   * of a wait (fire-and-forget, like outbound events), so they run during the wait and are awaited at the end.
   */
  | { kind: 'activities'; calls: FloorActivityCall[]; background?: boolean }
  /** A timer that fired (a sleep, a reconciliation poll). */
  | { kind: 'sleep'; ms: number }
  /** A wait for the customer's Update; `timerMs` when the real wait had a deadline timer (started, then cancelled). */
  | { kind: 'update'; name: string; resultBytes: number; timerMs?: number; data?: Record<string, unknown> }
  /**
   * Where the real onboarding received a provider event (a hint it did not wait for); `inputBytes`: the plaintext
   * size of its signal payload.
   */
  | { kind: 'signal'; timerMs?: number; inputBytes?: number };

export interface FloorShape {
  provider: string;
  steps: FloorStep[];
  /** Plaintext bytes of the workflow's result. */
  resultBytes: number;
  /** What the floor replays (activities: the calls in `steps`). */
  counts: ShapeCounts;
  /**
   * The real onboarding's outbound-event hand-overs (`emitOutboundEvent`), left out of the floor: the engine's own
   * work, like the delivery workflows they start.
   */
  outboundEvents?: number;
}

export interface ShapeCounts {
  activities: number;
  timers: number;
  updates: number;
  signals: number;
}
