/**
 * One provider, one place per layer: no shared mechanism names a provider. Every provider of the registries is
 * looked for, case-insensitively, in the shared files; only registries and per-provider files may name one.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_PROVIDERS } from '../../client/providers/index.js';
import { OUTBOUND_TASK_QUEUE } from '../../contract/outbound.js';
import { TASK_QUEUES } from '../../workers/providers.js';
import { projectRoot } from '../helpers/temporal.js';

/** Where shared mechanisms live: every file under these, except the registries and per-provider files below. */
const SHARED = [
  'client',
  'common',
  'contract',
  'workflows/shared',
  'activities/http',
  'activities/webhooks',
  'workers',
];
const REGISTRIES = new Set([
  'client/providers/index.ts',
  'common/config-fragments/index.ts',
  'workers/providers.ts',
  'workflows/index.ts',
]);

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(projectRoot, folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(projectRoot, path.join(entry.parentPath, entry.name)));
}

describe('provider knowledge', () => {
  const providers = CLIENT_PROVIDERS.map((definition) => definition.provider);

  it('every client provider has a task queue, and the other way round', () => {
    const shared = new Set(['webhooks', OUTBOUND_TASK_QUEUE]);
    const queues = TASK_QUEUES.map((queue) => queue.name).filter((name) => !shared.has(name));
    expect([...queues].sort()).toEqual([...providers].sort());
  });

  it('sits only in registries and per-provider files', async () => {
    const files = (await Promise.all(SHARED.map(filesUnder))).flat();
    const offenders: string[] = [];
    for (const file of files) {
      if (REGISTRIES.has(file)) continue;
      const text = (await readFile(path.join(projectRoot, file), 'utf8')).toLowerCase();
      for (const provider of providers) {
        // A per-provider file is named after its provider (client/providers/jiko.ts, common/config-fragments/jiko.ts).
        if (path.basename(file, '.ts') === provider) continue;
        if (text.includes(provider)) offenders.push(`${file} names ${provider}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
