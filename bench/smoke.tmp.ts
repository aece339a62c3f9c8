import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack } from './stack.js';
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-'));
const stack = await startStack({ dir, log: console.log });
Object.assign(process.env, stack.env);
const { connectClient } = await import('../common/temporal.js');
const { createPiiCodec } = await import('../common/codec.js');
const { parseConfig } = await import('../common/config.js');
const { runOnboarding } = await import('./driver.js');
const { jiko } = await import('./providers.js');
const { fetchHistory, shapeOf, sizeOf } = await import('./history.js');
const { client } = await connectClient();
const codec = createPiiCodec(parseConfig(process.env));
try {
  const run = await runOnboarding({ client, gatewayUrl: stack.gatewayUrl, provider: jiko, side: 'real', webhookSecret: 'x' }, 'real_1');
  console.log(run);
  const h = await fetchHistory(client, run.onboardingId);
  console.log(sizeOf(h));
  const shape = await shapeOf('jiko', h, codec);
  console.log(JSON.stringify(shape, null, 1));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path.join(dir, 'shapes', 'jiko.json'), JSON.stringify(shape));
  const run2 = await runOnboarding({ client, gatewayUrl: stack.floorGatewayUrl, provider: jiko, side: 'floor', webhookSecret: 'jiko-sandbox-webhook-secret' }, 'floor_1');
  console.log(run2);
  const h2 = await fetchHistory(client, run2.onboardingId);
  console.log(sizeOf(h2));
  for (let i = 0; i < 3; i++) {
    console.log((await runOnboarding({ client, gatewayUrl: stack.gatewayUrl, provider: jiko, side: 'real', webhookSecret: 'x' }, 'real_x' + i)).latencyMs,
    (await runOnboarding({ client, gatewayUrl: stack.floorGatewayUrl, provider: jiko, side: 'floor', webhookSecret: 'jiko-sandbox-webhook-secret' }, 'floor_x' + i)).latencyMs);
  }
} catch (e) { console.error(e); }
finally { await stack.stop(); console.log(dir); }
