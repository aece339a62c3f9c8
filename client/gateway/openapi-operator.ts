/**
 * The operator routes of /openapi.json (client/gateway/operator-routes.ts): API keys with the `operator` scope.
 * retry-step, older, is in openapi.ts.
 */
import { ref } from './openapi-components.js';
import type { JsonObject } from './openapi-components.js';
import { errorResponse, json } from './openapi-infra.js';

const operatorHeader = {
  name: 'X-Operator',
  in: 'header',
  required: false,
  description:
    'The person using a shared operator key (1-64 of A-Z a-z 0-9 _ . @ -): the timeline records `<key identity>/<name>`.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' },
};

const operatorErrors = {
  '401': errorResponse('`unauthenticated`: missing or wrong API key'),
  '403': errorResponse('`forbidden`: the API key lacks the operator scope'),
  '500': errorResponse('`internal` (a bug; logged)'),
  '503': errorResponse('`temporarily_unavailable`: Temporal is not reachable; retry later'),
};

export function operatorPaths(providerNames: readonly string[]): Record<string, JsonObject> {
  return {
    '/v1/operator/blocked': {
      get: {
        operationId: 'listBlockedOnboardings',
        tags: ['operator'],
        summary: 'Operator: running onboardings blocked on someone for longer than a while',
        description:
          'A visibility query on OnboardingBlockedOn and OnboardingBlockedSince; the answer carries the query, ' +
          "to paste into the Web UI's search box.",
        parameters: [
          {
            name: 'blockedOn',
            in: 'query',
            required: true,
            schema: { type: 'string', enum: ['customer', 'provider', 'reviewer', 'retrying'] },
          },
          {
            name: 'olderThan',
            in: 'query',
            required: true,
            description: 'Blocked since longer than this (90s, 30m, 12h, 2d)',
            schema: { type: 'string', pattern: '^[1-9][0-9]{0,5}(s|m|h|d)$' },
          },
          { name: 'provider', in: 'query', schema: { type: 'string', enum: [...providerNames] } },
          { name: 'step', in: 'query', schema: { type: 'string' } },
          { name: 'pageSize', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
        ],
        responses: {
          '200': { description: 'The onboardings', ...json(ref('BlockedOnboardings')) },
          ...operatorErrors,
          '422': errorResponse('`validation_failed`: a bad filter (details.issues name each field)'),
        },
      },
    },
    '/v1/onboardings/{id}/extend-deadline': {
      post: {
        operationId: 'extendDeadline',
        tags: ['operator'],
        summary: "Operator: move a wait's expiry later (the wait's timer moves; reminders go on until then)",
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'The onboarding id, `onboarding:<provider>:<customerRef>` (URL-encoded).',
            schema: { type: 'string' },
          },
          operatorHeader,
        ],
        requestBody: { required: true, ...json(ref('ExtendDeadlineBody')) },
        responses: {
          '200': { description: 'Extended; the status after it', ...json(ref('OnboardingStatus')) },
          ...operatorErrors,
          '400': errorResponse('`bad_request`: the body is not JSON'),
          '404': errorResponse('`onboarding_not_found`'),
          '409': errorResponse(
            '`action_not_expected`: no wait on the customer is open, or the onboarding has finished',
          ),
          '413': errorResponse('`body_too_large`'),
          '422': errorResponse(
            '`validation_failed` or `invalid_action`: the message names the field (by, until, wait, reason)',
          ),
        },
      },
    },
    '/v1/operator/redrive': {
      post: {
        operationId: 'redrive',
        tags: ['operator'],
        summary:
          'Operator: retry a step in bulk (provider, step, error text): a dry-run count, then a rate-limited apply',
        description:
          'Matches running onboardings of the provider blocked on `retrying` at the step whose lastError contains ' +
          '`error`. Without `apply: true` nothing changes; with it each goes through retry-step in turn at `rate`.',
        parameters: [operatorHeader],
        requestBody: { required: true, ...json(ref('RedriveBody')) },
        responses: {
          '200': { description: 'What matched, and with apply what was done or failed', ...json(ref('RedriveResult')) },
          ...operatorErrors,
          '400': errorResponse('`bad_request`: the body is not JSON'),
          '413': errorResponse('`body_too_large`'),
          '422': errorResponse('`validation_failed`: details.issues name each field'),
        },
      },
    },
  };
}
