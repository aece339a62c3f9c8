/**
 * `npm run gateway`: the HTTP gateway on GATEWAY_HOST:GATEWAY_PORT. SIGTERM/SIGINT stop accepting requests, let
 * the ones in flight finish, then close the Temporal connection.
 */
import { loadConfig } from '../../common/config.js';
import { createPiiCodec } from '../../common/codec.js';
import { DocumentStore } from '../../common/documents.js';
import { createLogger } from '../../common/log.js';
import { connectClient, describeTarget } from '../../common/temporal.js';
import { GATEWAY_SERVICE_NAME, startTracing } from '../../common/tracing.js';
import { OnboardingClient } from '../onboarding-client.js';
import { buildGateway } from './app.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('gateway');
  // Before the Temporal client is made: it picks the tracer up then. Off unless OTEL_* asks for it.
  const tracing = startTracing(GATEWAY_SERVICE_NAME);
  if (tracing) log.info('tracing on', { serviceName: tracing.serviceName });
  const { client, target, close } = await connectClient();
  const onboarding = new OnboardingClient({ client, config, documents: DocumentStore.fromConfig(config) });
  const app = await buildGateway({ onboarding, config, codec: createPiiCodec(config), logger: log });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    app
      .close()
      .then(close)
      .then(() => tracing?.shutdown())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error('shutdown failed', { error: err });
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  await app.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.GATEWAY_PORT;
  // The launcher (scripts/start.ts) waits for this line on stdout.
  console.log(`gateway ready on http://${config.GATEWAY_HOST}:${port} (Temporal ${describeTarget(target)})`);
}

main().catch((err: unknown) => {
  console.error('gateway failed to start:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
