/** What a TypeScript backend imports: the library, its errors, and the body schemas and types. */
export { OnboardingClient, WEBHOOK_DELIVERY_WORKFLOW_TYPE } from './onboarding-client.js';
export type { OnboardingClientOptions, StartResult } from './onboarding-client.js';
export * from './errors.js';
export * from './schemas.js';
export { CLIENT_PROVIDERS } from './providers/index.js';
// Each provider's body schemas and types: import client/providers/<provider>.ts.
export {
  DEFAULT_PROVIDER_REGISTRY,
  ProviderRegistry,
  providerDefinition,
  startBodySchema,
  supportedProviders,
} from './registry.js';
export type { StartBodyInput } from './registry.js';
export { defineAction, defineClientProvider } from './provider-definition.js';
export type { ClientProvider, DocumentSink, ProviderAction } from './provider-definition.js';
export { buildGateway } from './gateway/app.js';
export type { GatewayOptions } from './gateway/app.js';
export type { OnboardingStatus, PendingAction, ProviderEvent, TimelineEntry } from '../contract/onboarding.js';
