/**
 * The provider-independent half of every onboarding saga: status tracking, messages, steps, waits on the customer
 * and on the provider, compensation, search attributes, and a clean finish. A provider workflow creates one
 * `Onboarding`, declares its customer actions, and runs its steps inside `run()`.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, UpdateDefinition } from '@temporalio/common';
import type { CommonActivities } from '../../contract/outbound.js';
import { cancelReasonRule } from '../../contract/rules.js';
import {
  ACTION_NOT_EXPECTED,
  FINAL_STATES,
  INVALID_ACTION,
  SA_BLOCKED_ON,
  SA_BLOCKED_SINCE,
  SA_PROVIDER,
  SA_REFS,
  SA_STATE,
  SA_STEP,
  cancelUpdate,
  providerEventSignal,
  providerRef,
  statusQuery,
} from '../../contract/onboarding.js';
import type {
  Actor,
  Applicant,
  BlockedOn,
  CancelRequest,
  OnboardingInput,
  OnboardingOptions,
  OnboardingState,
  OnboardingStatus,
  PendingAction,
  ProviderEvent,
  StepRecord,
  WaitDeadline,
} from '../../contract/onboarding.js';
import { durationMs } from './durations.js';
import {
  actionNotExpected,
  customerAttemptsExhausted,
  customerDeadlineExpired,
  describeFailure,
  failureType,
  invalidAction,
  isCustomerDeadlineExpired,
  isRetryableFirstTryFailure,
  PROVIDER_ACTION_UNAVAILABLE,
  requestedRetryDelay,
} from './failures.js';
import type { InvalidField } from './failures.js';

export const DEFAULT_EXPIRE_AFTER = '14d';
export const DEFAULT_REMIND_AFTER = '2d';
export const DEFAULT_REVIEW_SLA = '3d';
export const DEFAULT_POLL_INITIAL_INTERVAL = '30s';
export const DEFAULT_POLL_MAX_INTERVAL = '10m';

/** Event ids remembered for dedupe; older ones fall out (webhook redeliveries come within hours, not weeks). */
const SEEN_EVENT_IDS_LIMIT = 500;
const RECENT_EVENTS_LIMIT = 50;

/** What a continued-as-new run inherits from the previous one. */
export interface OnboardingCarryOver {
  status: OnboardingStatus;
  refs: string[];
  seenEventIds: string[];
  /** Where the provider workflow resumes; its own shape, opaque here. */
  checkpoint: Record<string, unknown>;
}

/** The start input, plus what continue-as-new carries forward (absent on a fresh start). */
export type ContinuableOnboardingInput<ProviderInput, TApplicant = Applicant> = OnboardingInput<
  ProviderInput,
  TApplicant
> & {
  carryOver?: OnboardingCarryOver;
};

/** How the provider's saga body ended when nothing threw. */
export interface ProviderOutcome {
  state: Extract<OnboardingState, 'completed' | 'rejected'>;
  why?: string;
  /** Undo what was created before recording the outcome (e.g. close the account of a rejected applicant). */
  compensate?: boolean;
}

export interface CustomerWait {
  /** Key into `options.deadlines` (e.g. 'agreements', 'documents'). */
  wait: string;
  action: Omit<PendingAction, 'expiresAt'>;
  /**
   * True once the customer has done what is needed (mutated by the action's Update handler). For an action
   * defined with `defineProviderAction` it may be left out: the wait then ends when the provider accepted it.
   */
  until?: () => boolean;
}

/** A wait on something the customer does outside our API (a hosted KYC page): only the provider can tell. */
export interface CustomerElsewhereWait {
  /** Key into `options.deadlines`: the same reminders and expiry as `waitForCustomer`. */
  wait: string;
  /** Listed in `pendingActions` so the customer can be sent there (e.g. `{ url }`); no Update completes it. */
  action: Omit<PendingAction, 'expiresAt'>;
  /** Re-reads the provider (events are only hints); true when the customer's part is done. */
  poll: () => Promise<boolean>;
}

export interface ProviderWait {
  /** Key into `options.deadlines` (the SLA of a manual review reads `deadlines[wait].remindAfter`). */
  wait: string;
  blockedOn: 'provider' | 'reviewer';
  /** Re-reads the resource from the provider (events are only hints); true when the wait is over. */
  poll: () => Promise<boolean>;
  /** Reviewer waits get one by default ('3d'); provider waits only when given. */
  sla?: { after?: string; onPassed?: () => Promise<void> | void };
  /** Where to resume after continue-as-new; without one this wait never continues as new. */
  checkpoint?: Record<string, unknown>;
}

export interface CustomerActionSpec<Input> {
  /** Defaults to "a pending action with the Update's name is listed". */
  expectedWhen?: () => boolean;
  /** A field-named reason to reject the input (→ 422), or null when it is acceptable. Must not mutate. */
  validate: (input: Input) => InvalidField | null;
  /** Records the action; the wait's `until()` sees it. */
  handle: (input: Input) => void;
  /** Timeline wording for the customer's entry; PII-free. */
  describe?: (input: Input) => { what: string; why?: string };
}

/**
 * A customer action whose Update calls the provider and answers at once (a card PIN, an SMS code). The input may
 * carry a secret: it goes from the Update's input to the activity's input and nowhere else — not into workflow
 * state, the status, the timeline or any failure message. Write `validate`, `perform` and `describe` to match.
 */
export interface ProviderActionSpec<Input> {
  /** Defaults to "a pending action with the Update's name is listed". */
  expectedWhen?: () => boolean;
  /** A field-named reason to reject the input before calling the provider (→ 422, no attempt used). */
  validate: (input: Input) => InvalidField | null;
  /**
   * Calls the provider inside the Update. Throw `invalidAction(...)` when the provider refused the input (→ 422,
   * one attempt used) or `actionNotExpected(...)` when it cannot be done now (→ 409). Any other failure answers
   * the customer with a non-retryable `unavailable` failure ("try again later") and uses no attempt.
   */
  perform: (input: Input) => Promise<void>;
  /** Timeline wording of the success; PII- and secret-free. Defaults to the action name. */
  describe?: (input: Input) => { what: string; why?: string };
  /** The 409 message while a call is in flight (default: `<action> is already in progress`). */
  inFlightMessage?: string;
  /** The answer when the provider could not be asked (default type ProviderActionUnavailable). */
  unavailable?: { type?: string; message?: string };
  /** A budget of refusals within one wait (an SMS code with attempts left); unlimited without one. */
  attempts?: ProviderActionAttempts;
}

export interface ProviderActionAttempts {
  /** Refusals allowed per budget; the pending action's data shows `attemptsLeft`. */
  max: number;
  /**
   * Runs in the wait (not in the customer's Update) once the budget is used up; meanwhile the action answers 409.
   * 'fail' (the default) fails the step with a non-retryable CustomerAttemptsExhausted failure; 'reset' refills
   * the budget and keeps waiting, under the same deadline (e.g. after sending a new code).
   */
  onExhausted?: () => Promise<'reset' | 'fail'> | 'reset' | 'fail';
}

/** What the workflow can read of a provider action; the tracker owns its state. */
export interface ProviderAction {
  readonly name: string;
  /** The provider accepted it during the current (or last) wait on it. */
  readonly done: boolean;
  readonly inFlight: boolean;
  /** Refusals left in the budget; undefined without one. */
  readonly attemptsLeft: number | undefined;
}

interface ProviderActionState {
  name: string;
  done: boolean;
  inFlight: boolean;
  attemptsLeft: number | undefined;
  attempts: ProviderActionAttempts | undefined;
}

type ActivityFunction = (...args: unknown[]) => Promise<unknown>;

interface PollIntervals {
  initialMs: number;
  maxMs: number;
}

interface PollLoop {
  poll: () => Promise<boolean>;
  /** The next timed point of the wait, if any; `fire()` returns true to end the wait as done. */
  next?: () => { atMs: number; fire: () => Promise<boolean> } | undefined;
  checkpoint?: Record<string, unknown>;
}

/** The deadline of one wait on the customer. */
interface CustomerClock {
  /** The next reminder, or the expiry if sooner. */
  nextAtMs: () => number;
  expired: () => boolean;
  /** At `nextAtMs`: throws CustomerDeadlineExpired once expired, else sends the next reminder. */
  passed: () => void;
}

interface Compensation {
  step: string;
  undo: () => Promise<void>;
}

interface FinalOutcome {
  state: Extract<OnboardingState, 'completed' | 'rejected' | 'failed' | 'cancelled' | 'expired'>;
  actor: Actor;
  why?: string;
}

const OUTBOUND_EVENT_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  // A backend that is down must not hold an onboarding forever: a bounded number of tries, then a warning.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
};

function isoAt(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function nowIso(): string {
  return new Date().toISOString();
}

export class Onboarding {
  readonly onboardingId: string;
  readonly input: ContinuableOnboardingInput<unknown, unknown>;
  /** Set when this run continues a previous one: the provider workflow resumes from here. */
  readonly checkpoint: Record<string, unknown> | undefined;

  private readonly status: OnboardingStatus;
  private readonly options: OnboardingOptions;
  private readonly refs: string[];
  private readonly seenEventIds: string[];
  private readonly seenEventIdSet: Set<string>;
  private readonly recent: ProviderEvent[] = [];
  private eventCount = 0;
  private readonly compensations: Compensation[] = [];
  private readonly deliveries: Promise<void>[] = [];
  private readonly sagaScope: CancellationScope;
  private readonly outbound: CommonActivities;
  private cancelRequest: Required<CancelRequest> | undefined;
  /** The saga body has ended (or is compensating): no new cancel is accepted. */
  private closing = false;
  /** The final state is recorded. */
  private settled = false;
  private customerWait: { action: string; until: () => boolean } | undefined;
  private readonly providerActions = new Map<string, ProviderActionState>();
  private readonly publishedSearchAttributes = new Map<string, string>();

  constructor(input: ContinuableOnboardingInput<unknown, unknown>, config: { steps: readonly string[] }) {
    this.input = input;
    this.options = input.options ?? {};
    this.onboardingId = workflowInfo().workflowId;
    this.outbound = proxyActivities<CommonActivities>(OUTBOUND_EVENT_OPTIONS);
    // A child of the root scope: a Temporal-native cancel reaches it too, and cancelUpdate cancels only it.
    this.sagaScope = new CancellationScope();

    const carried = input.carryOver;
    this.checkpoint = carried?.checkpoint;
    this.refs = carried ? [...carried.refs] : [];
    this.seenEventIds = carried ? [...carried.seenEventIds] : [];
    this.seenEventIdSet = new Set(this.seenEventIds);
    if (carried) {
      this.status = carried.status;
      this.addTimeline('system', 'continued as new', `history of the previous run reached its suggested limit`);
    } else {
      const startedAt = nowIso();
      this.status = {
        onboardingId: this.onboardingId,
        provider: input.provider,
        customerRef: input.customerRef,
        state: 'in_progress',
        step: config.steps[0] ?? 'start',
        blockedOn: null,
        blockedSince: null,
        pendingActions: [],
        steps: config.steps.map((name) => ({
          name,
          status: 'pending',
          startedAt: null,
          endedAt: null,
          attempts: 0,
          lastError: null,
        })),
        result: {},
        timeline: [{ at: startedAt, actor: 'system', what: 'onboarding started' }],
        startedAt,
        updatedAt: startedAt,
      };
    }
    this.registerHandlers();
    this.publishSearchAttributes();
  }

  // --- reading -------------------------------------------------------------------------------------------------

  snapshot(): OnboardingStatus {
    // A copy: an Update's result must not change if the workflow moves on before it is serialized.
    return JSON.parse(JSON.stringify(this.status)) as OnboardingStatus;
  }

  get state(): OnboardingState {
    return this.status.state;
  }

  get isFinal(): boolean {
    return FINAL_STATES.includes(this.status.state);
  }

  hasPendingAction(action: string): boolean {
    return this.status.pendingActions.some((pending) => pending.action === action);
  }

  /** The last provider events received (deduplicated), newest last. Hints only: re-read before acting. */
  recentEvents(): readonly ProviderEvent[] {
    return this.recent;
  }

  // --- recording -----------------------------------------------------------------------------------------------

  addTimeline(actor: Actor, what: string, why?: string): void {
    this.status.timeline.push(why === undefined ? { at: nowIso(), actor, what } : { at: nowIso(), actor, what, why });
    this.status.updatedAt = nowIso();
  }

  /** Records a provider id in `result` (never PII). */
  setResult(key: string, value: string): void {
    this.status.result[key] = value;
    this.touch();
  }

  /** Adds `provider:kind:id` to OnboardingRefs, so webhooks about it find this onboarding. */
  addRef(kind: string, id: string): void {
    const ref = providerRef(this.status.provider, kind, id);
    if (!this.refs.includes(ref)) this.refs.push(ref);
    this.touch();
  }

  /**
   * Replaces the data of a listed pending action (e.g. which documents are already in). The `attemptsLeft` of a
   * provider action with a budget is kept.
   */
  updatePendingActionData(action: string, data: Record<string, unknown>): void {
    const pending = this.status.pendingActions.find((candidate) => candidate.action === action);
    if (pending) pending.data = this.withAttemptsLeft(action, data);
    this.touch();
  }

  // --- steps and provider calls --------------------------------------------------------------------------------

  /** Runs one named step: `steps[]` shows it running, then done or failed, and OnboardingStep follows it. */
  async runStep<T>(name: string, body: () => Promise<T>): Promise<T> {
    const record = this.stepRecord(name);
    record.status = 'running';
    record.startedAt = nowIso();
    record.endedAt = null;
    record.lastError = null;
    record.attempts += 1;
    this.status.step = name;
    this.addTimeline('system', `step ${name} started`);
    this.touch();
    try {
      const value = await body();
      record.status = 'done';
      record.endedAt = nowIso();
      this.addTimeline('system', `step ${name} done`);
      this.touch();
      return value;
    } catch (err) {
      // Continuing as new is not a failure: the next run carries this step on as it was.
      if (err instanceof ContinueAsNew) throw err;
      record.status = 'failed';
      record.endedAt = nowIso();
      record.lastError = isCancellation(err) ? 'cancelled' : describeFailure(err);
      if (!isCancellation(err)) this.addTimeline('system', `step ${name} failed`, record.lastError);
      this.touch();
      throw err;
    }
  }

  /**
   * Activities of one provider, wrapped so the status tells the truth while they run: each call is tried once
   * (blockedOn `provider`); if that attempt fails with a retryable error the step records it and shows
   * `retrying` while the same call runs again under the full retry policy (honouring the provider's Retry-After).
   */
  activities<A extends object>(options: ActivityOptions): A {
    const firstTry = proxyActivities<Record<string, ActivityFunction>>({
      ...options,
      retry: { ...options.retry, maximumAttempts: 1 },
    });
    const retrying = proxyActivities<Record<string, ActivityFunction>>(options);
    const handler: ProxyHandler<A> = {
      get: (_target, name) => {
        // `then` must stay undefined, or awaiting the object would call an activity named "then".
        if (typeof name !== 'string' || name === 'then') return undefined;
        return (...args: unknown[]) =>
          this.callProvider(
            name,
            () => (firstTry[name] as ActivityFunction)(...args),
            () => (retrying[name] as ActivityFunction)(...args),
          );
      },
    };
    return new Proxy({} as A, handler);
  }

  private async callProvider<T>(activity: string, firstTry: () => Promise<T>, retry: () => Promise<T>): Promise<T> {
    const blockedBefore = { on: this.status.blockedOn, since: this.status.blockedSince };
    if (blockedBefore.on === null) this.setBlocked('provider');
    try {
      try {
        return await firstTry();
      } catch (err) {
        if (!isRetryableFirstTryFailure(err)) throw err;
        const record = this.stepRecord(this.status.step);
        record.attempts += 1;
        record.lastError = describeFailure(err);
        this.setBlocked('retrying');
        this.addTimeline('system', `${activity} failed, retrying`, record.lastError);
        this.touch();
        const delay = requestedRetryDelay(err);
        if (delay) await sleep(delay);
        return await retry();
      }
    } finally {
      if (!this.settled) {
        this.status.blockedOn = blockedBefore.on;
        this.status.blockedSince = blockedBefore.since;
        this.touch();
      }
    }
  }

  // --- waits ---------------------------------------------------------------------------------------------------

  /**
   * Waits for the customer to do `action` (an Update handled by `defineCustomerAction` or `defineProviderAction`),
   * with reminders every `remindAfter` and an expiry after `expireAfter`, both from `options.deadlines[wait]`, then
   * `default`. For a provider action with an attempts budget, the budget is full when the wait starts, the pending
   * action's data shows `attemptsLeft`, and a used-up budget is settled here (`attempts.onExhausted`).
   */
  async waitForCustomer(spec: CustomerWait): Promise<void> {
    const actionName = spec.action.action;
    const providerAction = this.providerActions.get(actionName);
    if (providerAction) {
      // A new wait: an earlier success does not count, and the budget is full again.
      providerAction.done = false;
      providerAction.attemptsLeft = providerAction.attempts?.max;
    }
    const until = spec.until ?? (providerAction ? () => providerAction.done : undefined);
    if (!until) throw new TypeError(`waitForCustomer(${actionName}): until() is required for a customer action`);
    if (until()) return;
    const exhausted = (): boolean => providerAction?.attemptsLeft === 0;
    const wake = (): boolean => until() || exhausted();

    const clock = this.openCustomerWait(spec.wait, spec.action);
    this.customerWait = { action: actionName, until };
    try {
      for (;;) {
        const remaining = clock.nextAtMs() - Date.now();
        if (remaining > 0 ? await condition(wake, remaining) : wake()) {
          if (until()) break;
          if (providerAction) await this.attemptsExhausted(spec.wait, providerAction);
          continue;
        }
        clock.passed();
      }
    } finally {
      this.customerWait = undefined;
    }
    this.customerActionDone(actionName);
  }

  /**
   * Waits for the customer to do something elsewhere (a hosted KYC page, a link in an email): the pending action
   * is listed with its data, the status says action_required / blockedOn customer, and only the provider can say
   * it is done: each provider event wakes the wait, and so does a reconciliation poll on a doubling interval (as in
   * `waitForProvider`). Reminders and expiry as in `waitForCustomer`; `poll()` gets a last look before expiring.
   */
  async waitForCustomerElsewhere(spec: CustomerElsewhereWait): Promise<void> {
    const intervals = this.pollIntervals();
    const clock = this.openCustomerWait(spec.wait, spec.action);
    await this.pollUntilDone(intervals, {
      poll: spec.poll,
      next: () => ({
        atMs: clock.nextAtMs(),
        fire: async () => {
          // The customer may have finished just now and the webhook been lost.
          if (clock.expired() && (await spec.poll())) return true;
          clock.passed();
          return false;
        },
      }),
    });
    this.customerActionDone(spec.action.action);
  }

  /**
   * Waits on the provider (or its human reviewer): each provider event wakes it, and so does a reconciliation poll
   * on a doubling interval, so a lost webhook delays but never strands the onboarding. Every wake calls `poll()`.
   */
  async waitForProvider(spec: ProviderWait): Promise<void> {
    const intervals = this.pollIntervals();
    const reviewer = spec.blockedOn === 'reviewer';
    const slaSetting =
      spec.sla?.after ??
      (reviewer ? (this.options.deadlines?.[spec.wait]?.remindAfter ?? DEFAULT_REVIEW_SLA) : undefined);
    const slaAtMs =
      slaSetting === undefined
        ? undefined
        : Date.now() + durationMs(slaSetting, `options.deadlines.${spec.wait}.remindAfter`);
    let slaPassed = false;

    this.status.state = reviewer ? 'in_review' : 'in_progress';
    this.setBlocked(spec.blockedOn);
    this.addTimeline(
      'system',
      reviewer ? 'waiting for a reviewer at the provider' : 'waiting for the provider',
      spec.wait,
    );
    this.touch();

    await this.pollUntilDone(intervals, {
      poll: spec.poll,
      next: () =>
        slaAtMs === undefined || slaPassed
          ? undefined
          : {
              atMs: slaAtMs,
              fire: async () => {
                slaPassed = true;
                const type = reviewer ? 'onboarding.review_sla_passed' : 'onboarding.provider_sla_passed';
                this.addTimeline('system', reviewer ? 'review SLA passed' : 'provider SLA passed', spec.wait);
                this.emit(type, { step: this.status.step, wait: spec.wait, blockedSince: this.status.blockedSince });
                await spec.sla?.onPassed?.();
                return false;
              },
            },
      ...(spec.checkpoint ? { checkpoint: spec.checkpoint } : {}),
    });
    this.status.state = 'in_progress';
    this.setBlocked(null);
    this.touch();
  }

  private pollIntervals(): PollIntervals {
    return {
      initialMs: durationMs(
        this.options.pollInitialInterval ?? DEFAULT_POLL_INITIAL_INTERVAL,
        'options.pollInitialInterval',
      ),
      maxMs: durationMs(this.options.pollMaxInterval ?? DEFAULT_POLL_MAX_INTERVAL, 'options.pollMaxInterval'),
    };
  }

  /**
   * Calls `poll()` until it says done: again at each provider event and on a doubling interval, and at the timed
   * point `next()` names (an SLA, a reminder, an expiry) whose `fire()` may end the wait as done.
   */
  private async pollUntilDone(intervals: PollIntervals, loop: PollLoop): Promise<void> {
    let intervalMs = intervals.initialMs;
    let seenEvents = this.eventCount;
    while (!(await loop.poll())) {
      const nextPollAtMs = Date.now() + intervalMs;
      let hinted = false;
      for (;;) {
        const timed = loop.next?.();
        const wakeAtMs = timed ? Math.min(nextPollAtMs, timed.atMs) : nextPollAtMs;
        hinted = await condition(() => this.eventCount > seenEvents, Math.max(1, wakeAtMs - Date.now()));
        if (hinted) break;
        if (timed && Date.now() >= timed.atMs && (await timed.fire())) return;
        if (Date.now() >= nextPollAtMs) break;
      }
      seenEvents = this.eventCount;
      // An event is a reason to look now, not a reason to look more often afterwards.
      if (!hinted) intervalMs = Math.min(intervalMs * 2, intervals.maxMs);
      if (loop.checkpoint && workflowInfo().continueAsNewSuggested) await this.continueAsNew(loop.checkpoint);
    }
  }

  /** Lists the pending action and starts its deadline: the clock says when to wake, and reminds or expires. */
  private openCustomerWait(wait: string, action: Omit<PendingAction, 'expiresAt'>): CustomerClock {
    const deadline = this.deadlineFor(wait);
    const expireMs = durationMs(deadline.expireAfter, `options.deadlines.${wait}.expireAfter`);
    const remindMs = durationMs(deadline.remindAfter, `options.deadlines.${wait}.remindAfter`);
    const startedMs = Date.now();
    const expiresAtMs = startedMs + expireMs;
    const expiresAt = isoAt(expiresAtMs);
    const actionName = action.action;

    this.status.pendingActions = [
      ...this.status.pendingActions.filter((pending) => pending.action !== actionName),
      { ...action, data: this.withAttemptsLeft(actionName, action.data), expiresAt },
    ];
    this.status.state = 'action_required';
    this.setBlocked('customer');
    this.addTimeline('system', `waiting for the customer: ${actionName}`, `expires at ${expiresAt}`);
    this.touch();
    this.emit('onboarding.action_required', { step: this.status.step, action: actionName, expiresAt });

    let reminders = 0;
    return {
      nextAtMs: () => Math.min(startedMs + (reminders + 1) * remindMs, expiresAtMs),
      expired: () => Date.now() >= expiresAtMs,
      passed: () => {
        if (Date.now() >= expiresAtMs) {
          this.addTimeline('system', `the customer did not ${actionName} in time`, `expired at ${expiresAt}`);
          throw customerDeadlineExpired(wait, actionName, expiresAt);
        }
        reminders += 1;
        this.emit('onboarding.reminder', {
          step: this.status.step,
          action: actionName,
          expiresAt,
          reminder: reminders,
        });
        this.addTimeline('system', `reminder ${reminders} sent: ${actionName}`);
      },
    };
  }

  /** The budget of a provider action is used up: the spec fails the step, or refills the budget (a new code). */
  private async attemptsExhausted(wait: string, action: ProviderActionState): Promise<void> {
    const max = action.attempts?.max ?? 0;
    this.addTimeline('system', `no attempts left: ${action.name}`, `${max} refused`);
    const decision = (await action.attempts?.onExhausted?.()) ?? 'fail';
    if (decision !== 'reset') throw customerAttemptsExhausted(wait, action.name, max);
    action.attemptsLeft = max;
    this.refreshAttemptsLeft(action.name);
    this.addTimeline('system', `attempts renewed: ${action.name}`, `${max} attempts`);
  }

  // --- customer actions ----------------------------------------------------------------------------------------

  /**
   * Registers a customer action as an Update whose validator rejects an untimely call (ActionNotExpected → 409)
   * or an invalid one (InvalidAction naming the field → 422) without changing anything; a valid call is recorded
   * and answered with the new status.
   */
  defineCustomerAction<Input>(
    update: UpdateDefinition<OnboardingStatus, [Input]>,
    spec: CustomerActionSpec<Input>,
  ): void {
    setHandler(
      update,
      (input: Input) => {
        spec.handle(input);
        const described: { what: string; why?: string } = spec.describe?.(input) ?? { what: update.name };
        this.addTimeline('customer', described.what, described.why);
        if (this.customerWait?.until()) this.customerActionDone(this.customerWait.action);
        this.touch();
        return this.snapshot();
      },
      {
        validator: (input: Input) => {
          this.assertActionExpected(update.name, spec.expectedWhen);
          const invalid = spec.validate(input);
          if (invalid) throw invalidAction(invalid);
        },
      },
    );
  }

  /**
   * Registers a customer action whose Update calls the provider and answers at once (see `ProviderActionSpec`).
   * The validator answers 409 when the action is not expected, the onboarding is closing, a call is already in
   * flight or no attempts are left, and 422 from `validate`; then `perform` runs inside the Update. A refusal
   * answers 422 (with the attempts left, if there is a budget); a success is recorded — the wait on the action
   * (`waitForCustomer`, `until` optional) ends — and answered with the status once that wait has moved on.
   */
  defineProviderAction<Input>(
    update: UpdateDefinition<OnboardingStatus, [Input]>,
    spec: ProviderActionSpec<Input>,
  ): ProviderAction {
    const name = update.name;
    if (spec.attempts && !(Number.isInteger(spec.attempts.max) && spec.attempts.max > 0)) {
      throw new TypeError(`${name}: attempts.max must be a positive whole number`);
    }
    const action: ProviderActionState = {
      name,
      done: false,
      inFlight: false,
      attemptsLeft: spec.attempts?.max,
      attempts: spec.attempts,
    };
    this.providerActions.set(name, action);
    setHandler(
      update,
      async (input: Input) => {
        action.inFlight = true;
        try {
          await spec.perform(input);
        } catch (err) {
          throw this.providerActionFailure(action, spec, err);
        } finally {
          action.inFlight = false;
        }
        action.done = true;
        const described: { what: string; why?: string } = spec.describe?.(input) ?? { what: name };
        this.addTimeline('customer', described.what, described.why);
        // Answer with the status after the wait has moved on, not a moment before.
        await condition(() => !this.hasPendingAction(name) || this.isFinal);
        return this.snapshot();
      },
      {
        validator: (input: Input) => {
          this.assertActionExpected(name, spec.expectedWhen);
          if (action.inFlight) {
            throw actionNotExpected(spec.inFlightMessage ?? `${name} is already in progress`, { action: name });
          }
          if (action.attemptsLeft === 0) {
            throw actionNotExpected(`${name}: no attempts left`, { action: name, attemptsLeft: 0 });
          }
          const invalid = spec.validate(input);
          if (invalid) throw invalidAction(invalid);
        },
      },
    );
    return {
      name,
      get done() {
        return action.done;
      },
      get inFlight() {
        return action.inFlight;
      },
      get attemptsLeft() {
        return action.attemptsLeft;
      },
    };
  }

  /** 409 unless the action is expected now; shared by every customer action. */
  private assertActionExpected(name: string, expectedWhen: (() => boolean) | undefined): void {
    if (this.isFinal || this.closing) {
      throw actionNotExpected(`the onboarding is ${this.closing ? 'closing' : this.status.state}`, this.context());
    }
    const expected = expectedWhen ? expectedWhen() : this.hasPendingAction(name);
    if (!expected) throw actionNotExpected(`${name} is not expected now`, this.context());
  }

  /**
   * What the customer hears when `perform` failed: the provider's refusal (one attempt used, the count in the
   * message and details), a 409 as thrown, or else "try again later". Never the input: it may be a secret.
   */
  private providerActionFailure<Input>(
    action: ProviderActionState,
    spec: ProviderActionSpec<Input>,
    err: unknown,
  ): ApplicationFailure {
    if (err instanceof ApplicationFailure && err.type === INVALID_ACTION) {
      if (action.attemptsLeft === undefined) {
        this.addTimeline('system', `${action.name} refused by the provider`, err.message);
        return err;
      }
      const left = Math.max(0, action.attemptsLeft - 1);
      action.attemptsLeft = left;
      this.refreshAttemptsLeft(action.name);
      const message = `${err.message}; ${left === 0 ? 'no attempts left' : `${left} attempt${left === 1 ? '' : 's'} left`}`;
      this.addTimeline('system', `${action.name} refused by the provider`, message);
      const details = (err.details?.[0] ?? {}) as Record<string, unknown>;
      return ApplicationFailure.create({
        type: INVALID_ACTION,
        message,
        nonRetryable: true,
        details: [{ ...details, attemptsLeft: left }],
      });
    }
    if (err instanceof ApplicationFailure && err.type === ACTION_NOT_EXPECTED) return err;
    const unavailable = ApplicationFailure.create({
      type: spec.unavailable?.type ?? PROVIDER_ACTION_UNAVAILABLE,
      message: spec.unavailable?.message ?? `${action.name} could not be done now; try again later`,
      nonRetryable: true,
    });
    this.addTimeline('system', `${action.name} failed`, `${unavailable.message} (${failureType(err)})`);
    return unavailable;
  }

  /** The data of a listed pending action, with the provider action's `attemptsLeft` when it has a budget. */
  private withAttemptsLeft(action: string, data: Record<string, unknown>): Record<string, unknown> {
    const left = this.providerActions.get(action)?.attemptsLeft;
    return left === undefined ? data : { ...data, attemptsLeft: left };
  }

  private refreshAttemptsLeft(action: string): void {
    const pending = this.status.pendingActions.find((candidate) => candidate.action === action);
    if (pending) pending.data = this.withAttemptsLeft(action, pending.data);
    this.touch();
  }

  // --- compensation --------------------------------------------------------------------------------------------

  /** Registers how to undo what `step` created; undone in reverse order on cancel, expiry or permanent failure. */
  addCompensation(step: string, undo: () => Promise<void>): void {
    this.compensations.push({ step, undo });
  }

  private async compensate(): Promise<void> {
    if (this.compensations.length === 0) {
      this.addTimeline('system', 'nothing to compensate');
      return;
    }
    for (const { step, undo } of [...this.compensations].reverse()) {
      const record = this.stepRecord(step);
      try {
        await undo();
        record.status = 'compensated';
        this.addTimeline('system', `step ${step} compensated`);
      } catch (err) {
        // Keep undoing the rest: one provider refusing must not leave the others half-done.
        record.lastError = `compensation failed: ${describeFailure(err)}`;
        this.addTimeline('system', `compensation of ${step} failed`, describeFailure(err));
      }
      this.touch();
    }
    this.compensations.length = 0;
  }

  // --- the whole run -------------------------------------------------------------------------------------------

  /**
   * Runs the provider's saga body, then records the final state. Cancel (Update or Temporal-native), expiry and
   * permanent failures compensate first. A workflow bug (a non-Temporal error) is rethrown so the workflow task
   * fails and retries after a fix, instead of recording a false outcome.
   */
  async run(body: () => Promise<ProviderOutcome>): Promise<OnboardingStatus> {
    let outcome: FinalOutcome;
    try {
      const ended = await this.sagaScope.run(body);
      outcome = { state: ended.state, actor: 'provider', ...(ended.why ? { why: ended.why } : {}) };
      if (ended.compensate) {
        this.closing = true;
        await CancellationScope.nonCancellable(() => this.compensate());
      }
    } catch (err) {
      if (err instanceof ContinueAsNew) throw err;
      if (isCancellation(err)) {
        outcome = {
          state: 'cancelled',
          actor: this.cancelRequest?.actor ?? 'operator',
          why: this.cancelRequest?.reason ?? 'cancelled through Temporal',
        };
      } else if (isCustomerDeadlineExpired(err)) {
        outcome = { state: 'expired', actor: 'system', why: err.message };
      } else if (err instanceof TemporalFailure) {
        outcome = { state: 'failed', actor: 'system', why: describeFailure(err) };
      } else {
        throw err;
      }
      this.closing = true;
      await CancellationScope.nonCancellable(() => this.compensate());
    }
    this.closing = true;
    return CancellationScope.nonCancellable(() => this.finish(outcome));
  }

  private async finish(outcome: FinalOutcome): Promise<OnboardingStatus> {
    this.status.state = outcome.state;
    this.status.pendingActions = [];
    this.status.blockedOn = null;
    this.status.blockedSince = null;
    for (const record of this.status.steps) {
      if (record.status === 'pending') record.status = 'skipped';
    }
    this.addTimeline(outcome.actor, `onboarding ${outcome.state}`, outcome.why);
    this.settled = true;
    this.touch();
    this.emit(`onboarding.${outcome.state}`, { step: this.status.step, result: { ...this.status.result } });
    await Promise.all(this.deliveries);
    await condition(allHandlersFinished);
    return this.snapshot();
  }

  private async continueAsNew(checkpoint: Record<string, unknown>): Promise<never> {
    await Promise.all(this.deliveries);
    await condition(allHandlersFinished);
    const next: ContinuableOnboardingInput<unknown, unknown> = {
      ...this.input,
      carryOver: {
        status: this.status,
        refs: this.refs,
        seenEventIds: this.seenEventIds,
        checkpoint,
      },
    };
    return continueAsNew(next);
  }

  // --- internals -----------------------------------------------------------------------------------------------

  private registerHandlers(): void {
    setHandler(statusQuery, () => this.snapshot());

    setHandler(providerEventSignal, (event: ProviderEvent) => {
      if (!event || typeof event.eventId !== 'string' || this.seenEventIdSet.has(event.eventId)) return;
      this.seenEventIds.push(event.eventId);
      this.seenEventIdSet.add(event.eventId);
      if (this.seenEventIds.length > SEEN_EVENT_IDS_LIMIT) {
        const forgotten = this.seenEventIds.shift();
        if (forgotten !== undefined) this.seenEventIdSet.delete(forgotten);
      }
      if (this.settled) return;
      this.recent.push(event);
      if (this.recent.length > RECENT_EVENTS_LIMIT) this.recent.shift();
      this.eventCount += 1;
      this.addTimeline('provider', `event ${String(event.type)}`);
      this.touch();
    });

    setHandler(
      cancelUpdate,
      async (request: CancelRequest) => {
        this.cancelRequest = { reason: request.reason.trim(), actor: request.actor ?? 'customer' };
        this.addTimeline(this.cancelRequest.actor, 'cancel requested', this.cancelRequest.reason);
        this.touch();
        this.sagaScope.cancel();
        // The caller gets the status after compensation, i.e. the final one.
        await CancellationScope.nonCancellable(() => condition(() => this.settled));
        return this.snapshot();
      },
      {
        validator: (request: CancelRequest) => {
          if (this.isFinal || this.closing) {
            throw actionNotExpected(
              `the onboarding is ${this.closing ? 'closing' : this.status.state}`,
              this.context(),
            );
          }
          if (this.cancelRequest) throw actionNotExpected('a cancel is already in progress', this.context());
          const reasonProblem = cancelReasonRule((request as Partial<CancelRequest> | undefined)?.reason);
          if (reasonProblem) throw invalidAction({ field: 'reason', message: reasonProblem });
          const actors: readonly Actor[] = ['system', 'customer', 'operator', 'provider'];
          if (request.actor !== undefined && !actors.includes(request.actor)) {
            throw invalidAction({ field: 'actor', message: `one of ${actors.join(', ')}` });
          }
        },
      },
    );
  }

  private context(): Record<string, unknown> {
    return {
      state: this.status.state,
      step: this.status.step,
      pendingActions: this.status.pendingActions.map((pending) => pending.action),
    };
  }

  private customerActionDone(action: string): void {
    this.status.pendingActions = this.status.pendingActions.filter((pending) => pending.action !== action);
    if (this.status.state === 'action_required' && this.status.pendingActions.length === 0) {
      this.status.state = 'in_progress';
      this.setBlocked(null);
    }
    this.touch();
  }

  private deadlineFor(wait: string): Required<WaitDeadline> {
    const deadlines = this.options.deadlines ?? {};
    return {
      expireAfter: deadlines[wait]?.expireAfter ?? deadlines.default?.expireAfter ?? DEFAULT_EXPIRE_AFTER,
      remindAfter: deadlines[wait]?.remindAfter ?? deadlines.default?.remindAfter ?? DEFAULT_REMIND_AFTER,
    };
  }

  private stepRecord(name: string): StepRecord {
    let record = this.status.steps.find((candidate) => candidate.name === name);
    if (!record) {
      record = { name, status: 'pending', startedAt: null, endedAt: null, attempts: 0, lastError: null };
      this.status.steps.push(record);
    }
    return record;
  }

  private setBlocked(on: BlockedOn): void {
    if (this.status.blockedOn === on) return;
    this.status.blockedOn = on;
    this.status.blockedSince = on === null ? null : nowIso();
  }

  /** Fire-and-forget delivery that still completes before the workflow does, and survives cancellation. */
  private emit(type: string, data: Record<string, unknown>): void {
    const delivery = CancellationScope.nonCancellable(() =>
      this.outbound.emitOutboundEvent({ onboardingId: this.onboardingId, type, data }),
    ).catch((err: unknown) => {
      log.warn('outbound event not delivered', { type, error: describeFailure(err) });
    });
    this.deliveries.push(delivery);
  }

  private touch(): void {
    this.status.updatedAt = nowIso();
    this.publishSearchAttributes();
  }

  private publishSearchAttributes(): void {
    const updates: SearchAttributeUpdatePair[] = [];
    const changed = (name: string, value: unknown): boolean => {
      const encoded = JSON.stringify(value);
      if (this.publishedSearchAttributes.get(name) === encoded) return false;
      this.publishedSearchAttributes.set(name, encoded);
      return true;
    };
    const { provider, state, step, blockedOn, blockedSince } = this.status;
    if (changed('provider', provider)) updates.push({ key: SA_PROVIDER, value: provider });
    if (changed('state', state)) updates.push({ key: SA_STATE, value: state });
    if (changed('step', step)) updates.push({ key: SA_STEP, value: step });
    if (changed('blockedOn', blockedOn)) updates.push({ key: SA_BLOCKED_ON, value: blockedOn });
    if (changed('blockedSince', blockedSince)) {
      updates.push({ key: SA_BLOCKED_SINCE, value: blockedSince === null ? null : new Date(blockedSince) });
    }
    if (this.refs.length > 0 && changed('refs', this.refs)) updates.push({ key: SA_REFS, value: [...this.refs] });
    if (updates.length > 0) upsertSearchAttributes(updates);
  }
}
