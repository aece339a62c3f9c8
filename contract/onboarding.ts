/**
 * The onboarding contract shared by every provider: status model, messages, search attributes, start input.
 * Deterministic code only (imported by workflows): no zod, no Node modules. The gateway validates the same
 * shapes with zod in client/schemas.ts; update validators here use plain checks.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * A provider's name as it appears in workflow ids, task queues, refs and URLs (`/webhooks/:provider`). The set of
 * providers is whatever the registries hold (client/providers, workers/providers.ts, workflows/index.ts): no list
 * of names is written here.
 */
export type Provider = string;
export const PROVIDER_NAME_PATTERN = /^[a-z][a-z0-9]{1,31}$/;

export type OnboardingState =
  'in_progress' | 'action_required' | 'in_review' | 'completed' | 'rejected' | 'failed' | 'cancelled' | 'expired';
export const FINAL_STATES: readonly OnboardingState[] = ['completed', 'rejected', 'failed', 'cancelled', 'expired'];

export type BlockedOn = 'customer' | 'provider' | 'reviewer' | 'retrying' | null;
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'compensated';
export type Actor = 'system' | 'customer' | 'operator' | 'provider';

export interface StepRecord {
  name: string;
  status: StepStatus;
  startedAt: string | null;
  endedAt: string | null;
  attempts: number;
  lastError: string | null;
}

export interface PendingAction {
  /** The action name, as in POST /v1/onboardings/:id/actions/:action and the Update's name. */
  action: string;
  description: string;
  /** What the customer needs to do it: agreements to show, documents required, choices offered. */
  data: Record<string, unknown>;
  expiresAt: string;
}

export interface TimelineEntry {
  at: string;
  actor: Actor;
  what: string;
  why?: string;
}

export interface OnboardingStatus {
  onboardingId: string;
  provider: Provider;
  customerRef: string;
  state: OnboardingState;
  step: string;
  blockedOn: BlockedOn;
  blockedSince: string | null;
  pendingActions: PendingAction[];
  steps: StepRecord[];
  /** Provider ids created so far (applicationId, customerId, accountId, personId, cardId…). Never PII. */
  result: Record<string, string>;
  timeline: TimelineEntry[];
  startedAt: string;
  updatedAt: string;
  /**
   * Only in the answer to a provider action whose call returned something for the caller (e.g. a one-time wallet
   * provisioning payload); never in the status query, the timeline or any stored state.
   */
  actionResult?: Record<string, unknown>;
}

/** A provider webhook, normalized by client/webhooks. The workflow treats it as a hint and re-reads the resource. */
export interface ProviderEvent {
  provider: Provider;
  eventId: string;
  type: string;
  /** `provider:kind:id`, as in the OnboardingRefs search attribute. */
  refs: string[];
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface Address {
  line1: string;
  line2?: string | null;
  city: string;
  state: string;
  postalCode: string;
  country: string;
}

/** Every field of the one applicant shape providers map from (PII: travels only in encrypted payloads). */
export interface ApplicantFields {
  name: { first: string; middle?: string | null; last: string };
  dateOfBirth: string;
  ssn: string;
  email: string;
  phone: string;
  address: Address;
}
export type ApplicantField = keyof ApplicantFields;
export const APPLICANT_FIELDS = [
  'name',
  'dateOfBirth',
  'ssn',
  'email',
  'phone',
  'address',
] as const satisfies readonly ApplicantField[];

/**
 * The applicant a provider receives: the fields it declares required are present, the others may be (a phone-first
 * provider starts from a phone number alone). The default is every field.
 */
export type Applicant<Required extends ApplicantField = ApplicantField> = Partial<ApplicantFields> &
  Pick<ApplicantFields, Required>;

/** Per-wait overrides: expiry and reminder delays as Temporal durations ('30s', '2d'…). */
export interface WaitDeadline {
  expireAfter?: string;
  remindAfter?: string;
}
export interface OnboardingOptions {
  /** Keyed by wait name (e.g. 'agreements', 'documents', 'manualReview'), or 'default'. */
  deadlines?: Record<string, WaitDeadline>;
  /** Reconciliation polling while waiting on the provider: first interval and cap. */
  pollInitialInterval?: string;
  pollMaxInterval?: string;
}

/**
 * The deployment's defaults for waits a start does not configure (DEFAULT_CUSTOMER_EXPIRY, DEFAULT_CUSTOMER_REMINDER,
 * DEFAULT_REVIEW_SLA), recorded at start by the client library: after `options.deadlines[wait]` and `.default`, and
 * after a provider's own default for a wait (a physical card's long delivery), before the built-in ones.
 */
export interface DeadlineDefaults {
  customerExpireAfter?: string;
  customerRemindAfter?: string;
  reviewSla?: string;
}

export interface OnboardingInput<ProviderInput = Record<string, unknown>, TApplicant = Applicant> {
  provider: Provider;
  customerRef: string;
  applicant: TApplicant;
  /** The provider's own block from the start body (the one named after the provider). */
  providerInput: ProviderInput;
  options?: OnboardingOptions;
  deadlineDefaults?: DeadlineDefaults;
}

export interface CancelRequest {
  reason: string;
  actor?: Actor;
}

export function onboardingWorkflowId(provider: Provider, customerRef: string): string {
  return `onboarding:${provider}:${customerRef}`;
}

export function providerRef(provider: Provider, kind: string, id: string): string {
  return `${provider}:${kind}:${id}`;
}

// --- messages -------------------------------------------------------------------------------------------------
export const statusQuery = defineQuery<OnboardingStatus>('status');
export const providerEventSignal = defineSignal<[ProviderEvent]>('providerEvent');
/** Cancel with a reason; compensation runs before the workflow completes. Returns the status after it is recorded. */
export const cancelUpdate = defineUpdate<OnboardingStatus, [CancelRequest]>('cancel');
/**
 * Cancel with a reason, answered as soon as the cancel is recorded: compensation then runs (visible in `steps[]`)
 * whatever the provider's state, so a caller is never held while a provider is down.
 */
export const requestCancelUpdate = defineUpdate<OnboardingStatus, [CancelRequest]>('requestCancel');

/** `startToken`: the one the start request put in the memo (`memo.startToken`), fresh for each request. */
export interface StartAnswerRequest {
  startToken: string;
}

export interface StartAnswer {
  /** True when the start that carried `startToken` created this onboarding; false when it already existed. */
  created: boolean;
  status: OnboardingStatus;
}

/**
 * Read-only: the answer to a start, sent with it in one call (Update-with-start, `USE_EXISTING`): whether that
 * start created the onboarding, and its status. Changes nothing, so it has no validator and adds no command.
 */
export const startAnswerUpdate = defineUpdate<StartAnswer, [StartAnswerRequest]>('startAnswer');

/** Failure types an update validator throws; the gateway maps them to 409 and 422. */
export const ACTION_NOT_EXPECTED = 'ActionNotExpected';
export const INVALID_ACTION = 'InvalidAction';

// --- search attributes (registered at server start, see scripts/search-attributes.ts) ---------------------------
export const SA_PROVIDER = defineSearchAttributeKey('OnboardingProvider', SearchAttributeType.KEYWORD);
export const SA_STATE = defineSearchAttributeKey('OnboardingState', SearchAttributeType.KEYWORD);
export const SA_STEP = defineSearchAttributeKey('OnboardingStep', SearchAttributeType.KEYWORD);
export const SA_BLOCKED_ON = defineSearchAttributeKey('OnboardingBlockedOn', SearchAttributeType.KEYWORD);
export const SA_BLOCKED_SINCE = defineSearchAttributeKey('OnboardingBlockedSince', SearchAttributeType.DATETIME);
export const SA_REFS = defineSearchAttributeKey('OnboardingRefs', SearchAttributeType.KEYWORD_LIST);

/** Name → Temporal CLI type, for `temporal server start-dev --search-attribute` and operator registration. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Datetime' | 'KeywordList'> = {
  OnboardingProvider: 'Keyword',
  OnboardingState: 'Keyword',
  OnboardingStep: 'Keyword',
  OnboardingBlockedOn: 'Keyword',
  OnboardingBlockedSince: 'Datetime',
  OnboardingRefs: 'KeywordList',
};
