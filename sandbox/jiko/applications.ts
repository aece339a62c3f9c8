/**
 * Jiko applications, customers and accounts, and the sandbox status machine (seed "Controlling Application Status"):
 *
 *   CREATED ─apply→ SUBMITTED ─(submittedDelayMs)→ outcome by identification_number:
 *     4…  APPROVED (customer + account created)         5…  REJECTED
 *     3…  MANUAL_REVIEW                                 other first digit: MANUAL_REVIEW
 *     2…  DOCUMENTS_NEEDED with flags by 2nd digit: 21 id, 22 identification number, 23 address,
 *         24 id + identification number; 20, 25–29 id (our choice)
 *   DOCUMENTS_NEEDED ─(uploads clear every flag)→ PENDING ─apply→ SUBMITTED → 2?1… MANUAL_REVIEW, else APPROVED
 *   MANUAL_REVIEW ─(sandbox control `decide`)→ APPROVED | REJECTED.    REJECTED and APPROVED are final.
 *
 * Only documents uploaded while the application is DOCUMENTS_NEEDED clear its flags (Jiko asks for fresh ones).
 * Each outcome emits its webhook: application.{approved,documents_needed,manual_review,rejected}.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { CreateApplicationBody, DocumentType } from './schemas.js';

export type ApplicationStatus =
  'CREATED' | 'PENDING' | 'SUBMITTED' | 'DOCUMENTS_NEEDED' | 'APPROVED' | 'REJECTED' | 'MANUAL_REVIEW';

export type Outcome = 'APPROVED' | 'REJECTED' | 'MANUAL_REVIEW' | 'DOCUMENTS_NEEDED';

export interface DocumentFlags {
  id: boolean;
  identificationNumber: boolean;
  address: boolean;
}

export interface StoredDocument {
  id: string;
  type: DocumentType;
  contentType: string;
  sizeBytes: number;
  uploadedAt: string;
  /** Whether it arrived while DOCUMENTS_NEEDED (only those clear flags). */
  countsForFlags: boolean;
  status: 'PENDING_UPLOAD' | 'PENDING_REVIEW' | 'APPROVED' | 'INVALID';
}

export interface StoredApplication {
  id: string;
  createdAt: string;
  updatedAt: string;
  status: ApplicationStatus;
  body: CreateApplicationBody;
  flags: DocumentFlags;
  documents: StoredDocument[];
  exceptionReasons: string[];
  customerId: string | null;
  /** How many times apply was accepted; the second apply of a 2… SSN follows the third-digit rule. */
  applyCount: number;
  /** Whether this application went through DOCUMENTS_NEEDED (the re-apply rule applies). */
  documentsRound: boolean;
}

export interface StoredAccount {
  id: string;
  customerId: string;
  accountNumber: string;
  routingNumber: string;
  createdAt: string;
}

export interface StoredCustomer {
  id: string;
  applicationId: string;
  createdAt: string;
  accounts: StoredAccount[];
}

const noFlags = (): DocumentFlags => ({ id: false, identificationNumber: false, address: false });

/** The outcome after apply, per the seed's SSN table. */
export function decideOutcome(application: StoredApplication): { outcome: Outcome; flags: DocumentFlags } {
  const ssn = application.body.identification_number;
  if (application.documentsRound && ssn.startsWith('2')) {
    return { outcome: ssn[2] === '1' ? 'MANUAL_REVIEW' : 'APPROVED', flags: noFlags() };
  }
  switch (ssn[0]) {
    case '2':
      return { outcome: 'DOCUMENTS_NEEDED', flags: flagsForSecondDigit(ssn[1]) };
    case '3':
      return { outcome: 'MANUAL_REVIEW', flags: noFlags() };
    case '4':
      return { outcome: 'APPROVED', flags: noFlags() };
    case '5':
      return { outcome: 'REJECTED', flags: noFlags() };
    default:
      return { outcome: 'MANUAL_REVIEW', flags: noFlags() };
  }
}

function flagsForSecondDigit(digit: string | undefined): DocumentFlags {
  switch (digit) {
    case '2':
      return { id: false, identificationNumber: true, address: false };
    case '3':
      return { id: false, identificationNumber: false, address: true };
    case '4':
      return { id: true, identificationNumber: true, address: false };
    default: // '1' per the seed; 0 and 5–9 are unspecified: the id-verification flag (our choice)
      return { id: true, identificationNumber: false, address: false };
  }
}

/** Flags still set after the documents uploaded in this round (seed: "Uploading Documents"). */
export function remainingFlags(application: StoredApplication): DocumentFlags {
  const uploaded = new Set(application.documents.filter((d) => d.countsForFlags).map((d) => d.type));
  const idCleared =
    uploaded.has('ID_FRONT') && uploaded.has('ID_BACK') && (uploaded.has('SELFIE') || uploaded.has('PASSPORT'));
  return {
    id: application.flags.id && !idCleared,
    identificationNumber: application.flags.identificationNumber && !uploaded.has('IDENTIFICATION_NUMBER_VERIFICATION'),
    address: application.flags.address && !uploaded.has('ADDRESS_VERIFICATION'),
  };
}

export const EXCEPTION_REASONS: Record<keyof DocumentFlags, string> = {
  id: 'ID_VERIFICATION_REQUIRED',
  identificationNumber: 'IDENTIFICATION_NUMBER_VERIFICATION_REQUIRED',
  address: 'ADDRESS_VERIFICATION_REQUIRED',
};

export function newApplication(body: CreateApplicationBody, now: Date): StoredApplication {
  return {
    id: randomUUID(),
    createdAt: jikoTimestamp(now),
    updatedAt: jikoTimestamp(now),
    status: 'CREATED',
    body,
    flags: noFlags(),
    documents: [],
    exceptionReasons: [],
    customerId: null,
    applyCount: 0,
    documentsRound: false,
  };
}

export function newCustomer(applicationId: string, now: Date): StoredCustomer {
  const customerId = randomUUID();
  const account: StoredAccount = {
    id: randomUUID(),
    customerId,
    accountNumber: String(randomInt(10 ** 9, 10 ** 10)) + String(randomInt(100, 1000)),
    // A syntactically valid ABA routing number reserved for the sandbox (checksum holds).
    routingNumber: '021000021',
    createdAt: jikoTimestamp(now),
  };
  return { id: customerId, applicationId, createdAt: jikoTimestamp(now), accounts: [account] };
}

/** Jiko writes offsets as `+00:00`, not `Z` (seed samples). */
export function jikoTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, '+00:00')
    .replace(/Z$/, '+00:00');
}

/** The application as Jiko returns it (providers.md §4.3). Never echoes the identification number. */
export function applicationView(application: StoredApplication): Record<string, unknown> {
  const { body } = application;
  return {
    id: application.id,
    time_created: application.createdAt,
    updated_at: application.updatedAt,
    status: application.status,
    name: {
      first_name: body.name.first_name,
      middle_name: body.name.middle_name ?? null,
      last_name: body.name.last_name,
    },
    email: body.email,
    phone_number: body.phone_number,
    date_of_birth: { date_of_birth: body.date_of_birth },
    address: {
      street_address: body.address.street_address,
      street_address2: body.address.street_address2 ?? null,
      city: body.address.city,
      postal_code: body.address.postal_code,
      state: body.address.state ?? null,
      country: body.address.country,
    },
    identification_type: body.identification_type,
    citizenship_country: body.citizenship_country,
    investment_profile: body.investment_profile,
    agreement_consent: body.agreement_consent,
    originally_onboarded_at: body.originally_onboarded_at ?? null,
    exception_reasons: [...application.exceptionReasons],
    customer_id: application.customerId,
    documents: application.documents.map((d) => ({
      id: d.id,
      type: d.type,
      status: d.status,
      exception_reason: null,
      name: `${d.type.toLowerCase()}.${extensionFor(d.contentType)}`,
    })),
    id_verification_documents_needed: application.flags.id,
    // Both spellings: the seed says identification_number_document_needed, the OpenAPI schema the longer one.
    identification_number_document_needed: application.flags.identificationNumber,
    identification_number_verification_document_needed: application.flags.identificationNumber,
    address_verification_document_needed: application.flags.address,
  };
}

function extensionFor(contentType: string): string {
  if (contentType === 'image/jpeg') return 'jpg';
  if (contentType === 'application/pdf') return 'pdf';
  return 'png';
}

/**
 * A Jiko account (Pocket) as `List Customer Accounts` shows it: value, status and portfolio. Its routing and
 * account numbers belong to its Portal, which Jiko lists elsewhere; a new account holds nothing yet.
 */
export function accountView(account: StoredAccount): Record<string, unknown> {
  const zero = { value: 0, currency: 'USD', formatted: '$0.00' };
  return {
    id: account.id,
    name: 'J1 (4-week)',
    total_value: zero,
    status: 'OPEN',
    portfolio: { securities: [], cash: zero, all_time_earnings: zero },
    object_type: 'Account',
  };
}
