/**
 * The providers this client can onboard with: one entry each, naming its workflow, the zod schema of its start
 * block, its customer actions (HTTP body schema → Update argument) and its webhook intake. Adding a provider here
 * (plus its start option in schemas.ts) is all the client and the gateway need.
 */
import type { z } from 'zod';
import type { Config } from '../common/config.js';
import type { DocumentClaim } from '../contract/jiko.js';
import type { Provider } from '../contract/onboarding.js';
import { NETSPEND_ACTIONS } from '../contract/netspend.js';
import type {
  NetspendAcceptAgreementsInput,
  NetspendActivateCardInput,
  NetspendAnswersInput,
  NetspendChooseCardInput,
} from '../contract/netspend.js';
import { ValidationError } from './errors.js';
import {
  acceptAgreementsBodySchema,
  fieldIssues,
  jikoProviderInputSchema,
  jikoStartBodySchema,
  netspendAcceptAgreementsBodySchema,
  netspendActivateCardBodySchema,
  netspendAnswersBodySchema,
  netspendChooseCardBodySchema,
  netspendProviderInputSchema,
  netspendStartBodySchema,
  uploadDocumentsBodySchema,
} from './schemas.js';
import { createJikoWebhookIntake } from './webhooks/jiko.js';
import { createNetspendWebhookIntake } from './webhooks/netspend.js';
import type { ProviderWebhookIntake } from './webhooks/types.js';

/** Where document images go instead of workflow history (claim check); common/documents.ts implements it. */
export interface DocumentSink {
  put(
    bytes: Uint8Array,
    meta: { contentType: string },
  ): Promise<{ documentRef: string; sizeBytes: number; sha256?: string }>;
}

export interface ActionDeps {
  /** Undefined when the client was built without one: actions that carry documents then refuse with 503. */
  documents: DocumentSink | undefined;
}

export interface ProviderAction {
  /** The action in `/actions/:action`, and the name of the workflow Update it becomes. */
  name: string;
  summary: string;
  bodySchema: z.ZodType;
  /** Validates the HTTP body (ValidationError naming the field) and turns it into the Update's argument. */
  prepare(body: unknown, deps: ActionDeps): Promise<unknown>;
}

export interface ProviderDefinition {
  provider: Provider;
  /** The workflow type registered by workflows/index.ts. */
  workflowType: string;
  /** The start-body block named after the provider (`jiko: {...}`). */
  blockSchema: z.ZodType;
  startBodySchema: z.ZodType;
  actions: Readonly<Record<string, ProviderAction>>;
  createWebhookIntake(config: Config): ProviderWebhookIntake;
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = fieldIssues(parsed.error);
    const first = issues[0];
    throw new ValidationError(`${what} is invalid${first ? `: ${first.path}: ${first.message}` : ''}`, issues);
  }
  return parsed.data;
}

function defineAction<S extends z.ZodType>(definition: {
  name: string;
  summary: string;
  bodySchema: S;
  toUpdateArgument(body: z.output<S>, deps: ActionDeps): Promise<unknown>;
}): ProviderAction {
  return {
    name: definition.name,
    summary: definition.summary,
    bodySchema: definition.bodySchema,
    prepare: (body, deps) =>
      definition.toUpdateArgument(parseOrThrow(definition.bodySchema, body, `the ${definition.name} body`), deps),
  };
}

export class DocumentStoreUnavailableError extends Error {
  override name = 'DocumentStoreUnavailableError';
}

const jiko: ProviderDefinition = {
  provider: 'jiko',
  workflowType: 'jikoOnboarding',
  blockSchema: jikoProviderInputSchema,
  startBodySchema: jikoStartBodySchema,
  actions: {
    acceptAgreements: defineAction({
      name: 'acceptAgreements',
      summary: 'The customer accepts the agreement bundle shown to them (its version, from the pending action).',
      bodySchema: acceptAgreementsBodySchema,
      toUpdateArgument: async (body) => ({ version: body.version }),
    }),
    uploadDocuments: defineAction({
      name: 'uploadDocuments',
      summary:
        'The customer hands over the documents Jiko asked for. Images are stored outside the workflow (claim ' +
        'check); only references reach the onboarding.',
      bodySchema: uploadDocumentsBodySchema,
      toUpdateArgument: async (body, deps) => {
        if (!deps.documents) throw new DocumentStoreUnavailableError('no document store is configured');
        const store = deps.documents;
        const documents: DocumentClaim[] = await Promise.all(
          body.documents.map(async (document) => {
            const bytes = Buffer.from(document.contentBase64, 'base64');
            const stored = await store.put(bytes, { contentType: document.contentType });
            return {
              type: document.type,
              documentRef: stored.documentRef,
              contentType: document.contentType,
              sizeBytes: stored.sizeBytes,
            };
          }),
        );
        return { documents };
      },
    }),
  },
  createWebhookIntake: (config) => createJikoWebhookIntake(config),
};

const netspend: ProviderDefinition = {
  provider: 'netspend',
  workflowType: 'netspendOnboarding',
  blockSchema: netspendProviderInputSchema,
  startBodySchema: netspendStartBodySchema,
  actions: {
    [NETSPEND_ACTIONS.cureKyc]: defineAction({
      name: NETSPEND_ACTIONS.cureKyc,
      summary:
        "The customer answers Netspend's identity questions (pending action data.questions) to cure a conditional KYC.",
      bodySchema: netspendAnswersBodySchema,
      toUpdateArgument: async (body): Promise<NetspendAnswersInput> => ({ answers: body.answers }),
    }),
    [NETSPEND_ACTIONS.acceptAgreements]: defineAction({
      name: NETSPEND_ACTIONS.acceptAgreements,
      summary:
        'The customer accepts Netspend agreements by id (pending action data.agreements), in one call or several.',
      bodySchema: netspendAcceptAgreementsBodySchema,
      toUpdateArgument: async (body): Promise<NetspendAcceptAgreementsInput> => ({
        agreementIds: [...new Set(body.agreementIds)],
      }),
    }),
    [NETSPEND_ACTIONS.answerExpectedUse]: defineAction({
      name: NETSPEND_ACTIONS.answerExpectedUse,
      summary: "The customer answers Netspend's expected-use questions (DDA accounts only).",
      bodySchema: netspendAnswersBodySchema,
      toUpdateArgument: async (body): Promise<NetspendAnswersInput> => ({ answers: body.answers }),
    }),
    [NETSPEND_ACTIONS.chooseCard]: defineAction({
      name: NETSPEND_ACTIONS.chooseCard,
      summary:
        'The customer picks a card type and brand (pending action data.brands) and, for a physical card, where to ship it.',
      bodySchema: netspendChooseCardBodySchema,
      toUpdateArgument: async (body): Promise<NetspendChooseCardInput> => ({
        type: body.type,
        brandName: body.brandName,
        ...(body.shippingAddress ? { shippingAddress: body.shippingAddress } : {}),
      }),
    }),
    [NETSPEND_ACTIONS.activateCard]: defineAction({
      name: NETSPEND_ACTIONS.activateCard,
      summary: 'The customer sets the PIN of the physical card they received (four digits), which activates it.',
      bodySchema: netspendActivateCardBodySchema,
      toUpdateArgument: async (body): Promise<NetspendActivateCardInput> => ({ pin: body.pin }),
    }),
  },
  createWebhookIntake: (config) => createNetspendWebhookIntake(config),
};

export const PROVIDER_REGISTRY: Readonly<Partial<Record<Provider, ProviderDefinition>>> = { jiko, netspend };

export function supportedProviders(): Provider[] {
  return Object.keys(PROVIDER_REGISTRY) as Provider[];
}

export function providerDefinition(provider: string): ProviderDefinition | undefined {
  return Object.hasOwn(PROVIDER_REGISTRY, provider) ? PROVIDER_REGISTRY[provider as Provider] : undefined;
}
