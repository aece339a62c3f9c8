/**
 * `npm run demo -- <provider> [scenario]`: takes one made-up customer through the RUNNING stack (`npm start`),
 * over HTTP to the gateway, playing the customer for whatever the onboarding asks, and prints each step as the
 * onboarding reports it. Ends with the onboarding's page in the Web UI.
 *
 * The customer and its scenarios are the scripted customers of scripts/customers/ (the same ones the history
 * recording, the bench and the e2e tests play), each scenario choosing its outcome through the sandbox's controls
 * (e.g. `npm run demo -- jiko documents`: an SSN 210… makes Jiko ask for identity documents). `npm run demo` alone
 * lists every provider and scenario, with what happens in each.
 */
import { loadConfig } from '../common/config.js';
import { firstApiKey } from '../common/api-keys.js';
import type { OnboardingStatus } from '../contract/onboarding.js';
import { drive, GatewayCallError } from './customers/drive.js';
import type { GatewayCall } from './customers/drive.js';
import { SCRIPTED_CUSTOMERS, scenarioOf, scriptedCustomer } from './customers/index.js';

const config = loadConfig();
const baseUrl = config.GATEWAY_PUBLIC_URL.replace(/\/+$/, '');
const apiKey = firstApiKey(config.GATEWAY_API_KEYS);
const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
const TIMEOUT_MS = 5 * 60_000;

function usage(message: string): never {
  const lines = SCRIPTED_CUSTOMERS.flatMap((customer) =>
    Object.entries(customer.scenarios).map(
      ([name, scenario]) =>
        `  npm run demo -- ${customer.provider} ${name}${name === customer.defaultScenario ? ' (default)' : ''}: ${scenario.what}`,
    ),
  );
  console.error(`${message}\nusage: npm run demo -- <provider> [scenario]\n${lines.join('\n')}`);
  process.exit(64);
}

const call: GatewayCall = async (method, route, body) => {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    console.error(`Cannot reach the gateway at ${baseUrl} (${String(err)}). Is the stack running? Try: npm start`);
    process.exit(69);
  }
  return { status: response.status, body: (await response.json()) as unknown };
};

const time = (iso: string) => iso.slice(11, 19);

async function main(): Promise<void> {
  const [providerArg, scenarioArg] = process.argv.slice(2);
  if (!providerArg) usage('which provider?');
  const customer = scriptedCustomer(providerArg);
  if (!customer) usage(`no scripted customer for '${providerArg}'`);
  const scenario = scenarioOf(customer, scenarioArg);
  if (!scenario) usage(`unknown ${customer.provider} scenario '${scenarioArg}'`);

  const ready = await call('GET', '/readyz');
  if (ready.status !== 200) usage(`the gateway at ${baseUrl} is up but Temporal is not reachable`);

  const customerRef = `demo-${Date.now().toString(36)}`;
  console.log(`${customer.displayName} onboarding for customer ${customerRef}: ${scenario.what}`);
  const started = await call('POST', '/v1/onboardings', scenario.startBody(customerRef));
  if (started.status >= 300) throw new GatewayCallError('start', started.status, started.body);
  const { onboardingId } = started.body as OnboardingStatus;
  console.log(`✓ started ${onboardingId} (HTTP ${started.status})`);

  let printed = 0;
  let lastHeadline = '';
  const { status, finished } = await drive({
    call,
    onboardingId,
    scenario,
    pollMs: 500,
    timeoutMs: TIMEOUT_MS,
    onStatus: (status) => {
      for (const entry of status.timeline.slice(printed)) {
        console.log(`  ${time(entry.at)} [${entry.actor}] ${entry.what}${entry.why ? ` (${entry.why})` : ''}`);
      }
      printed = status.timeline.length;
      const headline = `${status.state} · step ${status.step}${status.blockedOn ? ` · waiting on ${status.blockedOn}` : ''}`;
      if (headline !== lastHeadline) {
        console.log(`→ ${headline}`);
        lastHeadline = headline;
      }
    },
    // `say` only: the body may hold the made-up PIN, which is never printed.
    onMove: (move) =>
      console.log(
        `  ↳ ${move.kind === 'answer' ? move.answer.say : move.kind === 'elsewhere' ? move.move.say : `customer cancels: ${move.reason}`}`,
      ),
    onUnanswered: (pending) =>
      console.log(`  ↳ the onboarding asks for '${pending.action}', which this demo does not know how to do`),
  });
  if (!finished)
    console.log(`… still not finished after ${TIMEOUT_MS / 60_000} minutes; it keeps running in Temporal.`);

  const ids = Object.entries(status.result)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  console.log(`\n${status.state === 'completed' ? '✓' : '✗'} ${status.state}${ids ? `: ${ids}` : ''}`);
  const uiBase = config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  console.log(
    `Web UI: ${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(status.onboardingId)}`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof GatewayCallError) {
    console.error(`✗ ${err.message}`);
    process.exit(1);
  }
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
