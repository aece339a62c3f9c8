/**
 * The errors the onboarding library throws. Each carries the HTTP status and the stable `code` the gateway puts in
 * its `{error:{code,message,details}}` envelope, so a TypeScript backend and an HTTP caller see the same thing.
 */
import type { FieldIssue } from './schemas.js';

/**
 * Every `code` the gateway's error envelope can carry, from the library (the classes below) and from the gateway
 * itself (routing, auth, body limits, codec). OnboardingError and the gateway's sendError take an `ErrorCode`, so a
 * new code does not compile until it is listed here, and the OpenAPI document publishes this list as the enum.
 */
export const ERROR_CODES = [
  'validation_failed',
  'onboarding_not_found',
  'unknown_action',
  'unsupported_provider',
  'action_not_expected',
  'invalid_action',
  'action_failed',
  'event_not_found',
  'webhook_unauthenticated',
  'webhook_malformed',
  'webhook_endpoint_not_found',
  'temporarily_unavailable',
  'bad_request',
  'body_too_large',
  'not_found',
  'unauthenticated',
  'forbidden',
  'internal',
  'temporal_unreachable',
  'codec_unavailable',
  'cannot_decrypt',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class OnboardingError extends Error {
  override name = 'OnboardingError';
  constructor(
    readonly httpStatus: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The body (or query) did not match its schema; `details` names each field path. */
export class ValidationError extends OnboardingError {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: FieldIssue[],
  ) {
    super(422, 'validation_failed', message, { issues });
  }
}

export class OnboardingNotFoundError extends OnboardingError {
  override name = 'OnboardingNotFoundError';
  constructor(onboardingId: string) {
    super(404, 'onboarding_not_found', `No onboarding with id ${onboardingId}`);
  }
}

export class UnknownActionError extends OnboardingError {
  override name = 'UnknownActionError';
  constructor(provider: string, action: string, known: readonly string[]) {
    super(404, 'unknown_action', `${provider} onboardings have no action '${action}'`, { actions: known });
  }
}

export class UnsupportedProviderError extends OnboardingError {
  override name = 'UnsupportedProviderError';
  constructor(provider: string, known: readonly string[]) {
    super(404, 'unsupported_provider', `Provider '${provider}' is not supported here`, { providers: known });
  }
}

/** The workflow's validator refused the action now (ApplicationFailure type ActionNotExpected): nothing changed. */
export class ActionNotExpectedError extends OnboardingError {
  override name = 'ActionNotExpectedError';
  constructor(message: string, details?: unknown) {
    super(409, 'action_not_expected', message, details);
  }
}

/** The workflow's validator refused the action's content (ApplicationFailure type InvalidAction): nothing changed. */
export class InvalidActionError extends OnboardingError {
  override name = 'InvalidActionError';
  constructor(message: string, details?: unknown) {
    super(422, 'invalid_action', message, details);
  }
}

/** A webhook whose signature does not verify (forged, tampered, wrong secret, or stale). */
export class WebhookAuthenticationError extends OnboardingError {
  override name = 'WebhookAuthenticationError';
  constructor(message: string) {
    super(401, 'webhook_unauthenticated', message);
  }
}

/** A verified webhook whose body is not the provider's documented envelope. */
export class WebhookPayloadError extends OnboardingError {
  override name = 'WebhookPayloadError';
  constructor(message: string, issues?: FieldIssue[]) {
    super(400, 'webhook_malformed', message, issues ? { issues } : undefined);
  }
}

/** Temporal did not answer in time (or the onboarding's worker is not running): safe to retry. */
export class OnboardingUnavailableError extends OnboardingError {
  override name = 'OnboardingUnavailableError';
  constructor(message: string) {
    super(503, 'temporarily_unavailable', message);
  }
}

/** A path under /webhooks/<provider>/ the provider's intake does not serve. */
export class WebhookEndpointNotFoundError extends OnboardingError {
  override name = 'WebhookEndpointNotFoundError';
  constructor(provider: string, path: string) {
    super(404, 'webhook_endpoint_not_found', `No endpoint /webhooks/${provider}/${path}`);
  }
}
