/**
 * The worker's workflowsPath. The worker registers every exported function as a workflow type, so only workflow
 * functions are exported as values here; callers import messages and status types from contract.ts and the
 * provider *-messages.ts files directly.
 */
export { jikoOnboarding } from './jiko.js';
export { linkcyOnboarding } from './linkcy.js';
export { netspendOnboarding } from './netspend.js';
export { webhookDelivery } from './webhook-delivery.js';

export type {
  ContinuableOnboardingInput,
  CustomerActionSpec,
  CustomerElsewhereWait,
  CustomerWait,
  Onboarding,
  OnboardingCarryOver,
  ProviderAction,
  ProviderActionAttempts,
  ProviderActionSpec,
  ProviderOutcome,
  ProviderWait,
} from './shared/onboarding.js';
export type { InvalidField } from './shared/failures.js';
