/**
 * What the Linkcy workflow calls. Each activity maps the plain views of contract/linkcy.ts to Linkcy's wire format
 * and back. Linkcy documents no idempotency key, so a retried write is made safe by what Linkcy keeps unique: a
 * consumer create whose answer was lost meets a 409 for its own phone and adopts the consumer it made (only when
 * the externalId is ours); one active KYC per consumer answers a repeated create with the same KYC; a repeated
 * ledger create finds the consumer's ledger of that type.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { formatPath } from '../http/client.js';
import { PROVIDER_BUSINESS_ERROR, PROVIDER_INPUT_INVALID } from '../../contract/provider-failures.js';
import type { ProviderErrorDetails } from '../../contract/provider-failures.js';
import { LINKCY_ERROR_CODES, splitLinkcyPhone } from '../../contract/linkcy.js';
import type {
  LinkcyActivities,
  LinkcyConsumerView,
  LinkcyKycView,
  LinkcyProviderInput,
} from '../../contract/linkcy.js';
import { LinkcyClient, type LinkcyClientConfig, type LinkcyHttpOptions } from './client.js';
import {
  createConsumerRequestSchema,
  type LinkcyCreateConsumerRequest,
  type LinkcyWireConsumer,
  type LinkcyWireKyc,
} from './schemas.js';

export interface LinkcyActivityDeps {
  config: LinkcyClientConfig;
  /** Transport overrides (tests): fetch, per-call timeout, logger. */
  http?: LinkcyHttpOptions;
  /** A ready client (shares its token cache); built from config when absent. */
  client?: LinkcyClient;
}

function details(status: number, code: string, kind: ProviderErrorDetails['kind'], fields: string[] = []) {
  return {
    provider: 'linkcy',
    status,
    code,
    kind,
    ...(fields.length ? { fields } : {}),
  } satisfies ProviderErrorDetails;
}

function inputInvalid(message: string, fields: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    message,
    PROVIDER_INPUT_INVALID,
    details(0, 'input_invalid', 'validation', fields),
  );
}

/** The provider's error code when `err` is Linkcy saying no, else undefined. */
export function linkcyErrorCode(err: unknown): string | undefined {
  if (!(err instanceof ApplicationFailure) || err.type !== PROVIDER_BUSINESS_ERROR) return undefined;
  return (err.details?.[0] as ProviderErrorDetails | undefined)?.code;
}

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Field paths and rules only: the values are the applicant's personal data.
  const fields = result.error.issues.map((issue) => formatPath(issue.path));
  const reasons = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw inputInvalid(`${what} cannot be sent to Linkcy: ${reasons.join('; ')}`, fields);
}

export function toCreateConsumerRequest(input: {
  phone: string;
  provider: LinkcyProviderInput;
  externalId: string;
  email?: string;
  termsVersion: string;
}): LinkcyCreateConsumerRequest {
  const phone = splitLinkcyPhone(input.phone, input.provider.phoneCountryCode);
  if (!phone)
    throw inputInvalid("the phone cannot be split into one of Linkcy's country codes and a number", ['phone']);
  const { sourceOfFunds, otherSourceOfFunds, occupation, otherOccupation } = input.provider;
  const body = {
    externalId: input.externalId,
    phone,
    ...(input.email ? { emailAddress: input.email } : {}),
    ...(sourceOfFunds ? { sourceOfFunds } : {}),
    ...(sourceOfFunds === 'OTHER' && otherSourceOfFunds ? { otherSourceOfFunds } : {}),
    ...(occupation ? { occupation } : {}),
    ...(occupation === 'OTHER' && otherOccupation ? { otherOccupation } : {}),
    lastTermsAccepted: input.termsVersion,
  };
  return checked(createConsumerRequestSchema, body, 'the consumer');
}

export const toConsumerView = (consumer: LinkcyWireConsumer): LinkcyConsumerView => ({
  consumerId: consumer.id,
  externalId: consumer.externalId ?? null,
  status: consumer.status,
  phoneVerified: consumer.phone.verified,
  hasEmail: Boolean(consumer.email?.emailAddress),
  emailVerified: consumer.email?.emailAddressVerified ?? false,
  termsAccepted: consumer.termsAccepted,
});

export const toKycView = (kyc: LinkcyWireKyc): LinkcyKycView => ({
  kycId: kyc.id,
  status: kyc.status,
  accessType: kyc.accessType,
  url: kyc.url ?? null,
  sdkToken: kyc.sdkToken ?? null,
  expiresAt: kyc.expirationDate ? new Date(Date.parse(kyc.expirationDate)).toISOString() : null,
});

export function createLinkcyActivities(deps: LinkcyActivityDeps): LinkcyActivities {
  const client = deps.client ?? new LinkcyClient(deps.config, deps.http);

  /** After a 409 for our phone: the consumer it belongs to, if its externalId is ours; else Linkcy's refusal. */
  async function adopt(body: LinkcyCreateConsumerRequest, conflict: unknown): Promise<LinkcyConsumerView> {
    const page = await client.findConsumersByPhone(`${body.phone.countryCode}${body.phone.number}`);
    const ours = page.content.find((candidate) => candidate.externalId === body.externalId);
    if (!ours) {
      throw ApplicationFailure.create({
        type: PROVIDER_BUSINESS_ERROR,
        message: 'linkcy: the phone number belongs to another Linkcy consumer (not our externalId)',
        nonRetryable: true,
        details: [details(409, LINKCY_ERROR_CODES.phoneTaken, 'conflict', ['phone'])],
        cause: conflict instanceof Error ? conflict : undefined,
      });
    }
    return toConsumerView(await client.getConsumer(ours.id));
  }

  return {
    async getTerms() {
      const { version, url } = await client.getTerms();
      return { version, url };
    },

    async createConsumer(input) {
      const body = toCreateConsumerRequest(input);
      try {
        const { id } = await client.createConsumer(body);
        return { consumer: toConsumerView(await client.getConsumer(id)), adopted: false };
      } catch (err) {
        if (linkcyErrorCode(err) !== LINKCY_ERROR_CODES.phoneTaken) throw err;
        return { consumer: await adopt(body, err), adopted: true };
      }
    },

    async getConsumer({ consumerId }) {
      return toConsumerView(await client.getConsumer(consumerId));
    },

    async acceptTerms({ consumerId, version }) {
      return toConsumerView(await client.patchConsumer(consumerId, { lastTermsAccepted: version }));
    },

    async changePhone({ consumerId, phone }) {
      return toConsumerView(await client.patchConsumer(consumerId, { phone }));
    },

    async sendPhoneCode({ consumerId }) {
      return { ttlSeconds: (await client.sendPhoneCode(consumerId)).ttl };
    },

    async verifyPhoneCode({ consumerId, code }) {
      await client.verifyPhoneCode(consumerId, code);
    },

    async createKyc({ consumerId, accessType, urlOnComplete, urlOnFailure }) {
      try {
        const kyc = await client.createKyc(consumerId, {
          accessType,
          ...(urlOnComplete ? { urlOnComplete } : {}),
          ...(urlOnFailure ? { urlOnFailure } : {}),
        });
        return toKycView(kyc);
      } catch (err) {
        // A repeat after a lost answer, once the customer was quick: the KYC it made is already decided.
        const code = linkcyErrorCode(err);
        if (code !== 'KYC_ALREADY_VALIDATED' && code !== 'KYC_DECLINED') throw err;
        const kycId = (await client.getConsumer(consumerId)).kycInfo?.id;
        if (!kycId) throw err;
        return toKycView(await client.getKyc(kycId));
      }
    },

    async getKyc({ kycId }) {
      return toKycView(await client.getKyc(kycId));
    },

    async sendEmailVerification({ consumerId, urlOnSuccess, urlOnFailure }) {
      const answer = await client.sendEmailVerification({
        consumerId,
        ...(urlOnSuccess ? { urlOnSuccess } : {}),
        ...(urlOnFailure ? { urlOnFailure } : {}),
      });
      return { ttlSeconds: answer.ttl };
    },

    async createLedger({ consumerId, type, friendlyName }) {
      try {
        const ledger = await client.createLedger({
          endUserId: consumerId,
          type,
          ...(friendlyName ? { friendlyName } : {}),
        });
        return { ledgerId: ledger.id };
      } catch (err) {
        // One ledger per consumer and type: a repeat after a lost answer finds the one it made.
        if (linkcyErrorCode(err) !== 'LEDGER_ALREADY_EXISTS') throw err;
        const existing = (await client.listLedgers(consumerId)).content.find((ledger) => ledger.type === type);
        if (!existing) throw err;
        return { ledgerId: existing.id };
      }
    },
  };
}
