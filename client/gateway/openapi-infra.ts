/**
 * The paths of /openapi.json outside the onboarding API: provider webhooks, the Temporal codec server, health and
 * the document itself. Routes without an API key say so with `security: []`.
 */
import type { ProviderRegistry } from '../registry.js';
import { ref } from './openapi-components.js';
import type { JsonObject } from './openapi-components.js';

export const json = (schema: JsonObject): JsonObject => ({ content: { 'application/json': { schema } } });
export const errorResponse = (description: string): JsonObject => ({ description, ...json(ref('Error')) });

const internal = { '500': errorResponse('`internal` (a bug; logged)') };

function codecOperation(direction: 'encode' | 'decode'): JsonObject {
  return {
    post: {
      operationId: direction === 'encode' ? 'codecEncode' : 'codecDecode',
      tags: ['codec'],
      summary:
        direction === 'encode'
          ? 'Temporal codec server: encrypt payloads'
          : 'Temporal codec server: decrypt payloads (Web UI, CLI)',
      description:
        'Temporal codec JSON: `{payloads:[{metadata:{<key>: base64}, data: base64}]}`. An API key, or (local ' +
        'development, GATEWAY_CODEC_TRUST_UI_ORIGIN) the Web UI origin.',
      requestBody: { required: true, ...json(ref('CodecPayloads')) },
      responses: {
        '200': { description: 'The payloads, in the same order', ...json(ref('CodecPayloads')) },
        '400': errorResponse('`bad_request`: not codec JSON (the message names the field)'),
        '401': errorResponse('`unauthenticated`'),
        '413': errorResponse('`body_too_large`'),
        ...(direction === 'decode'
          ? { '422': errorResponse('`cannot_decrypt`: an unknown key id, or a payload that does not decrypt') }
          : {}),
        '503': errorResponse('`codec_unavailable`: no codec is configured on this gateway'),
        ...internal,
      },
    },
  };
}

export function otherPaths(providers: ProviderRegistry): Record<string, JsonObject> {
  const providerParam = {
    name: 'provider',
    in: 'path',
    required: true,
    schema: { type: 'string', enum: providers.names() },
  };
  return {
    '/webhooks/{provider}': {
      post: {
        operationId: 'receiveProviderWebhook',
        tags: ['webhooks'],
        summary: "A provider's webhook, verified with the provider's own signature on the raw body",
        security: [],
        parameters: [providerParam],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: {
          '200': {
            description:
              'Every event of the delivery durably recorded (or a duplicate of a recorded one). A provider with an ' +
              'acknowledgement of its own (status, body, echoed headers) gets that instead of this default body.',
            ...json(ref('WebhookAck')),
          },
          '400': errorResponse('`webhook_malformed`: verified but not the provider envelope'),
          '401': errorResponse('`webhook_unauthenticated`: forged, tampered, stale or unsigned'),
          '404': errorResponse('`unsupported_provider`'),
          '413': errorResponse('`body_too_large`'),
          '503': errorResponse('`temporarily_unavailable`: not recorded right now; the provider should redeliver'),
          ...internal,
        },
      },
    },
    '/webhooks/{provider}/{path}': {
      post: {
        operationId: 'providerWebhookEndpoint',
        tags: ['webhooks'],
        summary: 'What a provider calls before pushing (e.g. a token endpoint), when its intake serves one',
        security: [],
        parameters: [
          providerParam,
          {
            name: 'path',
            in: 'path',
            required: true,
            description: "The provider's endpoint (may contain `/`).",
            schema: { type: 'string' },
          },
        ],
        requestBody: { required: false, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: {
          '200': { description: "The provider intake's own answer", ...json({ type: 'object' }) },
          '401': errorResponse('`webhook_unauthenticated`'),
          '404': errorResponse('`unsupported_provider` or `webhook_endpoint_not_found`'),
          '413': errorResponse('`body_too_large`'),
          ...internal,
        },
      },
    },
    '/codec/encode': codecOperation('encode'),
    '/codec/decode': codecOperation('decode'),
    '/healthz': {
      get: {
        operationId: 'healthz',
        tags: ['meta'],
        summary: 'Liveness',
        security: [],
        responses: {
          '200': {
            description: 'Alive',
            ...json({ type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] }),
          },
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        tags: ['meta'],
        summary: 'Readiness: Temporal reachable',
        security: [],
        responses: {
          '200': {
            description: 'Ready',
            ...json({
              type: 'object',
              properties: { status: { type: 'string', enum: ['ready'] }, namespace: { type: 'string' } },
              required: ['status', 'namespace'],
            }),
          },
          '503': errorResponse('`temporal_unreachable`'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        tags: ['meta'],
        summary:
          "The gateway's Prometheus metrics (text exposition format). GATEWAY_METRICS: open (default), api-key or off",
        security: [{}, { apiKey: [] }],
        responses: {
          '200': {
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          '401': errorResponse('`unauthenticated`: GATEWAY_METRICS=api-key and no valid key'),
          '404': errorResponse('`not_found`: GATEWAY_METRICS=off'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        tags: ['meta'],
        summary: 'This document (OpenAPI 3.0), generated from the zod schemas and the provider registry',
        security: [],
        responses: { '200': { description: 'The OpenAPI document', ...json({ type: 'object' }) } },
      },
    },
  };
}
