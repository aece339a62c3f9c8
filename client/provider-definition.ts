/**
 * What a provider tells the client library and the gateway about itself: its workflow, the applicant fields it
 * requires, the zod schema of its start block, its customer actions (HTTP body → typed Update) and its webhook
 * intake. One file per provider in client/providers/ exports a `ClientProvider`; client/providers/index.ts lists
 * them, and everything provider-shaped (the start-body union, the OpenAPI components, the action list, webhook
 * routing) is built from that list.
 */
import { z } from 'zod';
import type { UpdateDefinition } from '@temporalio/common';
import type { ApplicantField, ApplicantFields, OnboardingStatus } from '../contract/onboarding.js';
import type { Config } from '../common/config.js';
import type { SecretSealer } from '../common/secret-seal.js';
import { ValidationError } from './errors.js';
import { applicantSchemaFor, customerRefSchema, fieldIssues, onboardingOptionsSchema } from './schemas.js';
import type { ApplicantSchemaFor } from './schemas.js';
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
  /**
   * Seals a secret field (PIN, SMS code) once the body is valid, so the Update carries `{sealed}` and no payload
   * anyone can decode holds the value (common/secret-seal.ts).
   */
  secrets: SecretSealer;
}

export interface ProviderAction {
  /** The action in `/actions/:action`; the name of the Update it becomes. */
  name: string;
  summary: string;
  bodySchema: z.ZodType;
  /**
   * The `data` of this action's pending action (what the customer is shown), published in the OpenAPI document as
   * `<Provider><Action>PendingAction`. Optional: without it the spec says only "an object".
   */
  dataSchema?: z.ZodType;
  /** The workflow Update the action is sent as (typed: the client never sends an Update by a bare name). */
  update: UpdateDefinition<OnboardingStatus, [unknown]>;
  /** The largest HTTP body the action may need (documents travel base64 in JSON); the gateway's default otherwise. */
  maxBodyBytes?: number;
  /** Validates the HTTP body (ValidationError naming the field) and turns it into the Update's argument. */
  prepare(body: unknown, deps: ActionDeps): Promise<unknown>;
}

export interface ActionElsewhere {
  summary: string;
  /** The pending action's `data`, published as `<Provider><Action>PendingAction` like a routed action's. */
  dataSchema: z.ZodType;
}

export interface ClientProvider<
  Name extends string = string,
  Block extends z.ZodType = z.ZodType,
  Required extends ApplicantField = ApplicantField,
> {
  provider: Name;
  /** The workflow type registered by workflows/index.ts. */
  workflowType: string;
  /** The applicant fields a start must carry for this provider; the other fields are optional. */
  requiredApplicantFields: readonly Required[];
  /** The start-body block named after the provider (`<provider>: {...}`): what becomes the workflow's providerInput. */
  blockSchema: Block;
  actions: Readonly<Record<string, ProviderAction>>;
  /**
   * Pending actions the customer completes at the provider (a hosted page, a link in an email): listed in
   * pendingActions with typed data, but with no route and no Update of ours.
   */
  actionsElsewhere?: Readonly<Record<string, ActionElsewhere>>;
  createWebhookIntake(config: Config): ProviderWebhookIntake;
  /**
   * Rules that span the applicant and the block (a field required only for some choice made in the block); each
   * problem names its path from the start body's root. Runs once both parts are valid on their own.
   */
  checkStart?(start: { applicant: Partial<ApplicantFields>; block: z.output<Block> }): StartProblem[];
}

export interface StartProblem {
  path: (string | number)[];
  message: string;
}

export class DocumentStoreUnavailableError extends Error {
  override name = 'DocumentStoreUnavailableError';
}

/** A document as an action body carries it: base64 in JSON. */
export interface DocumentUploadBody<Type extends string> {
  type: Type;
  contentType: string;
  contentBase64: string;
}

/** What an onboarding receives instead of the image: a claim-check reference to the stored document. */
export interface StoredDocumentClaim<Type extends string> {
  type: Type;
  documentRef: string;
  contentType: string;
  sizeBytes: number;
}

/**
 * Stores each uploaded document outside the workflow (the claim check) and returns the references that travel in
 * the Update instead of the images; without a document store the action answers 503.
 */
export async function storeDocuments<Type extends string>(
  documents: readonly DocumentUploadBody<Type>[],
  deps: ActionDeps,
): Promise<StoredDocumentClaim<Type>[]> {
  const store = deps.documents;
  if (!store) throw new DocumentStoreUnavailableError('no document store is configured');
  return Promise.all(
    documents.map(async (document) => {
      const stored = await store.put(Buffer.from(document.contentBase64, 'base64'), {
        contentType: document.contentType,
      });
      return {
        type: document.type,
        documentRef: stored.documentRef,
        contentType: document.contentType,
        sizeBytes: stored.sizeBytes,
      };
    }),
  );
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

/** A customer action whose Update argument is derived from the validated body. */
export function defineAction<S extends z.ZodType, Argument>(definition: {
  update: UpdateDefinition<OnboardingStatus, [Argument]>;
  summary: string;
  bodySchema: S;
  dataSchema?: z.ZodType;
  maxBodyBytes?: number;
  toUpdateArgument(body: z.output<S>, deps: ActionDeps): Promise<Argument>;
}): ProviderAction {
  const name = definition.update.name;
  return {
    name,
    summary: definition.summary,
    bodySchema: definition.bodySchema,
    ...(definition.dataSchema ? { dataSchema: definition.dataSchema } : {}),
    update: definition.update as UpdateDefinition<OnboardingStatus, [unknown]>,
    ...(definition.maxBodyBytes ? { maxBodyBytes: definition.maxBodyBytes } : {}),
    prepare: (body, deps) =>
      definition.toUpdateArgument(parseOrThrow(definition.bodySchema, body, `the ${name} body`), deps),
  };
}

export function defineClientProvider<
  const Name extends string,
  Block extends z.ZodType,
  Required extends ApplicantField,
>(definition: ClientProvider<Name, Block, Required>): ClientProvider<Name, Block, Required> {
  return definition;
}

/** `acme` → `Acme`: component names in the OpenAPI document. */
export function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The start body of one provider: the common fields, its applicant, and the block named after it. */
export function startBodySchemaOf<const Name extends string, Block extends z.ZodType, Required extends ApplicantField>(
  definition: ClientProvider<Name, Block, Required>,
): z.ZodObject<
  { provider: z.ZodLiteral<Name>; customerRef: typeof customerRefSchema; applicant: ApplicantSchemaFor<Required> } & {
    options: z.ZodOptional<typeof onboardingOptionsSchema>;
  } & { [K in Name]: Block }
> {
  const id = pascalCase(definition.provider);
  const shape = {
    provider: z.literal(definition.provider),
    customerRef: customerRefSchema,
    applicant: applicantSchemaFor(definition.requiredApplicantFields).meta({ id: `${id}Applicant` }),
    options: onboardingOptionsSchema.optional(),
    [definition.provider]: definition.blockSchema,
  };
  const checkStart = definition.checkStart;
  const schema = z.object(shape);
  const checked = checkStart
    ? schema.superRefine((body, context) => {
        const start = body as Record<string, unknown>;
        const problems = checkStart({
          applicant: start.applicant as Partial<ApplicantFields>,
          block: start[definition.provider] as z.output<Block>,
        });
        for (const problem of problems)
          context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
      })
    : schema;
  // The computed key loses its literal type; the declared return type restores it.
  return checked.meta({ id: `${id}StartBody` }) as never;
}

/** The start body of a registry of providers, as one union discriminated by `provider`. */
export function startBodyUnionOf(options: readonly z.ZodObject[]): z.ZodType {
  const names = options.map((option) => String((option.shape.provider as z.ZodLiteral).value)).join(', ');
  const [first, ...rest] = options;
  if (!first) throw new Error('the provider registry is empty');
  return z
    .discriminatedUnion('provider', [first, ...rest], {
      error: (issue) => (issue.code === 'invalid_union' ? `provider must be one of: ${names}` : undefined),
    })
    .meta({ id: 'StartOnboardingBody' });
}

/** What a start body of `Definition` looks like to a TypeScript caller. */
export type StartBodyOf<Definition> =
  Definition extends ClientProvider<infer Name, infer Block, infer Required>
    ? z.input<ReturnType<typeof startBodySchemaOf<Name, Block, Required>>>
    : never;
