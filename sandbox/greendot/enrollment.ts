/**
 * Enrollment rules beyond the structure: the documented validation codes and the outcome chosen by the last name
 * (our sandbox trigger; Green Dot publishes no magic values). See sandbox/README.md, section "Green Dot".
 */
import { detail, GreenDotError, invalidField, type ResponseDetail } from './errors.js';
import type { EnrollmentRequest } from './schemas.js';

/** Products of the sandbox program (ASSUMED): whether the enrollment itself issues a virtual card. */
export const PRODUCTS: Readonly<Record<string, { issuesCardAtEnrollment: boolean }>> = {
  '50001': { issuesCardAtEnrollment: true },
  '50002': { issuesCardAtEnrollment: false },
};

/** Terms the sandbox program requires (ASSUMED identifiers). */
export const REQUIRED_TERMS = ['eSignConsent', 'cardholderAgreement'] as const;

const MAX_TERMS_AGE_MS = 720 * 3_600_000;
const CLOCK_SKEW_MS = 5 * 60_000;
const NAME_MAX = 25;
// Letters (ASCII, Latin-1, Latin Extended-A); a special (space ' - .) only between two letters.
const LETTER = 'A-Za-zÀ-ÖØ-öø-ÿĀ-ž';
const NAME_PATTERN = new RegExp(`^[${LETTER}](?:[${LETTER}]|[ '.\\-](?=[${LETTER}]))*$`);

export type EnrollmentOutcome = 'approved' | 'pendingApprove' | 'pendingDecline' | 'declined' | 'processorFailure';

/** Our trigger: a case-insensitive prefix of `profileData.lastName`; longer prefixes win. */
export function outcomeFor(lastName: string): EnrollmentOutcome {
  const name = lastName.toLowerCase();
  if (name.startsWith('ofacreject')) return 'declined';
  if (name.startsWith('ofacdecline')) return 'pendingDecline';
  if (name.startsWith('ofac')) return 'pendingApprove';
  if (name.startsWith('procfail')) return 'processorFailure';
  return 'approved';
}

function nameProblems(path: string, value: string | undefined, required: boolean): ResponseDetail[] {
  if (value === undefined || (!required && value === '')) return [];
  if (!NAME_PATTERN.test(value)) {
    return [
      detail(640, 501, `${path}: letters, space, ' - . only; must start and end with a letter; no doubled specials`),
    ];
  }
  if (value.length > NAME_MAX) return [detail(640, 502, `${path}: at most ${NAME_MAX} characters`)];
  return [];
}

function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Throws a 400 listing every documented problem, or returns nothing. */
export function validateEnrollment(body: EnrollmentRequest, programCode: string, now: Date): void {
  const problems: ResponseDetail[] = [];
  if (PRODUCTS[body.productCode] === undefined) {
    problems.push(detail(5020, 5021, `productCode: no product ${body.productCode} in program ${programCode}`));
  }
  const { profileData, identifyingData, termsAcceptances } = body;
  problems.push(
    ...nameProblems('profileData.firstName', profileData.firstName, true),
    ...nameProblems('profileData.middleName', profileData.middleName, false),
    ...nameProblems('profileData.lastName', profileData.lastName, true),
  );

  const types = new Set<string>();
  profileData.addresses.forEach((address, index) => {
    if (types.has(address.type)) {
      problems.push(detail(1020, 0, `profileData.addresses.${index}.type: duplicate address type ${address.type}`));
    }
    types.add(address.type);
  });
  if (profileData.addresses.filter((address) => address.isDefault === true).length > 1) {
    problems.push(detail(1040, 0, 'profileData.addresses: more than one default address'));
  }
  if (!types.has('home')) problems.push(detail(1042, 0, 'profileData.addresses: a home address is required'));

  if (identifyingData.ssn !== undefined && identifyingData.last4Ssn !== undefined) {
    problems.push(detail(630, 0, 'identifyingData: send either ssn or last4Ssn, not both'));
  } else if (identifyingData.ssn === undefined && identifyingData.last4Ssn === undefined) {
    problems.push(invalidField('identifyingData.ssn', 'required (or last4Ssn)'));
  }
  if (identifyingData.dateOfBirth === undefined || identifyingData.dateOfBirth === '') {
    problems.push(detail(200, 0, 'identifyingData.dateOfBirth: required'));
  } else if (!isRealDate(identifyingData.dateOfBirth)) {
    problems.push(detail(700, 0, 'identifyingData.dateOfBirth: must be YYYY-MM-DD'));
  }

  for (const identifier of REQUIRED_TERMS) {
    const acceptance = termsAcceptances.find((terms) => terms.termsIdentifier === identifier);
    if (acceptance?.termsAcceptanceFlag !== true) {
      problems.push(detail(610, 0, `termsAcceptances: ${identifier} must be accepted (termsAcceptanceFlag true)`));
    }
  }
  termsAcceptances.forEach((terms, index) => {
    const acceptedAt = new Date(terms.termsAcceptanceDateTime).getTime();
    if (now.getTime() - acceptedAt > MAX_TERMS_AGE_MS || acceptedAt - now.getTime() > CLOCK_SKEW_MS) {
      problems.push(
        detail(620, 0, `termsAcceptances.${index}.termsAcceptanceDateTime: must be within the last 720 hours`),
      );
    }
  });
  if (problems.length > 0) throw new GreenDotError(400, problems);
}
