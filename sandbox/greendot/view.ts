/**
 * How Green Dot shows an account (GET account, enrollment, `accountUpdated`) [doc fields; `purses` ASSUMED].
 * Never the SSN, the date of birth or a full PAN.
 */
import type { Account, AccountStatus } from './state.js';

export function reasonsFor(status: AccountStatus): string[] {
  if (status === 'normal') return ['healthy'];
  if (status === 'pending') return ['verificationNeeded'];
  if (status === 'restricted') return ['customerInitiatedSpendDown'];
  return ['ofacDeclined'];
}

export function accountView(account: Account): Record<string, unknown> {
  const { user } = account;
  const gate = account.status === 'normal' ? 'healthy' : account.status === 'pending' ? 'ofac' : 'none';
  return {
    accountIdentifier: account.accountIdentifier,
    accountReferenceNumber: account.accountReferenceNumber,
    productCode: account.productCode,
    status: account.status,
    statusReasons: [...account.statusReasons],
    accountStatusChangedDateTime: account.accountStatusChangedDateTime,
    accountCycleDay: 1,
    purses: [
      {
        purseIdentifier: account.purseIdentifier,
        purseType: 'primary',
        availableBalance: round(account.ledgerBalance - account.pendingDebits),
        ledgerBalance: round(account.ledgerBalance),
        currency: 'USD',
      },
    ],
    accountHolders: [
      {
        user: {
          userIdentifier: user.userIdentifier,
          firstName: user.firstName,
          lastName: user.lastName,
          dobStatus: 'matched',
          last4Identity: user.last4Identity,
          identityType: 'ssn',
          isPrimaryAccountHolder: true,
          status: 'active',
          kycStateData: {
            ofacStatus: user.ofac,
            kycStatus: user.ofac === 'failed' ? 'failed' : 'passed',
            kycPendingGate: gate,
          },
        },
        paymentInstruments: account.cards.map((card) => ({ ...card })),
      },
    ],
  };
}

export const round = (amount: number): number => Math.round(amount * 100) / 100;
