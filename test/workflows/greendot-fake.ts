/**
 * In-memory stand-in for the Green Dot activities, following the simulator's documented controls (a last name
 * starting with `Ofac` is an OFAC partial match, decided here by `decideOfac`), with what a test needs on top:
 * scripted failures per activity, the card's fate per onboarding, and counts of what was created. Enrollment is
 * keyed by workflow id, as the real `X-GD-RequestId` is derived from it: a repeated call answers the first account.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type {
  GreendotAccountView,
  GreendotActivities,
  GreendotAdjustmentView,
  GreendotCheckStatus,
  GreendotPaymentInstrumentView,
  GreendotTerms,
  GreendotTransactionView,
} from '../../contract/greendot.js';
import type { CommonActivities, OutboundEvent } from '../../contract/outbound.js';

/** What the product's enrollment card does: `never` = the processor never delivers it (a failure event may). */
export type CardFate = 'virtual' | 'physical' | 'never' | 'late';

interface FakeAccount {
  id: string;
  workflowId: string;
  status: GreendotAccountView['status'];
  ofac: GreendotCheckStatus;
  card: GreendotPaymentInstrumentView | null;
  cardFate: CardFate;
  reads: number;
  closes: number;
}

interface FakeAdjustment {
  id: string;
  accountId: string;
  amount: number;
  type: string;
  postedAfterReads: number;
  reads: number;
}

function currentWorkflowId(): string {
  const workflowId = Context.current().info.workflowExecution?.workflowId;
  if (!workflowId) throw new Error('the fake Green Dot runs only as activities of a workflow');
  return workflowId;
}

export function greendotRefusal(code: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'ProviderBusinessError', {
    provider: 'greendot',
    status: 400,
    code,
    kind: 'validation',
    fields: ['applicant.dateOfBirth'],
  });
}
export const serverError = () =>
  ApplicationFailure.nonRetryable('POST /enrollments answered 500 (0/0)', 'ProviderOutcomeUnknown', {
    provider: 'greendot',
    status: 500,
    code: '0/0',
  });
export const unavailable = () =>
  ApplicationFailure.retryable('POST /enrollments answered 503 (0/0)', 'ProviderUnavailable', {
    provider: 'greendot',
    status: 503,
    code: '0/0',
  });

export class FakeGreendot {
  readonly terms: GreendotTerms[] = [
    { termsIdentifier: 'sandbox-cardholder-agreement', name: 'Cardholder agreement', url: null },
    { termsIdentifier: 'sandbox-esign', name: 'E-sign consent', url: null },
  ];
  readonly accounts = new Map<string, FakeAccount>();
  readonly adjustments = new Map<string, FakeAdjustment>();
  readonly outbound: OutboundEvent[] = [];
  /** Every call, in order, with its input as JSON (to prove what reached an activity and what did not). */
  readonly calls: { workflowId: string; activity: string; input: string }[] = [];
  private readonly enrollments = new Map<string, string>();
  private readonly scripted = new Map<string, (() => Error)[]>();
  private readonly fates = new Map<string, CardFate>();
  private readonly failingAdjustments = new Set<string>();
  private readonly holds = new Map<string, { entered: () => void; released: Promise<void> }>();
  private sequence = 0;

  /** The next calls of `activity` for `workflowId` throw these, in order. */
  script(workflowId: string, activity: keyof GreendotActivities | 'enroll:after', failures: (() => Error)[]): void {
    this.scripted.set(`${workflowId}:${activity}`, [...failures]);
  }

  /** The next call of `activity` for `workflowId` waits until released (to act while it is in flight). */
  hold(workflowId: string, activity: keyof GreendotActivities): { entered: Promise<void>; release: () => void } {
    let entered!: () => void;
    let release!: () => void;
    const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.set(`${workflowId}:${activity}`, { entered, released });
    return { entered: enteredPromise, release };
  }

  cardFate(workflowId: string, fate: CardFate): void {
    this.fates.set(workflowId, fate);
  }

  failAdjustments(workflowId: string): void {
    this.failingAdjustments.add(workflowId);
  }

  decideOfac(accountId: string, decision: 'passed' | 'failed'): void {
    const account = this.accountOf(accountId);
    account.ofac = decision;
    account.status = decision === 'passed' ? 'normal' : 'closed';
  }

  accountsOf(workflowId: string): FakeAccount[] {
    return [...this.accounts.values()].filter((account) => account.workflowId === workflowId);
  }

  callsOf(workflowId: string, activity: string): number {
    return this.calls.filter((call) => call.workflowId === workflowId && call.activity === activity).length;
  }

  activities(): GreendotActivities & CommonActivities {
    return {
      requiredTerms: async (input) => {
        this.enter('requiredTerms', input);
        return this.terms;
      },
      enroll: async (input) => {
        const workflowId = this.enter('enroll', input);
        let accountId = this.enrollments.get(workflowId);
        if (!accountId) {
          accountId = `acct-${++this.sequence}`;
          // `Ofacreject…`: the simulator's hard decline at enrollment (2/32), the account closed at once.
          if (/^ofacreject/i.test(input.applicant.name.last)) {
            return { outcome: 'declined', accountIdentifier: null, responseCode: '2/32' };
          }
          const pending = /^ofac/i.test(input.applicant.name.last);
          this.accounts.set(accountId, {
            id: accountId,
            workflowId,
            status: pending ? 'pending' : 'normal',
            ofac: pending ? 'pending' : 'passed',
            card: null,
            cardFate: this.fates.get(workflowId) ?? 'virtual',
            reads: 0,
            closes: 0,
          });
          this.enrollments.set(workflowId, accountId);
        }
        // A 500 after the account was made: the worst case an operator retry must not duplicate.
        this.failIfScripted(workflowId, 'enroll:after');
        const account = this.accountOf(accountId);
        return {
          outcome: account.ofac === 'pending' ? 'pending_ofac' : 'success',
          accountIdentifier: accountId,
          responseCode: account.ofac === 'pending' ? '1/31' : '0/0',
        };
      },
      getAccount: async (input) => {
        const workflowId = this.enter('getAccount', input);
        const hold = this.holds.get(`${workflowId}:getAccount`);
        if (hold) {
          this.holds.delete(`${workflowId}:getAccount`);
          hold.entered();
          await hold.released;
        }
        const account = this.accountOf(input.accountIdentifier);
        account.reads += 1;
        this.issueCard(account);
        return this.view(account);
      },
      issueCard: async (input) => {
        this.enter('issueCard', input);
        const account = this.accountOf(input.accountIdentifier);
        const physical = input.kind === 'physical';
        // Keyed by kind, as the request id is: a repeat answers the card the first call issued.
        if (account.card?.isPhysical === physical) return account.card;
        account.card = {
          paymentInstrumentIdentifier: `pi-${input.kind}-${account.id}`,
          type: physical ? 'contactlessEmv' : 'virtual',
          isPhysical: physical,
          status: physical ? 'notActivated' : 'activated',
        };
        return account.card;
      },
      activateCard: async (input) => {
        this.enter('activateCard', input);
        const account = this.accountOf(input.accountIdentifier);
        if (!account.card) throw greendotRefusal('3500/0', 'no such payment instrument');
        account.card = { ...account.card, status: 'activated' };
        return account.card;
      },
      pushProvision: async (input) => {
        this.enter('pushProvision', input);
        return {
          walletType: input.device.walletType,
          payload: { activationData: `act-${input.attempt}`, encryptedPassData: 'opaque' },
        };
      },
      createAdjustment: async (input) => {
        const workflowId = this.enter('createAdjustment', input);
        const id = `adj-${workflowId}-${input.purpose}`;
        const failed = this.failingAdjustments.has(workflowId);
        if (!this.adjustments.has(id)) {
          this.adjustments.set(id, {
            id,
            accountId: input.accountIdentifier,
            amount: input.amount,
            type: input.adjustmentType,
            postedAfterReads: 1,
            reads: 0,
          });
        }
        const view: GreendotAdjustmentView = {
          adjustmentIdentifier: id,
          status: failed ? 'failed' : 'pending',
          reason: failed ? 'adjustment type not enabled' : null,
        };
        return view;
      },
      listTransactions: async (input) => {
        this.enter('listTransactions', input);
        const transactions: GreendotTransactionView[] = [];
        for (const adjustment of this.adjustments.values()) {
          if (adjustment.accountId !== input.accountIdentifier) continue;
          adjustment.reads += 1;
          transactions.push({
            transactionIdentifier: `txn-${adjustment.id}`,
            adjustmentIdentifier: adjustment.id,
            status: adjustment.reads > adjustment.postedAfterReads ? 'posted' : 'pending',
            amount: adjustment.amount,
          });
        }
        return transactions;
      },
      closeAccount: async (input) => {
        this.enter('closeAccount', input);
        const account = this.accountOf(input.accountIdentifier);
        account.closes += 1;
        account.status = 'restricted';
        return this.view(account);
      },
      emitOutboundEvent: async (event) => {
        this.outbound.push(event);
      },
    };
  }

  private enter(activity: string, input: unknown): string {
    const workflowId = currentWorkflowId();
    this.calls.push({ workflowId, activity, input: JSON.stringify(input) });
    this.failIfScripted(workflowId, activity);
    return workflowId;
  }

  private failIfScripted(workflowId: string, activity: string): void {
    const failures = this.scripted.get(`${workflowId}:${activity}`);
    const next = failures?.shift();
    if (next) throw next();
  }

  /** The card appears on the second read after the account is normal (the processor takes a moment). */
  private issueCard(account: FakeAccount): void {
    if (account.card || account.status !== 'normal' || account.cardFate === 'never') return;
    if (account.cardFate === 'late' && account.reads < 4) return;
    const physical = account.cardFate === 'physical';
    account.card = {
      paymentInstrumentIdentifier: `pi-${account.id}`,
      type: physical ? 'contactlessEmv' : 'virtual',
      isPhysical: physical,
      status: physical ? 'notActivated' : 'activated',
    };
  }

  private accountOf(accountId: string): FakeAccount {
    const account = this.accounts.get(accountId);
    if (!account) throw greendotRefusal('3500/0', 'unknown account');
    return account;
  }

  private view(account: FakeAccount): GreendotAccountView {
    return {
      accountIdentifier: account.id,
      accountReferenceNumber: `ref-${account.id}`,
      status: account.status,
      statusReasons: account.ofac === 'pending' ? ['verificationNeeded'] : ['healthy'],
      userIdentifier: `user-${account.id}`,
      ofacStatus: account.ofac,
      paymentInstruments: account.card ? [account.card] : [],
    };
  }
}
