/**
 * The scripted customers, one line per provider: a new provider's customer is its file plus its line here. The
 * demo, the history recording, the bench and the e2e tests find a provider's customer through this list.
 */
import { greendotCustomer } from './greendot.js';
import { jikoCustomer } from './jiko.js';
import { linkcyCustomer } from './linkcy.js';
import { netspendCustomer } from './netspend.js';
import type { Scenario, ScriptedCustomer } from './types.js';

export const SCRIPTED_CUSTOMERS: readonly ScriptedCustomer[] = [
  greendotCustomer,
  jikoCustomer,
  linkcyCustomer,
  netspendCustomer,
];

export function scriptedCustomer(provider: string): ScriptedCustomer | undefined {
  return SCRIPTED_CUSTOMERS.find((customer) => customer.provider === provider);
}

/** The named scenario of `customer` (its default when no name is given), or undefined when it has none by that name. */
export function scenarioOf(customer: ScriptedCustomer, name = customer.defaultScenario): Scenario | undefined {
  return Object.hasOwn(customer.scenarios, name) ? customer.scenarios[name] : undefined;
}

export type * from './types.js';
