/**
 * Writes the gateway's /openapi.json (default registry) to a file, without a running gateway or Temporal:
 * `tsx scripts/openapi-document.ts openapi.json`, then `npx redocly lint openapi.json` or `npx openapi-typescript`.
 */
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../client/gateway/openapi.js';
import { DEFAULT_PROVIDER_REGISTRY } from '../client/registry.js';

const out = process.argv[2] ?? 'openapi.json';
const serverUrl = process.env.GATEWAY_PUBLIC_URL ?? 'http://localhost:8080';
const document = buildOpenApiDocument({ serverUrl, providers: DEFAULT_PROVIDER_REGISTRY });
writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
