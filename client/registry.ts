/**
 * A set of client providers and what is built from it: lookup by name, the start-body union, the list of names.
 * The library and the gateway take a registry (the default one is client/providers/index.ts), so a provider is
 * added by one line there, or, in a test, by composing `new ProviderRegistry([...CLIENT_PROVIDERS, extra])`.
 */
import type { z } from 'zod';
import { PROVIDER_NAME_PATTERN } from '../contract/onboarding.js';
import { CLIENT_PROVIDERS } from './providers/index.js';
import { startBodySchemaOf, startBodyUnionOf } from './provider-definition.js';
import type { ClientProvider, StartBodyOf } from './provider-definition.js';

export class ProviderRegistry {
  readonly definitions: readonly ClientProvider[];
  /** The start body: one option per provider, discriminated by `provider`, each requiring its own block. */
  readonly startBodySchema: z.ZodType;
  /** Each provider's option of that union (named `<Provider>StartBody` in the OpenAPI document). */
  readonly startBodyOptions: readonly { provider: string; schema: z.ZodObject }[];
  private readonly byName: ReadonlyMap<string, ClientProvider>;

  constructor(definitions: readonly ClientProvider[]) {
    const byName = new Map<string, ClientProvider>();
    for (const definition of definitions) {
      if (!PROVIDER_NAME_PATTERN.test(definition.provider)) {
        throw new Error(`provider name ${JSON.stringify(definition.provider)} must match ${PROVIDER_NAME_PATTERN}`);
      }
      if (byName.has(definition.provider)) throw new Error(`provider ${definition.provider} is registered twice`);
      byName.set(definition.provider, definition);
    }
    this.definitions = definitions;
    this.byName = byName;
    this.startBodyOptions = definitions.map((definition) => ({
      provider: definition.provider,
      schema: startBodySchemaOf(definition) as z.ZodObject,
    }));
    this.startBodySchema = startBodyUnionOf(this.startBodyOptions.map((option) => option.schema));
  }

  get(provider: string): ClientProvider | undefined {
    return this.byName.get(provider);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

export const DEFAULT_PROVIDER_REGISTRY = new ProviderRegistry(CLIENT_PROVIDERS);

/** The start body a TypeScript backend sends, typed per provider of the default registry. */
export type StartBodyInput = StartBodyOf<(typeof CLIENT_PROVIDERS)[number]>;

/** The default registry's start-body schema, typed for callers that validate bodies themselves. */
export const startBodySchema = DEFAULT_PROVIDER_REGISTRY.startBodySchema as z.ZodType<unknown, StartBodyInput>;

export function providerDefinition(provider: string): ClientProvider | undefined {
  return DEFAULT_PROVIDER_REGISTRY.get(provider);
}

export function supportedProviders(): string[] {
  return DEFAULT_PROVIDER_REGISTRY.names();
}
