/**
 * What the API answers for consumers and KYCs (field names from Linkcy's consumer overview and list pages;
 * `kycInfo`'s shape and the list's sub-status rules are ASSUMED). Sandbox bookkeeping never leaves through these.
 */
import type { Kyc } from './kyc.js';
import type { Consumer } from './model.js';

export function consumerView(consumer: Consumer, kyc: Kyc | null): Record<string, unknown> {
  return {
    id: consumer.id,
    externalId: consumer.externalId,
    phone: { ...consumer.phone },
    email: consumer.email === null ? null : { ...consumer.email },
    status: 'ACTIVE',
    termsAccepted: consumer.termsAccepted,
    lastTermsAccepted: consumer.lastTermsAccepted,
    kycInfo: kyc
      ? { id: kyc.id, status: kyc.status, updateDate: kyc.updateDate }
      : { id: null, status: 'NOT_STARTED', updateDate: null },
    firstName: consumer.firstName,
    middleName: consumer.middleName,
    lastName: consumer.lastName,
    address: null,
    gender: null,
    birthIsoCountryCode: consumer.birthIsoCountryCode,
    birthDate: consumer.birthDate,
    sourceOfFunds: consumer.sourceOfFunds,
    otherSourceOfFunds: consumer.otherSourceOfFunds,
    occupation: consumer.occupation,
    otherOccupation: consumer.otherOccupation,
    metadata: consumer.metadata,
    creationDate: consumer.creationDate,
    updateDate: consumer.updateDate,
  };
}

const COMPLIANCE_BY_KYC: Record<string, string> = {
  PENDING_REVIEW: 'PENDING_REVIEW',
  VALIDATED: 'VALIDATED',
  DECLINED: 'DECLINED',
};

export function consumerListItem(consumer: Consumer, kyc: Kyc | null): Record<string, unknown> {
  const kycStatus = kyc?.status ?? 'NOT_STARTED';
  const sub = (value: string) => ({ value, reason: null });
  return {
    id: consumer.id,
    externalId: consumer.externalId,
    phone: { ...consumer.phone },
    email: consumer.email === null ? null : { ...consumer.email },
    firstName: consumer.firstName,
    lastName: consumer.lastName,
    termsAccepted: consumer.termsAccepted,
    creationDate: consumer.creationDate,
    updateDate: consumer.updateDate,
    status: {
      banking: sub(consumer.hasLedger ? 'VALIDATED' : 'NOT_CREATED'),
      kyc: sub(kycStatus),
      suspension: sub('NOT_SUSPENDED'),
      linkcy: sub(kycStatus === 'VALIDATED' && consumer.termsAccepted ? 'VALIDATED' : 'PENDING'),
      compliance: sub(COMPLIANCE_BY_KYC[kycStatus] ?? 'PENDING'),
      overall: sub('ACTIVE'),
    },
  };
}

export function kycView(kyc: Kyc): Record<string, unknown> {
  return {
    id: kyc.id,
    personId: kyc.personId,
    personType: kyc.personType,
    status: kyc.status,
    reason: kyc.reason,
    accessType: kyc.accessType,
    url: kyc.url,
    sdkToken: kyc.sdkToken,
    ttl: kyc.ttl,
    expirationDate: new Date(kyc.expiresAt).toISOString(),
    urlOnComplete: kyc.urlOnComplete,
    urlOnFailure: kyc.urlOnFailure,
    creationDate: kyc.creationDate,
    updateDate: kyc.updateDate,
  };
}

export function page<T>(items: T[], pageNumber: number, pageSize: number) {
  return {
    content: items.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize),
    totalElements: items.length,
    page: pageNumber,
    pageSize,
  };
}
