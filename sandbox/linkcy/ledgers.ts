/**
 * Ledgers (the account with IBAN/BIC the seed's diagram creates after KYC). Request from third-party code
 * (`{endUserId, type: "EUR_BELGIUM", autoUpgrade, friendlyName}`), answer and rules ASSUMED: only for a consumer
 * with a VALIDATED KYC and accepted terms, one per consumer and type.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { conflict, LinkcyApiError } from './errors.js';
import type { Consumer, LinkcyStore } from './model.js';

export interface Ledger {
  id: string;
  endUserId: string;
  type: 'EUR_BELGIUM';
  friendlyName: string | null;
  autoUpgrade: boolean;
  status: 'ACTIVE';
  currency: 'EUR';
  iban: string;
  bic: string;
  balance: number;
  creationDate: string;
}

/** A Belgian IBAN with valid check digits (mod 97), so a client that validates IBANs accepts it. */
export function belgianIban(): string {
  const account = String(randomInt(0, 10_000_000_000)).padStart(10, '0');
  const national = `${account}${String(Number(BigInt(account) % 97n) || 97).padStart(2, '0')}`;
  // BE = 11 14; check digits = 98 - (national + "111400") mod 97.
  const check = 98 - Number(BigInt(`${national}111400`) % 97n);
  return `BE${String(check).padStart(2, '0')}${national}`;
}

export class Ledgers {
  private readonly ledgers = new Map<string, Ledger>();

  constructor(private readonly store: LinkcyStore) {}

  reset(): void {
    this.ledgers.clear();
  }

  create(
    consumer: Consumer,
    kycStatus: string,
    body: { type: 'EUR_BELGIUM'; friendlyName?: string | undefined; autoUpgrade?: boolean | undefined },
  ): Ledger {
    if (kycStatus !== 'VALIDATED') throw conflict('KYC_NOT_VALIDATED', 'The consumer KYC is not validated');
    if (!consumer.termsAccepted) throw conflict('TERMS_NOT_ACCEPTED', 'The consumer must accept the current terms');
    if (this.list(consumer.id).some((ledger) => ledger.type === body.type)) {
      throw conflict('LEDGER_ALREADY_EXISTS', `The consumer already has a ${body.type} ledger`);
    }
    const ledger: Ledger = {
      id: randomUUID(),
      endUserId: consumer.id,
      type: body.type,
      friendlyName: body.friendlyName ?? null,
      autoUpgrade: body.autoUpgrade ?? false,
      status: 'ACTIVE',
      currency: 'EUR',
      iban: belgianIban(),
      bic: 'LNKCBEB1XXX',
      balance: 0,
      creationDate: this.store.nowIso(),
    };
    this.ledgers.set(ledger.id, ledger);
    consumer.hasLedger = true;
    this.store.deps.audit('ledger', ledger.id, { consumerId: consumer.id, type: ledger.type });
    return ledger;
  }

  get(id: string): Ledger {
    const ledger = this.ledgers.get(id);
    if (!ledger) {
      throw new LinkcyApiError(404, 'LEDGER_NOT_FOUND', `No ledger with id ${id}`, [
        { field: 'ledgerId', rejectedValue: id, message: 'Ledger not found' },
      ]);
    }
    return ledger;
  }

  list(endUserId?: string): Ledger[] {
    return [...this.ledgers.values()].filter((ledger) => endUserId === undefined || ledger.endUserId === endUserId);
  }
}
