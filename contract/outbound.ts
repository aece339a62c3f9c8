/** Activities every provider workflow uses. Plain types: workflows import this file as types only. */
export interface OutboundEvent {
  onboardingId: string;
  /** e.g. 'onboarding.reminder', 'onboarding.action_required', 'onboarding.completed', 'onboarding.review_sla_passed' */
  type: string;
  /** Never PII: ids, step names, action names, deadlines. */
  data: Record<string, unknown>;
}

export interface CommonActivities {
  /** Delivers a signed event to the backend (OUTBOUND_WEBHOOK_URL); logged only when none is configured. */
  emitOutboundEvent(event: OutboundEvent): Promise<void>;
}
