/**
 * The `components.schemas` of /openapi.json, generated from the zod schemas (their `.meta({id})` names become
 * component names) and from the provider registry: each provider's start body, action bodies and pending-action
 * data. Nothing here names a provider; a new provider's components appear when it is registered.
 */
import { z } from 'zod';
import { jsonPayloadsSchema } from '../../common/codec.js';
import { pascalCase } from '../provider-definition.js';
import type { ProviderAction } from '../provider-definition.js';
import type { ProviderRegistry } from '../registry.js';
import {
  blockedListSchema,
  extendDeadlineBodySchema,
  redriveBodySchema,
  redriveResultSchema,
} from '../operator-schemas.js';
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

/** The operator commands' bodies and answers (client/operator-schemas.ts). */
const operatorComponentSchemas: [z.ZodType, string][] = [
  [extendDeadlineBodySchema, 'ExtendDeadlineBody'],
  [blockedListSchema, 'BlockedOnboardings'],
  [redriveBodySchema, 'RedriveBody'],
  [redriveResultSchema, 'RedriveResult'],
];

export type JsonObject = Record<string, unknown>;

export const ref = (id: string): JsonObject => ({ $ref: `#/components/schemas/${id}` });

/** The component name of a schema: its own `.meta({id})`, or `fallback`. */
function componentId(schema: z.ZodType, fallback: string): string {
  const id = z.globalRegistry.get(schema)?.id;
  return typeof id === 'string' ? id : fallback;
}

export interface ActionEntry {
  provider: string;
  action: ProviderAction;
  /** `<Provider><Action>`: the operationId stem and the PendingAction component's prefix. */
  stem: string;
  bodyId: string;
  /** The pending-action data component, when the provider gave a `dataSchema`. */
  dataId?: string;
}

/** A pending action with published data: a routed action's, or one the customer completes at the provider. */
interface TypedPendingEntry {
  provider: string;
  name: string;
  summary: string;
  stem: string;
  dataSchema: z.ZodType;
  dataId: string;
}

function typedPendingEntries(providers: ProviderRegistry, entries: ActionEntry[]): TypedPendingEntry[] {
  const routed = entries.flatMap((entry) =>
    entry.action.dataSchema && entry.dataId
      ? [
          {
            ...entry,
            name: entry.action.name,
            summary: entry.action.summary,
            dataSchema: entry.action.dataSchema,
            dataId: entry.dataId,
          },
        ]
      : [],
  );
  const elsewhere = providers.definitions.flatMap((definition) =>
    Object.entries(definition.actionsElsewhere ?? {}).map(([name, action]) => {
      const stem = `${pascalCase(definition.provider)}${pascalCase(name)}`;
      return {
        provider: definition.provider,
        name,
        summary: action.summary,
        stem,
        dataSchema: action.dataSchema,
        dataId: componentId(action.dataSchema, `${stem}ActionData`),
      };
    }),
  );
  return [...routed, ...elsewhere];
}

/** Every action of every provider, in the registry's order. */
export function actionEntries(providers: ProviderRegistry): ActionEntry[] {
  return providers.definitions.flatMap((definition) =>
    Object.values(definition.actions).map((action) => {
      const stem = `${pascalCase(definition.provider)}${pascalCase(action.name)}`;
      return {
        provider: definition.provider,
        action,
        stem,
        bodyId: componentId(action.bodySchema, `${stem}Body`),
        ...(action.dataSchema ? { dataId: componentId(action.dataSchema, `${stem}ActionData`) } : {}),
      };
    }),
  );
}

/** The zod-generated components: everything reachable from the API's top-level schemas. */
function zodComponents(
  providers: ProviderRegistry,
  entries: ActionEntry[],
  pending: TypedPendingEntry[],
): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  const named: [z.ZodType, string][] = [
    [providers.startBodySchema, 'StartOnboardingBody'],
    [onboardingStatusSchema, 'OnboardingStatus'],
    [onboardingStatusSchema.shape.pendingActions.element, 'PendingAction'],
    [listResponseSchema, 'OnboardingList'],
    [cancelBodySchema, 'CancelBody'],
    [retryStepBodySchema, 'RetryStepBody'],
    ...operatorComponentSchemas,
    [errorEnvelopeSchema, 'Error'],
    [webhookAckSchema, 'WebhookAck'],
    [applicantSchema, 'Applicant'],
    [onboardingOptionsSchema, 'OnboardingOptions'],
    [onboardingSummarySchema, 'OnboardingSummary'],
    [eventListSchema, 'OutboundEventList'],
    [outboundDeliverySchema, 'OutboundDelivery'],
    [jsonPayloadsSchema, 'CodecPayloads'],
    ...providers.definitions.map((definition): [z.ZodType, string] => {
      // A block with a default (`.default({})`) is the inner schema's component plus `default`: name the inner one,
      // or both would claim the same id.
      const block =
        definition.blockSchema instanceof z.ZodDefault ? definition.blockSchema.unwrap() : definition.blockSchema;
      return [block as z.ZodType, componentId(block as z.ZodType, `${pascalCase(definition.provider)}ProviderInput`)];
    }),
  ];
  for (const option of providers.startBodyOptions) {
    const id = pascalCase(option.provider);
    named.push([option.schema, `${id}StartBody`], [option.schema.shape.applicant as z.ZodType, `${id}Applicant`]);
  }
  named.push([addressSchema, 'Address']);
  for (const entry of entries) {
    named.push([entry.action.bodySchema, entry.bodyId]);
  }
  for (const entry of pending) named.push([entry.dataSchema, entry.dataId]);
  for (const [schema, id] of named) {
    if (!registry.has(schema)) registry.add(schema, { id });
  }
  const generated = z.toJSONSchema(registry, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Schemas named by their own `.meta({id})` but not listed above land in `__shared.definitions`: lift them to
  // components of their own (their refs are rewritten by tidy()).
  const { __shared: shared, ...schemas } = generated.schemas as Record<string, JsonObject>;
  const lifted = (shared?.definitions ?? {}) as Record<string, JsonObject>;
  // OpenAPI 3.0 schema objects have no $id; the component's key is its name.
  return Object.fromEntries(
    Object.entries({ ...lifted, ...schemas }).map(([id, schema]) => {
      const { $id: _id, ...rest } = schema as JsonObject;
      return [id, tidy(rest) as JsonObject];
    }),
  );
}

/**
 * What zod emits that OpenAPI 3.0 lacks or linters flag: `contentEncoding` (a JSON Schema 2019 keyword; 3.0 has
 * `format: base64`, which zod also sets) is dropped, and a lone `{allOf:[{$ref}]}` with no sibling keyword
 * becomes the `$ref` itself.
 */
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as JsonObject).filter(([key]) => key !== 'contentEncoding');
  const object = Object.fromEntries(entries.map(([key, inner]) => [key, tidy(inner)]));
  if (typeof object.$ref === 'string') object.$ref = object.$ref.replace('/__shared#/definitions/', '/');
  const allOf = object.allOf;
  if (entries.length === 1 && Array.isArray(allOf) && allOf.length === 1) return allOf[0];
  return object;
}

/**
 * `<Provider><Action>PendingAction` (the action name as a one-value enum, its typed data) and `<Provider>PendingAction`
 * (one of them, discriminated by `action`). Action names repeat across providers (acceptAgreements, activateCard),
 * so OnboardingStatus.pendingActions[] is anyOf the providers' unions and the untyped PendingAction (for a provider
 * or a pending action without a data schema); a client narrows on `provider`, then on `action`.
 */
function pendingActionComponents(
  providers: ProviderRegistry,
  pending: TypedPendingEntry[],
): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  const unions: string[] = [];
  for (const definition of providers.definitions) {
    const typed = pending.filter((entry) => entry.provider === definition.provider);
    if (typed.length === 0) continue;
    const mapping: Record<string, string> = {};
    for (const entry of typed) {
      const id = `${entry.stem}PendingAction`;
      mapping[entry.name] = `#/components/schemas/${id}`;
      out[id] = {
        type: 'object',
        description: `${definition.provider}: ${entry.summary}`,
        properties: {
          action: { type: 'string', enum: [entry.name] },
          description: { type: 'string' },
          data: ref(entry.dataId),
          expiresAt: { type: 'string' },
        },
        required: ['action', 'description', 'data', 'expiresAt'],
      };
    }
    const unionId = `${pascalCase(definition.provider)}PendingAction`;
    out[unionId] = {
      description: `A pending action of a ${definition.provider} onboarding with typed data.`,
      oneOf: Object.values(mapping).map((target) => ({ $ref: target })),
      discriminator: { propertyName: 'action', mapping },
    };
    unions.push(unionId);
  }
  out.PendingActionItem = {
    description:
      'A pending action: one of the typed per-provider forms (narrow on the onboarding `provider`, then `action`), ' +
      'or the untyped PendingAction for an action with no published data schema.',
    anyOf: [...unions.map(ref), ref('PendingAction')],
  };
  return out;
}

export function components(providers: ProviderRegistry): Record<string, JsonObject> {
  const entries = actionEntries(providers);
  const pending = typedPendingEntries(providers, entries);
  const schemas = { ...zodComponents(providers, entries, pending), ...pendingActionComponents(providers, pending) };
  const status = schemas.OnboardingStatus as { properties: { pendingActions: JsonObject } };
  status.properties.pendingActions = { type: 'array', items: ref('PendingActionItem') };
  return schemas;
}
