/**
 * Linkcy's consumers, terms and the shared plumbing of the simulator (events, audit, clock). Phone and email
 * verification live in ./verifications.ts, the KYC machine in ./kyc.ts, ledgers in ./ledgers.ts; all of them work
 * on this store. Rules and ASSUMED choices: sandbox/README.md, section "Linkcy".
 */
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, consumerNotFound } from './errors.js';
import type { CreateConsumerBody, PatchConsumerBody } from './schemas.js';
import type { LinkcySettings } from './settings.js';

export type LinkcyEventType =
  'CONSUMER_CREATED' | 'CONSUMER_UPDATED' | 'CONSUMER_KYC_CREATED' | 'CONSUMER_KYC_UPDATED' | 'CONSUMER_KYC_VALIDATED';

/** What the simulated customer does on the hosted KYC page (our controls' vocabulary). */
export type KycOutcome = 'approved' | 'rejected' | 'review' | 'abandon';

export interface LinkcyDeps {
  now: () => Date;
  audit: (kind: string, id: string, data?: Record<string, unknown>) => void;
  emit: (type: LinkcyEventType, data: Record<string, unknown>) => void;
  settings: () => LinkcySettings;
  /** Runs `task` after `delayMs` unless the sandbox closes or resets first; returns a cancel function. */
  schedule: (task: () => void, delayMs: number) => () => void;
  partnerName: string;
  initialTermsVersion: string;
}

export interface PhoneCode {
  code: string;
  expiresAt: number;
  attemptsLeft: number;
}

export interface EmailLink {
  token: string;
  expiresAt: number;
  urlOnSuccess: string | null;
  urlOnFailure: string | null;
}

export interface Consumer {
  id: string;
  externalId: string | null;
  phone: { countryCode: string; number: string; verified: boolean; verificationDate: string | null };
  email: { emailAddress: string; emailAddressVerified: boolean; verificationDate: string | null } | null;
  termsAccepted: boolean;
  lastTermsAccepted: string | null;
  firstName: string | null;
  middleName: string | null;
  lastName: string | null;
  birthDate: string | null;
  birthIsoCountryCode: string | null;
  sourceOfFunds: string | null;
  otherSourceOfFunds: string | null;
  occupation: string | null;
  otherOccupation: string | null;
  metadata: Record<string, unknown>;
  creationDate: string;
  updateDate: string;
  /** Sandbox-only bookkeeping, never in the API view. */
  phoneCode: PhoneCode | null;
  phoneCodeSends: number[];
  emailLink: EmailLink | null;
  kycIds: string[];
  kycOutcome: KycOutcome | null;
  hasLedger: boolean;
}

export interface OutboxMessage {
  id: string;
  channel: 'SMS' | 'EMAIL';
  consumerId: string;
  at: string;
  /** Masked: the simulator's outbox is readable by anyone with the control API. */
  to: string;
  body: string;
  code?: string;
  subject?: string;
  link?: string;
  expiresAt: string;
}

export class LinkcyStore {
  readonly consumers = new Map<string, Consumer>();
  readonly outbox: OutboxMessage[] = [];
  readonly termsPublishedAt = new Map<string, string>();
  termsVersions: string[] = [];

  constructor(readonly deps: LinkcyDeps) {
    this.reset();
  }

  reset(): void {
    this.consumers.clear();
    this.outbox.length = 0;
    this.termsVersions = [this.deps.initialTermsVersion];
    this.termsPublishedAt.clear();
    this.termsPublishedAt.set(this.deps.initialTermsVersion, this.nowIso());
  }

  get currentTerms(): string {
    return this.termsVersions[this.termsVersions.length - 1]!;
  }

  nowIso(): string {
    return this.deps.now().toISOString();
  }

  consumer(id: string): Consumer {
    const found = this.consumers.get(id);
    if (!found) throw consumerNotFound(id);
    return found;
  }

  /** Emits CONSUMER_UPDATED and audits it, when anything changed. */
  updated(consumer: Consumer, fields: string[]): void {
    if (fields.length === 0) return;
    consumer.updateDate = this.nowIso();
    this.deps.audit('consumer_update', consumer.id, { fields });
    this.deps.emit('CONSUMER_UPDATED', {
      consumerId: consumer.id,
      externalId: consumer.externalId,
      updatedFields: fields,
    });
  }

  /** Only a version Linkcy published can be signed; an older one is recorded but does not count as accepted. */
  private checkTermsVersion(version: string): void {
    if (!this.termsVersions.includes(version)) {
      throw badRequest(
        'INVALID_TERMS_VERSION',
        `lastTermsAccepted must be a published terms version (current: ${this.currentTerms})`,
        'lastTermsAccepted',
        version,
      );
    }
  }

  private phoneTaken(countryCode: string, number: string, exceptId?: string): boolean {
    for (const other of this.consumers.values()) {
      if (other.id === exceptId) continue;
      if (other.phone.countryCode === countryCode && other.phone.number === number) return true;
    }
    return false;
  }

  createConsumer(body: CreateConsumerBody): Consumer {
    if (body.lastTermsAccepted !== undefined) this.checkTermsVersion(body.lastTermsAccepted);
    if (this.phoneTaken(body.phone.countryCode, body.phone.number)) {
      throw conflict('PHONE_ALREADY_EXISTS', 'You cannot create two consumers with the same phone number');
    }
    const now = this.nowIso();
    const consumer: Consumer = {
      id: randomUUID(),
      externalId: body.externalId ?? null,
      phone: {
        countryCode: body.phone.countryCode,
        number: body.phone.number,
        verified: false,
        verificationDate: null,
      },
      email: body.emailAddress
        ? { emailAddress: body.emailAddress, emailAddressVerified: false, verificationDate: null }
        : null,
      termsAccepted: body.lastTermsAccepted === this.currentTerms,
      lastTermsAccepted: body.lastTermsAccepted ?? null,
      firstName: body.firstName ?? null,
      middleName: body.middleName ?? null,
      lastName: body.lastName ?? null,
      birthDate: null,
      birthIsoCountryCode: null,
      sourceOfFunds: body.sourceOfFunds ?? null,
      otherSourceOfFunds: body.otherSourceOfFunds ?? null,
      occupation: body.occupation ?? null,
      otherOccupation: body.otherOccupation ?? null,
      metadata: body.metadata ?? {},
      creationDate: now,
      updateDate: now,
      phoneCode: null,
      phoneCodeSends: [],
      emailLink: null,
      kycIds: [],
      kycOutcome: null,
      hasLedger: false,
    };
    this.consumers.set(consumer.id, consumer);
    this.deps.audit('consumer', consumer.id, {
      externalId: consumer.externalId,
      termsAccepted: consumer.termsAccepted,
    });
    if (consumer.termsAccepted) this.deps.audit('terms_accepted', consumer.id, { version: consumer.lastTermsAccepted });
    this.deps.emit('CONSUMER_CREATED', { consumerId: consumer.id, externalId: consumer.externalId });
    return consumer;
  }

  /** PATCH with its documented side effects: a new phone or email must be verified again; terms re-accepted. */
  patchConsumer(id: string, body: PatchConsumerBody): Consumer {
    const consumer = this.consumer(id);
    if (body.lastTermsAccepted !== undefined) this.checkTermsVersion(body.lastTermsAccepted);
    const changed: string[] = [];
    if (
      body.phone &&
      (body.phone.countryCode !== consumer.phone.countryCode || body.phone.number !== consumer.phone.number)
    ) {
      if (this.phoneTaken(body.phone.countryCode, body.phone.number, id)) {
        throw conflict('PHONE_ALREADY_EXISTS', 'You cannot create two consumers with the same phone number');
      }
      consumer.phone = { ...body.phone, verified: false, verificationDate: null };
      consumer.phoneCode = null;
      consumer.phoneCodeSends = [];
      changed.push('phone');
    }
    if (body.emailAddress !== undefined && body.emailAddress !== consumer.email?.emailAddress) {
      consumer.email = { emailAddress: body.emailAddress, emailAddressVerified: false, verificationDate: null };
      consumer.emailLink = null;
      changed.push('email');
    }
    if (body.lastTermsAccepted !== undefined && body.lastTermsAccepted !== consumer.lastTermsAccepted) {
      consumer.lastTermsAccepted = body.lastTermsAccepted;
      changed.push('lastTermsAccepted');
    }
    const accepted = consumer.lastTermsAccepted === this.currentTerms;
    if (accepted !== consumer.termsAccepted) {
      consumer.termsAccepted = accepted;
      this.deps.audit('terms_accepted', consumer.id, { version: consumer.lastTermsAccepted });
      changed.push('termsAccepted');
    }
    const plain = [
      'externalId',
      'firstName',
      'middleName',
      'lastName',
      'sourceOfFunds',
      'otherSourceOfFunds',
      'occupation',
      'otherOccupation',
    ] as const;
    for (const field of plain) {
      const value = body[field];
      if (value !== undefined && value !== consumer[field]) {
        consumer[field] = value;
        changed.push(field);
      }
    }
    if (body.metadata !== undefined && JSON.stringify(body.metadata) !== JSON.stringify(consumer.metadata)) {
      consumer.metadata = body.metadata;
      changed.push('metadata');
    }
    this.updated(consumer, changed);
    return consumer;
  }

  /** A new T&C version: every consumer must accept it again ("termsAccepted will change into false" [seed]). */
  publishTerms(version?: string): { version: string; consumersAffected: number } {
    const next = version ?? `${Math.floor(Number.parseFloat(this.currentTerms) || 0) + 1}.0`;
    if (this.termsVersions.includes(next))
      throw conflict('TERMS_VERSION_EXISTS', `Terms version ${next} already exists`);
    this.termsVersions.push(next);
    this.termsPublishedAt.set(next, this.nowIso());
    this.deps.audit('terms_published', next);
    let consumersAffected = 0;
    for (const consumer of this.consumers.values()) {
      if (!consumer.termsAccepted) continue;
      consumer.termsAccepted = false;
      consumersAffected += 1;
      this.updated(consumer, ['termsAccepted']);
    }
    return { version: next, consumersAffected };
  }

  /** Records a message in the outbox instead of sending it. */
  deliver(message: Omit<OutboxMessage, 'id' | 'at'>): OutboxMessage {
    const stored: OutboxMessage = { id: randomUUID(), at: this.nowIso(), ...message };
    this.outbox.push(stored);
    return stored;
  }
}

export const maskPhone = (consumer: Consumer): string =>
  `+${consumer.phone.countryCode} ${'•'.repeat(Math.max(consumer.phone.number.length - 2, 0))}${consumer.phone.number.slice(-2)}`;

export const maskEmail = (address: string): string => {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
};
