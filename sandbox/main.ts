/**
 * `npm run sandbox`: serves every provider simulator on one port until SIGTERM/SIGINT.
 * Env: SANDBOX_HOST (127.0.0.1), SANDBOX_PORT (4010), SANDBOX_LOG_LEVEL (warn), plus what sandbox/README.md lists.
 */
import { startSandbox } from './core/server.js';

const host = process.env.SANDBOX_HOST ?? '127.0.0.1';
const port = Number(process.env.SANDBOX_PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`SANDBOX_PORT must be a port number, got ${process.env.SANDBOX_PORT}`);
  process.exit(78);
}
const level = process.env.SANDBOX_LOG_LEVEL ?? 'warn';

try {
  const sandbox = await startSandbox({ host, port, logger: { level } });
  console.log(`sandbox ready on ${sandbox.url} (${sandbox.providers.join(', ')})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`sandbox stopping (${signal})`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('sandbox failed to stop cleanly', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  console.error(`sandbox failed to start: ${(err as Error).message}`);
  process.exit(1);
}
