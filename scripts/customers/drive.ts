/**
 * The customer's loop, for any provider: read the onboarding's status, answer the first pending action not yet
 * answered with the scenario's move, and again until the onboarding is final (or the time is up). Used by the
 * demo and the history recording over their own HTTP function. Provider-independent: what to send comes from the
 * scenario, never from a provider name.
 */
import { FINAL_STATES } from '../../contract/onboarding.js';
import type { OnboardingStatus, PendingAction } from '../../contract/onboarding.js';
import type { CustomerAnswer, ElsewhereMove, Scenario } from './types.js';

/** An authenticated JSON call to the gateway, answering its status code and parsed body. */
export type GatewayCall = (method: string, route: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

export type CustomerMove =
  | { kind: 'answer'; answer: CustomerAnswer }
  /** The customer cancels instead of doing what is asked (POST …/cancel with actor `customer`). */
  | { kind: 'cancel'; action: string; reason: string }
  /** The customer acts at the provider (a hosted page), not through our API. */
  | { kind: 'elsewhere'; action: string; move: ElsewhereMove };

export interface DriveOptions {
  call: GatewayCall;
  onboardingId: string;
  scenario: Scenario;
  /** Cancel as the customer when this action is asked, instead of answering it (a path that ends cancelled). */
  cancelAt?: { action: string; reason: string };
  /** Pause between two reads when there is nothing to do (default 250 ms). */
  pollMs?: number;
  /** Give up after this long (default 2 minutes); the onboarding keeps running in Temporal. */
  timeoutMs?: number;
  /** Each status read, in order (the demo prints the new timeline entries). */
  onStatus?(status: OnboardingStatus): void;
  /** Each move, before it is sent. Print `answer.say`, never `answer.body` (it may hold a PIN). */
  onMove?(move: CustomerMove): void;
  /** Once per pending action the scenario has no answer for; the loop goes on reading (another party may act). */
  onUnanswered?(pending: PendingAction): void;
}

export interface DriveResult {
  /** The last status read. */
  status: OnboardingStatus;
  /** false when the time ran out before a final state. */
  finished: boolean;
}

/** A call the gateway refused. The message names the call and the gateway's error, never the body sent. */
export class GatewayCallError extends Error {
  override name = 'GatewayCallError';
  constructor(
    readonly what: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${what}: HTTP ${status} ${describeError(body)}`);
  }
}

function describeError(body: unknown): string {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return error ? `${String(error.code)}: ${String(error.message)}` : '';
}

export const onboardingRoute = (onboardingId: string): string => `/v1/onboardings/${encodeURIComponent(onboardingId)}`;

export async function drive(options: DriveOptions): Promise<DriveResult> {
  const { call, onboardingId, scenario, cancelAt } = options;
  const route = onboardingRoute(onboardingId);
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  // The status may lag one read behind an accepted action: acting twice on the same ask would be a 409.
  const seen = new Set<string>();

  const send = async (what: string, path: string, body: unknown): Promise<void> => {
    const answered = await call('POST', path, body);
    if (answered.status < 200 || answered.status > 299)
      throw new GatewayCallError(what, answered.status, answered.body);
  };

  const nextMove = (status: OnboardingStatus): CustomerMove | undefined => {
    for (const pending of status.pendingActions) {
      const key = `${pending.action}:${JSON.stringify(pending.data)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (cancelAt?.action === pending.action) return { kind: 'cancel', ...cancelAt };
      const answer = scenario.answer(pending);
      if (answer) return { kind: 'answer', answer };
      const elsewhere = scenario.actElsewhere?.(pending);
      if (elsewhere) return { kind: 'elsewhere', action: pending.action, move: elsewhere };
      options.onUnanswered?.(pending);
    }
    return undefined;
  };

  for (;;) {
    const read = await call('GET', route);
    if (read.status !== 200) throw new GatewayCallError(`status of ${onboardingId}`, read.status, read.body);
    const status = read.body as OnboardingStatus;
    options.onStatus?.(status);
    if (FINAL_STATES.includes(status.state)) return { status, finished: true };
    if (Date.now() > deadline) return { status, finished: false };
    const move = nextMove(status);
    if (!move) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      continue;
    }
    options.onMove?.(move);
    if (move.kind === 'elsewhere') {
      await move.move.act();
    } else if (move.kind === 'cancel') {
      await send(`cancel at ${move.action}`, `${route}/cancel`, { reason: move.reason, actor: 'customer' });
    } else {
      await send(move.answer.action, `${route}/actions/${move.answer.action}`, move.answer.body);
    }
    // Read again at once: the next ask may already be there.
  }
}
