/**
 * The chaos run's customers: N onboardings per provider through the gateway(s), each played by the provider's
 * scripted customer (scripts/customers/) with a person of its own (so the PII scan knows exactly what to look for),
 * tolerant of the faults the run injects: a 5xx or a refused connection is counted and the call tried again (on the
 * next gateway when there are several); an action whose answer was lost is sent again if it is still asked.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { FINAL_STATES } from '../contract/onboarding.js';
import type { OnboardingStatus, PendingAction } from '../contract/onboarding.js';
import { scenarioOf, scriptedCustomer } from '../scripts/customers/index.js';
import type { Scenario, StartBody } from '../scripts/customers/index.js';
import type { ChaosStack } from './stack.js';

export type LoadSpec = Record<string, number>;

/** What the PII scan looks for: every personal value and secret this run's customers sent. */
export interface PiiMarks {
  kind: 'ssn' | 'dateOfBirth' | 'name' | 'email' | 'phone' | 'pin';
  value: string;
}

export interface OnboardingOutcome {
  onboardingId: string;
  provider: string;
  /** The final state, or 'unfinished' when the run's deadline passed first. */
  state: string;
  result: Record<string, unknown> | null;
  error?: string;
}

export interface LoadRun {
  outcomes: OnboardingOutcome[];
  http5xx: number;
  /** "503 GET /v1/onboardings/:id temporal_unavailable" → count. */
  http5xxBy: Record<string, number>;
  /** Calls that got no HTTP answer at all (connection refused or reset, timeout). */
  unreachable: number;
  durationMs: number;
}

export interface LoadOptions {
  label: string;
  deadlineMs: number;
  /** Filled with every personal value and secret sent. */
  marks: PiiMarks[];
  log: (line: string) => void;
}

const runId = randomBytes(3).toString('hex');
const letters = (seed: Buffer, length: number): string =>
  Array.from(seed.subarray(0, length), (byte) => String.fromCharCode(97 + (byte % 26))).join('');

/** A made-up person of its own per onboarding: rare names, a dated birthday, a unique email and 555 phone. */
function personFor(customerRef: string): NonNullable<Parameters<Scenario['startBody']>[1]>['person'] {
  const seed = randomBytes(16);
  const first = `Qz${letters(seed, 6)}`;
  const last = `Vx${letters(seed.subarray(6), 7)}`;
  const year = 1950 + ((seed[13] ?? 0) % 50);
  const month = String(1 + ((seed[14] ?? 0) % 12)).padStart(2, '0');
  const day = String(1 + ((seed[15] ?? 0) % 28)).padStart(2, '0');
  return {
    name: { first: first[0]?.toUpperCase() + first.slice(1), last },
    dateOfBirth: `${year}-${month}-${day}`,
    email: `${customerRef.replace(/[^a-z0-9]/gi, '').toLowerCase()}@example.com`,
    phone: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
  };
}

function marksOf(body: StartBody): PiiMarks[] {
  const applicant = body.applicant as Partial<StartBody['applicant']>;
  const marks: PiiMarks[] = [];
  if (applicant.ssn) marks.push({ kind: 'ssn', value: applicant.ssn });
  if (applicant.dateOfBirth) marks.push({ kind: 'dateOfBirth', value: applicant.dateOfBirth });
  if (applicant.name?.first) marks.push({ kind: 'name', value: applicant.name.first });
  if (applicant.name?.last) marks.push({ kind: 'name', value: applicant.name.last });
  if (applicant.email) marks.push({ kind: 'email', value: applicant.email });
  if (applicant.phone) marks.push({ kind: 'phone', value: applicant.phone });
  return marks;
}

/** Secrets among an answer's fields (a card PIN): keys that say so. */
function secretsIn(body: Record<string, unknown>): PiiMarks[] {
  return Object.entries(body)
    .filter(([key, value]) => /pin/i.test(key) && typeof value === 'string' && value.length >= 4)
    .map(([, value]) => ({ kind: 'pin', value: String(value) }));
}

class Gateways {
  http5xx = 0;
  http5xxBy: Record<string, number> = {};
  unreachable = 0;
  private next = 0;
  constructor(private readonly stack: ChaosStack) {}

  /** One call, tried again on a 5xx or no answer (on the next gateway), until `deadline`. */
  async call(
    method: string,
    route: string,
    deadline: number,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    for (;;) {
      const urls = this.stack.gatewayUrls;
      const url = urls[this.next++ % urls.length];
      try {
        const response = await fetch(`${url}${route}`, {
          method,
          headers: {
            authorization: `Bearer ${this.stack.apiKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        if (response.status < 500)
          return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
        this.http5xx += 1;
        const code = /"code":"([^"]+)"/.exec(text)?.[1] ?? '';
        const what = `${response.status} ${method} ${route.replace(/onboarding%3A[^/]+/, ':id')} ${code}`.trim();
        this.http5xxBy[what] = (this.http5xxBy[what] ?? 0) + 1;
      } catch {
        this.unreachable += 1;
      }
      if (Date.now() > deadline) throw new Error(`${method} ${route}: no answer before the deadline`);
      await delay(500 + Math.random() * 500);
    }
  }
}

/**
 * Phone numbers already used in this run. A scripted customer may derive the phone from the customerRef with little
 * entropy (a sandbox control in its last digits), and two customers sharing a phone are two consumers of one phone
 * at the provider: refused as a conflict, which is the harness's doing, not a fault's. A taken phone gets another ref.
 */
const usedPhones = new Set<string>();

function uniquePhoneStart(scenario: Scenario, baseRef: string): StartBody {
  for (let retry = 0; ; retry += 1) {
    const customerRef = retry === 0 ? baseRef : `${baseRef}-${retry}`;
    const body = scenario.startBody(customerRef, {
      person: personFor(customerRef),
      // Reconciliation polling short enough that a dropped webhook delays an onboarding seconds, not minutes.
      options: { pollInitialInterval: '2s', pollMaxInterval: '10s' },
    });
    const phone = (body.applicant as Partial<StartBody['applicant']>).phone;
    if (!phone || !usedPhones.has(phone) || retry > 50) {
      if (phone) usedPhones.add(phone);
      return body;
    }
  }
}

async function runOne(
  gateways: Gateways,
  provider: string,
  scenario: Scenario,
  customerRef: string,
  options: LoadOptions,
  deadline: number,
): Promise<OnboardingOutcome> {
  const body = uniquePhoneStart(scenario, customerRef);
  options.marks.push(...marksOf(body));
  const started = await gateways.call('POST', '/v1/onboardings', deadline, body);
  if (started.status !== 200 && started.status !== 201) {
    return { onboardingId: customerRef, provider, state: 'refused', result: null, error: JSON.stringify(started.body) };
  }
  const id = (started.body as OnboardingStatus).onboardingId;
  const route = `/v1/onboardings/${encodeURIComponent(id)}`;
  // Pending actions already answered (2xx or 409: done). A lost answer (5xx) is taken back and sent again.
  const answered = new Set<string>();
  const keyOf = (pending: PendingAction): string => `${pending.action}:${JSON.stringify(pending.data)}`;
  let status = started.body as OnboardingStatus;
  for (;;) {
    if (FINAL_STATES.includes(status.state)) {
      return {
        onboardingId: id,
        provider,
        state: status.state,
        result: (status.result ?? null) as Record<string, unknown> | null,
      };
    }
    if (Date.now() > deadline)
      return {
        onboardingId: id,
        provider,
        state: 'unfinished',
        result: null,
        error: `last state ${status.state}/${status.step}`,
      };
    const pending = status.pendingActions.find((candidate) => !answered.has(keyOf(candidate)));
    if (pending) {
      answered.add(keyOf(pending));
      const answer = scenario.answer(pending);
      const elsewhere = answer ? undefined : scenario.actElsewhere?.(pending);
      if (answer) {
        options.marks.push(...secretsIn(answer.body));
        const sent = await gateways.call('POST', `${route}/actions/${answer.action}`, deadline, answer.body);
        if (sent.status >= 400 && sent.status !== 409) {
          return {
            onboardingId: id,
            provider,
            state: 'refused',
            result: null,
            error: `${answer.action}: ${JSON.stringify(sent.body)}`,
          };
        }
      } else if (elsewhere) {
        await elsewhere.act().catch(() => answered.delete(keyOf(pending)));
      }
    } else {
      await delay(700 + Math.random() * 600);
    }
    const read = await gateways.call('GET', route, deadline);
    if (read.status === 200) status = read.body as OnboardingStatus;
  }
}

/** Starts every onboarding of `spec` at once and waits for all (or the deadline). */
export async function runLoad(stack: ChaosStack, spec: LoadSpec, options: LoadOptions): Promise<LoadRun> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const gateways = new Gateways(stack);
  const runs: Promise<OnboardingOutcome>[] = [];
  for (const [provider, count] of Object.entries(spec)) {
    const customer = scriptedCustomer(provider);
    const scenario = customer && scenarioOf(customer, customer.bench?.scenario);
    if (!scenario) throw new Error(`no scripted customer for ${provider}`);
    for (let index = 0; index < count; index += 1) {
      const customerRef = `chaos-${runId}-${options.label}-${provider}-${index}`;
      runs.push(
        runOne(gateways, provider, scenario, customerRef, options, deadline).catch((err: unknown) => ({
          onboardingId: customerRef,
          provider,
          state: 'unfinished',
          result: null,
          error: err instanceof Error ? err.message : String(err),
        })),
      );
    }
  }
  const outcomes = await Promise.all(runs);
  return {
    outcomes,
    http5xx: gateways.http5xx,
    http5xxBy: gateways.http5xxBy,
    unreachable: gateways.unreachable,
    durationMs: Date.now() - started,
  };
}
