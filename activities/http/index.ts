export * from './auth.js';
export * from './client.js';
export * from '../../contract/provider-failures.js';
export * from './idempotency.js';
export * from './metrics.js';
