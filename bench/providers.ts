/**
 * The providers the bench measures: every scripted customer (scripts/customers/, the same customers as the demo,
 * the history recording and the e2e tests) that says what the bench needs. Its bench scenario gives the start
 * body and the answer to each pending action (acting at once, always the first valid answer).
 */
import { providerDefinition } from '../client/registry.js';
import { SCRIPTED_CUSTOMERS, scenarioOf } from '../scripts/customers/index.js';
import type { Scenario } from '../scripts/customers/index.js';

export interface BenchProvider {
  name: string;
  /** The scripted customer's scenario measured against the floor. */
  scenario: Scenario;
}

export const BENCH_PROVIDERS: readonly BenchProvider[] = SCRIPTED_CUSTOMERS.flatMap((customer) => {
  if (!customer.bench) return [];
  const scenario = scenarioOf(customer, customer.bench.scenario);
  if (!scenario) throw new Error(`${customer.provider}: no bench scenario '${customer.bench.scenario}'`);
  return [{ name: customer.provider, scenario }];
});

/** Why a provider cannot be benchmarked yet (its workflow or client registration has not landed), or null. */
export async function missingPieces(provider: string): Promise<string | null> {
  const missing: string[] = [];
  if (!providerDefinition(provider))
    missing.push(`client/providers/index.ts has no '${provider}' entry (gateway refuses it)`);
  const workflows = (await import('../workflows/index.js')) as Record<string, unknown>;
  if (typeof workflows[`${provider}Onboarding`] !== 'function') {
    missing.push(`workflows/index.ts exports no ${provider}Onboarding`);
  }
  const queues = (await import('../workers/providers.js')).TASK_QUEUES;
  if (!queues.some((queue) => queue.name === provider))
    missing.push(`workers/providers.ts serves no '${provider}' queue`);
  return missing.length > 0 ? missing.join('; ') : null;
}
