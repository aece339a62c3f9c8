/**
 * What `npm start` sets up against the sandbox once every process is up, as a partner would against the provider
 * (e.g. a webhook subscription signed with our secret). One line per provider that needs such a step; a failed step
 * is reported and leaves the stack running.
 */
import type { Config } from '../../common/config.js';
import { ensureSandboxJikoSubscription } from '../jiko-subscribe.js';

export interface SandboxSetupStep {
  name: string;
  /** Returns what it did, in one line for the launcher's output. */
  run(config: Config, sandboxUrl: string): Promise<string>;
}

export const SANDBOX_SETUP_STEPS: readonly SandboxSetupStep[] = [
  { name: 'jiko webhook subscription', run: ensureSandboxJikoSubscription },
];

export async function runSandboxSetup(config: Config, sandboxUrl: string, say: (line: string) => void): Promise<void> {
  for (const step of SANDBOX_SETUP_STEPS) {
    try {
      say(`✔ ${await step.run(config, sandboxUrl)}`);
    } catch (err) {
      say(`✖ ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
