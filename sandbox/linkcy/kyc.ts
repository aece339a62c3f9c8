/**
 * The hosted KYC [doc statuses; transitions ASSUMED]: NOT_STARTED → CREATED (POST /kyc) → PROCESSING (the customer
 * opened the page) → VALIDATED | PENDING_REVIEW (→ VALIDATED | DECLINED) | DECLINED | ABORTED; a link that expires
 * while CREATED/PROCESSING aborts; after ABORTED a new POST creates a new KYC. One active KYC per consumer.
 * The outcome: the control's explicit one, else the consumer's preset, else the phone number's last four digits.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { conflict, LinkcyApiError } from './errors.js';
import type { Consumer, KycOutcome, LinkcyStore } from './model.js';
import type { KycStatus } from './schemas.js';

export interface Kyc {
  id: string;
  personId: string;
  personType: 'CONSUMER';
  status: KycStatus;
  accessType: 'LINK' | 'SDK';
  url: string | null;
  sdkToken: string | null;
  ttl: string;
  expiresAt: number;
  urlOnComplete: string | null;
  urlOnFailure: string | null;
  reason: string | null;
  creationDate: string;
  updateDate: string;
}

export interface KycConfiguration {
  accessType: 'LINK' | 'SDK';
  urlOnComplete?: string | undefined;
  urlOnFailure?: string | undefined;
}

const ACTIVE: ReadonlySet<KycStatus> = new Set(['CREATED', 'PROCESSING', 'PENDING_REVIEW']);
const OUTCOME_STATUS: Record<KycOutcome, KycStatus> = {
  approved: 'VALIDATED',
  rejected: 'DECLINED',
  review: 'PENDING_REVIEW',
  abandon: 'ABORTED',
};
const SDK_TOKEN_HOURS = 24;

/** Sandbox triggers by the phone number's last four digits (ASSUMED; Linkcy has no SSN to key on). */
export function outcomeByPhone(number: string): KycOutcome {
  const lastFour = number.slice(-4);
  if (lastFour === '0001') return 'rejected';
  if (lastFour === '0002') return 'review';
  if (lastFour === '0003') return 'abandon';
  return 'approved';
}

export const kycNotFound = (id: string): LinkcyApiError =>
  new LinkcyApiError(404, 'KYC_NOT_FOUND', `No KYC with id ${id}`, [
    { field: 'kycId', rejectedValue: id, message: 'KYC not found' },
  ]);

export class KycMachine {
  private readonly kycs = new Map<string, Kyc>();
  private readonly pending = new Map<string, () => void>();

  constructor(private readonly store: LinkcyStore) {}

  reset(): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
    this.kycs.clear();
  }

  statusOf = (id: string): KycStatus => this.get(id).status;

  get(id: string): Kyc {
    const kyc = this.kycs.get(id);
    if (!kyc) throw kycNotFound(id);
    this.expireIfDue(kyc);
    return kyc;
  }

  list(filter: { personId?: string | undefined; kycStatus?: KycStatus[] | undefined }): Kyc[] {
    return [...this.kycs.values()]
      .map((kyc) => this.get(kyc.id))
      .filter((kyc) => filter.personId === undefined || kyc.personId === filter.personId)
      .filter((kyc) => filter.kycStatus === undefined || filter.kycStatus.includes(kyc.status));
  }

  latest(consumer: Consumer): Kyc | null {
    const last = consumer.kycIds[consumer.kycIds.length - 1];
    return last === undefined ? null : this.get(last);
  }

  /**
   * `created: false` when the consumer already has an active KYC: that one is answered, nothing is created.
   * `pageBaseUrl`: where our hosted page (./hosted.ts) is served; the link is that plus the KYC id.
   */
  create(consumer: Consumer, config: KycConfiguration, pageBaseUrl: string): { kyc: Kyc; created: boolean } {
    if (!consumer.phone.verified) {
      throw conflict('PHONE_NOT_VALIDATED', 'The phone number must be verified before starting the KYC');
    }
    const current = this.latest(consumer);
    if (current?.status === 'VALIDATED') throw conflict('KYC_ALREADY_VALIDATED', 'The KYC is already validated');
    if (current?.status === 'DECLINED') throw conflict('KYC_DECLINED', 'The KYC was declined');
    if (current && ACTIVE.has(current.status)) return { kyc: current, created: false };

    const settings = this.store.deps.settings();
    const now = this.store.deps.now();
    const hours = config.accessType === 'LINK' ? settings.kycLinkTtlHours : SDK_TOKEN_HOURS;
    const id = randomUUID();
    const kyc: Kyc = {
      id,
      personId: consumer.id,
      personType: 'CONSUMER',
      status: 'CREATED',
      accessType: config.accessType,
      url: config.accessType === 'LINK' ? `${pageBaseUrl}/${id}` : null,
      sdkToken: config.accessType === 'SDK' ? randomBytes(24).toString('base64url') : null,
      ttl: `PT${hours}H`,
      expiresAt: now.getTime() + hours * 3600_000,
      urlOnComplete: config.urlOnComplete ?? null,
      urlOnFailure: config.urlOnFailure ?? null,
      reason: null,
      creationDate: now.toISOString(),
      updateDate: now.toISOString(),
    };
    this.kycs.set(id, kyc);
    consumer.kycIds.push(id);
    this.store.deps.audit('kyc', id, { consumerId: consumer.id, accessType: kyc.accessType });
    this.announce(kyc, 'CONSUMER_KYC_CREATED');
    if (settings.kycAutoCompleteMs !== null) {
      this.later(id, settings.kycAutoCompleteMs, () => {
        if (kyc.status === 'CREATED' || kyc.status === 'PROCESSING') this.complete(id);
      });
    }
    return { kyc, created: true };
  }

  /** The customer opened the hosted page. */
  open(id: string): Kyc {
    const kyc = this.get(id);
    if (kyc.status !== 'CREATED') throw conflict('KYC_NOT_OPENABLE', `A KYC in status ${kyc.status} cannot be opened`);
    this.transition(kyc, 'PROCESSING');
    return kyc;
  }

  /** The customer finished the page; the verification answers after the configured delay. */
  complete(id: string, explicit?: KycOutcome): Kyc {
    const kyc = this.get(id);
    if (kyc.status !== 'CREATED' && kyc.status !== 'PROCESSING') {
      throw conflict('KYC_NOT_IN_PROGRESS', `A KYC in status ${kyc.status} cannot be completed`);
    }
    const consumer = this.store.consumer(kyc.personId);
    const outcome = explicit ?? consumer.kycOutcome ?? outcomeByPhone(consumer.phone.number);
    if (kyc.status === 'CREATED') this.transition(kyc, 'PROCESSING');
    if (outcome === 'abandon') {
      this.transition(kyc, 'ABORTED', 'USER_ABANDONED');
      return kyc;
    }
    const verify = (): void => {
      if (kyc.status !== 'PROCESSING') return;
      const to = OUTCOME_STATUS[outcome];
      this.transition(kyc, to, to === 'DECLINED' ? 'IDENTITY_NOT_VERIFIED' : null);
    };
    const delayMs = this.store.deps.settings().kycVerificationDelayMs;
    if (delayMs === 0) verify();
    else this.later(id, delayMs, verify);
    return kyc;
  }

  decide(id: string, status: 'VALIDATED' | 'DECLINED'): Kyc {
    const kyc = this.get(id);
    if (kyc.status !== 'PENDING_REVIEW') throw conflict('KYC_NOT_IN_REVIEW', `The KYC is ${kyc.status}, not in review`);
    this.transition(kyc, status, status === 'DECLINED' ? 'IDENTITY_NOT_VERIFIED' : null);
    return kyc;
  }

  expire(id: string): Kyc {
    const kyc = this.get(id);
    if (kyc.status !== 'CREATED' && kyc.status !== 'PROCESSING') {
      throw conflict('KYC_NOT_IN_PROGRESS', `A KYC in status ${kyc.status} cannot expire`);
    }
    kyc.expiresAt = this.store.deps.now().getTime();
    this.transition(kyc, 'ABORTED', 'LINK_EXPIRED');
    return kyc;
  }

  /** `POST /api/partner/kyc/simulate` [3p]: the consumer's latest KYC jumps to the status. */
  simulate(consumer: Consumer, status: Exclude<KycStatus, 'NOT_STARTED'>): Kyc {
    const kyc = this.latest(consumer);
    if (!kyc) throw conflict('KYC_NOT_FOUND', 'The consumer has no KYC to simulate');
    if (kyc.status !== status) this.transition(kyc, status, status === 'DECLINED' ? 'IDENTITY_NOT_VERIFIED' : null);
    return kyc;
  }

  private expireIfDue(kyc: Kyc): void {
    if ((kyc.status === 'CREATED' || kyc.status === 'PROCESSING') && this.store.deps.now().getTime() >= kyc.expiresAt) {
      this.transition(kyc, 'ABORTED', 'LINK_EXPIRED');
    }
  }

  private later(id: string, delayMs: number, task: () => void): void {
    this.pending.get(id)?.();
    const cancel = this.store.deps.schedule(() => {
      this.pending.delete(id);
      task();
    }, delayMs);
    this.pending.set(id, cancel);
  }

  private transition(kyc: Kyc, to: KycStatus, reason: string | null = null): void {
    const from = kyc.status;
    kyc.status = to;
    kyc.reason = reason;
    kyc.updateDate = this.store.nowIso();
    if (to !== 'PROCESSING') {
      this.pending.get(kyc.id)?.();
      this.pending.delete(kyc.id);
    }
    this.store.deps.audit('kyc_status', kyc.id, { from, to });
    if (to === 'VALIDATED') {
      this.announce(kyc, 'CONSUMER_KYC_VALIDATED');
      this.fillFromKyc(this.store.consumer(kyc.personId));
    } else {
      this.announce(kyc, to === 'CREATED' ? 'CONSUMER_KYC_CREATED' : 'CONSUMER_KYC_UPDATED');
    }
  }

  private announce(kyc: Kyc, type: 'CONSUMER_KYC_CREATED' | 'CONSUMER_KYC_UPDATED' | 'CONSUMER_KYC_VALIDATED'): void {
    const consumer = this.store.consumer(kyc.personId);
    this.store.deps.emit(type, {
      consumerId: consumer.id,
      externalId: consumer.externalId,
      kycId: kyc.id,
      status: kyc.status,
    });
  }

  /** The page collected identity data (sandbox values, ASSUMED), email included when none was on file. */
  private fillFromKyc(consumer: Consumer): void {
    const fields: string[] = [];
    const fill = (field: 'firstName' | 'lastName' | 'birthDate' | 'birthIsoCountryCode', value: string): void => {
      if (consumer[field] !== null) return;
      consumer[field] = value;
      fields.push(field);
    };
    fill('firstName', 'Sandbox');
    fill('lastName', 'Consumer');
    fill('birthDate', '1990-01-31');
    fill('birthIsoCountryCode', 'FRA');
    if (consumer.email === null) {
      consumer.email = {
        emailAddress: `${consumer.id.slice(0, 8)}@consumers.sandbox.linkcy.invalid`,
        emailAddressVerified: false,
        verificationDate: null,
      };
      fields.push('email');
    }
    this.store.updated(consumer, fields);
  }
}
