/**
 * Balance adjustments and the transactions they make [doc: adjustment, transactions]. An adjustment is `pending`
 * until it posts (`transactionPostDelayMs`, ours): then `completed` with a `transaction` + `accountUpdated`
 * message, or — our trigger, `FAIL` in the description, or the control — `failed` with `adjustmentFinalStatus`.
 */
import { randomUUID } from 'node:crypto';
import { accountNotHealthy, detail, GreenDotError } from './errors.js';
import type { Outbox } from './outbox.js';
import type { AdjustmentRequest } from './schemas.js';
import type { Account, GreenDotState } from './state.js';
import { round } from './view.js';

/** Adjustment types enabled for the sandbox program (ASSUMED); the other documented ones are refused. */
export const ENABLED_ADJUSTMENT_TYPES: ReadonlySet<string> = new Set(['promo', 'promoReversal']);

export type AdjustmentStatus = 'pending' | 'completed' | 'failed';

export interface Transaction {
  transactionIdentifier: string;
  adjustmentIdentifier: string;
  transactionType: 'adjustment';
  adjustmentType: string;
  transactionAmount: number;
  currency: string;
  status: 'pending' | 'completed';
  purseIdentifier: string;
  transactionDateTime: string;
  postedDateTime: string | null;
  description: string;
}

interface Adjustment {
  adjustmentIdentifier: string;
  accountIdentifier: string;
  amount: number;
  status: AdjustmentStatus;
  statusReason: string | null;
  transaction: Transaction | null;
  failsWhenProcessed: boolean;
  cancelTimer: (() => void) | null;
}

export interface AdjustmentAnswer {
  adjustmentIdentifier: string;
  adjustmentStatus: AdjustmentStatus;
  adjustmentStatusReason: string | null;
}

export interface AdjustmentDeps {
  now: () => Date;
  audit: (kind: string, id: string, data?: Record<string, unknown>) => void;
  outbox: Outbox;
  schedule: (task: () => void, delayMs: number) => () => void;
  postDelayMs: () => number;
}

const key = (accountIdentifier: string, adjustmentIdentifier: string): string =>
  `${accountIdentifier}/${adjustmentIdentifier}`;

export class Adjustments {
  private adjustments = new Map<string, Adjustment>();
  /** Settled (posted) transactions kept per account, in order; pending ones are read from their adjustment. */
  private order: Adjustment[] = [];

  constructor(
    private readonly state: GreenDotState,
    private readonly deps: AdjustmentDeps,
  ) {}

  reset(): void {
    for (const adjustment of this.order) adjustment.cancelTimer?.();
    this.adjustments = new Map();
    this.order = [];
  }

  create(accountIdentifier: string, body: AdjustmentRequest): AdjustmentAnswer {
    const account = this.state.get(accountIdentifier);
    const existing = this.adjustments.get(key(accountIdentifier, body.adjustmentIdentifier));
    // The partner's identifier is unique per account (ASSUMED): a repeat reports, it never credits twice.
    if (existing) return answerOf(existing);
    if (account.status !== 'normal') throw accountNotHealthy(account.status);
    checkCurrency(body.currency);
    if (!ENABLED_ADJUSTMENT_TYPES.has(body.adjustmentType)) {
      throw new GreenDotError(
        400,
        detail(660, 0, `adjustmentType: ${body.adjustmentType} is not enabled for this program`),
      );
    }
    const adjustment: Adjustment = {
      adjustmentIdentifier: body.adjustmentIdentifier,
      accountIdentifier,
      amount: round(body.amount),
      status: 'pending',
      statusReason: null,
      transaction: null,
      failsWhenProcessed: body.adjustmentDescription.includes('FAIL'),
      cancelTimer: null,
    };
    this.adjustments.set(key(accountIdentifier, body.adjustmentIdentifier), adjustment);
    this.order.push(adjustment);
    const available = account.ledgerBalance - account.pendingDebits;
    if (adjustment.amount < 0 && available + adjustment.amount < 0 && body.debitToNegative !== true) {
      adjustment.status = 'failed';
      adjustment.statusReason = 'insufficientFunds';
      this.auditAdjustment(adjustment);
      return answerOf(adjustment);
    }
    const now = this.deps.now().toISOString();
    adjustment.transaction = {
      transactionIdentifier: randomUUID(),
      adjustmentIdentifier: body.adjustmentIdentifier,
      transactionType: 'adjustment',
      adjustmentType: body.adjustmentType,
      transactionAmount: adjustment.amount,
      currency: 'USD',
      status: 'pending',
      purseIdentifier: account.purseIdentifier,
      transactionDateTime: now,
      postedDateTime: null,
      description: body.adjustmentDescription,
    };
    if (adjustment.amount < 0) account.pendingDebits -= adjustment.amount;
    this.auditAdjustment(adjustment);
    this.deps.audit('transaction', adjustment.transaction.transactionIdentifier, {
      accountIdentifier,
      adjustmentIdentifier: body.adjustmentIdentifier,
    });
    const delay = this.deps.postDelayMs();
    const settle = (): void => this.settle(adjustment, adjustment.failsWhenProcessed ? 'failed' : 'completed');
    if (delay === 0) settle();
    else adjustment.cancelTimer = this.deps.schedule(settle, delay);
    return answerOf(adjustment);
  }

  /** Our controls: post or fail a pending adjustment now. */
  settleNow(adjustmentIdentifier: string, outcome: 'completed' | 'failed'): AdjustmentAnswer {
    const adjustment = this.order.find(
      (candidate) => candidate.adjustmentIdentifier === adjustmentIdentifier && candidate.status === 'pending',
    );
    if (!adjustment) {
      throw new GreenDotError(409, detail(4512, 0, `No pending adjustment ${adjustmentIdentifier}`));
    }
    this.settle(adjustment, outcome);
    return answerOf(adjustment);
  }

  private settle(adjustment: Adjustment, outcome: 'completed' | 'failed'): void {
    if (adjustment.status !== 'pending' || !adjustment.transaction) return;
    adjustment.cancelTimer?.();
    adjustment.cancelTimer = null;
    const account = this.state.get(adjustment.accountIdentifier);
    const transaction = adjustment.transaction;
    if (adjustment.amount < 0) account.pendingDebits += adjustment.amount;
    this.deps.outbox.batch(() => {
      adjustment.status = outcome;
      if (outcome === 'failed') {
        adjustment.statusReason = 'processingFailed';
        adjustment.transaction = null;
        this.deps.outbox.raise({
          accountIdentifier: account.accountIdentifier,
          eventType: 'adjustmentFinalStatus',
          payload: () => ({ adjustment: answerOf(adjustment) }),
        });
      } else {
        transaction.status = 'completed';
        transaction.postedDateTime = this.deps.now().toISOString();
        account.ledgerBalance = round(account.ledgerBalance + adjustment.amount);
        this.deps.outbox.raise({
          accountIdentifier: account.accountIdentifier,
          eventType: 'transaction',
          payload: () => ({ transaction: { ...transaction } }),
        });
        this.state.raiseAccountUpdated(account);
      }
      this.deps.audit('transaction_status', transaction.transactionIdentifier, { status: outcome });
    });
  }

  /** Pending first, then posted newest first [doc]; failed adjustments leave no transaction. */
  transactions(account: Account): Transaction[] {
    const mine = this.order
      .filter((adjustment) => adjustment.accountIdentifier === account.accountIdentifier)
      .map((adjustment) => adjustment.transaction)
      .filter((transaction): transaction is Transaction => transaction !== null)
      .reverse();
    return [
      ...mine.filter((transaction) => transaction.status === 'pending'),
      ...mine.filter((transaction) => transaction.status === 'completed'),
    ].map((transaction) => ({ ...transaction }));
  }

  private auditAdjustment(adjustment: Adjustment): void {
    this.deps.audit('adjustment', adjustment.adjustmentIdentifier, {
      accountIdentifier: adjustment.accountIdentifier,
      amount: adjustment.amount,
      status: adjustment.status,
    });
  }
}

function checkCurrency(currency: string): void {
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new GreenDotError(400, detail(650, 0, 'currency: must be an ISO 4217 code, e.g. USD'));
  }
  if (currency !== 'USD') {
    throw new GreenDotError(400, detail(650, 430, `currency: ${currency} is not supported (USD only)`));
  }
}

function answerOf(adjustment: Adjustment): AdjustmentAnswer {
  return {
    adjustmentIdentifier: adjustment.adjustmentIdentifier,
    adjustmentStatus: adjustment.status,
    adjustmentStatusReason: adjustment.statusReason,
  };
}
