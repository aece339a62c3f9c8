/**
 * The simulator's model of Netspend: sessions, accounts, people, agreement acceptances, expected use and cards,
 * with the account state machine. HTTP-free: routes parse and authenticate, this decides. Every rule that is not
 * in the seed is marked ASSUMED here and in sandbox/README.md.
 */
import { randomUUID } from 'node:crypto';
import {
  EXPECTED_USE_QUESTIONS,
  IDENTITY_QUESTION_CORRECT_ANSWERS,
  IDENTITY_QUESTIONS,
  findAgreement,
  findContext,
  type AccountContext,
  type AccountType,
  type Agreement,
  type CardBrand,
  type Question,
} from './catalog.js';
import {
  copyDocumentRequest,
  cureForSsn,
  documentRequestComplete,
  newDocumentRequest,
  newIdentityScan,
  type CureMethod,
  type DocumentRequest,
  type IdentityScan,
  type RequestedDocumentType,
} from './cures.js';
import { NetspendApiError, businessRule, conflict, notFound } from './errors.js';
import type { Address, AnswerList, KycStatus, OfacStatus, PersonalData } from './schemas.js';

export type SessionSourceType = 'anonymous' | 'account' | 'person';
export type AccountStatus = 'new' | 'active' | 'closed';
export type PersonStatus = 'pending' | 'active' | 'inactive';
export type Relationship = 'primary' | 'secondary';
export type CardType = 'physical' | 'virtual' | 'digital';
export type CardStatus = 'ordered' | 'active' | 'closed';

export interface Session {
  id: string;
  source_type: SessionSourceType;
  source_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface Account {
  id: string;
  provided_id: string;
  account_type: AccountType;
  status: AccountStatus;
  partner_name: string;
  bank_name: string;
  primary_person_id: string | null;
  person_ids: string[];
  created_at: string;
  activated_at: string | null;
  closed_at: string | null;
  closed_reason: string | null;
}

interface PersonRecord {
  id: string;
  account_id: string;
  relationship: Relationship;
  first_name: string;
  middle_name: string | null;
  last_name: string;
  personal: PersonalData;
  kyc_status: KycStatus;
  ofac_status: OfacStatus;
  /** True once a KYC decision exists; from then on only the cure or the sandbox control changes it. */
  kyc_decided: boolean;
  identity_questions_answered: boolean;
  /** The cure Netspend offers a rejected person (ASSUMED: by SSN prefix), until its outcome uses it up. */
  kyc_cure: CureMethod | null;
  identity_scan: IdentityScan | null;
  document_request: DocumentRequest | null;
  agreements: Map<string, string>;
  expected_use: AnswerList | null;
  created_at: string;
  updated_at: string;
}

/** What the API shows of a person: no date of birth, SSN or address (they went in encrypted). */
export interface PersonView {
  id: string;
  account_id: string;
  relationship: Relationship;
  first_name: string;
  middle_name: string | null;
  last_name: string;
  status: PersonStatus;
  kyc_status: KycStatus;
  ofac_status: OfacStatus;
  kyc_data_missing: string[];
  created_at: string;
  updated_at: string;
}

export interface Card {
  id: string;
  account_id: string;
  person_id: string;
  card_type: CardType;
  brand_name: string;
  status: CardStatus;
  last_four: string | null;
  expiration: string | null;
  digitizable: boolean;
  pin_set: boolean;
  created_at: string;
  activated_at: string | null;
  closed_at: string | null;
  closed_reason: string | null;
}

export interface WorkflowView {
  workflow_name: 'activate' | 'kyc_approve';
  account_id: string;
  status: 'completed' | 'pending' | 'blocked';
  steps: { name: string; status: 'completed' | 'pending' | 'not_required' | 'blocked' }[];
}

export type NetspendEventType = 'account.created' | 'person.kyc.identity_scan.modified';

export interface StateHooks {
  now(): Date;
  audit(kind: string, id: string, data?: Record<string, unknown>): void;
  emit(type: NetspendEventType, data: Record<string, unknown>): void;
  /** How long Netspend takes to activate an account once it qualifies; 0 = in the call that qualified it. */
  activationDelayMs(): number;
  /** Runs `task` once after `delayMs` unless the returned cancel is called first. */
  schedule(task: () => void, delayMs: number): () => void;
}

/** Sandbox KYC/OFAC controls, by the first three digits of the SSN (documented in sandbox/README.md). */
export const SSN_CONTROLS = {
  conditional: '991',
  rejected: '992',
  ofacHit: '993',
  reviewPending: '994',
} as const;

const KYC_FIELDS = ['date_of_birth', 'government_id', 'address'] as const;

function ssnOf(personal: PersonalData): string | undefined {
  const id = personal.government_id;
  if (id === undefined) return undefined;
  return typeof id === 'string' ? id : id.value;
}

function ageOn(dateOfBirth: string, today: Date): number {
  const [year, month, day] = dateOfBirth.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - year;
  const beforeBirthday =
    today.getUTCMonth() + 1 < month || (today.getUTCMonth() + 1 === month && today.getUTCDate() < day);
  if (beforeBirthday) age -= 1;
  return age;
}

export class NetspendState {
  private sessions = new Map<string, Session>();
  private sessionsInUse = new Set<string>();
  private accounts = new Map<string, Account>();
  private people = new Map<string, PersonRecord>();
  private cards = new Map<string, Card>();
  /** Accounts that qualified and await their (delayed) activation: when it is due, and how to call it off. */
  private pendingActivations = new Map<string, { dueAt: string; cancel: () => void }>();

  constructor(private readonly hooks: StateHooks) {}

  reset(): void {
    this.cancelPendingActivations();
    this.sessions.clear();
    this.sessionsInUse.clear();
    this.accounts.clear();
    this.people.clear();
    this.cards.clear();
  }

  private timestamp(): string {
    return this.hooks.now().toISOString();
  }

  // ---- sessions -------------------------------------------------------------------------------------------

  createSession(sourceType: SessionSourceType, sourceId: string | null): Session {
    if (sourceType !== 'anonymous' && sourceId !== null) this.requireSource(sourceType, sourceId);
    const now = this.timestamp();
    const session: Session = {
      id: randomUUID(),
      source_type: sourceType,
      source_id: sourceId,
      created_at: now,
      updated_at: now,
    };
    this.sessions.set(session.id, session);
    this.hooks.audit('session', session.id, { source_type: sourceType, source_id: sourceId });
    return { ...session };
  }

  hasSession(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** Audits `session_in_use` the first time a call carries the session: an orphan (lost answer) never is. */
  markSessionInUse(sessionId: string): void {
    if (this.sessionsInUse.has(sessionId) || !this.sessions.has(sessionId)) return;
    this.sessionsInUse.add(sessionId);
    this.hooks.audit('session_in_use', sessionId);
  }

  getSession(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (!session) throw notFound('session', sessionId);
    return { ...session };
  }

  /** Documented transitions only: anonymous→account, anonymous→person, account→person. */
  patchSession(sessionId: string, sourceType: SessionSourceType, sourceId: string): Session {
    const session = this.sessions.get(sessionId);
    if (!session) throw notFound('session', sessionId);
    // Already there (e.g. the account creation moved it, ASSUMED above): asking again changes nothing.
    if (session.source_type === sourceType && session.source_id === sourceId) return { ...session };
    const allowed =
      (session.source_type === 'anonymous' && (sourceType === 'account' || sourceType === 'person')) ||
      (session.source_type === 'account' && sourceType === 'person');
    if (!allowed) {
      throw conflict(
        'session_transition_not_allowed',
        `A ${session.source_type} session cannot become a ${sourceType} session`,
      );
    }
    this.requireSource(sourceType, sourceId);
    if (session.source_type === 'account' && session.source_id !== null) {
      const person = this.people.get(sourceId);
      if (person && person.account_id !== session.source_id) {
        throw businessRule('person_not_on_account', 'The person does not belong to the session account');
      }
    }
    session.source_type = sourceType;
    session.source_id = sourceId;
    session.updated_at = this.timestamp();
    this.hooks.audit('session_source', session.id, { source_type: sourceType, source_id: sourceId });
    return { ...session };
  }

  private requireSource(sourceType: SessionSourceType, sourceId: string): void {
    if (sourceType === 'account') this.requireAccount(sourceId);
    if (sourceType === 'person') this.requirePerson(sourceId);
  }

  // ---- accounts -------------------------------------------------------------------------------------------

  /**
   * ASSUMED (not public): an account created in an anonymous session becomes that session's source
   * (`source_type: account`), the documented anonymous→account step, which the seed places right after account
   * creation. So `GET /sessions/{id}` names the account even when the answer to `POST /accounts` was lost.
   */
  createAccount(providedId: string, sessionId?: string): Account {
    const context = findContext(providedId);
    if (!context) throw notFound('provided_id', providedId);
    const account: Account = {
      id: randomUUID(),
      provided_id: context.provided_id,
      account_type: context.account_type,
      status: 'new',
      partner_name: context.partner_name,
      bank_name: context.bank_name,
      primary_person_id: null,
      person_ids: [],
      created_at: this.timestamp(),
      activated_at: null,
      closed_at: null,
      closed_reason: null,
    };
    this.accounts.set(account.id, account);
    this.hooks.audit('account', account.id, { provided_id: providedId, account_type: context.account_type });
    const session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    if (session?.source_type === 'anonymous') {
      session.source_type = 'account';
      session.source_id = account.id;
      session.updated_at = account.created_at;
      this.hooks.audit('session_source', session.id, { source_type: 'account', source_id: account.id });
    }
    return this.accountView(account);
  }

  getAccount(accountId: string): Account {
    return this.accountView(this.requireAccount(accountId));
  }

  /** ASSUMED (not public): closing is allowed from new or active, is final, and closes every open card. */
  closeAccount(accountId: string, reason: string | undefined): Account {
    const account = this.requireAccount(accountId);
    if (account.status === 'closed') return this.accountView(account);
    this.cancelPendingActivation(account.id);
    const now = this.timestamp();
    account.status = 'closed';
    account.closed_at = now;
    account.closed_reason = reason ?? 'partner_request';
    this.hooks.audit('account_status', account.id, { status: 'closed', reason: account.closed_reason });
    for (const card of this.cards.values()) {
      if (card.account_id === account.id && card.status !== 'closed') this.closeCardRecord(card, 'account_closed');
    }
    return this.accountView(account);
  }

  listAccountCards(accountId: string): Card[] {
    const account = this.requireAccount(accountId);
    return [...this.cards.values()].filter((card) => card.account_id === account.id).map((card) => ({ ...card }));
  }

  workflow(accountId: string, workflowName: string): WorkflowView {
    const account = this.requireAccount(accountId);
    const primary = account.primary_person_id ? this.people.get(account.primary_person_id) : undefined;
    if (workflowName === 'activate') {
      const steps: WorkflowView['steps'] = [
        { name: 'kyc_approve', status: primary && this.kycClears(primary) ? 'completed' : 'pending' },
        {
          name: 'accept_agreements',
          status: primary && this.agreementsDone(account, primary) ? 'completed' : 'pending',
        },
        {
          name: 'expected_use',
          status: account.account_type !== 'DDA' ? 'not_required' : primary?.expected_use ? 'completed' : 'pending',
        },
        {
          // ASSUMED step: Netspend's own processing after the requirements are met (pending while it runs).
          name: 'account_activation',
          status: account.status === 'active' ? 'completed' : account.status === 'closed' ? 'blocked' : 'pending',
        },
      ];
      const status = account.status === 'active' ? 'completed' : account.status === 'closed' ? 'blocked' : 'pending';
      return { workflow_name: 'activate', account_id: account.id, status, steps };
    }
    if (workflowName === 'kyc_approve') {
      const missing = primary ? this.missingKycData(primary) : [...KYC_FIELDS];
      const kyc = primary?.kyc_status;
      const steps: WorkflowView['steps'] = [
        { name: 'kyc_data', status: missing.length === 0 ? 'completed' : 'pending' },
        {
          name: 'identity_questions',
          status:
            kyc === 'conditional' || (primary && this.cureOffered(primary, 'identity_questions'))
              ? 'pending'
              : primary?.identity_questions_answered
                ? 'completed'
                : 'not_required',
        },
        {
          name: 'identity_scan',
          status: primary && this.cureOffered(primary, 'identity_scan') ? 'pending' : 'not_required',
        },
        {
          name: 'provide_documents',
          status: primary && this.cureOffered(primary, 'provide_documents') ? 'pending' : 'not_required',
        },
        {
          name: 'identity_review_pending',
          status: kyc === 'pending' && missing.length === 0 ? 'pending' : 'not_required',
        },
        {
          name: 'primary_person_kyc_approve',
          status: kyc === 'approved' ? 'completed' : kyc === 'rejected' ? 'blocked' : 'pending',
        },
      ];
      // A rejected person with a cure on offer is pending (the cure step), without one blocked: final.
      const status =
        kyc === 'approved'
          ? 'completed'
          : (kyc === 'rejected' && !primary?.kyc_cure) || primary?.ofac_status === 'rejected'
            ? 'blocked'
            : 'pending';
      return { workflow_name: 'kyc_approve', account_id: account.id, status, steps };
    }
    throw notFound('workflow', workflowName);
  }

  private requireAccount(accountId: string): Account {
    const account = this.accounts.get(accountId);
    if (!account) throw notFound('account', accountId);
    return account;
  }

  private requireOpenAccount(accountId: string): Account {
    const account = this.requireAccount(accountId);
    if (account.status === 'closed') throw conflict('account_closed', `Account ${accountId} is closed`);
    return account;
  }

  private accountView(account: Account): Account {
    return { ...account, person_ids: [...account.person_ids] };
  }

  private contextOf(account: Account): AccountContext {
    const context = findContext(account.provided_id);
    if (!context) throw new Error(`account ${account.id} has an unknown context ${account.provided_id}`);
    return context;
  }

  // ---- people and KYC -------------------------------------------------------------------------------------

  createPerson(input: {
    first_name: string;
    middle_name?: string | undefined;
    last_name: string;
    account_id: string;
    relationship: Relationship;
    personal: PersonalData;
  }): PersonView {
    const account = this.requireOpenAccount(input.account_id);
    if (input.relationship === 'primary' && account.primary_person_id !== null) {
      // ASSUMED: joint accounts (a second primary) are out of the simulator's scope.
      throw conflict('account_has_primary_person', `Account ${account.id} already has a primary person`);
    }
    const now = this.timestamp();
    const person: PersonRecord = {
      id: randomUUID(),
      account_id: account.id,
      relationship: input.relationship,
      first_name: input.first_name,
      middle_name: input.middle_name ?? null,
      last_name: input.last_name,
      personal: { ...input.personal },
      kyc_status: 'pending',
      ofac_status: 'pending',
      kyc_decided: false,
      identity_questions_answered: false,
      kyc_cure: null,
      identity_scan: null,
      document_request: null,
      agreements: new Map(),
      expected_use: null,
      created_at: now,
      updated_at: now,
    };
    this.runChecks(person);
    this.people.set(person.id, person);
    account.person_ids.push(person.id);
    if (input.relationship === 'primary') account.primary_person_id = person.id;
    this.hooks.audit('person', person.id, {
      account_id: account.id,
      relationship: person.relationship,
      kyc_status: person.kyc_status,
      ofac_status: person.ofac_status,
    });
    this.maybeActivate(account);
    return this.personView(person);
  }

  getPerson(personId: string): PersonView {
    return this.personView(this.requirePerson(personId));
  }

  /** Adds or corrects data; KYC/OFAC run again only while no decision exists yet (ASSUMED). */
  patchPerson(
    personId: string,
    patch: {
      first_name?: string | undefined;
      middle_name?: string | undefined;
      last_name?: string | undefined;
      personal?: PersonalData | undefined;
    },
  ): PersonView {
    const person = this.requirePerson(personId);
    const account = this.requireOpenAccount(person.account_id);
    if (patch.first_name !== undefined) person.first_name = patch.first_name;
    if (patch.middle_name !== undefined) person.middle_name = patch.middle_name;
    if (patch.last_name !== undefined) person.last_name = patch.last_name;
    if (patch.personal !== undefined) person.personal = { ...person.personal, ...patch.personal };
    person.updated_at = this.timestamp();
    const before = { kyc: person.kyc_status, ofac: person.ofac_status };
    if (!person.kyc_decided) this.runChecks(person);
    this.hooks.audit('person_update', person.id, { fields: Object.keys(patch).sort() });
    this.afterKycChange(person, account, before);
    return this.personView(person);
  }

  /** Identity questions cure a conditional KYC, and a rejected one Netspend offers them for (`kyc_cure`). */
  private requireIdentityQuestions(person: PersonRecord): void {
    const curable = person.kyc_status === 'conditional' || this.cureOffered(person, 'identity_questions');
    if (!curable) {
      throw conflict(
        'identity_questions_not_available',
        `Identity questions do not apply to this person now (kyc_status ${person.kyc_status})`,
      );
    }
  }

  private cureOffered(person: PersonRecord, method: CureMethod): boolean {
    return person.kyc_status === 'rejected' && person.kyc_cure === method;
  }

  identityQuestions(personId: string): { questions: Question[] } {
    const person = this.requirePerson(personId);
    this.requireIdentityQuestions(person);
    return { questions: IDENTITY_QUESTIONS.map((question) => ({ ...question, answers: [...question.answers] })) };
  }

  /** ASSUMED: one attempt; all answers right → approved, any wrong → rejected. */
  answerIdentityQuestions(personId: string, answers: AnswerList): PersonView {
    const person = this.requirePerson(personId);
    const account = this.requireOpenAccount(person.account_id);
    this.requireIdentityQuestions(person);
    validateAnswers(IDENTITY_QUESTIONS, answers, 'invalid_identity_answer');
    const allRight = answers.every(
      (answer) => IDENTITY_QUESTION_CORRECT_ANSWERS.get(answer.question_id) === answer.answer_id,
    );
    const before = { kyc: person.kyc_status, ofac: person.ofac_status };
    person.kyc_status = allRight ? 'approved' : 'rejected';
    person.identity_questions_answered = true;
    person.kyc_cure = null;
    person.updated_at = this.timestamp();
    this.hooks.audit('identity_questions', person.id, { outcome: person.kyc_status });
    this.afterKycChange(person, account, before);
    return this.personView(person);
  }

  /** `GET /people/{id}/kyc/identity_scan` [doc]: the `identity_scan_id` the SDK's scan uses (the same until done). */
  identityScan(personId: string): IdentityScan {
    const person = this.requirePerson(personId);
    this.requireOpenAccount(person.account_id);
    if (!person.identity_scan && !this.cureOffered(person, 'identity_scan')) {
      throw conflict('identity_scan_not_available', `An identity scan does not apply to this person now`);
    }
    if (!person.identity_scan) {
      person.identity_scan = newIdentityScan(person.id, this.timestamp());
      this.hooks.audit('identity_scan', person.identity_scan.identity_scan_id, { person_id: person.id });
    }
    return { ...person.identity_scan };
  }

  /** The control: the customer finished the scan in Netspend's SDK, and Netspend decided (approved or rejected). */
  completeIdentityScan(personId: string, outcome: 'approved' | 'rejected'): PersonView {
    const person = this.requirePerson(personId);
    const account = this.requireOpenAccount(person.account_id);
    if (person.identity_scan?.status !== 'pending') {
      throw conflict('identity_scan_not_pending', 'No identity scan of this person is waiting for a result');
    }
    const before = { kyc: person.kyc_status, ofac: person.ofac_status };
    person.identity_scan.status = 'completed';
    person.kyc_status = outcome;
    person.kyc_cure = null;
    person.updated_at = this.timestamp();
    this.hooks.audit('identity_scan_result', person.identity_scan.identity_scan_id, { outcome });
    this.afterKycChange(person, account, before);
    return this.personView(person);
  }

  /** `GET /people/{id}/document_requests` (ASSUMED path): the open request, created when Netspend asks for documents. */
  documentRequests(personId: string): { document_requests: DocumentRequest[] } {
    const person = this.requirePerson(personId);
    if (!person.document_request && this.cureOffered(person, 'provide_documents')) {
      person.document_request = newDocumentRequest(person.id, this.timestamp());
      this.hooks.audit('document_request', person.document_request.document_request_id, { person_id: person.id });
    }
    return { document_requests: person.document_request ? [copyDocumentRequest(person.document_request)] : [] };
  }

  /**
   * `POST /document_requests/{id}/documents` (ASSUMED path). Once every requested type is in, Netspend reviews the
   * request: the simulator accepts it at once (ASSUMED), which approves the KYC (webhook as for any KYC change).
   */
  uploadDocument(requestId: string, documentType: RequestedDocumentType, sizeBytes: number): DocumentRequest {
    const person = [...this.people.values()].find((p) => p.document_request?.document_request_id === requestId);
    const request = person?.document_request;
    if (!person || !request) throw notFound('document_request', requestId);
    const account = this.requireOpenAccount(person.account_id);
    if (request.status !== 'requested') {
      throw conflict('document_request_closed', `Document request ${requestId} is ${request.status}`);
    }
    if (!request.document_types.includes(documentType)) {
      throw businessRule('document_type_not_requested', `${documentType} is not requested`, {
        allowed: request.document_types,
      });
    }
    const documentId = randomUUID();
    request.received = [
      ...request.received.filter((item) => item.document_type !== documentType),
      { document_type: documentType, document_id: documentId, size_bytes: sizeBytes },
    ];
    this.hooks.audit('document', documentId, { document_request_id: requestId, document_type: documentType });
    if (documentRequestComplete(request)) {
      const before = { kyc: person.kyc_status, ofac: person.ofac_status };
      request.status = 'accepted';
      person.kyc_status = 'approved';
      person.kyc_cure = null;
      person.updated_at = this.timestamp();
      this.hooks.audit('document_request_status', requestId, { status: 'accepted' });
      this.afterKycChange(person, account, before);
    }
    return copyDocumentRequest(request);
  }

  /** The sandbox control: sets KYC/OFAC outright, as a reviewer at Netspend would. */
  forceKyc(personId: string, kyc: KycStatus | undefined, ofac: OfacStatus | undefined): PersonView {
    const person = this.requirePerson(personId);
    const account = this.requireAccount(person.account_id);
    const before = { kyc: person.kyc_status, ofac: person.ofac_status };
    if (kyc !== undefined) {
      person.kyc_status = kyc;
      person.kyc_decided = kyc !== 'pending';
    }
    if (ofac !== undefined) person.ofac_status = ofac;
    person.updated_at = this.timestamp();
    this.afterKycChange(person, account, before);
    return this.personView(person);
  }

  private afterKycChange(person: PersonRecord, account: Account, before: { kyc: KycStatus; ofac: OfacStatus }): void {
    if (before.kyc === person.kyc_status && before.ofac === person.ofac_status) return;
    this.hooks.audit('kyc_status', person.id, {
      kyc_status: person.kyc_status,
      ofac_status: person.ofac_status,
      previous_kyc_status: before.kyc,
    });
    // The event is about KYC: an OFAC-only change (e.g. pending → approved with the same KYC) is not announced.
    if (before.kyc !== person.kyc_status) {
      this.hooks.emit('person.kyc.identity_scan.modified', {
        person_id: person.id,
        account_id: person.account_id,
        kyc_status: person.kyc_status,
        previous_kyc_status: before.kyc,
        ofac_status: person.ofac_status,
        status: personStatus(person),
      });
    }
    if (account.status !== 'closed') this.maybeActivate(account);
  }

  private missingKycData(person: PersonRecord): string[] {
    return KYC_FIELDS.filter((field) => person.personal[field] === undefined);
  }

  /**
   * KYC and OFAC run once name, date of birth, SSN and address are all present (ASSUMED: the KYC page lists
   * those four). Outcomes follow the SSN controls; an applicant under 18 is rejected.
   */
  private runChecks(person: PersonRecord): void {
    if (this.missingKycData(person).length > 0) return;
    const ssn = ssnOf(person.personal) ?? '';
    const dateOfBirth = person.personal.date_of_birth ?? '';
    person.ofac_status = ssn.startsWith(SSN_CONTROLS.ofacHit) ? 'rejected' : 'approved';
    if (ssn.startsWith(SSN_CONTROLS.reviewPending)) {
      person.kyc_status = 'pending';
      person.kyc_decided = true;
      return;
    }
    person.kyc_decided = true;
    const cure = cureForSsn(ssn);
    if (ageOn(dateOfBirth, this.hooks.now()) < 18 || ssn.startsWith(SSN_CONTROLS.rejected)) {
      person.kyc_status = 'rejected';
    } else if (cure) {
      person.kyc_status = 'rejected';
      person.kyc_cure = cure;
    } else if (ssn.startsWith(SSN_CONTROLS.conditional)) {
      person.kyc_status = 'conditional';
    } else {
      person.kyc_status = 'approved';
    }
  }

  private kycClears(person: PersonRecord): boolean {
    return person.kyc_status === 'approved' && person.ofac_status !== 'rejected';
  }

  private requirePerson(personId: string): PersonRecord {
    const person = this.people.get(personId);
    if (!person) throw notFound('person', personId);
    return person;
  }

  private personView(person: PersonRecord): PersonView {
    return {
      id: person.id,
      account_id: person.account_id,
      relationship: person.relationship,
      first_name: person.first_name,
      middle_name: person.middle_name,
      last_name: person.last_name,
      status: personStatus(person),
      kyc_status: person.kyc_status,
      ofac_status: person.ofac_status,
      kyc_data_missing: this.missingKycData(person),
      created_at: person.created_at,
      updated_at: person.updated_at,
    };
  }

  // ---- agreements -----------------------------------------------------------------------------------------

  searchAgreements(providedId: string): { agreements: Agreement[] } {
    const context = findContext(providedId);
    if (!context) throw notFound('provided_id', providedId);
    return { agreements: context.agreements.map((agreement) => ({ ...agreement })) };
  }

  getAgreement(agreementId: string): Agreement {
    const found = findAgreement(agreementId);
    if (!found) throw notFound('agreement', agreementId);
    return { ...found.agreement };
  }

  personAgreements(personId: string): {
    agreements: (Agreement & { accepted: boolean; accepted_at: string | null })[];
  } {
    const person = this.requirePerson(personId);
    const context = this.contextOf(this.requireAccount(person.account_id));
    return {
      agreements: context.agreements.map((agreement) => {
        const acceptedAt = person.agreements.get(agreement.agreement_id) ?? null;
        return { ...agreement, accepted: acceptedAt !== null, accepted_at: acceptedAt };
      }),
    };
  }

  /** Idempotent: accepting again returns the first acceptance and records nothing new. */
  acceptAgreement(
    personId: string,
    agreementId: string,
  ): { person_id: string; agreement_id: string; accepted: true; accepted_at: string; version: string } {
    const person = this.requirePerson(personId);
    const account = this.requireOpenAccount(person.account_id);
    const found = findAgreement(agreementId);
    if (!found) throw notFound('agreement', agreementId);
    if (found.context.provided_id !== account.provided_id) {
      throw businessRule(
        'agreement_not_applicable',
        `Agreement ${agreementId} does not belong to this account's program`,
      );
    }
    let acceptedAt = person.agreements.get(agreementId);
    if (acceptedAt === undefined) {
      acceptedAt = this.timestamp();
      person.agreements.set(agreementId, acceptedAt);
      this.hooks.audit('agreement_acceptance', `${person.id}:${agreementId}`, {
        person_id: person.id,
        agreement_id: agreementId,
        version: found.agreement.version,
      });
      this.maybeActivate(account);
    }
    return {
      person_id: person.id,
      agreement_id: agreementId,
      accepted: true,
      accepted_at: acceptedAt,
      version: found.agreement.version,
    };
  }

  private agreementsDone(account: Account, person: PersonRecord): boolean {
    return this.contextOf(account)
      .agreements.filter((agreement) => agreement.required_for_onboarding)
      .every((agreement) => person.agreements.has(agreement.agreement_id));
  }

  // ---- expected use (DDA only) ----------------------------------------------------------------------------

  expectedUse(personId: string): { questions: Question[]; answers: AnswerList } {
    const person = this.requirePerson(personId);
    this.requireDda(person);
    return {
      questions: EXPECTED_USE_QUESTIONS.map((question) => ({ ...question, answers: [...question.answers] })),
      answers: person.expected_use ? [...person.expected_use] : [],
    };
  }

  /** Every question answered once with one of its answers. Same answers again change nothing. */
  answerExpectedUse(personId: string, answers: AnswerList): { questions: Question[]; answers: AnswerList } {
    const person = this.requirePerson(personId);
    const account = this.requireDda(person);
    if (account.status === 'closed') throw conflict('account_closed', `Account ${account.id} is closed`);
    validateAnswers(EXPECTED_USE_QUESTIONS, answers, 'invalid_expected_use_answer');
    const ordered = EXPECTED_USE_QUESTIONS.map((question) =>
      answers.find((answer) => answer.question_id === question.question_id)!,
    );
    const unchanged = JSON.stringify(ordered) === JSON.stringify(person.expected_use);
    if (!unchanged) {
      person.expected_use = ordered;
      person.updated_at = this.timestamp();
      this.hooks.audit('expected_use', person.id, { answers: ordered });
      this.maybeActivate(account);
    }
    return this.expectedUse(personId);
  }

  private requireDda(person: PersonRecord): Account {
    const account = this.requireAccount(person.account_id);
    if (account.account_type !== 'DDA') {
      throw businessRule('expected_use_not_applicable', 'Expected use questions apply to DDA accounts only');
    }
    return account;
  }

  // ---- activation -----------------------------------------------------------------------------------------

  /**
   * new → active once the primary person is cleared, agreements accepted and (DDA) expected use answered. Like the
   * real provider, activation happens after the call that qualified the account (ASSUMED delay, a setting): the
   * account stays `new` until then, and the requirements are checked again when the delay is over.
   */
  private maybeActivate(account: Account): void {
    if (!this.qualifiesForActivation(account) || this.pendingActivations.has(account.id)) return;
    const delayMs = this.hooks.activationDelayMs();
    if (delayMs <= 0) {
      this.activate(account);
      return;
    }
    const dueAt = new Date(this.hooks.now().getTime() + delayMs).toISOString();
    const cancel = this.hooks.schedule(() => {
      this.pendingActivations.delete(account.id);
      // A reset replaced the account, or it was closed or lost a requirement meanwhile (e.g. a reviewer's decision).
      if (this.accounts.get(account.id) !== account || !this.qualifiesForActivation(account)) return;
      this.activate(account);
    }, delayMs);
    this.pendingActivations.set(account.id, { dueAt, cancel });
    this.hooks.audit('activation_scheduled', account.id, { due_at: dueAt });
  }

  private qualifiesForActivation(account: Account): boolean {
    if (account.status !== 'new' || account.primary_person_id === null) return false;
    const primary = this.people.get(account.primary_person_id);
    if (!primary || !this.kycClears(primary) || !this.agreementsDone(account, primary)) return false;
    return account.account_type !== 'DDA' || primary.expected_use !== null;
  }

  private activate(account: Account): void {
    account.status = 'active';
    account.activated_at = this.timestamp();
    this.hooks.audit('account_status', account.id, { status: 'active' });
    this.hooks.emit('account.created', {
      account_id: account.id,
      status: account.status,
      account_type: account.account_type,
      provided_id: account.provided_id,
      primary_person_id: account.primary_person_id,
      activated_at: account.activated_at,
    });
  }

  private cancelPendingActivation(accountId: string): void {
    this.pendingActivations.get(accountId)?.cancel();
    this.pendingActivations.delete(accountId);
  }

  /** Called on reset and when the sandbox closes: no activation fires afterwards. */
  cancelPendingActivations(): void {
    for (const pending of this.pendingActivations.values()) pending.cancel();
    this.pendingActivations.clear();
  }

  /** The control: Netspend finishes a pending activation now instead of when it is due. */
  activatePendingNow(accountId: string): Account {
    const account = this.requireAccount(accountId);
    if (!this.pendingActivations.has(account.id)) {
      throw conflict('activation_not_pending', `Account ${account.id} has no pending activation (${account.status})`);
    }
    this.cancelPendingActivation(account.id);
    if (this.qualifiesForActivation(account)) this.activate(account);
    return this.accountView(account);
  }

  /** What the sandbox will activate, and when (a control, so a test can see a close called one off). */
  listPendingActivations(): { account_id: string; due_at: string }[] {
    return [...this.pendingActivations].map(([accountId, pending]) => ({
      account_id: accountId,
      due_at: pending.dueAt,
    }));
  }

  // ---- cards ----------------------------------------------------------------------------------------------

  brands(personId: string): { brands: CardBrand[] } {
    const person = this.requirePerson(personId);
    const context = this.contextOf(this.requireAccount(person.account_id));
    return { brands: context.card_brands.map((brand) => ({ ...brand })) };
  }

  orderCard(
    cardType: CardType,
    input: { account_id: string; person_id: string; brand_name?: string | undefined; address?: Address | undefined },
  ): Card {
    const account = this.requireAccount(input.account_id);
    const person = this.requirePerson(input.person_id);
    if (person.account_id !== account.id) {
      throw businessRule('person_not_on_account', `Person ${person.id} does not belong to account ${account.id}`);
    }
    if (account.status === 'closed') throw conflict('account_closed', `Account ${account.id} is closed`);
    if (account.status !== 'active') throw conflict('account_inactive', `Account ${account.id} is not active`);
    if (!this.kycClears(person)) throw conflict('person_kyc_not_approved', `Person ${person.id} is not KYC approved`);
    const brands = this.contextOf(account).card_brands;
    const brand = input.brand_name === undefined ? brands[0] : brands.find((b) => b.brand_name === input.brand_name);
    if (!brand) {
      throw businessRule('invalid_brand_name', `Brand ${input.brand_name ?? ''} is not offered to this account`, {
        allowed: brands.map((b) => b.brand_name),
      });
    }
    const now = this.hooks.now();
    const hasPan = cardType !== 'digital';
    const card: Card = {
      id: randomUUID(),
      account_id: account.id,
      person_id: person.id,
      card_type: cardType,
      brand_name: brand.brand_name,
      status: cardType === 'physical' ? 'ordered' : 'active',
      last_four: hasPan ? String(Math.floor(Math.random() * 10_000)).padStart(4, '0') : null,
      expiration: hasPan
        ? `${String(now.getUTCMonth() + 1).padStart(2, '0')}/${String((now.getUTCFullYear() + 4) % 100).padStart(2, '0')}`
        : null,
      digitizable: cardType !== 'virtual',
      pin_set: false,
      created_at: now.toISOString(),
      activated_at: cardType === 'physical' ? null : now.toISOString(),
      closed_at: null,
      closed_reason: null,
    };
    this.cards.set(card.id, card);
    this.hooks.audit('card', card.id, {
      account_id: account.id,
      person_id: person.id,
      card_type: cardType,
      brand_name: brand.brand_name,
    });
    return { ...card };
  }

  getCard(cardId: string): Card {
    return { ...this.requireCard(cardId) };
  }

  /**
   * Sets the PIN; the first PIN activates an ordered physical card. The PIN itself is never stored, echoed or
   * logged. ASSUMED weak-PIN rule: four equal digits or a straight run are refused.
   */
  setPin(cardId: string, pin: string): Card {
    const card = this.requireCard(cardId);
    if (!/^\d{4}$/.test(pin)) throw new NetspendApiError(400, 'invalid_pin', 'The PIN must be exactly 4 digits');
    if (isWeakPin(pin)) throw businessRule('pin_too_weak', 'The PIN must not be four equal digits or a straight run');
    if (card.status === 'closed') throw conflict('card_closed', `Card ${card.id} is closed`);
    const account = this.requireAccount(card.account_id);
    if (account.status !== 'active') throw conflict('account_inactive', `Account ${account.id} is not active`);
    card.pin_set = true;
    if (card.status === 'ordered') {
      card.status = 'active';
      card.activated_at = this.timestamp();
      this.hooks.audit('card_status', card.id, { status: 'active' });
    }
    return { ...card };
  }

  /** ASSUMED (not public): `POST /cards/{id}/close`, idempotent, final. */
  closeCard(cardId: string, reason: string | undefined): Card {
    const card = this.requireCard(cardId);
    if (card.status !== 'closed') this.closeCardRecord(card, reason ?? 'partner_request');
    return { ...card };
  }

  private closeCardRecord(card: Card, reason: string): void {
    card.status = 'closed';
    card.closed_at = this.timestamp();
    card.closed_reason = reason;
    this.hooks.audit('card_status', card.id, { status: 'closed', reason });
  }

  private requireCard(cardId: string): Card {
    const card = this.cards.get(cardId);
    if (!card) throw notFound('card', cardId);
    return card;
  }
}

function personStatus(person: PersonRecord): PersonStatus {
  if (person.kyc_status === 'rejected' || person.ofac_status === 'rejected') return 'inactive';
  if (person.kyc_status === 'approved' && person.ofac_status === 'approved') return 'active';
  return 'pending';
}

function validateAnswers(questions: readonly Question[], answers: AnswerList, errorCode: string): void {
  const problems: string[] = [];
  for (const question of questions) {
    const answer = answers.find((candidate) => candidate.question_id === question.question_id);
    if (!answer) problems.push(`${question.question_id}: not answered`);
    else if (!question.answers.some((choice) => choice.answer_id === answer.answer_id)) {
      problems.push(`${question.question_id}: unknown answer_id ${answer.answer_id}`);
    }
  }
  for (const answer of answers) {
    if (!questions.some((question) => question.question_id === answer.question_id)) {
      problems.push(`${answer.question_id}: unknown question_id`);
    }
  }
  if (problems.length > 0)
    throw new NetspendApiError(400, errorCode, 'The answers do not match the questions', problems);
}

function isWeakPin(pin: string): boolean {
  const digits = [...pin].map(Number);
  const step = digits[1]! - digits[0]!;
  const straight =
    (step === 1 || step === -1 || step === 0) && digits.every((digit, i) => i === 0 || digit - digits[i - 1]! === step);
  return straight;
}
