/**
 * The worker's workflowsPath: every workflow function, plus the message definitions and status types callers use.
 * Only workflow functions are exported as runtime functions here (the worker registers every exported function).
 */
export { jikoOnboarding } from './jiko.js';
export { netspendOnboarding } from './netspend.js';
export { webhookDelivery } from './webhook-delivery.js';

export * from './contract.js';
export * from './jiko-messages.js';
export * from './netspend-messages.js';
export type {
  ContinuableOnboardingInput,
  CustomerActionSpec,
  CustomerWait,
  Onboarding,
  OnboardingCarryOver,
  ProviderOutcome,
  ProviderWait,
} from './shared/onboarding.js';
export type { InvalidField } from './shared/failures.js';
export { CUSTOMER_DEADLINE_EXPIRED, UNEXPECTED_PROVIDER_STATE } from './shared/failures.js';
