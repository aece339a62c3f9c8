/**
 * The data converter every Temporal client and worker uses: the PII codec on every payload, and a failure
 * converter that moves failure messages into (encrypted) payloads. Same converter everywhere, or history written
 * by one process is unreadable by another.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { createPiiCodec } from './codec.js';
import { loadConfig, type Config } from './config.js';

/**
 * Loaded with require() by the worker, the client and the workflow bundler, hence the CommonJS twin of
 * failure-converter.ts (a .ts ESM file cannot be require()d under tsx or vitest on Node 20).
 */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

export function createDataConverter(config: Pick<Config, 'PII_KEYS'>): DataConverter {
  return { payloadCodecs: [createPiiCodec(config)], failureConverterPath };
}

/** For Client and Worker.create, from the process's config (PII_KEYS). */
export const dataConverter: DataConverter = createDataConverter(loadConfig());
