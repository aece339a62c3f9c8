/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: every variable our services are given
 * is one they read, every required one is set, ports agree with the variables, the search attributes are ours, and
 * the entry files exist.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../common/config.js';
import { SEARCH_ATTRIBUTES } from '../../contract/onboarding.js';
import { projectRoot } from '../helpers/temporal.js';
import { temporalConfigEnv, temporalServiceArgs } from '../../scripts/cluster/temporal-services.js';
import type { TemporalPorts } from '../../scripts/cluster/temporal-services.js';
import { TEMPORAL_CONFIG_DIR, TEMPORAL_SERVER_BIN } from '../../scripts/cluster/tools.js';

interface Service {
  image?: string;
  entrypoint?: string[] | string;
  volumes?: string[];
  build?: string | { context: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
}

const compose = parse(readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const dockerfile = readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
const services = compose.services;
const appServices = Object.entries(services).filter(([, service]) => service.build !== undefined);

/** The Temporal connection variables @temporalio/envconfig reads (common/temporal.ts). */
const TEMPORAL_CONNECTION_VARIABLES = new Set([
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
]);
const configKeys = new Set(Object.keys(configSchema.shape));

function sourceText(dir: string): string {
  return readdirSync(path.join(projectRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(path.join(projectRoot, dir, file), 'utf8'))
    .join('\n');
}
const sandboxSource = sourceText('sandbox');

/** The value compose would pass, for plain values and `${VAR:-default}` / `${VAR:?message}` forms. */
function effectiveValue(value: string | number | boolean): string | undefined {
  const text = String(value);
  const withDefault = /^\$\{\w+:-(.*)\}$/.exec(text);
  if (withDefault) return withDefault[1];
  if (/^\$\{\w+:\?.*\}$/.test(text)) return undefined; // required from the user's shell: compose refuses to start without it
  return text;
}

function entryFiles(service: Service): string[] {
  const command = Array.isArray(service.command) ? service.command : service.command ? [service.command] : [];
  return command.filter((part) => part.endsWith('.js') || part.endsWith('.ts'));
}

describe('docker-compose.yml', () => {
  it('runs Temporal on PostgreSQL, the Web UI, and our worker, gateway and sandbox', () => {
    expect(services.postgresql?.image).toMatch(/^postgres:/);
    expect(services.temporal?.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
    expect(appServices.map(([name]) => name).sort()).toEqual(['gateway', 'sandbox', 'worker']);
  });

  it.each(appServices)('%s is given only variables it reads', (name, service) => {
    for (const variable of Object.keys(service.environment ?? {})) {
      const known =
        configKeys.has(variable) ||
        TEMPORAL_CONNECTION_VARIABLES.has(variable) ||
        (name === 'sandbox' && sandboxSource.includes(variable));
      expect(known, `${name}: ${variable} is neither in common/config.ts nor read by ${name}`).toBe(true);
    }
  });

  it.each(appServices.filter(([name]) => name !== 'sandbox'))(
    '%s: every variable passes the config schema and every required one is set',
    (name, service) => {
      const environment = service.environment ?? {};
      for (const [key, schema] of Object.entries(configSchema.shape)) {
        const required = !schema.safeParse(undefined).success;
        if (required) expect(environment[key], `${name} must set ${key}`).toBeDefined();
        const raw = environment[key];
        if (raw === undefined) continue;
        const value = effectiveValue(raw);
        if (value === undefined) continue;
        const parsed = schema.safeParse(value);
        expect(parsed.success, `${name}: ${key}=${value} is rejected by the config schema`).toBe(true);
      }
    },
  );

  it('publishes each service on the port its variables name', () => {
    const containerPorts = (service: Service | undefined): number[] =>
      (service?.ports ?? []).map((mapping) => Number(String(mapping).split(':').at(-1)));
    const hostPorts = (service: Service | undefined): number[] =>
      (service?.ports ?? []).map((mapping) => Number(String(mapping).split(':')[0]));
    expect(containerPorts(services.gateway)).toContain(Number(services.gateway?.environment?.GATEWAY_PORT));
    expect(containerPorts(services.sandbox)).toContain(Number(services.sandbox?.environment?.SANDBOX_PORT));
    expect(containerPorts(services.worker)).toContain(Number(services.worker?.environment?.WORKER_METRICS_PORT));
    expect(services.gateway?.environment?.GATEWAY_HOST).toBe('0.0.0.0');
    expect(services.sandbox?.environment?.SANDBOX_HOST).toBe('0.0.0.0');
    expect(services.worker?.environment?.WORKER_METRICS_HOST).toBe('0.0.0.0');
    // Same host ports as `npm start`.
    expect(hostPorts(services.temporal)).toContain(7233);
    expect(hostPorts(services['temporal-ui'])).toContain(8233);
    expect(hostPorts(services.gateway)).toContain(3000);
    expect(hostPorts(services.sandbox)).toContain(4010);
    expect(hostPorts(services.worker)).toContain(9464);
  });

  it('points the app at the compose services and the Web UI at the gateway codec endpoint', () => {
    const gateway = services.gateway?.environment ?? {};
    const worker = services.worker?.environment ?? {};
    const temporalPort = Number(String(services.temporal?.ports?.[0]).split(':').at(-1));
    expect(worker.TEMPORAL_ADDRESS).toBe(`temporal:${temporalPort}`);
    expect(gateway.TEMPORAL_ADDRESS).toBe(`temporal:${temporalPort}`);
    expect(String(worker.JIKO_BASE_URL)).toMatch(
      new RegExp(`^http://sandbox:${services.sandbox?.environment?.SANDBOX_PORT}/`),
    );
    expect(services['temporal-ui']?.environment?.TEMPORAL_CODEC_ENDPOINT).toBe(`${gateway.GATEWAY_PUBLIC_URL}/codec`);
    const uiHostPort = String(services['temporal-ui']?.ports?.[0]).split(':')[0];
    expect(gateway.TEMPORAL_UI_URL).toBe(`http://localhost:${uiHostPort}`);
    expect(services.sandbox?.environment?.SANDBOX_WEBHOOK_BASE_URL).toBe(`http://gateway:${gateway.GATEWAY_PORT}`);
    // Gateway and worker share the document store and webhook inbox.
    expect(worker.DOCUMENT_STORE_DIR).toBe(gateway.DOCUMENT_STORE_DIR);
    expect(worker.WEBHOOK_INBOX_DIR).toBe(gateway.WEBHOOK_INBOX_DIR);
  });

  it('registers exactly our search attributes', () => {
    const declared = String(services['temporal-init']?.environment?.SEARCH_ATTRIBUTES ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => pair.split('='));
    expect(Object.fromEntries(declared)).toEqual(SEARCH_ATTRIBUTES);
  });
});

/** The folder compose mounts scripts/cluster/temporal at, in `service`. */
function clusterConfigMount(service: Service | undefined): string | undefined {
  const mount = (service?.volumes ?? []).find((volume) => volume.startsWith('./scripts/cluster/temporal:'));
  return mount?.split(':')[1];
}

const template = readFileSync(path.join(TEMPORAL_CONFIG_DIR, 'onboarding.yaml'), 'utf8');
const templateVariables = new Set([...template.matchAll(/env "(\w+)"/g)].map((match) => match[1]));
const serverVersion = /^TEMPORAL_SERVER_VERSION=v(\S+)$/m.exec(
  readFileSync(path.join(projectRoot, 'scripts', 'cluster', 'build-server.sh'), 'utf8'),
)?.[1];
const examplePorts: TemporalPorts = {
  frontend: { grpc: 17233, membership: 16933, http: 17243 },
  history: { grpc: 17234, membership: 16934 },
  matching: { grpc: 17235, membership: 16935 },
  worker: { grpc: 17239, membership: 16939 },
};

describe('docker-compose.yml and npm run cluster: one Temporal setup', () => {
  it('run the release the cluster builds, in the server, the schema tool and the init images', () => {
    expect(serverVersion).toMatch(/^\d+\.\d+\.\d+$/);
    for (const name of ['temporal', 'temporal-schema', 'temporal-init']) {
      expect(services[name]?.image, name).toMatch(new RegExp(`:${serverVersion?.replaceAll('.', '\\.')}$`));
    }
  });

  it("start the server on the cluster's own config folder, with the command the cluster runs per service", () => {
    const temporal = services.temporal;
    const mount = clusterConfigMount(temporal);
    expect(mount, 'the temporal service mounts ./scripts/cluster/temporal').toBeDefined();
    expect(temporal?.entrypoint).toEqual(['temporal-server']);
    // The cluster's command line for one service, minus `--service <name>`: compose runs all four in one process.
    expect(temporal?.command).toEqual(temporalServiceArgs('frontend', mount).slice(0, -2));
    expect(temporal?.environment?.TEMPORAL_DYNAMIC_CONFIG_FILE).toBe(`${mount}/dynamicconfig.yaml`);
  });

  it('give the server config only variables it reads, and the cluster sets every one', () => {
    const composeVariables = Object.keys(services.temporal?.environment ?? {});
    for (const variable of composeVariables) expect(templateVariables, variable).toContain(variable);
    const clusterVariables = Object.keys(temporalConfigEnv(examplePorts, 15432, 'warn')).sort();
    expect(clusterVariables).toEqual([...templateVariables].sort());
    expect(templateVariables.size).toBeGreaterThan(10);
  });

  it('set up the schema with the same script, from the same release', () => {
    const schema = services['temporal-schema'];
    const mount = clusterConfigMount(schema);
    expect(schema?.entrypoint).toEqual(['/bin/sh', `${mount}/schema.sh`]);
    expect(schema?.environment?.SCHEMA_DIR).toMatch(/\/schema\/postgresql\/v12$/);
    const script = readFileSync(path.join(TEMPORAL_CONFIG_DIR, 'schema.sh'), 'utf8');
    expect(script).toMatch(/setup-schema -v 0\.0/);
    expect(script).toMatch(/update-schema -d "\$SCHEMA_DIR\/\$dir\/versioned"/);
    // The variables the script reads are the ones compose gives it.
    for (const variable of Object.keys(schema?.environment ?? {})) expect(script).toContain(`\${${variable}:=`);
  });

  it.skipIf(!existsSync(TEMPORAL_SERVER_BIN))(
    'render to a config the server accepts, with compose values and with the cluster values',
    () => {
      const render = (env: NodeJS.ProcessEnv): string =>
        execFileSync(TEMPORAL_SERVER_BIN, ['--config', TEMPORAL_CONFIG_DIR, '--env', 'onboarding', 'render-config'], {
          env: { PATH: process.env.PATH, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
          encoding: 'utf8',
        });
      const composeEnv = Object.fromEntries(
        Object.entries(services.temporal?.environment ?? {}).map(([key, value]) => [key, String(value)]),
      );
      const fromCompose = render(composeEnv);
      expect(fromCompose).toMatch(/ConnectAddr: postgresql:5432/i);
      expect(fromCompose).toMatch(/BindOnIP: 0\.0\.0\.0/i);
      const fromCluster = render(temporalConfigEnv(examplePorts, 15432, 'warn'));
      expect(fromCluster).toMatch(/ConnectAddr: 127\.0\.0\.1:15432/i);
      expect(fromCluster).toMatch(/GRPCPort: 17234/i);
    },
  );
});

describe('Dockerfile', () => {
  it('runs the compiled entry files under node (not tsx) from a node 20 image', () => {
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/RUN npm install --omit=dev --no-save/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node"/m);
    expect(dockerfile).not.toMatch(/^ENTRYPOINT .*tsx/m);
  });

  it('names only entry files that exist, in its CMD and in every compose command', () => {
    const defaultCommand = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    const entries = [...defaultCommand, ...appServices.flatMap(([, service]) => entryFiles(service))];
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const entry of entries) {
      expect(entry, 'production runs compiled code').toMatch(/^dist\/.*\.js$/);
      // dist/ is what `npm run build` makes of the sources: dist/<path>.js comes from <path>.ts.
      const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(path.join(projectRoot, source)), `${source} is missing`).toBe(true);
    }
  });

  it('does not copy local state or tools into the image', () => {
    const ignored = readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.tools', '.data', '.git']) expect(ignored).toContain(entry);
  });
});
