/**
 * The core every part of the tracker shares: the onboarding's status (state, step, blockedOn, pending actions,
 * steps, result, timeline) and its refs, the small mutations on them, and `touch()`, which stamps `updatedAt` and
 * republishes the search attributes. Nothing here waits or calls out; the other parts receive one `StatusRecord`.
 *
 * Each search-attribute upsert is a command (a history event, and a billable action on Temporal Cloud). Before the
 * patch STATUS_AT_WAITS_PATCH every `touch()` upserted what moved, up to four times in one workflow task
 * (23 upserts in one onboarding of 26 tasks). With it, `touch()` only marks the change pending, and the tracker publishes
 * it at the points where the onboarding stops to wait (`publishPending()`: a wait on the customer, the provider or an
 * operator, a retry's backoff, the end of the run): the attributes say where the onboarding waits, and the quick
 * provider calls between two waits cost no upsert. OnboardingRefs is the exception: webhooks are routed by it, so a
 * new ref is published before the next provider call (`publishPendingRefs()`).
 */
import { FINAL_STATES, providerRef } from '../../contract/onboarding.js';
import type {
  Actor,
  BlockedOn,
  OnboardingInput,
  OnboardingState,
  OnboardingStatus,
  StepRecord,
} from '../../contract/onboarding.js';
import { actionNotExpected } from './failures.js';
import { SearchAttributePublisher } from './search-attributes.js';
import { CurrentDetailsPublisher } from './ui-details.js';

/**
 * The status published where the onboarding waits, not at every change (see the file comment): the search
 * attributes, and `onboarding.state_changed` for a state no other event announced. A run that started before it
 * replays the old way: an upsert at every `touch()`, and no state_changed events.
 */
export const STATUS_AT_WAITS_PATCH = 'status-published-at-waits';

export function nowIso(): string {
  return new Date().toISOString();
}

/** The status of a fresh start: every declared step pending, the first one current. */
export function startedStatus(
  onboardingId: string,
  input: Pick<OnboardingInput<unknown, unknown>, 'provider' | 'customerRef'>,
  steps: readonly string[],
): OnboardingStatus {
  const startedAt = nowIso();
  return {
    onboardingId,
    provider: input.provider,
    customerRef: input.customerRef,
    state: 'in_progress',
    step: steps[0] ?? 'start',
    blockedOn: null,
    blockedSince: null,
    pendingActions: [],
    steps: steps.map((name) => ({
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

export class StatusRecord {
  /** The saga body has ended (or is compensating): no new customer action or cancel is accepted. */
  closing = false;
  /** The final state is recorded. */
  settled = false;
  private readonly searchAttributes = new SearchAttributePublisher();
  private readonly uiDetails = new CurrentDetailsPublisher();
  /** Set once per run (SEARCH_ATTRIBUTES_AT_WAITS_PATCH): publish at waits instead of at every `touch()`. */
  private publishAtWaits = false;
  /** A ref added since the last upsert (only with `publishAtWaits`). */
  private refsPending = false;
  /** Tells the backend of a state change no event announced (with `publishAtWaits`; outbound-events.ts). */
  private announceState: (state: OnboardingState, step: string) => void = () => undefined;

  /** `refs` are the `provider:kind:id` values of OnboardingRefs; the record owns (and mutates) both arrays. */
  constructor(
    readonly status: OnboardingStatus,
    readonly refs: string[],
  ) {}

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

  /** Where the onboarding stands, for the details of a 409: no PII, only names. */
  actionContext(): Record<string, unknown> {
    return {
      state: this.status.state,
      step: this.status.step,
      pendingActions: this.status.pendingActions.map((pending) => pending.action),
    };
  }

  /** 409 once the onboarding is final or closing: shared by every customer action and by cancel. */
  assertOpen(): void {
    if (this.isFinal || this.closing) {
      throw actionNotExpected(
        `the onboarding is ${this.closing ? 'closing' : this.status.state}`,
        this.actionContext(),
      );
    }
  }

  // --- recording -----------------------------------------------------------------------------------------------

  /** Appends to the timeline without publishing: the caller touches once when its whole change is made. */
  addTimeline(actor: Actor, what: string, why?: string): void {
    this.status.timeline.push(why === undefined ? { at: nowIso(), actor, what } : { at: nowIso(), actor, what, why });
    this.status.updatedAt = nowIso();
  }

  setResult(key: string, value: string): void {
    this.status.result[key] = value;
    this.touch();
  }

  addRef(kind: string, id: string): void {
    const ref = providerRef(this.status.provider, kind, id);
    if (!this.refs.includes(ref)) {
      this.refs.push(ref);
      this.refsPending = true;
    }
    this.touch();
  }

  /** The record of a step, added (pending) when the workflow did not declare it. */
  stepRecord(name: string): StepRecord {
    let record = this.status.steps.find((candidate) => candidate.name === name);
    if (!record) {
      record = { name, status: 'pending', startedAt: null, endedAt: null, attempts: 0, lastError: null };
      this.status.steps.push(record);
    }
    return record;
  }

  /** `blockedSince` moves only when `blockedOn` changes: a second wait on the same party keeps its start. */
  setBlocked(on: BlockedOn): void {
    if (this.status.blockedOn === on) return;
    this.status.blockedOn = on;
    this.status.blockedSince = on === null ? null : nowIso();
  }

  /** The customer did `action`: it leaves `pendingActions`, and the onboarding is unblocked once none is left. */
  customerActionDone(action: string): void {
    this.status.pendingActions = this.status.pendingActions.filter((pending) => pending.action !== action);
    if (this.status.state === 'action_required' && this.status.pendingActions.length === 0) {
      this.status.state = 'in_progress';
      this.setBlocked(null);
    }
    this.touch();
  }

  /**
   * Ends a change: stamps `updatedAt`, sets the Web UI's current details (no command), and upserts the search
   * attributes that moved, or (publishing at waits) leaves them to `publishPending()`.
   */
  touch(): void {
    this.status.updatedAt = nowIso();
    if (!this.publishAtWaits) {
      this.publishSearchAttributes();
      return;
    }
    this.uiDetails.publish(this.status);
  }

  /**
   * From now on `touch()` defers the upsert to `publishPending()`, which also announces a state change no event
   * did (`announceState`); called once, when the run starts.
   */
  deferPublishingToWaits(announceState: (state: OnboardingState, step: string) => void): void {
    this.publishAtWaits = true;
    this.announceState = announceState;
    this.uiDetails.publish(this.status);
  }

  /**
   * Upserts what moved since the last upsert (one command, none when nothing did). Called where the onboarding
   * stops to wait, so the attributes describe the wait. A no-op without `deferPublishingToWaits()`: `touch()` has
   * published everything already, and the recorded histories of that path must not gain a command.
   */
  publishPending(): void {
    if (!this.publishAtWaits) return;
    this.refsPending = false;
    this.searchAttributes.publish(this.status, this.refs);
    this.announceState(this.status.state, this.status.step);
  }

  /**
   * Before a provider call: a new ref is published now, since webhooks about it are routed by OnboardingRefs. Not a
   * wait: the state is announced at the next one.
   */
  publishPendingRefs(): void {
    if (!this.publishAtWaits || !this.refsPending) return;
    this.refsPending = false;
    this.searchAttributes.publish(this.status, this.refs);
  }

  /** The search attributes that moved (one upsert command at most), and the Web UI's current details (no command). */
  publishSearchAttributes(): void {
    this.searchAttributes.publish(this.status, this.refs);
    this.uiDetails.publish(this.status);
  }
}
