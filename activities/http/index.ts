export * from './auth.js';
export * from './client.js';
export * from './error-types.js';
export * from './idempotency.js';
