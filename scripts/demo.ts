/**
 * `npm run demo -- jiko [approved|documents]`: takes one made-up Jiko customer through the RUNNING stack
 * (`npm start`), over HTTP to the gateway, playing the customer: accepts the agreements, uploads documents when
 * Jiko asks, and prints each step as the onboarding reports it. Ends with the onboarding's page in the Web UI.
 *
 *   approved   SSN 4…  → Jiko approves after the first apply (default)
 *   documents  SSN 210… → Jiko asks for ID_FRONT, ID_BACK and a SELFIE, then approves after the re-apply
 */
import { loadConfig } from '../common/config.js';
import type { OnboardingStatus, TimelineEntry } from '../workflows/contract.js';

const SCENARIOS = {
  approved: { ssnPrefix: '400', what: 'approved straight away' },
  documents: { ssnPrefix: '210', what: 'asked for identity documents, then approved' },
} as const;
type Scenario = keyof typeof SCENARIOS;

const FINAL = new Set(['completed', 'rejected', 'failed', 'cancelled', 'expired']);
/** A 1×1 PNG: the sandbox accepts any image, and nothing real should ever be sent in a demo. */
const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const config = loadConfig();
const baseUrl = config.GATEWAY_PUBLIC_URL.replace(/\/+$/, '');
const apiKey = config.GATEWAY_API_KEYS.split(',')[0]?.trim() ?? '';
const namespace = process.env.TEMPORAL_NAMESPACE || 'default';

function usage(message: string): never {
  console.error(`${message}\nusage: npm run demo -- jiko [approved|documents]`);
  process.exit(64);
}

interface ErrorBody {
  error: { code: string; message: string };
}

async function api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
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
  return { status: response.status, body: (await response.json()) as T };
}

function expectOk<T>(what: string, result: { status: number; body: T | ErrorBody }): T {
  if (result.status >= 300) {
    const error = (result.body as ErrorBody).error;
    console.error(`✗ ${what}: HTTP ${result.status} ${error?.code}: ${error?.message}`);
    process.exit(1);
  }
  return result.body as T;
}

const time = (iso: string) => iso.slice(11, 19);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function randomDigits(count: number): string {
  return Array.from({ length: count }, () => Math.floor(Math.random() * 10)).join('');
}

function startBody(customerRef: string, scenario: Scenario) {
  const now = new Date().toISOString();
  return {
    provider: 'jiko',
    customerRef,
    applicant: {
      name: { first: 'Ada', middle: 'K', last: 'Lovelace' },
      dateOfBirth: '1990-01-31',
      ssn: SCENARIOS[scenario].ssnPrefix + randomDigits(6),
      email: 'ada@example.com',
      phone: '+15551234567',
      address: { line1: '2000 Allston Way', city: 'Berkeley', state: 'CA', postalCode: '94701', country: 'US' },
    },
    jiko: {
      investmentProfile: {
        employmentStatus: 'EMPLOYED',
        income: 'BETWEEN_50K_AND_100K',
        netWorth: 'BELOW_50K',
        occupation: 'Engineer',
      },
      contactVerification: { phoneVerifiedAt: now, emailVerifiedAt: now },
    },
  };
}

/** Plays the customer for whatever the onboarding asks now; returns true when it acted. */
async function playCustomer(status: OnboardingStatus, onboardingPath: string, done: Set<string>): Promise<boolean> {
  for (const pending of status.pendingActions) {
    const key = `${pending.action}:${JSON.stringify(pending.data)}`;
    if (done.has(key)) continue;
    if (pending.action === 'acceptAgreements') {
      const version = String(pending.data.version);
      console.log(`  ↳ customer reads the agreements (version ${version}) and accepts them`);
      expectOk(
        'accept agreements',
        await api<OnboardingStatus>('POST', `${onboardingPath}/actions/acceptAgreements`, { version }),
      );
    } else if (pending.action === 'uploadDocuments') {
      const requirements = (pending.data.documents ?? []) as { anyOf: string[]; received: boolean }[];
      const types = requirements.filter((r) => !r.received).map((r) => r.anyOf[0] as string);
      console.log(`  ↳ customer photographs ${types.join(', ')} and uploads them`);
      const documents = types.map((type) => ({ type, contentType: 'image/png', contentBase64: TINY_PNG_BASE64 }));
      expectOk(
        'upload documents',
        await api<OnboardingStatus>('POST', `${onboardingPath}/actions/uploadDocuments`, { documents }),
      );
    } else {
      console.log(`  ↳ the onboarding asks for '${pending.action}', which this demo does not know how to do`);
      continue;
    }
    done.add(key);
    return true;
  }
  return false;
}

async function main(): Promise<void> {
  const [provider, scenarioArg = 'approved'] = process.argv.slice(2);
  if (provider !== 'jiko') usage(provider ? `the demo covers jiko only, not '${provider}'` : 'which provider?');
  if (!(scenarioArg in SCENARIOS)) usage(`unknown scenario '${scenarioArg}'`);
  const scenario = scenarioArg as Scenario;

  const ready = await api<{ status: string } | ErrorBody>('GET', '/readyz');
  if (ready.status !== 200) usage(`the gateway at ${baseUrl} is up but Temporal is not reachable`);

  const customerRef = `demo-${Date.now().toString(36)}`;
  console.log(`Jiko onboarding for customer ${customerRef}: ${SCENARIOS[scenario].what}`);
  const started = await api<OnboardingStatus | ErrorBody>('POST', '/v1/onboardings', startBody(customerRef, scenario));
  const first = expectOk('start', started);
  const onboardingPath = `/v1/onboardings/${encodeURIComponent(first.onboardingId)}`;
  console.log(`✓ started ${first.onboardingId} (HTTP ${started.status})`);

  const acted = new Set<string>();
  let printed = 0;
  let lastHeadline = '';
  const deadline = Date.now() + 5 * 60_000;
  let status = first;
  for (;;) {
    status = expectOk('status', await api<OnboardingStatus>('GET', onboardingPath));
    const timeline: TimelineEntry[] = status.timeline;
    for (const entry of timeline.slice(printed)) {
      console.log(`  ${time(entry.at)} [${entry.actor}] ${entry.what}${entry.why ? ` (${entry.why})` : ''}`);
    }
    printed = timeline.length;
    const headline = `${status.state} · step ${status.step}${status.blockedOn ? ` · waiting on ${status.blockedOn}` : ''}`;
    if (headline !== lastHeadline) {
      console.log(`→ ${headline}`);
      lastHeadline = headline;
    }
    if (FINAL.has(status.state)) break;
    if (Date.now() > deadline) {
      console.log('… still not finished after 5 minutes; it keeps running in Temporal.');
      break;
    }
    if (!(await playCustomer(status, onboardingPath, acted))) await sleep(500);
  }

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
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
