/**
 * What the simulated customer needs per provider: a start body that takes the fastest happy path in the sandbox,
 * the body of each customer action (from the pending action's data, acting at once and always choosing the
 * first valid answer), and, for the floor, a signed webhook of that provider carrying the floor onboarding's id.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { providerDefinition } from '../client/registry.js';

export type BenchProviderName = 'jiko' | 'netspend';

export interface SignedWebhook {
  body: string;
  headers: Record<string, string>;
}

export interface BenchProvider {
  name: BenchProviderName;
  startBody(customerRef: string): Record<string, unknown>;
  /** The body of `action` given the pending action's data; undefined when the bench cannot answer it. */
  actionBody(action: string, data: Record<string, unknown>): Record<string, unknown> | undefined;
  /** A verified-looking webhook for the floor: its intake normalizes `data` with `onboardingId` in it. */
  floorWebhook(onboardingId: string, secret: string): SignedWebhook;
}

const applicant = {
  name: { first: 'Ada', middle: 'K', last: 'Lovelace' },
  dateOfBirth: '1990-01-31',
  // Jiko: 4… approves at once. Netspend: anything but 991–994 approves KYC and OFAC at once.
  ssn: '400123456',
  email: 'ada@example.com',
  phone: '+15551234567',
  address: {
    line1: '2000 Allston Way',
    line2: null,
    city: 'Berkeley',
    state: 'CA',
    postalCode: '94701',
    country: 'US',
  },
};

const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    : [];

const firstAnswers = (data: Record<string, unknown>): { questionId: string; answerId: string }[] =>
  records(data.questions).map((question) => ({
    questionId: String(question.questionId),
    answerId: String(records(question.answers)[0]?.answerId ?? ''),
  }));

export const jiko: BenchProvider = {
  name: 'jiko',
  startBody: (customerRef) => ({
    provider: 'jiko',
    customerRef,
    applicant,
    jiko: {
      investmentProfile: {
        employmentStatus: 'EMPLOYED',
        income: 'BETWEEN_50K_AND_100K',
        netWorth: 'BELOW_50K',
        occupation: 'Engineer',
      },
      contactVerification: { phoneVerifiedAt: '2026-01-01T10:00:00Z', emailVerifiedAt: '2026-01-01T10:01:00Z' },
    },
  }),
  actionBody: (action, data) => {
    if (action === 'acceptAgreements') return { version: typeof data.version === 'string' ? data.version : '1' };
    return undefined;
  },
  floorWebhook: (onboardingId, secret) => {
    const body = JSON.stringify({
      event_id: `floor-${randomUUID()}`,
      timestamp: new Date().toISOString(),
      event_type: 'application.approved',
      payload: { application_id: onboardingId.replace(/[^A-Za-z0-9_.-]/g, '_'), onboardingId },
    });
    return { body, headers: { 'x-jiko-signature': createHmac('sha256', secret).update(body).digest('base64') } };
  },
};

export const netspend: BenchProvider = {
  name: 'netspend',
  startBody: (customerRef) => ({
    provider: 'netspend',
    customerRef,
    applicant,
    // DDA: the full flow (agreements, expected use, card, PIN).
    netspend: { providedId: 'sandbox-dda-checking', accountType: 'DDA' },
  }),
  actionBody: (action, data) => {
    switch (action) {
      case 'acceptAgreements': {
        const agreements = records(data.agreements);
        return { agreementIds: agreements.length > 0 ? agreements.map((a) => String(a.agreementId)) : ['floor'] };
      }
      case 'answerExpectedUse':
      case 'cureKyc':
        return { answers: firstAnswers(data) };
      case 'chooseCard': {
        const brand = records(data.brands)[0];
        return { type: 'virtual', brandName: typeof brand?.brandName === 'string' ? brand.brandName : 'floor' };
      }
      case 'activateCard':
        return { pin: '2580' };
      default:
        return undefined;
    }
  },
  floorWebhook: (onboardingId, secret) => {
    const body = JSON.stringify({
      id: randomUUID(),
      type: 'account.created',
      created: new Date().toISOString(),
      data: { account_id: onboardingId.replace(/[^A-Za-z0-9_.-]/g, '_'), status: 'active', onboardingId },
    });
    return {
      body,
      headers: { 'ns-signature': createHmac('sha256', secret).update(body).digest('hex'), 'ns-delivery-count': '1' },
    };
  },
};

export const BENCH_PROVIDERS: readonly BenchProvider[] = [jiko, netspend];

/** Why a provider cannot be benchmarked yet (its workflow or client registration has not landed), or null. */
export async function missingPieces(provider: BenchProviderName): Promise<string | null> {
  const missing: string[] = [];
  if (!providerDefinition(provider))
    missing.push(`client/providers.ts has no '${provider}' entry (gateway refuses it)`);
  const workflows = (await import('../workflows/index.js')) as Record<string, unknown>;
  if (typeof workflows[`${provider}Onboarding`] !== 'function') {
    missing.push(`workflows/index.ts exports no ${provider}Onboarding`);
  }
  const queues = (await import('../workers/providers.js')).TASK_QUEUES;
  if (!queues.some((queue) => queue.name === provider))
    missing.push(`workers/providers.ts serves no '${provider}' queue`);
  return missing.length > 0 ? missing.join('; ') : null;
}
