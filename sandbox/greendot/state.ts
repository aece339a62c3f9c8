/**
 * Accounts, their primary holder and payment instruments: the enrollment outcome, the OFAC review, the card
 * processor, close. Statuses and the ASSUMED strings are in sandbox/README.md, section "Green Dot".
 * Adjustments and transactions live in ./adjustments.ts.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { accountNotFound, accountNotHealthy, cardNotFound, detail, GreenDotError, SUCCESS } from './errors.js';
import type { ResponseDetail } from './errors.js';
import { outcomeFor, PRODUCTS, type EnrollmentOutcome } from './enrollment.js';
import type { Outbox } from './outbox.js';
import type { EnrollmentRequest, PaymentInstrumentType } from './schemas.js';
import { accountView, reasonsFor } from './view.js';

export type AccountStatus = 'pending' | 'normal' | 'restricted' | 'closed';
export type CardStatus = 'notActivated' | 'activated' | 'blocked' | 'deactivated' | 'closed';
type Verdict = 'pending' | 'passed' | 'failed';

export interface Card {
  paymentInstrumentIdentifier: string;
  paymentIdentifier: string;
  paymentInstrumentType: PaymentInstrumentType;
  status: CardStatus;
  isPinSet: boolean;
  last4Pan: string;
  issuedDateTime: string;
  activatedDateTime: string | null;
}

export interface Account {
  accountIdentifier: string;
  accountReferenceNumber: string;
  productCode: string;
  status: AccountStatus;
  statusReasons: string[];
  accountStatusChangedDateTime: string;
  purseIdentifier: string;
  /** Posted money only; pending debits lower the available balance (./adjustments.ts). */
  ledgerBalance: number;
  pendingDebits: number;
  user: { userIdentifier: string; firstName: string; lastName: string; last4Identity: string; ofac: Verdict };
  cards: Card[];
  /** The enrollment card the processor is preparing: cancels its timer. */
  pendingCard: (() => void) | null;
  /** Our trigger or control: the processor never delivers this account's enrollment card. */
  processorFails: boolean;
  /** The scheduled automatic review decision: cancels its timer. */
  pendingReview: (() => void) | null;
}

export interface StateDeps {
  now: () => Date;
  audit: (kind: string, id: string, data?: Record<string, unknown>) => void;
  outbox: Outbox;
  schedule: (task: () => void, delayMs: number) => () => void;
  settings: () => { reviewDelayMs: number | null; cardIssueDelayMs: number };
}

const DECLINE_DETAIL = detail(2, 32, 'OFAC Hard Decline');
const PENDING_DETAIL = detail(1, 31, 'OFAC Partial Match - manual review, 2 business day SLA');
const PROCESSOR_FAILURE = detail(2, 70, 'Card processor failure');

const digits = (count: number): string => Array.from({ length: count }, () => String(randomInt(10))).join('');

export class GreenDotState {
  private accounts = new Map<string, Account>();

  constructor(private readonly deps: StateDeps) {}

  reset(): void {
    for (const account of this.accounts.values()) this.cancelTimers(account);
    this.accounts = new Map();
  }

  get(accountIdentifier: string): Account {
    const account = this.accounts.get(accountIdentifier);
    if (!account) throw accountNotFound(accountIdentifier);
    return account;
  }

  /** Creates user, account, purse (and the card per product); returns the outcome's responseDetails. */
  enroll(body: EnrollmentRequest, requestId: string): { account: Account; responseDetails: ResponseDetail[] } {
    return this.deps.outbox.batch(() => {
      const outcome = outcomeFor(body.profileData.lastName);
      const account = this.newAccount(body, outcome);
      this.deps.audit('enrollment', requestId, { accountIdentifier: account.accountIdentifier, outcome });
      this.deps.audit('account', account.accountIdentifier, {
        productCode: account.productCode,
        status: account.status,
      });
      this.deps.audit('user', account.user.userIdentifier, { accountIdentifier: account.accountIdentifier });
      this.raiseAccountUpdated(account, outcome === 'declined' ? [DECLINE_DETAIL] : undefined);
      if (outcome === 'pendingApprove' || outcome === 'pendingDecline') {
        this.scheduleReview(account, outcome === 'pendingApprove' ? 'approved' : 'declined');
        return { account, responseDetails: [PENDING_DETAIL] };
      }
      if (outcome === 'declined') return { account, responseDetails: [DECLINE_DETAIL] };
      this.startEnrollmentCard(account);
      return { account, responseDetails: [SUCCESS] };
    });
  }

  private newAccount(body: EnrollmentRequest, outcome: EnrollmentOutcome): Account {
    const now = this.deps.now().toISOString();
    const identity = body.identifyingData.ssn ?? body.identifyingData.last4Ssn ?? '';
    const status: AccountStatus =
      outcome === 'declined' ? 'closed' : outcome.startsWith('pending') ? 'pending' : 'normal';
    const account: Account = {
      accountIdentifier: randomUUID(),
      accountReferenceNumber: digits(12),
      productCode: body.productCode,
      status,
      statusReasons: [],
      accountStatusChangedDateTime: now,
      purseIdentifier: randomUUID(),
      ledgerBalance: 0,
      pendingDebits: 0,
      user: {
        userIdentifier: randomUUID(),
        firstName: body.profileData.firstName,
        lastName: body.profileData.lastName,
        last4Identity: identity.slice(-4),
        ofac: status === 'normal' ? 'passed' : status === 'pending' ? 'pending' : 'failed',
      },
      cards: [],
      pendingCard: null,
      processorFails: outcome === 'processorFailure',
      pendingReview: null,
    };
    account.statusReasons = reasonsFor(status);
    this.accounts.set(account.accountIdentifier, account);
    return account;
  }

  private scheduleReview(account: Account, decision: 'approved' | 'declined'): void {
    const delay = this.deps.settings().reviewDelayMs;
    if (delay === null) return;
    account.pendingReview = this.deps.schedule(() => {
      account.pendingReview = null;
      this.decideReview(account.accountIdentifier, decision);
    }, delay);
  }

  /** The reviewer's decision on a pending-OFAC account (timer or our control). */
  decideReview(accountIdentifier: string, decision: 'approved' | 'declined'): Account {
    const account = this.get(accountIdentifier);
    if (account.status !== 'pending') throw accountNotHealthy(account.status);
    account.pendingReview?.();
    account.pendingReview = null;
    return this.deps.outbox.batch(() => {
      account.user.ofac = decision === 'approved' ? 'passed' : 'failed';
      this.setStatus(account, decision === 'approved' ? 'normal' : 'closed');
      this.raiseAccountUpdated(account, decision === 'declined' ? [DECLINE_DETAIL] : undefined);
      if (decision === 'approved') this.startEnrollmentCard(account);
      return account;
    });
  }

  private startEnrollmentCard(account: Account): void {
    if (!PRODUCTS[account.productCode]?.issuesCardAtEnrollment) return;
    const finish = (): void => {
      account.pendingCard = null;
      this.deps.outbox.batch(() => {
        if (account.processorFails) return this.raiseProcessorFailure(account);
        if (account.status !== 'normal') return; // closed while the processor worked: no card
        const card = this.addCard(account, 'virtual');
        this.raiseCardUpdated(account, 'issued', card);
        // A card arriving later changes the account: announce it as well.
        if (this.deps.settings().cardIssueDelayMs > 0) this.raiseAccountUpdated(account);
      });
    };
    const delay = this.deps.settings().cardIssueDelayMs;
    if (delay === 0 && !account.processorFails) return finish();
    account.pendingCard = this.deps.schedule(finish, delay);
  }

  /** Our control: the processor gives up on the enrollment card (now, or once the review approves). */
  failProcessor(accountIdentifier: string): Account {
    const account = this.get(accountIdentifier);
    const awaitingReview = account.status === 'pending' && PRODUCTS[account.productCode]?.issuesCardAtEnrollment;
    if (account.pendingCard === null && !awaitingReview) {
      throw new GreenDotError(409, detail(4511, 0, 'No enrollment card is being prepared for this account'));
    }
    account.processorFails = true;
    if (account.pendingCard !== null) {
      account.pendingCard();
      account.pendingCard = null;
      this.deps.outbox.batch(() => this.raiseProcessorFailure(account));
    }
    return account;
  }

  private raiseProcessorFailure(account: Account): void {
    this.deps.audit('payment_instrument_status', account.accountIdentifier, { processorFailure: true });
    this.deps.outbox.raise({
      accountIdentifier: account.accountIdentifier,
      eventType: 'cardUpdated',
      payload: () => ({
        cardUpdateType: 'processorFailure',
        paymentInstrument: null,
        responseDetails: [PROCESSOR_FAILURE],
      }),
    });
  }

  issueCard(accountIdentifier: string, type: PaymentInstrumentType): Card {
    const account = this.get(accountIdentifier);
    if (account.status !== 'normal') throw accountNotHealthy(account.status);
    return this.deps.outbox.batch(() => {
      const card = this.addCard(account, type);
      this.raiseCardUpdated(account, 'issued', card);
      return card;
    });
  }

  private addCard(account: Account, type: PaymentInstrumentType): Card {
    const now = this.deps.now().toISOString();
    const card: Card = {
      paymentInstrumentIdentifier: randomUUID(),
      paymentIdentifier: randomUUID(),
      paymentInstrumentType: type,
      // Virtual cards are usable at once; physical ones are activated by the holder after mailing [doc].
      status: type === 'virtual' ? 'activated' : 'notActivated',
      isPinSet: false,
      last4Pan: digits(4),
      issuedDateTime: now,
      activatedDateTime: type === 'virtual' ? now : null,
    };
    account.cards.push(card);
    this.deps.audit('payment_instrument', card.paymentInstrumentIdentifier, {
      accountIdentifier: account.accountIdentifier,
      paymentInstrumentType: type,
      status: card.status,
    });
    return card;
  }

  card(accountIdentifier: string, paymentInstrumentIdentifier: string): { account: Account; card: Card } {
    const account = this.get(accountIdentifier);
    const card = account.cards.find((c) => c.paymentInstrumentIdentifier === paymentInstrumentIdentifier);
    if (!card) throw cardNotFound(paymentInstrumentIdentifier);
    return { account, card };
  }

  /** Refuses a card that can no longer be used (409 code 4510, ASSUMED). */
  usableCard(accountIdentifier: string, paymentInstrumentIdentifier: string): { account: Account; card: Card } {
    const found = this.card(accountIdentifier, paymentInstrumentIdentifier);
    if (found.account.status !== 'normal') throw accountNotHealthy(found.account.status);
    if (found.card.status !== 'activated' && found.card.status !== 'notActivated') {
      throw new GreenDotError(
        409,
        detail(4510, 0, `Payment instrument status ${found.card.status} does not allow this`),
      );
    }
    return found;
  }

  activateCard(accountIdentifier: string, paymentInstrumentIdentifier: string): Card {
    const { account, card } = this.usableCard(accountIdentifier, paymentInstrumentIdentifier);
    if (card.status === 'activated') return card;
    return this.deps.outbox.batch(() => {
      card.status = 'activated';
      card.activatedDateTime = this.deps.now().toISOString();
      this.deps.audit('payment_instrument_status', card.paymentInstrumentIdentifier, { status: 'activated' });
      this.raiseCardUpdated(account, 'activated', card);
      return card;
    });
  }

  close(accountIdentifier: string): Account {
    const account = this.get(accountIdentifier);
    if (account.status === 'restricted') return account;
    if (account.status !== 'normal') throw accountNotHealthy(account.status);
    if (account.ledgerBalance - account.pendingDebits < 0) {
      throw new GreenDotError(409, detail(4505, 0, 'Account balance is negative'));
    }
    return this.deps.outbox.batch(() => {
      account.pendingCard?.();
      account.pendingCard = null;
      this.setStatus(account, 'restricted');
      for (const card of account.cards) {
        if (card.status === 'closed') continue;
        card.status = 'closed';
        this.deps.audit('payment_instrument_status', card.paymentInstrumentIdentifier, { status: 'closed' });
      }
      this.raiseAccountUpdated(account);
      return account;
    });
  }

  private setStatus(account: Account, status: AccountStatus): void {
    this.deps.audit('account_status', account.accountIdentifier, { from: account.status, to: status });
    account.status = status;
    account.statusReasons = reasonsFor(status);
    account.accountStatusChangedDateTime = this.deps.now().toISOString();
  }

  raiseAccountUpdated(account: Account, responseDetails?: ResponseDetail[]): void {
    this.deps.outbox.raise({
      accountIdentifier: account.accountIdentifier,
      eventType: 'accountUpdated',
      payload: () => ({ account: accountView(account), ...(responseDetails ? { responseDetails } : {}) }),
    });
  }

  private raiseCardUpdated(account: Account, cardUpdateType: 'issued' | 'activated', card: Card): void {
    this.deps.outbox.raise({
      accountIdentifier: account.accountIdentifier,
      eventType: 'cardUpdated',
      payload: () => ({ cardUpdateType, paymentInstrument: { ...card } }),
    });
  }

  private cancelTimers(account: Account): void {
    account.pendingCard?.();
    account.pendingReview?.();
  }
}
