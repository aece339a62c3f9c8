/**
 * In-memory stand-in for the Netspend activities, following the simulator's documented controls (SSN prefixes
 * 991 conditional, 992 rejected, 993 OFAC hit, 994 review pending; the first identity answer is the right one),
 * with what a test needs on top: hold a call until released, record every activity input, count closes.
 * Keyed by workflow id (read from the activity context), so many onboardings share one worker.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CommonActivities, OutboundEvent } from '../../contract/outbound.js';
import { testSecrets } from '../helpers/secrets.js';
import type {
  NetspendAccountType,
  NetspendActivities,
  NetspendAccountView,
  NetspendAgreement,
  NetspendCardBrand,
  NetspendCardView,
  NetspendDocumentRequestView,
  NetspendKycCure,
  NetspendKycStatus,
  NetspendOfacStatus,
  NetspendPersonView,
  NetspendQuestion,
} from '../../contract/netspend.js';

export const SSN = {
  approved: '400123456',
  conditional: '991123456',
  rejected: '992123456',
  ofacHit: '993123456',
  reviewPending: '994123456',
  rejectedCurableByQuestions: '995123456',
  rejectedCurableByScan: '996123456',
  rejectedCurableByDocuments: '997123456',
} as const;

/** The cure a rejected person is offered, by SSN prefix (the simulator's controls); none = final. */
const CURES: Record<string, NetspendKycCure> = {
  '995': 'identity_questions',
  '996': 'identity_scan',
  '997': 'provide_documents',
};
export const FAKE_DOCUMENT_TYPES = ['government_id_front', 'proof_of_address'];

const PROVIDED_IDS: Record<NetspendAccountType, string> = { DDA: 'fake-dda', GPR: 'fake-gpr' };

export interface FakeAccount {
  id: string;
  workflowId: string;
  type: NetspendAccountType;
  providedId: string;
  status: 'new' | 'active' | 'closed';
  closes: number;
}

interface FakePerson {
  id: string;
  accountId: string;
  kyc: NetspendKycStatus;
  ofac: NetspendOfacStatus;
  agreements: Set<string>;
  expectedUse: boolean;
  cure: NetspendKycCure | null;
  scan: 'none' | 'pending' | 'completed';
  documents: { received: string[]; status: 'requested' | 'accepted' } | null;
}

interface FakeCard extends NetspendCardView {
  accountId: string;
  closes: number;
  shippedTo: unknown;
}

export interface Hold {
  /** Resolves once the held call has started. */
  entered: Promise<void>;
  release: () => void;
}

function currentWorkflowId(): string {
  const workflowId = Context.current().info.workflowExecution?.workflowId;
  if (!workflowId) throw new Error('the fake Netspend runs only as activities of a workflow');
  return workflowId;
}

function businessError(code: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'ProviderBusinessError', {
    provider: 'netspend',
    status: code.endsWith('not_found') ? 404 : 422,
    code,
    kind: 'business',
  });
}

const question = (questionId: string, answers: string[]): NetspendQuestion => ({
  questionId,
  text: `question ${questionId}`,
  answers: answers.map((answerId) => ({ answerId, text: `answer ${answerId}` })),
});

export class FakeNetspend {
  readonly agreements: NetspendAgreement[] = (['cardholder_terms', 'esign', 'privacy_policy'] as const).map((type) => ({
    agreementId: `agr_${type}`,
    type,
    name: type,
    version: '1.0',
    url: `https://example.test/${type}.pdf`,
    requiredForOnboarding: true,
  }));
  readonly identityQuestions = [question('idq_street', ['street_right', 'street_wrong'])];
  readonly expectedUseQuestions = [
    question('monthly_deposit', ['deposit_low', 'deposit_high']),
    question('occupation', ['occupation_teacher', 'occupation_nurse']),
  ];
  readonly brands: NetspendCardBrand[] = [
    { brandName: 'brand_classic', displayName: 'Classic', network: 'visa', imageUrl: null },
    { brandName: 'brand_midnight', displayName: 'Midnight', network: 'visa', imageUrl: null },
  ];

  readonly accounts = new Map<string, FakeAccount>();
  readonly people = new Map<string, FakePerson>();
  readonly cards = new Map<string, FakeCard>();
  readonly outbound: OutboundEvent[] = [];
  /** Every activity call: workflow id, activity name, the input as JSON. */
  readonly calls: { workflowId: string; activity: string; input: string }[] = [];
  private readonly gates = new Map<string, { entered: () => void; released: Promise<void> }>();
  private sequence = 0;

  /** The next `activity` call of `workflowId` blocks until `release()`: a cancel can land during it. */
  hold(workflowId: string, activity: string): Hold {
    let entered!: () => void;
    let release!: () => void;
    const hold: Hold = {
      entered: new Promise<void>((resolve) => (entered = resolve)),
      release: () => release(),
    };
    const released = new Promise<void>((resolve) => (release = resolve));
    this.gates.set(`${workflowId}:${activity}`, { entered: () => entered(), released });
    return hold;
  }

  account(workflowId: string): FakeAccount {
    const found = [...this.accounts.values()].find((candidate) => candidate.workflowId === workflowId);
    if (!found) throw new Error(`no account for ${workflowId}`);
    return found;
  }

  accountOf(workflowId: string): FakeAccount | undefined {
    return [...this.accounts.values()].find((candidate) => candidate.workflowId === workflowId);
  }

  cardsOf(workflowId: string): FakeCard[] {
    const account = this.accountOf(workflowId);
    return account ? [...this.cards.values()].filter((card) => card.accountId === account.id) : [];
  }

  personOf(workflowId: string): FakePerson {
    const account = this.account(workflowId);
    const person = [...this.people.values()].find((candidate) => candidate.accountId === account.id);
    if (!person) throw new Error(`no person for ${workflowId}`);
    return person;
  }

  /** The customer finished Netspend's identity scan (in its SDK) and Netspend decided. */
  completeIdentityScan(workflowId: string, outcome: 'approved' | 'rejected'): void {
    const person = this.personOf(workflowId);
    person.scan = 'completed';
    person.kyc = outcome;
    person.cure = null;
  }

  /** A reviewer at Netspend decides a pending KYC. */
  decideKyc(workflowId: string, kyc: NetspendKycStatus): void {
    const person = this.personOf(workflowId);
    person.kyc = kyc;
    this.maybeActivate(this.account(workflowId));
  }

  callsOf(workflowId: string): { activity: string; input: string }[] {
    return this.calls.filter((call) => call.workflowId === workflowId);
  }

  eventsFor(workflowId: string): OutboundEvent[] {
    return this.outbound.filter((event) => event.onboardingId === workflowId);
  }

  activities(): NetspendActivities & CommonActivities {
    return {
      createSession: async (input) => {
        await this.enter('createSession', input);
        return { sessionId: `ses_${++this.sequence}`, type: 'anonymous', sourceId: null };
      },
      attachPersonToSession: async (input) => {
        await this.enter('attachPersonToSession', input);
        return { sessionId: input.sessionId, type: 'person', sourceId: input.personId };
      },
      createAccount: async (input) => {
        await this.enter('createAccount', input);
        const type = input.accountType ?? 'DDA';
        const account: FakeAccount = {
          id: `acct_${++this.sequence}`,
          workflowId: currentWorkflowId(),
          type,
          providedId: input.providedId ?? PROVIDED_IDS[type],
          status: 'new',
          closes: 0,
        };
        this.accounts.set(account.id, account);
        return this.accountView(account);
      },
      getAccount: async (input) => {
        await this.enter('getAccount', input);
        return this.accountView(this.findAccount(input.accountId));
      },
      closeAccount: async (input) => {
        await this.enter('closeAccount', input);
        const account = this.findAccount(input.accountId);
        account.closes += 1;
        account.status = 'closed';
        for (const card of this.cards.values()) if (card.accountId === account.id) card.status = 'closed';
        return this.accountView(account);
      },
      createPerson: async (input) => {
        await this.enter('createPerson', input);
        const account = this.findAccount(input.accountId);
        const ssn = input.applicant.ssn;
        const person: FakePerson = {
          id: `per_${++this.sequence}`,
          accountId: account.id,
          kyc: ssn.startsWith('991')
            ? 'conditional'
            : ssn.startsWith('992')
              ? 'rejected'
              : ssn.startsWith('994')
                ? 'pending'
                : 'approved',
          ofac: ssn.startsWith('993') ? 'rejected' : 'approved',
          agreements: new Set(),
          expectedUse: false,
          cure: CURES[ssn.slice(0, 3)] ?? null,
          scan: 'none',
          documents: null,
        };
        if (person.cure) person.kyc = 'rejected';
        this.people.set(person.id, person);
        return this.personView(person);
      },
      getPerson: async (input) => {
        await this.enter('getPerson', input);
        return this.personView(this.findPerson(input.personId));
      },
      getIdentityQuestions: async (input) => {
        await this.enter('getIdentityQuestions', input);
        const person = this.findPerson(input.personId);
        const curable = person.kyc === 'rejected' && person.cure === 'identity_questions';
        if (person.kyc !== 'conditional' && !curable) {
          throw businessError('identity_questions_not_available', 'not curable by identity questions');
        }
        return this.identityQuestions;
      },
      answerIdentityQuestions: async (input) => {
        await this.enter('answerIdentityQuestions', input);
        const person = this.findPerson(input.personId);
        const right = input.answers.every((answer) => answer.answerId === 'street_right');
        person.kyc = right ? 'approved' : 'rejected';
        person.cure = null;
        return this.personView(person);
      },
      getKycCures: async (input) => {
        await this.enter('getKycCures', input);
        const person = [...this.people.values()].find((candidate) => candidate.accountId === input.accountId);
        const offered = person?.kyc === 'rejected' ? person.cure : null;
        return { available: offered ? [offered] : [] };
      },
      getIdentityScan: async (input) => {
        await this.enter('getIdentityScan', input);
        const person = this.findPerson(input.personId);
        if (person.scan === 'none') {
          if (person.cure !== 'identity_scan') throw businessError('identity_scan_not_available', 'no scan');
          person.scan = 'pending';
        }
        return { identityScanId: `scan_${person.id}`, status: person.scan === 'completed' ? 'completed' : 'pending' };
      },
      getDocumentRequest: async (input) => {
        await this.enter('getDocumentRequest', input);
        const person = this.findPerson(input.personId);
        if (!person.documents && person.cure === 'provide_documents') {
          person.documents = { received: [], status: 'requested' };
        }
        return person.documents ? this.documentRequestView(person) : null;
      },
      uploadKycDocuments: async (input) => {
        await this.enter('uploadKycDocuments', input);
        const person = this.findPerson(input.personId);
        if (!person.documents) throw businessError('document_request_not_found', input.documentRequestId);
        for (const document of input.documents) person.documents.received.push(document.type);
        if (FAKE_DOCUMENT_TYPES.every((type) => person.documents?.received.includes(type))) {
          person.documents.status = 'accepted';
          person.kyc = 'approved';
          person.cure = null;
        }
        return this.documentRequestView(person);
      },
      searchAgreements: async (input) => {
        await this.enter('searchAgreements', input);
        return this.agreements;
      },
      getAcceptedAgreements: async (input) => {
        await this.enter('getAcceptedAgreements', input);
        return [...this.findPerson(input.personId).agreements];
      },
      acceptAgreement: async (input) => {
        await this.enter('acceptAgreement', input);
        const person = this.findPerson(input.personId);
        person.agreements.add(input.agreementId);
        this.maybeActivate(this.findAccount(person.accountId));
      },
      getExpectedUseQuestions: async (input) => {
        await this.enter('getExpectedUseQuestions', input);
        const person = this.findPerson(input.personId);
        if (this.findAccount(person.accountId).type !== 'DDA') {
          throw businessError('expected_use_not_applicable', 'DDA only');
        }
        return this.expectedUseQuestions;
      },
      answerExpectedUse: async (input) => {
        await this.enter('answerExpectedUse', input);
        const person = this.findPerson(input.personId);
        person.expectedUse = true;
        this.maybeActivate(this.findAccount(person.accountId));
      },
      searchCardBrands: async (input) => {
        await this.enter('searchCardBrands', input);
        return this.brands;
      },
      orderCard: async (input) => {
        await this.enter('orderCard', input);
        const account = this.findAccount(input.accountId);
        if (account.status !== 'active') throw businessError('account_inactive', 'not active');
        const card: FakeCard = {
          cardId: `card_${++this.sequence}`,
          type: input.type,
          status: input.type === 'physical' ? 'ordered' : 'active',
          brandName: input.brandName,
          accountId: account.id,
          closes: 0,
          shippedTo: input.shippingAddress ?? null,
        };
        this.cards.set(card.cardId, card);
        return this.cardView(card);
      },
      getCard: async (input) => {
        await this.enter('getCard', input);
        return this.cardView(this.findCard(input.cardId));
      },
      listCards: async (input) => {
        await this.enter('listCards', input);
        return [...this.cards.values()]
          .filter((card) => card.accountId === input.accountId)
          .map((card) => this.cardView(card));
      },
      activateCard: async (input) => {
        await this.enter('activateCard', input);
        const card = this.findCard(input.cardId);
        const pin = testSecrets.open(input.pin);
        if (/^(\d)\1{3}$/.test(pin) || pin === '1234') {
          throw businessError('pin_too_weak', 'The PIN must not be four equal digits or a straight run');
        }
        if (card.status === 'closed') throw businessError('card_closed', 'closed');
        card.status = 'active';
        return this.cardView(card);
      },
      closeCard: async (input) => {
        await this.enter('closeCard', input);
        const card = this.findCard(input.cardId);
        card.closes += 1;
        card.status = 'closed';
        return this.cardView(card);
      },
      emitOutboundEvent: async (event) => {
        this.outbound.push(event);
      },
    };
  }

  private async enter(activity: string, input: unknown): Promise<void> {
    const workflowId = currentWorkflowId();
    this.calls.push({ workflowId, activity, input: JSON.stringify(input) });
    const key = `${workflowId}:${activity}`;
    const gate = this.gates.get(key);
    if (gate) {
      this.gates.delete(key);
      gate.entered();
      await gate.released;
    }
  }

  private maybeActivate(account: FakeAccount): void {
    if (account.status !== 'new') return;
    const person = [...this.people.values()].find((candidate) => candidate.accountId === account.id);
    if (!person || person.kyc !== 'approved' || person.ofac !== 'approved') return;
    if (!this.agreements.every((agreement) => person.agreements.has(agreement.agreementId))) return;
    if (account.type === 'DDA' && !person.expectedUse) return;
    account.status = 'active';
  }

  private findAccount(accountId: string): FakeAccount {
    const account = this.accounts.get(accountId);
    if (!account) throw businessError('account_not_found', accountId);
    return account;
  }

  private findPerson(personId: string): FakePerson {
    const person = this.people.get(personId);
    if (!person) throw businessError('person_not_found', personId);
    return person;
  }

  private findCard(cardId: string): FakeCard {
    const card = this.cards.get(cardId);
    if (!card) throw businessError('card_not_found', cardId);
    return card;
  }

  private accountView(account: FakeAccount): NetspendAccountView {
    return { accountId: account.id, status: account.status, accountType: account.type, providedId: account.providedId };
  }

  private personView(person: FakePerson): NetspendPersonView {
    const rejected = person.kyc === 'rejected' || person.ofac === 'rejected';
    return {
      personId: person.id,
      accountId: person.accountId,
      status: rejected ? 'inactive' : person.kyc === 'approved' ? 'active' : 'pending',
      kycStatus: person.kyc,
      ofacStatus: person.ofac,
      kycDataMissing: [],
    };
  }

  private documentRequestView(person: FakePerson): NetspendDocumentRequestView {
    return {
      documentRequestId: `docreq_${person.id}`,
      status: person.documents?.status ?? 'requested',
      documentTypes: [...FAKE_DOCUMENT_TYPES],
      receivedTypes: [...new Set(person.documents?.received ?? [])],
    };
  }

  private cardView(card: FakeCard): NetspendCardView {
    return { cardId: card.cardId, type: card.type, status: card.status, brandName: card.brandName };
  }
}
