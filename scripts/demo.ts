/**
 * `npm run demo -- <provider> [scenario]`: takes one made-up customer through the RUNNING stack (`npm start`),
 * over HTTP to the gateway, playing the customer for whatever the onboarding asks, and prints each step as the
 * onboarding reports it. Ends with the onboarding's page in the Web UI.
 *
 *   jiko approved        SSN 4…   → Jiko approves after the first apply (default)
 *   jiko documents       SSN 210… → Jiko asks for ID_FRONT, ID_BACK and a SELFIE, then approves after the re-apply
 *   netspend dda         DDA account: agreements, expected use, account activated, physical card, PIN (default)
 *   netspend gpr         GPR (prepaid) account: agreements, account activated, virtual card (active at once)
 *   netspend kyc         SSN 991… → KYC conditional, cured with the identity questions, then as dda
 */
import { loadConfig } from '../common/config.js';
import type { OnboardingStatus, PendingAction, TimelineEntry } from '../contract/onboarding.js';

interface Scenario {
  ssnPrefix: string;
  what: string;
  /** Netspend only: the account and the card the customer picks. */
  accountType?: 'DDA' | 'GPR';
  cardType?: 'physical' | 'virtual';
}

const SCENARIOS = {
  jiko: {
    approved: { ssnPrefix: '400', what: 'approved straight away' },
    documents: { ssnPrefix: '210', what: 'asked for identity documents, then approved' },
  },
  netspend: {
    dda: { ssnPrefix: '512', what: 'a DDA account with a physical card', accountType: 'DDA', cardType: 'physical' },
    gpr: { ssnPrefix: '512', what: 'a GPR account with a virtual card', accountType: 'GPR', cardType: 'virtual' },
    kyc: {
      ssnPrefix: '991',
      what: 'KYC conditional, cured with identity questions; DDA with a physical card',
      accountType: 'DDA',
      cardType: 'physical',
    },
  },
} as const satisfies Record<string, Record<string, Scenario>>;
type DemoProvider = keyof typeof SCENARIOS;
const DEFAULT_SCENARIO: Record<DemoProvider, string> = { jiko: 'approved', netspend: 'dda' };
/** Made up; the simulator refuses only weak PINs (runs, four equal digits). Never printed. */
const DEMO_PIN = '7392';

const FINAL = new Set(['completed', 'rejected', 'failed', 'cancelled', 'expired']);
/** A 1×1 PNG: the sandbox accepts any image, and nothing real should ever be sent in a demo. */
const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const config = loadConfig();
const baseUrl = config.GATEWAY_PUBLIC_URL.replace(/\/+$/, '');
const apiKey = config.GATEWAY_API_KEYS.split(',')[0]?.trim() ?? '';
const namespace = process.env.TEMPORAL_NAMESPACE || 'default';

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run demo -- jiko [approved|documents]\n       npm run demo -- netspend [dda|gpr|kyc]`,
  );
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

function applicant(scenario: Scenario) {
  return {
    name: { first: 'Ada', middle: 'K', last: 'Lovelace' },
    dateOfBirth: '1990-01-31',
    ssn: scenario.ssnPrefix + randomDigits(9 - scenario.ssnPrefix.length),
    email: 'ada@example.com',
    phone: '+15551234567',
    address: { line1: '2000 Allston Way', city: 'Berkeley', state: 'CA', postalCode: '94701', country: 'US' },
  };
}

function startBody(provider: DemoProvider, customerRef: string, scenario: Scenario) {
  if (provider === 'netspend') {
    return { provider, customerRef, applicant: applicant(scenario), netspend: { accountType: scenario.accountType } };
  }
  const now = new Date().toISOString();
  return {
    provider,
    customerRef,
    applicant: applicant(scenario),
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

interface QuestionData {
  questionId: string;
  text: string;
  answers: { answerId: string; text: string }[];
}

/** What the customer sends for a pending action, and what the demo prints about it; undefined when unknown. */
function customerMove(pending: PendingAction, scenario: Scenario): { say: string; body: unknown } | undefined {
  switch (pending.action) {
    case 'acceptAgreements': {
      if (pending.data.version !== undefined) {
        const version = String(pending.data.version);
        return { say: `customer reads the agreements (version ${version}) and accepts them`, body: { version } };
      }
      const agreements = (pending.data.agreements ?? []) as { agreementId: string; name: string; accepted: boolean }[];
      const open = agreements.filter((agreement) => !agreement.accepted);
      return {
        say: `customer reads and accepts ${open.map((agreement) => agreement.name).join(', ')}`,
        body: { agreementIds: open.map((agreement) => agreement.agreementId) },
      };
    }
    case 'uploadDocuments': {
      const requirements = (pending.data.documents ?? []) as { anyOf: string[]; received: boolean }[];
      const types = requirements.filter((r) => !r.received).map((r) => r.anyOf[0] as string);
      const documents = types.map((type) => ({ type, contentType: 'image/png', contentBase64: TINY_PNG_BASE64 }));
      return { say: `customer photographs ${types.join(', ')} and uploads them`, body: { documents } };
    }
    case 'cureKyc':
    case 'answerExpectedUse': {
      // The simulator's correct identity answers are the first of each question; any answer does for expected use.
      const questions = (pending.data.questions ?? []) as QuestionData[];
      const answers = questions.map((question) => ({
        questionId: question.questionId,
        answerId: question.answers[0]?.answerId ?? '',
      }));
      const what = pending.action === 'cureKyc' ? 'identity' : 'expected-use';
      const said = questions.map((question) => `"${question.text}" → ${question.answers[0]?.text ?? '?'}`).join('; ');
      return { say: `customer answers ${questions.length} ${what} questions: ${said}`, body: { answers } };
    }
    case 'chooseCard': {
      const brands = (pending.data.brands ?? []) as { brandName: string; displayName: string }[];
      const brand = brands[0];
      const type = scenario.cardType ?? 'virtual';
      return {
        say: `customer picks a ${type} card, ${brand?.displayName ?? brand?.brandName}${type === 'physical' ? ', mailed to their address' : ''}`,
        body: { type, brandName: brand?.brandName },
      };
    }
    case 'activateCard':
      return {
        say: 'the card arrives by mail; customer sets a PIN (four digits, not shown) to activate it',
        body: { pin: DEMO_PIN },
      };
    default:
      return undefined;
  }
}

/** Plays the customer for whatever the onboarding asks now; returns true when it acted. */
async function playCustomer(
  status: OnboardingStatus,
  onboardingPath: string,
  scenario: Scenario,
  done: Set<string>,
): Promise<boolean> {
  for (const pending of status.pendingActions) {
    const key = `${pending.action}:${JSON.stringify(pending.data)}`;
    if (done.has(key)) continue;
    const move = customerMove(pending, scenario);
    done.add(key);
    if (!move) {
      console.log(`  ↳ the onboarding asks for '${pending.action}', which this demo does not know how to do`);
      continue;
    }
    console.log(`  ↳ ${move.say}`);
    expectOk(
      pending.action,
      await api<OnboardingStatus>('POST', `${onboardingPath}/actions/${pending.action}`, move.body),
    );
    return true;
  }
  return false;
}

async function main(): Promise<void> {
  const [providerArg, scenarioArg] = process.argv.slice(2);
  if (!providerArg) usage('which provider?');
  if (!Object.hasOwn(SCENARIOS, providerArg)) usage(`the demo covers jiko and netspend, not '${providerArg}'`);
  const provider = providerArg as DemoProvider;
  const scenarios: Record<string, Scenario> = SCENARIOS[provider];
  const scenarioName = scenarioArg ?? DEFAULT_SCENARIO[provider];
  const scenario = Object.hasOwn(scenarios, scenarioName) ? scenarios[scenarioName] : undefined;
  if (!scenario) usage(`unknown ${provider} scenario '${scenarioName}'`);

  const ready = await api<{ status: string } | ErrorBody>('GET', '/readyz');
  if (ready.status !== 200) usage(`the gateway at ${baseUrl} is up but Temporal is not reachable`);

  const customerRef = `demo-${Date.now().toString(36)}`;
  const providerName = provider === 'jiko' ? 'Jiko' : 'Netspend';
  console.log(`${providerName} onboarding for customer ${customerRef}: ${scenario.what}`);
  const started = await api<OnboardingStatus | ErrorBody>(
    'POST',
    '/v1/onboardings',
    startBody(provider, customerRef, scenario),
  );
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
    if (!(await playCustomer(status, onboardingPath, scenario, acted))) await sleep(500);
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
