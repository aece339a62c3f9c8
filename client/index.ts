/** What a TypeScript backend imports: the library, its errors, and the body schemas and types. */
export { OnboardingClient, WEBHOOK_DELIVERY_WORKFLOW_TYPE } from './onboarding-client.js';
export type { OnboardingClientOptions, StartBodyInput, StartResult } from './onboarding-client.js';
export * from './errors.js';
export * from './schemas.js';
export { PROVIDER_REGISTRY, providerDefinition, supportedProviders } from './providers.js';
export type { DocumentSink, ProviderAction, ProviderDefinition } from './providers.js';
export { buildGateway } from './gateway/app.js';
export type { GatewayOptions } from './gateway/app.js';
export type { OnboardingStatus, PendingAction, ProviderEvent, TimelineEntry } from '../contract/onboarding.js';
