/**
 * Linkcy's scripted customer: phone first. The applicant is a made-up +1 555 number (its last four digits are
 * the simulator's KYC control: 4242 validated, 0001 declined, 0002 review), plus the made-up email when the
 * scenario verifies it. The customer accepts the terms shown, answers the sandbox's SMS code (always 123456, as
 * Linkcy documents), and completes KYC on Linkcy's page: that happens at Linkcy, not through our API, so the
 * simulator plays it: `SANDBOX_LINKCY_KYC_AUTO_COMPLETE_MS` (set by the history recording; for the demo start the
 * stack with it, e.g. `SANDBOX_LINKCY_KYC_AUTO_COMPLETE_MS=2000 npm start`), or its `complete` control (the e2e).
 */
import type { LinkcyVerifyPhoneBody } from '../../client/providers/linkcy.js';
import { createHash } from 'node:crypto';
import { LINKCY_ACTIONS } from '../../contract/linkcy.js';
import type {
  LinkcyAcceptTermsInput,
  LinkcyProviderInput,
  LinkcyTermsActionData,
  LinkcyVerifyPhoneActionData,
} from '../../contract/linkcy.js';
import type { CustomerAnswer, PendingAsk, Scenario, ScriptedCustomer, StartBody, StartChoices } from './types.js';

/** Linkcy's sandbox code [seed: "In Sandbox: No SMS is sent, and OTP is always 123456"]. */
export const LINKCY_SANDBOX_CODE = '123456';
const MADE_UP_EMAIL = 'ada@example.com';

/**
 * A made-up US number (+1 555…, the range kept for fiction) ending in `lastFour`; the three digits between come
 * from `customerRef`, so the same customer always sends the same number and two customers rarely share one
 * (Linkcy refuses a second consumer with the same phone).
 */
export function sandboxLinkcyPhone(lastFour: string, customerRef: string): string {
  if (!/^\d{4}$/.test(lastFour)) throw new Error(`the KYC control is four digits, not '${lastFour}'`);
  const digest = createHash('sha256').update(customerRef).digest();
  const middle = Array.from(digest.subarray(0, 3), (byte) => String(byte % 10)).join('');
  return `+1555${middle}${lastFour}`;
}

function answer(pending: PendingAsk): CustomerAnswer | undefined {
  switch (pending.action) {
    case LINKCY_ACTIONS.acceptTerms: {
      const { version, reacceptance } = pending.data as Partial<LinkcyTermsActionData>;
      if (!version) return undefined;
      return {
        action: pending.action,
        body: { version } satisfies LinkcyAcceptTermsInput,
        say: `customer reads Linkcy's terms${reacceptance ? ' (a new version)' : ''} and accepts version ${version}`,
      };
    }
    case LINKCY_ACTIONS.verifyPhone: {
      const { newCodeRequired } = pending.data as Partial<LinkcyVerifyPhoneActionData>;
      if (newCodeRequired) {
        return { action: LINKCY_ACTIONS.resendCode, body: {}, say: 'the code expired: customer asks for a new one' };
      }
      return {
        action: pending.action,
        body: { code: LINKCY_SANDBOX_CODE } satisfies LinkcyVerifyPhoneBody,
        say: 'customer types the six-digit code from the SMS (not shown)',
      };
    }
    default:
      // completeKyc and verifyEmail happen at Linkcy (its page, the link in the email), not through our API.
      return undefined;
  }
}

/** The outcome the customer gets on Linkcy's hosted KYC page (the sandbox's stand-in for it). */
type KycOutcome = 'approved' | 'rejected' | 'review';

/**
 * The customer opens the hosted KYC link and goes through Linkcy's page: in the sandbox, a GET opens it (as a
 * browser would) and the page's form finishes it with the scenario's outcome.
 */
function completeKycAtLinkcy(outcome: KycOutcome) {
  return (pending: PendingAsk) => {
    if (pending.action !== 'completeKyc') return undefined;
    const url = (pending.data as { url?: unknown }).url;
    if (typeof url !== 'string' || !url.includes('/_sandbox/linkcy/hosted/kyc/')) return undefined;
    return {
      say: `customer opens Linkcy's KYC page and goes through it (${outcome})`,
      act: async () => {
        const opened = await fetch(url);
        if (!opened.ok) throw new Error(`the KYC page answered ${opened.status}`);
        const finished = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ outcome }).toString(),
          redirect: 'manual',
        });
        if (finished.status >= 400) throw new Error(`the KYC page refused the outcome: ${finished.status}`);
      },
    };
  };
}

function scenario(
  what: string,
  lastFour: string,
  block: LinkcyProviderInput,
  withEmail = false,
  kycOutcome: KycOutcome = 'approved',
): Scenario {
  return {
    actElsewhere: completeKycAtLinkcy(kycOutcome),
    what,
    startBody: (customerRef: string, choices: StartChoices = {}): StartBody => ({
      provider: 'linkcy',
      customerRef,
      // Phone-first: Linkcy's applicant is the phone (and what the scenario adds); StartBody types the applicant
      // of the identity-first providers, and the gateway checks each provider's own required fields.
      applicant: {
        phone: sandboxLinkcyPhone(lastFour, customerRef),
        ...(withEmail ? { email: choices.person?.email ?? MADE_UP_EMAIL } : {}),
        ...(choices.person?.name ? { name: choices.person.name } : {}),
      } as StartBody['applicant'],
      linkcy: block,
      ...(choices.options ? { options: choices.options } : {}),
    }),
    answer,
  };
}

const scenarios = {
  validated: scenario('terms, consumer, SMS code, hosted KYC validated; completed', '4242', {
    sourceOfFunds: 'SAVINGS_FROM_SALARY',
    occupation: 'ENGINEER',
  }),
  email: scenario(
    'as validated; the email verification link is sent (reported, not awaited), then a EUR ledger is opened',
    '4242',
    { email: 'send', ledger: { type: 'EUR_BELGIUM', friendlyName: 'Main' } },
    true,
  ),
  ledger: scenario('as validated, then a EUR ledger (IBAN) is opened', '4242', {
    ledger: { type: 'EUR_BELGIUM', friendlyName: 'Main' },
  }),
  review: scenario('KYC under review at Linkcy (decide it with the sandbox control)', '0002', {}, false, 'review'),
  declined: scenario('KYC declined by Linkcy: rejected', '0001', {}, false, 'rejected'),
};

export const linkcyCustomer: ScriptedCustomer<keyof typeof scenarios> = {
  provider: 'linkcy',
  displayName: 'Linkcy',
  scenarios,
  defaultScenario: 'validated',
  // The customer goes through Linkcy's hosted KYC page (actElsewhere).
  bench: { scenario: 'validated' },
};
