/**
 * /openapi.json, generated from the zod schemas of client/schemas.ts (their `.meta({id})` names become
 * components), so the document cannot drift from what the gateway validates.
 */
import { z } from 'zod';
import { pascalCase } from '../provider-definition.js';
import type { ProviderRegistry } from '../registry.js';
import {
  addressSchema,
  applicantSchema,
  cancelBodySchema,
  retryStepBodySchema,
  errorEnvelopeSchema,
  eventListSchema,
  listResponseSchema,
  onboardingOptionsSchema,
  onboardingStatusSchema,
  onboardingSummarySchema,
  outboundDeliverySchema,
  webhookAckSchema,
} from '../schemas.js';

type JsonObject = Record<string, unknown>;

const ref = (id: string): JsonObject => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: JsonObject): JsonObject => ({ content: { 'application/json': { schema } } });
const errorResponse = (description: string): JsonObject => ({ description, ...json(ref('Error')) });

/** The component name of a schema: its own `.meta({id})`, or `fallback`. */
function componentId(schema: z.ZodType, fallback: string): string {
  const id = z.globalRegistry.get(schema)?.id;
  return typeof id === 'string' ? id : fallback;
}

/** Action bodies by component name, each provider's in the registry's order. */
function actionBodies(
  providers: ProviderRegistry,
): { provider: string; action: string; id: string; schema: z.ZodType }[] {
  return providers.definitions.flatMap((definition) =>
    Object.values(definition.actions).map((action) => ({
      provider: definition.provider,
      action: action.name,
      id: componentId(action.bodySchema, `${pascalCase(definition.provider)}${pascalCase(action.name)}Body`),
      schema: action.bodySchema,
    })),
  );
}

function components(providers: ProviderRegistry): Record<string, unknown> {
  // Everything reachable from the API's top-level schemas; ids come from .meta({ id }) or the provider registry.
  const registry = z.registry<{ id: string }>();
  const named: [z.ZodType, string][] = [
    [providers.startBodySchema, 'StartOnboardingBody'],
    [onboardingStatusSchema, 'OnboardingStatus'],
    [listResponseSchema, 'OnboardingList'],
    [cancelBodySchema, 'CancelBody'],
    [retryStepBodySchema, 'RetryStepBody'],
    [errorEnvelopeSchema, 'Error'],
    [webhookAckSchema, 'WebhookAck'],
    [applicantSchema, 'Applicant'],
    [onboardingOptionsSchema, 'OnboardingOptions'],
    [onboardingSummarySchema, 'OnboardingSummary'],
    [eventListSchema, 'OutboundEventList'],
    [outboundDeliverySchema, 'OutboundDelivery'],
    ...providers.definitions.map((definition): [z.ZodType, string] => [
      definition.blockSchema,
      componentId(definition.blockSchema, `${pascalCase(definition.provider)}ProviderInput`),
    ]),
  ];
  for (const option of providers.startBodyOptions) {
    const id = pascalCase(option.provider);
    named.push([option.schema, `${id}StartBody`], [option.schema.shape.applicant as z.ZodType, `${id}Applicant`]);
  }
  named.push([addressSchema, 'Address']);
  for (const body of actionBodies(providers)) {
    if (!named.some(([, id]) => id === body.id)) named.push([body.schema, body.id]);
  }
  for (const [schema, id] of named) {
    if (!registry.has(schema)) registry.add(schema, { id });
  }
  const generated = z.toJSONSchema(registry, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  // OpenAPI 3.0 schema objects have no $id; the component's key is its name.
  return Object.fromEntries(
    Object.entries(generated.schemas).map(([id, schema]) => {
      const { $id: _id, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

export function buildOpenApiDocument(options: { serverUrl: string; providers: ProviderRegistry }): JsonObject {
  const { providers } = options;
  const bodies = actionBodies(providers);
  const actionNames = [...new Set(bodies.map((body) => body.action))];
  const idParam = {
    name: 'id',
    in: 'path',
    required: true,
    description: 'The onboarding id, `onboarding:<provider>:<customerRef>` (URL-encoded).',
    schema: { type: 'string' },
  };
  const security = [{ apiKey: [] }];
  const idempotencyKeyParam = {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Send the same key when retrying (after a timeout): the first answer is returned and nothing runs twice. ' +
      '1-128 of A-Z a-z 0-9 _ . : -, scoped to the onboarding and the action.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
  };
  const statusResponse = (description: string): JsonObject => ({ description, ...json(ref('OnboardingStatus')) });

  return {
    openapi: '3.0.3',
    info: {
      title: 'Onboarding gateway',
      version: '1.0.0',
      description:
        'Durable customer onboarding with banking-as-a-service providers. Customer actions are validated by the ' +
        'onboarding itself: 409 when the action is not expected now, 422 when its content is wrong; neither changes anything.',
    },
    servers: [{ url: options.serverUrl }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'One of GATEWAY_API_KEYS.' } },
      schemas: components(providers),
    },
    paths: {
      '/v1/onboardings': {
        post: {
          summary: 'Start an onboarding (or return the existing one for this provider and customerRef)',
          security,
          requestBody: { required: true, ...json(ref('StartOnboardingBody')) },
          responses: {
            '201': statusResponse('Started'),
            '200': statusResponse('Already existed (running or finished); never restarted'),
            '401': errorResponse('Missing or wrong API key'),
            '422': errorResponse('Invalid body; details.issues name each field path'),
          },
        },
        get: {
          summary: 'List onboardings through visibility (newest first)',
          security,
          parameters: [
            {
              name: 'provider',
              in: 'query',
              schema: { type: 'string', enum: providers.names() },
            },
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
            '422': errorResponse('Bad filter'),
          },
        },
      },
      '/v1/onboardings/{id}': {
        get: {
          summary: 'The onboarding status',
          security,
          parameters: [idParam],
          responses: { '200': statusResponse('Status'), '404': errorResponse('No such onboarding') },
        },
      },
      '/v1/onboardings/{id}/actions/{action}': {
        post: {
          summary: 'A customer action (an Update of the onboarding)',
          description:
            'Actions: ' +
            providers.definitions
              .flatMap((definition) =>
                Object.values(definition.actions).map(
                  (action) => `\`${action.name}\` (${definition.provider}): ${action.summary}`,
                ),
              )
              .join(' '),
          security,
          parameters: [
            idParam,
            { name: 'action', in: 'path', required: true, schema: { type: 'string', enum: actionNames } },
            idempotencyKeyParam,
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [...new Set(bodies.map((body) => body.id))].map(ref),
                },
              },
            },
          },
          responses: {
            '200': statusResponse('Accepted; the status after it took effect'),
            '404': errorResponse('No such onboarding, or no such action for its provider'),
            '409': errorResponse('Not expected now (e.g. nothing pending, or the onboarding has finished)'),
            '413': errorResponse('Body too large'),
            '422': errorResponse('Invalid body or content'),
          },
        },
      },
      '/v1/onboardings/{id}/cancel': {
        post: {
          summary: 'Cancel; what the provider allows is undone (compensation), visible in steps[] as it runs',
          security,
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
            '404': errorResponse('No such onboarding'),
            '409': errorResponse('Already finished, or a cancel is already in progress'),
            '422': errorResponse('Invalid body or Idempotency-Key'),
          },
        },
      },
      '/v1/onboardings/{id}/events': {
        get: {
          summary: "The onboarding's outbound events, in the order emitted, each with its delivery attempts",
          security,
          parameters: [idParam],
          responses: {
            '200': { description: 'The events', ...json(ref('OutboundEventList')) },
            '404': errorResponse('No such onboarding'),
          },
        },
      },
      '/v1/events/{eventId}/redeliver': {
        post: {
          summary: 'Deliver an outbound event again now (same webhook-id)',
          security,
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
            '404': errorResponse('No such event'),
          },
        },
      },
      '/v1/onboardings/{id}/retry-step': {
        post: {
          summary:
            'Operator: retry a step stopped on a provider call of unknown outcome (blockedOn retrying), with the same idempotency key',
          security,
          parameters: [idParam],
          requestBody: { required: true, ...json(ref('RetryStepBody')) },
          responses: {
            '200': statusResponse('Retrying; the status after the retry was recorded'),
            '404': errorResponse('No such onboarding'),
            '409': errorResponse('No step waits for an operator retry'),
            '422': errorResponse('Invalid body, or another step than the one waiting'),
          },
        },
      },
      '/webhooks/{provider}': {
        post: {
          summary: "A provider's webhook, verified with the provider's own signature on the raw body",
          parameters: [{ name: 'provider', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
          responses: {
            '200': {
              description:
                'Every event of the delivery durably recorded (or a duplicate of a recorded one). A provider with an ' +
                'acknowledgement of its own (status, body, echoed headers) gets that instead of this default body.',
              ...json(ref('WebhookAck')),
            },
            '503': errorResponse('Not recorded right now: the provider should redeliver'),
            '400': errorResponse('Verified but not the provider envelope'),
            '401': errorResponse('Forged, tampered or unsigned'),
          },
        },
      },
      '/codec/encode': {
        post: {
          summary: 'Temporal codec server: encrypt payloads',
          security,
          responses: { '200': { description: 'Payloads' } },
        },
      },
      '/codec/decode': {
        post: {
          summary: 'Temporal codec server: decrypt payloads (Web UI)',
          security,
          responses: { '200': { description: 'Payloads' } },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: Temporal reachable',
          responses: { '200': { description: 'Ready' }, '503': errorResponse('Temporal unreachable') },
        },
      },
    },
  };
}
