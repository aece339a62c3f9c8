/**
 * Events to the backend: every state change, reminder, SLA and final state of an onboarding. The onboarding hands
 * each to `emitOutboundEvent`, which records it as its own delivery workflow (`event:<eventId>`); that workflow
 * POSTs it in the Standard Webhooks format on a multi-day schedule, so a backend that is down for hours still gets
 * it, after the onboarding itself has finished. Plain types and constants: workflows import this file.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OnboardingState } from './onboarding.js';

export interface OutboundEvent {
  onboardingId: string;
  /** e.g. 'onboarding.reminder', 'onboarding.action_required', 'onboarding.completed', 'onboarding.review_sla_passed' */
  type: string;
  /** Never PII: ids, step names, action names, deadlines. */
  data: Record<string, unknown>;
  /**
   * 1, 2, 3… per onboarding, in the order the onboarding emitted them (carried across continue-as-new): what a
   * backend orders by, since deliveries retried on a schedule may arrive out of order. Absent only in events of
   * histories recorded before it existed.
   */
  sequence?: number;
}

/** The JSON body a backend receives (`webhook-id` = `id`). */
export interface OutboundEventBody {
  /** `<onboardingId>:<sequence>`: unique, stable across redeliveries. */
  id: string;
  type: string;
  onboardingId: string;
  sequence: number;
  createdAt: string;
  data: Record<string, unknown>;
}

/** A change of `state` that no other event announces (e.g. in_progress → in_review): `data` = `{from, to, step}`. */
export const STATE_CHANGED_EVENT = 'onboarding.state_changed';

/**
 * The state each event tells the backend the onboarding is now in; the other events (reminders, SLAs…) leave it
 * where it was. What the onboarding announces with `onboarding.state_changed` is any other change.
 */
export const STATE_ANNOUNCED_BY: Readonly<Record<string, OnboardingState>> = {
  'onboarding.action_required': 'action_required',
  'onboarding.completed': 'completed',
  'onboarding.rejected': 'rejected',
  'onboarding.failed': 'failed',
  'onboarding.cancelled': 'cancelled',
  'onboarding.expired': 'expired',
};

export interface CommonActivities {
  /**
   * Records the event for delivery to the backend (OUTBOUND_WEBHOOK_URL) by starting its delivery workflow; a retry
   * finds the same workflow. Logged only when no URL is configured.
   */
  emitOutboundEvent(event: OutboundEvent): Promise<void>;
}

export const OUTBOUND_DELIVERY_WORKFLOW_TYPE = 'outboundEventDelivery';
/** The task queue suffix of delivery workflows and their activity. */
export const OUTBOUND_TASK_QUEUE = 'events';

export function outboundEventId(onboardingId: string, sequence: number): string {
  return `${onboardingId}:${String(sequence).padStart(6, '0')}`;
}

export function outboundDeliveryWorkflowId(eventId: string): string {
  return `event:${eventId}`;
}

/**
 * When each attempt goes out, after the previous one failed: Svix's schedule (immediately, 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h), about 27.5 hours in all. A shortened schedule can be given per delivery (tests).
 */
export const OUTBOUND_RETRY_SCHEDULE: readonly string[] = ['0s', '5s', '5m', '30m', '2h', '5h', '10h', '10h'];

export interface OutboundDeliveryInput {
  event: OutboundEventBody;
  schedule?: readonly string[];
}

export interface OutboundAttempt {
  at: string;
  /** The backend's HTTP status, or null when it could not be reached. */
  status: number | null;
  error: string | null;
}

export interface OutboundDeliveryStatus {
  /** The event as the backend receives it (ids only: no personal data). */
  event: OutboundEventBody;
  eventId: string;
  type: string;
  onboardingId: string;
  sequence: number;
  state: 'pending' | 'delivered' | 'failed';
  attempts: OutboundAttempt[];
  nextAttemptAt: string | null;
}

export interface OutboundDeliveryActivities {
  /** One POST of the event; throws (non-retryable within this attempt) when the backend does not answer 2xx. */
  deliverOutboundEvent(event: OutboundEventBody): Promise<{ status: number }>;
}

/** Try now instead of waiting for the next scheduled attempt. */
export const redeliverOutboundEventSignal = defineSignal('redeliver');
export const outboundDeliveryStatusQuery = defineQuery<OutboundDeliveryStatus>('deliveryStatus');
