/**
 * Operator commands every onboarding answers, whatever its provider. Deterministic (workflows import it): the rules
 * here are plain checks, run by the workflows' Update validators and, through zodRule, by the gateway's schemas.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { Actor, OnboardingStatus } from './onboarding.js';
import { cancelReasonRule } from './rules.js';
import type { InvalidField, ValueRule } from './rules.js';

/**
 * Who acted, as the timeline's `by` records it: the API key's identity, optionally followed by `/<operator>` when
 * a shared operator key names the person using it (`npm run ops -- --operator alice`).
 */
export const OPERATOR_IDENTITY_PATTERN = /^[A-Za-z0-9_.@-]{1,64}(\/[A-Za-z0-9_.@-]{1,64})?$/;
export const operatorIdentityRule: ValueRule = (value) =>
  value === undefined || (typeof value === 'string' && OPERATOR_IDENTITY_PATTERN.test(value))
    ? null
    : 'an API key identity, optionally /<operator name> (A-Z a-z 0-9 _ . @ -)';

/** Why an operator acts: required, kept in the timeline (the same rule as a cancel's reason). */
export const operatorReasonRule: ValueRule = cancelReasonRule;

/**
 * Retry a step that stopped on a provider call whose outcome is unknown (ProviderOutcomeUnknown: the provider
 * answered a 5xx it says must not be repeated blindly). The operator first checks with the provider; the retried
 * call sends the same idempotency key, so a call that did take effect answers its first result.
 */
export interface RetryStepRequest {
  /** The step named in the status (`step`, with `blockedOn: "retrying"`). */
  step: string;
  /** Why retrying is safe now (e.g. "Green Dot confirmed nothing was created"); kept in the timeline. */
  reason: string;
  actor?: Actor;
  /** Who asked (see OPERATOR_IDENTITY_PATTERN); the timeline entry's `by`. */
  operator?: string;
}

export const retryStepUpdate = defineUpdate<OnboardingStatus, [RetryStepRequest]>('retryStep');

/**
 * Move the expiry of a wait on the customer later: the wait's timer moves with it, the pending action's
 * `expiresAt` shows the new time, reminders go on at the same cadence until then. Exactly one of `by` and `until`.
 */
export interface ExtendDeadlineRequest {
  /** The wait (e.g. `agreements`) or its pending action (e.g. `acceptAgreements`); needed when several are open. */
  wait?: string;
  /** Later by this duration ('2d', '12h', '30m'), counted from the current expiry. */
  by?: string;
  /** Until this ISO-8601 time, later than the current expiry. */
  until?: string;
  reason: string;
  actor?: Actor;
  operator?: string;
}

export const extendDeadlineUpdate = defineUpdate<OnboardingStatus, [ExtendDeadlineRequest]>('extendDeadline');

/** No extension may push a deadline further than this from now: a typo ('300d') is refused, not obeyed. */
export const MAX_DEADLINE_FROM_NOW_MS = 90 * 86_400_000;
export const EXTENSION_DURATION_PATTERN = /^([1-9]\d{0,5})(m|h|d)$/;
const EXTENSION_UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an extension ('2d'), or undefined when it is not one. */
export function extensionMs(by: unknown): number | undefined {
  const match = typeof by === 'string' ? EXTENSION_DURATION_PATTERN.exec(by) : null;
  return match ? Number(match[1]) * (EXTENSION_UNIT_MS[match[2] as string] as number) : undefined;
}

/** The fields of an extension that do not depend on the wait: `by`/`until` shape, reason, operator. */
export function extendDeadlineShapeProblems(request: unknown): InvalidField[] {
  const body = (typeof request === 'object' && request !== null ? request : {}) as Partial<ExtendDeadlineRequest>;
  const problems: InvalidField[] = [];
  if ((body.by === undefined) === (body.until === undefined)) {
    problems.push({ field: body.by === undefined ? 'by' : 'until', message: 'give exactly one of by and until' });
  } else if (body.by !== undefined && extensionMs(body.by) === undefined) {
    problems.push({ field: 'by', message: 'a duration in minutes, hours or days, such as 30m, 12h or 2d' });
  } else if (body.until !== undefined && !(typeof body.until === 'string' && ISO_DATE_TIME.test(body.until))) {
    problems.push({ field: 'until', message: 'an ISO-8601 date-time with a zone, such as 2030-01-31T12:00:00Z' });
  } else if (body.until !== undefined && Number.isNaN(Date.parse(body.until))) {
    problems.push({ field: 'until', message: 'not a real date-time' });
  }
  if (body.wait !== undefined && !(typeof body.wait === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(body.wait))) {
    problems.push({ field: 'wait', message: 'a wait or pending action name' });
  }
  const reason = operatorReasonRule(body.reason);
  if (reason) problems.push({ field: 'reason', message: reason });
  const operator = operatorIdentityRule(body.operator);
  if (operator) problems.push({ field: 'operator', message: operator });
  return problems;
}

/** The new expiry of an extension, or the problem with it, given the current expiry and now (workflow time). */
export function extendedExpiry(
  request: Pick<ExtendDeadlineRequest, 'by' | 'until'>,
  currentMs: number,
  nowMs: number,
): { atMs: number } | InvalidField {
  const field = request.by !== undefined ? 'by' : 'until';
  const atMs = request.by !== undefined ? currentMs + (extensionMs(request.by) ?? 0) : Date.parse(request.until ?? '');
  if (!(atMs > currentMs)) {
    return { field, message: `must be later than the current expiry ${new Date(currentMs).toISOString()}` };
  }
  if (atMs > nowMs + MAX_DEADLINE_FROM_NOW_MS) return { field, message: 'at most 90 days from now' };
  return { atMs };
}
