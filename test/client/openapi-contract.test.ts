/**
 * The published contract: /openapi.json lints clean with Redocly (test/openapi/redocly.yaml), a client generated
 * from it with openapi-typescript compiles under strict tsc, and it refuses one action's body on another's path.
 * Every error code the source can emit is in the document's enum.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../client/errors.js';
import { buildOpenApiDocument } from '../../client/gateway/openapi.js';
import { DEFAULT_PROVIDER_REGISTRY, ProviderRegistry } from '../../client/registry.js';
import type { ClientProvider, ProviderAction } from '../../client/provider-definition.js';

const root = resolve(import.meta.dirname, '../..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
const document = buildOpenApiDocument({ serverUrl: 'http://localhost:8080', providers: DEFAULT_PROVIDER_REGISTRY });
// Under the repository (in .data, ignored by git) so the snippets resolve openapi-fetch from its node_modules.
let dir: string;

function run(command: string, args: string[], cwd = dir): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  mkdirSync(join(root, '.data'), { recursive: true });
  dir = mkdtempSync(join(root, '.data', 'openapi-contract-'));
  writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document, null, 2));
  for (const file of ['redocly.yaml', '.redocly.lint-ignore.yaml']) {
    copyFileSync(join(root, 'test', 'openapi', file), join(dir, file));
  }
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('lints with Redocly (recommended-strict) without a problem', () => {
    const { status, output } = run(bin('redocly'), ['lint', 'openapi.json', '--config', 'redocly.yaml']);
    expect(output).toContain('Your API description is valid');
    expect(output).not.toMatch(/\d+ warnings?/);
    expect(status).toBe(0);
  });

  it('lists every error code the library and the gateway can emit', () => {
    const schemas = (document.components as { schemas: Record<string, { properties: Record<string, unknown> }> })
      .schemas;
    const error = schemas.Error?.properties.error as { properties: { code: { enum: string[] } } };
    expect(error.properties.code.enum).toEqual([...ERROR_CODES]);
    // The types already refuse a code missing from ERROR_CODES; this also catches a code passed as a variable.
    const emitted = new Set<string>();
    const scan = (path: string): void => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        const full = join(path, entry.name);
        if (entry.isDirectory()) scan(full);
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(full, 'utf8');
          for (const match of text.matchAll(/(?:super|new OnboardingError|sendError)\([^)]*?(\d{3}),\s*'([a-z_]+)'/g)) {
            emitted.add(match[2] as string);
          }
        }
      }
    };
    scan(join(root, 'client'));
    expect(emitted.size).toBeGreaterThan(15);
    expect([...emitted].filter((code) => !(ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });

  it('types the data of every pending action, those done at the provider included (Linkcy KYC page, email link)', () => {
    const schemas = (document.components as { schemas: Record<string, { discriminator?: { mapping: object } }> })
      .schemas;
    expect(Object.keys(schemas.LinkcyPendingAction?.discriminator?.mapping ?? {}).sort()).toEqual(
      ['acceptTerms', 'completeKyc', 'verifyEmail', 'verifyPhone'].sort(),
    );
    expect(schemas.LinkcyCompleteKycActionData).toBeDefined();
    // No route for what the customer does at the provider.
    expect(Object.keys(document.paths as object).some((route) => route.endsWith('/actions/completeKyc'))).toBe(false);
  });

  it('gives every operation an operationId, unique', () => {
    const ids = Object.values(document.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(
      (item) => Object.values(item).map((operation) => operation.operationId),
    );
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('a provider that publishes no pending-action data', () => {
  it('still gets its typed action paths, and its pending actions are the untyped PendingAction', () => {
    const withoutData = ({ actionsElsewhere: _elsewhere, ...definition }: ClientProvider): ClientProvider => ({
      ...definition,
      actions: Object.fromEntries(
        Object.entries(definition.actions).map(([name, action]): [string, ProviderAction] => {
          const { dataSchema: _dataSchema, ...rest } = action;
          return [name, rest];
        }),
      ),
    });
    const registry = new ProviderRegistry(DEFAULT_PROVIDER_REGISTRY.definitions.map(withoutData));
    const bare = buildOpenApiDocument({ serverUrl: 'http://localhost:8080', providers: registry });
    const text = JSON.stringify(bare);
    const schemas = (bare.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(bare.paths as object)).toContain('/v1/providers/jiko/onboardings/{id}/actions/acceptAgreements');
    expect(schemas.PendingActionItem).toEqual({
      description: expect.any(String),
      anyOf: [{ $ref: '#/components/schemas/PendingAction' }],
    });
    expect(schemas.JikoPendingAction).toBeUndefined();
    // Every reference resolves.
    for (const [, target] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(schemas[target as string], target).toBeDefined();
    }
  });
});

describe('a client generated with openapi-typescript', () => {
  const tsc = (file: string) =>
    run(bin('tsc'), [
      '--noEmit',
      '--strict',
      '--exactOptionalPropertyTypes',
      '--noUncheckedIndexedAccess',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--lib',
      'es2022,dom',
      file,
    ]);

  beforeAll(() => {
    // In a directory of its own: openapi-typescript would otherwise apply redocly.yaml without its ignore file.
    const gen = join(dir, 'gen');
    mkdirSync(gen);
    const generated = run(bin('openapi-typescript'), ['../openapi.json', '-o', '../schema.d.ts'], gen);
    expect(generated.status, generated.output).toBe(0);
  });

  it('compiles a valid body sent to a typed action path, and narrows pending-action data', () => {
    writeFileSync(
      join(dir, 'valid.ts'),
      `import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

const client = createClient<paths>({ baseUrl: 'http://gateway', headers: { authorization: 'Bearer k' } });
type ErrorCode = components['schemas']['Error']['error']['code'];

export async function accept(id: string): Promise<string> {
  const { data, error } = await client.POST('/v1/providers/jiko/onboardings/{id}/actions/acceptAgreements', {
    params: { path: { id }, header: { 'Idempotency-Key': 'k-1' } },
    body: { version: '2024-06-01' },
  });
  if (error) {
    const code: ErrorCode = error.error.code;
    return code;
  }
  return data.state;
}

export async function pin(id: string): Promise<void> {
  await client.POST('/v1/providers/netspend/onboardings/{id}/actions/activateCard', {
    params: { path: { id } },
    body: { pin: '1234' },
  });
}

export function versionToShow(pending: components['schemas']['JikoPendingAction']): string | undefined {
  return pending.action === 'acceptAgreements' ? pending.data.version : pending.data.documents[0]?.anyOf[0];
}
`,
    );
    const { status, output } = tsc('valid.ts');
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it("does not compile Netspend's {pin} sent to Jiko's acceptAgreements path", () => {
    writeFileSync(
      join(dir, 'wrong-body.ts'),
      `import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const client = createClient<paths>({ baseUrl: 'http://gateway' });
export const sent = client.POST('/v1/providers/jiko/onboardings/{id}/actions/acceptAgreements', {
  params: { path: { id: 'onboarding:jiko:c1' } },
  body: { pin: '1234' },
});
`,
    );
    const { status, output } = tsc('wrong-body.ts');
    expect(status).not.toBe(0);
    expect(output).toMatch(/wrong-body\.ts\(7,/);
    expect(output).toMatch(/pin/);
  });
});
