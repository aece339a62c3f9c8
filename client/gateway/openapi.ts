/**
 * /openapi.json: paths and responses here, components (from the zod schemas and the provider registry) in
 * openapi-components.ts, so the document cannot drift from what the gateway validates. Every operation lists
 * every status it can answer; errors are the `Error` envelope whose `code` is the enum of client/errors.ts.
 */
import type { ProviderRegistry } from '../registry.js';
import { onboardingStatusSchema } from '../schemas.js';
import { actionEntries, components, ref } from './openapi-components.js';
import type { JsonObject } from './openapi-components.js';
import { errorResponse, json, otherPaths } from './openapi-infra.js';
import { operatorPaths } from './openapi-operator.js';
const statusResponse = (description: string): JsonObject => ({ description, ...json(ref('OnboardingStatus')) });

/** What any authenticated route can answer besides its own statuses. */
const common = {
  '400': errorResponse('`bad_request`: a malformed URL (e.g. a bad percent-encoding)'),
  '401': errorResponse('`unauthenticated`: missing or wrong API key'),
  '500': errorResponse('`internal` (a bug; logged)'),
  '503': errorResponse('`temporarily_unavailable`: Temporal (or the document store) is not reachable; retry later'),
};
/** …and any route that takes a JSON body. */
const withBody = {
  ...common,
  '400': errorResponse('`bad_request`: the body is not JSON'),
  '413': errorResponse('`body_too_large`'),
};

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The onboarding id, `onboarding:<provider>:<customerRef>` (URL-encoded).',
  schema: { type: 'string' },
};
const idempotencyKeyParam = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Send the same key when retrying (after a timeout): the first answer is returned and nothing runs twice. ' +
    '1-128 of A-Z a-z 0-9 _ . : -, scoped to the onboarding and the action.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
};
const security = [{ apiKey: [] }];

/** Responses of an action, typed or untyped. */
const actionResponses = {
  '200': statusResponse('Accepted; the status after it took effect'),
  ...withBody,
  '404': errorResponse(
    '`onboarding_not_found` (no such onboarding, or on a typed path one of another provider) or `unknown_action`',
  ),
  '409': errorResponse('`action_not_expected`: not expected now (nothing pending, or the onboarding has finished)'),
  '422': errorResponse('`validation_failed` (body; details.issues name each field) or `invalid_action` (content)'),
  '500': errorResponse('`action_failed` (the onboarding failed the action unexpectedly) or `internal`'),
};

/** One literal path per provider and action, each with its own body: a generated client cannot mix them up. */
function typedActionPaths(providers: ProviderRegistry): Record<string, JsonObject> {
  return Object.fromEntries(
    actionEntries(providers).map((entry) => [
      `/v1/providers/${entry.provider}/onboardings/{id}/actions/${entry.action.name}`,
      {
        post: {
          operationId: entry.stem.charAt(0).toLowerCase() + entry.stem.slice(1),
          tags: [entry.provider],
          summary: `${entry.provider}: ${entry.action.name}`,
          description:
            `${entry.action.summary} The pending action's data is ` +
            (entry.dataId ? `\`${entry.dataId}\`.` : 'not typed for this action.') +
            ` The same as POST /v1/onboardings/{id}/actions/${entry.action.name}, for ${entry.provider} onboardings only.`,
          security,
          parameters: [idParam, idempotencyKeyParam],
          requestBody: { required: true, ...json(ref(entry.bodyId)) },
          responses: actionResponses,
        },
      },
    ]),
  );
}

export function buildOpenApiDocument(options: { serverUrl: string; providers: ProviderRegistry }): JsonObject {
  const { providers } = options;
  const entries = actionEntries(providers);
  const actionNames = [...new Set(entries.map((entry) => entry.action.name))];
  const pathsByProvider = providers.names().map((name) => ({
    name,
    description: `${name}: typed action paths (one body type each)`,
  }));

  return {
    openapi: '3.0.3',
    info: {
      title: 'Onboarding gateway',
      version: '1.0.0',
      description:
        'Durable customer onboarding with banking-as-a-service providers. Customer actions are validated by the ' +
        'onboarding itself: 409 when the action is not expected now, 422 when its content is wrong; neither changes ' +
        'anything. Every error is `{error:{code,message,details?}}` with `code` from a fixed list (Error).',
      license: { name: 'Proprietary', url: 'https://example.invalid/license' },
    },
    servers: [{ url: options.serverUrl }],
    tags: [
      { name: 'onboardings', description: 'Start, read, list and cancel onboardings' },
      { name: 'actions', description: 'Customer actions, untyped form (any action by name)' },
      ...pathsByProvider,
      { name: 'events', description: 'Outbound events (Standard Webhooks) and their delivery' },
      { name: 'operator', description: 'Operator interventions' },
      { name: 'webhooks', description: 'Inbound provider webhooks' },
      { name: 'codec', description: 'Temporal codec server for the Web UI and the CLI' },
      { name: 'meta', description: 'Health and this document' },
    ],
    security,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'One of GATEWAY_API_KEYS; operator routes need a key with the operator scope.',
        },
      },
      schemas: components(providers),
    },
    paths: {
      '/v1/onboardings': {
        post: {
          operationId: 'startOnboarding',
          tags: ['onboardings'],
          summary: 'Start an onboarding (or return the existing one for this provider and customerRef)',
          requestBody: { required: true, ...json(ref('StartOnboardingBody')) },
          responses: {
            '201': statusResponse('Started'),
            '200': statusResponse('Already existed (running or finished); never restarted'),
            ...withBody,
            '422': errorResponse('`validation_failed`: invalid body; details.issues name each field path'),
          },
        },
        get: {
          operationId: 'listOnboardings',
          tags: ['onboardings'],
          summary: 'List onboardings through visibility (newest first)',
          parameters: [
            { name: 'provider', in: 'query', schema: { type: 'string', enum: providers.names() } },
            {
              name: 'state',
              in: 'query',
              schema: { type: 'string', enum: onboardingStatusSchema.shape.state.options },
            },
            { name: 'step', in: 'query', schema: { type: 'string' } },
            {
              name: 'blockedOn',
              in: 'query',
              schema: { type: 'string', enum: ['customer', 'provider', 'reviewer', 'retrying', 'none'] },
            },
            { name: 'pageSize', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'nextPageToken', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'A page', ...json(ref('OnboardingList')) },
            ...common,
            '422': errorResponse('`validation_failed`: a bad filter or a page token this gateway did not issue'),
          },
        },
      },
      '/v1/onboardings/{id}': {
        get: {
          operationId: 'getOnboarding',
          tags: ['onboardings'],
          summary: 'The onboarding status',
          parameters: [idParam],
          responses: {
            '200': statusResponse('Status'),
            ...common,
            '404': errorResponse('`onboarding_not_found`'),
          },
        },
      },
      '/v1/onboardings/{id}/actions/{action}': {
        post: {
          operationId: 'act',
          tags: ['actions'],
          summary: 'A customer action by name (untyped form; prefer the typed per-provider paths)',
          description:
            "Any action of the onboarding's provider. The body is any action body; the action checks it (422). " +
            'A generated client gets one body type per action from /v1/providers/{provider}/onboardings/{id}/actions/<action>. Actions: ' +
            entries.map((entry) => `\`${entry.action.name}\` (${entry.provider}): ${entry.action.summary}`).join(' '),
          parameters: [
            idParam,
            { name: 'action', in: 'path', required: true, schema: { type: 'string', enum: actionNames } },
            idempotencyKeyParam,
          ],
          requestBody: {
            required: true,
            ...json({ oneOf: [...new Set(entries.map((entry) => entry.bodyId))].map(ref) }),
          },
          responses: actionResponses,
        },
      },
      ...typedActionPaths(providers),
      '/v1/onboardings/{id}/cancel': {
        post: {
          operationId: 'cancelOnboarding',
          tags: ['onboardings'],
          summary: 'Cancel; what the provider allows is undone (compensation), visible in steps[] as it runs',
          parameters: [
            idParam,
            idempotencyKeyParam,
            {
              name: 'wait',
              in: 'query',
              description: 'true: answer once compensation has settled (200, the final status), however long it takes',
              schema: { type: 'boolean', default: false },
            },
          ],
          requestBody: { required: true, ...json(ref('CancelBody')) },
          responses: {
            '202': statusResponse('Cancel recorded; compensation under way'),
            '200': statusResponse('Cancelled (with wait=true)'),
            ...withBody,
            '404': errorResponse('`onboarding_not_found`'),
            '409': errorResponse('`action_not_expected`: already finished, or a cancel is already in progress'),
            '422': errorResponse('`validation_failed`: invalid body or Idempotency-Key'),
          },
        },
      },
      '/v1/onboardings/{id}/events': {
        get: {
          operationId: 'listOnboardingEvents',
          tags: ['events'],
          summary: "The onboarding's outbound events, in the order emitted, each with its delivery attempts",
          parameters: [idParam],
          responses: {
            '200': { description: 'The events', ...json(ref('OutboundEventList')) },
            ...common,
            '404': errorResponse('`onboarding_not_found`'),
          },
        },
      },
      '/v1/events/{eventId}/redeliver': {
        post: {
          operationId: 'redeliverEvent',
          tags: ['events'],
          summary: 'Deliver an outbound event again now (same webhook-id)',
          parameters: [
            {
              name: 'eventId',
              in: 'path',
              required: true,
              description: 'The event id, `<onboardingId>:<sequence>` (URL-encoded).',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '202': { description: 'Redelivery under way', ...json(ref('OutboundDelivery')) },
            ...common,
            '404': errorResponse('`event_not_found`'),
          },
        },
      },
      '/v1/onboardings/{id}/retry-step': {
        post: {
          operationId: 'retryStep',
          tags: ['operator'],
          summary:
            'Operator: retry a step stopped on a provider call of unknown outcome (blockedOn retrying), with the same idempotency key',
          parameters: [idParam],
          requestBody: { required: true, ...json(ref('RetryStepBody')) },
          responses: {
            '200': statusResponse('Retrying; the status after the retry was recorded'),
            ...withBody,
            '403': errorResponse('`forbidden`: the API key lacks the operator scope'),
            '404': errorResponse('`onboarding_not_found`'),
            '409': errorResponse('`action_not_expected`: no step waits for an operator retry'),
            '422': errorResponse(
              '`validation_failed` or `invalid_action`: invalid body, or another step than the one waiting',
            ),
          },
        },
      },
      ...operatorPaths(providers.names()),
      ...otherPaths(providers),
    },
  };
}
