/**
 * The workflow registry: the worker's workflowsPath. The worker registers every exported function as a workflow
 * type, so only workflow functions are exported as values here (one line per provider saga); callers import
 * messages and status types from contract/.
 */
export { greendotOnboarding } from './greendot.js';
export { jikoOnboarding } from './jiko.js';
export { linkcyOnboarding } from './linkcy.js';
export { netspendOnboarding } from './netspend.js';
export { webhookDelivery } from './webhook-delivery.js';
export { outboundEventDelivery } from './outbound-delivery.js';

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
