/**
 * The made-up person every scripted customer (and the tests, through test/fixtures/applicants.ts) starts from,
 * and the start body around it. Never a real person's data: example.com, a 555 phone number, sandbox SSNs. The
 * replay test checks the recorded histories for these marks, since those are recorded without the PII codec.
 */
import { createHash } from 'node:crypto';
import type { Applicant } from '../../contract/onboarding.js';
import type { StartBody, StartChoices } from './types.js';

const MADE_UP_PERSON: Omit<Applicant, 'ssn'> = {
  name: { first: 'Ada', middle: 'K', last: 'Lovelace' },
  dateOfBirth: '1990-01-31',
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

export function madeUpApplicant(ssn: string, person: Partial<Omit<Applicant, 'ssn'>> = {}): Applicant {
  const { name, dateOfBirth, email, phone, address } = { ...MADE_UP_PERSON, ...person };
  // The field order of the documented start body, so a printed or recorded body reads as the docs do.
  return { name, dateOfBirth, ssn, email, phone, address };
}

/**
 * A 9-digit SSN that starts with the sandbox control `prefix` (e.g. Jiko's 4… approves). The other digits come
 * from `customerRef`: the same customer always sends the same SSN (a repeated start is the same request), and
 * two customers rarely share one, so a test that looks for an SSN in one history is not fooled by another's.
 */
export function sandboxSsn(prefix: string, customerRef: string): string {
  if (!/^\d{0,9}$/.test(prefix)) throw new Error(`an SSN prefix is up to 9 digits, not '${prefix}'`);
  const digest = createHash('sha256').update(customerRef).digest();
  const rest = Array.from(digest.subarray(0, 9 - prefix.length), (byte) => String(byte % 10)).join('');
  return prefix + rest;
}

/** The start body of `provider`: the made-up applicant with the scenario's SSN, and the provider's own block. */
export function startBodyFor(
  provider: string,
  customerRef: string,
  ssnPrefix: string,
  providerBlock: object,
  choices: StartChoices = {},
): StartBody {
  return {
    provider,
    customerRef,
    applicant: madeUpApplicant(sandboxSsn(ssnPrefix, customerRef), choices.person),
    [provider]: providerBlock,
    ...(choices.options ? { options: choices.options } : {}),
  };
}
