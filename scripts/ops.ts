/** `npm run ops -- <command> …`: operator commands through the gateway (client/ops/cli.ts; `npm run ops` for help). */
import { runOps } from '../client/ops/cli.js';

const code = await runOps(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
});
process.exitCode = code;
