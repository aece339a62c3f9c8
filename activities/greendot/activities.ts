/**
 * What the Green Dot workflow calls. Each activity maps the plain views of contract/greendot.ts to Green Dot's wire
 * format and back. Writes are idempotent through `X-GD-RequestId`, derived from the workflow id and the step (and
 * for the adjustment, its identifier too), so a retry after a lost answer gets the first answer, not a second account.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../common/config.js';
import type { Applicant } from '../../contract/onboarding.js';
import type {
  GreendotAccountView,
  GreendotActivities,
  GreendotEnrollInput,
  GreendotEnrollmentOutcome,
  GreendotPaymentInstrumentView,
  GreendotTransactionView,
} from '../../contract/greendot.js';
import { PROVIDER_INPUT_INVALID } from '../../contract/provider-failures.js';
import type { ProviderErrorDetails } from '../../contract/provider-failures.js';
import { formatPath } from '../http/client.js';
import { idempotencyKey } from '../http/idempotency.js';
import { GreendotClient, detailCode, type GreendotClientConfig, type GreendotHttpOptions } from './client.js';
import {
  accountResponseSchema,
  adjustmentResponseSchema,
  enrollmentRequestSchema,
  enrollmentResponseSchema,
  paymentInstrumentResponseSchema,
  pushProvisioningResponseSchema,
  transactionsResponseSchema,
  type GreendotEnrollmentRequest,
  type GreendotWireAccount,
  type GreendotWirePaymentInstrument,
} from './schemas.js';

export type GreendotActivityConfig = GreendotClientConfig &
  Pick<Config, 'GREENDOT_PRODUCT_CODE' | 'GREENDOT_TERMS_IDENTIFIERS'>;

export interface GreendotActivityDeps {
  config: GreendotActivityConfig;
  http?: GreendotHttpOptions;
  client?: GreendotClient;
}

const PHYSICAL_CARD_TYPE = 'contactlessEmv';
const CLOSE_REASON = 'customerInitiatedSpendDown';

function inputInvalid(message: string, fields: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, PROVIDER_INPUT_INVALID, {
    provider: 'greendot',
    status: 0,
    code: 'input_invalid',
    kind: 'validation',
    fields,
  } satisfies ProviderErrorDetails);
}

const present = (value: string | null | undefined): value is string => typeof value === 'string' && value.trim() !== '';

/** The common applicant → Green Dot's enrollment body; a value it cannot take is refused naming the field. */
export function toEnrollmentRequest(input: GreendotEnrollInput, productCode: string): GreendotEnrollmentRequest {
  const { applicant } = input as { applicant: Applicant };
  const country = applicant.address.country.trim().toUpperCase();
  if (country !== 'US' && country !== 'USA') {
    throw inputInvalid('applicant.address.country: Green Dot enrolls US residents only', ['applicant.address.country']);
  }
  const body = {
    productCode,
    profileData: {
      firstName: applicant.name.first.trim(),
      ...(present(applicant.name.middle) ? { middleName: applicant.name.middle.trim() } : {}),
      lastName: applicant.name.last.trim(),
      addresses: [
        {
          type: 'home' as const,
          addressLine1: applicant.address.line1.trim(),
          ...(present(applicant.address.line2) ? { addressLine2: applicant.address.line2.trim() } : {}),
          city: applicant.address.city.trim(),
          state: applicant.address.state.trim().toUpperCase(),
          zipCode: applicant.address.postalCode.replace(/[\s-]/g, ''),
          isDefault: true as const,
        },
      ],
    },
    identifyingData: { ssn: applicant.ssn.replace(/[\s-]/g, ''), dateOfBirth: applicant.dateOfBirth },
    email: { emailAddress: applicant.email.trim() },
    // A US number: the country code (+1) is not part of Green Dot's 10 digits.
    phoneNumbers: [
      {
        number: applicant.phone.replace(/\D/g, '').replace(/^1(?=\d{10}$)/, ''),
        type: 'mobile' as const,
        isDefault: true as const,
      },
    ],
    termsAcceptances: input.termsAcceptances.map((acceptance) => ({
      termsIdentifier: acceptance.termsIdentifier,
      termsAcceptanceFlag: true as const,
      termsAcceptanceDateTime: acceptance.acceptedAt,
    })),
  };
  const parsed = enrollmentRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  // Field paths and rules only: the values are the applicant's personal data.
  const reasons = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const fields = parsed.error.issues.map((issue) => formatPath(issue.path));
  throw inputInvalid(`the applicant cannot be sent to Green Dot: ${reasons.join('; ')}`, fields);
}

export function toPaymentInstrumentView(card: GreendotWirePaymentInstrument): GreendotPaymentInstrumentView {
  return {
    paymentInstrumentIdentifier: card.paymentInstrumentIdentifier,
    type: card.paymentInstrumentType,
    isPhysical: card.paymentInstrumentType !== 'virtual',
    status: card.status,
  };
}

export function toAccountView(account: GreendotWireAccount): GreendotAccountView {
  const primary =
    account.accountHolders.find((holder) => holder.user.isPrimaryAccountHolder) ?? account.accountHolders[0];
  return {
    accountIdentifier: account.accountIdentifier,
    accountReferenceNumber: account.accountReferenceNumber ?? null,
    status: account.status,
    statusReasons: account.statusReasons,
    userIdentifier: primary?.user.userIdentifier ?? null,
    ofacStatus: primary?.user.kycStateData?.ofacStatus ?? (account.status === 'pending' ? 'pending' : 'passed'),
    paymentInstruments: account.accountHolders.flatMap((holder) =>
      holder.paymentInstruments.map(toPaymentInstrumentView),
    ),
  };
}

function outcomeOf(code: string): GreendotEnrollmentOutcome {
  if (code === '0/0') return 'success';
  if (code === '1/31') return 'pending_ofac';
  return 'declined';
}

export function createGreendotActivities(deps: GreendotActivityDeps): GreendotActivities {
  const { config } = deps;
  const client = deps.client ?? new GreendotClient(config, deps.http);
  const accountPath = (accountIdentifier: string) => `/accounts/${encodeURIComponent(accountIdentifier)}`;

  return {
    async requiredTerms() {
      return config.GREENDOT_TERMS_IDENTIFIERS.map((termsIdentifier) => ({
        termsIdentifier,
        name: termsIdentifier,
        url: null,
      }));
    },

    async enroll(input) {
      const body = toEnrollmentRequest(input, input.productCode ?? config.GREENDOT_PRODUCT_CODE);
      const answer = await client.program('POST', '/enrollments', enrollmentResponseSchema, {
        body,
        requestId: idempotencyKey('greendot:enroll'),
      });
      const responseCode = detailCode(answer.responseDetails[0]!);
      return {
        outcome: outcomeOf(responseCode),
        accountIdentifier: answer.account?.accountIdentifier ?? null,
        responseCode,
      };
    },

    async getAccount({ accountIdentifier }) {
      const answer = await client.program('GET', accountPath(accountIdentifier), accountResponseSchema);
      return toAccountView(answer.account);
    },

    async issueCard({ accountIdentifier, kind }) {
      const answer = await client.program(
        'POST',
        `${accountPath(accountIdentifier)}/paymentInstruments`,
        paymentInstrumentResponseSchema,
        {
          body: { paymentInstrumentType: kind === 'physical' ? PHYSICAL_CARD_TYPE : 'virtual' },
          requestId: idempotencyKey(`greendot:card:${kind}`),
        },
      );
      return toPaymentInstrumentView(answer.paymentInstrument);
    },

    async activateCard({ accountIdentifier, paymentInstrumentIdentifier }) {
      const path = `${accountPath(accountIdentifier)}/paymentInstruments/${encodeURIComponent(paymentInstrumentIdentifier)}/activate`;
      const answer = await client.program('PUT', path, paymentInstrumentResponseSchema, {
        requestId: idempotencyKey(`greendot:activate:${paymentInstrumentIdentifier}`),
      });
      return toPaymentInstrumentView(answer.paymentInstrument);
    },

    async pushProvision({ accountIdentifier, paymentInstrumentIdentifier, attempt, device }) {
      const path = `${accountPath(accountIdentifier)}/paymentInstruments/${encodeURIComponent(paymentInstrumentIdentifier)}/pushProvisioningData`;
      const answer = await client.program('POST', path, pushProvisioningResponseSchema, {
        body: device,
        requestId: idempotencyKey(`greendot:push:${attempt}`),
      });
      const payload: Record<string, string> = {};
      for (const [key, value] of Object.entries(answer)) {
        if (key !== 'walletType' && key !== 'responseDetails' && typeof value === 'string') payload[key] = value;
      }
      return { walletType: answer.walletType, payload };
    },

    async createAdjustment({ accountIdentifier, purpose, amount, currency, adjustmentType, description }) {
      // The partner's adjustment identifier doubles as the request id: one welcome credit per onboarding, ever.
      const adjustmentIdentifier = idempotencyKey(`greendot:adjustment:${purpose}`);
      const answer = await client.program(
        'POST',
        `${accountPath(accountIdentifier)}/adjustments`,
        adjustmentResponseSchema,
        {
          body: {
            adjustmentIdentifier,
            amount,
            currency,
            adjustmentType,
            adjustmentDescription: description,
            fee: 0,
            debitToNegative: false,
          },
          requestId: adjustmentIdentifier,
        },
      );
      return {
        adjustmentIdentifier: answer.adjustmentIdentifier,
        status: answer.adjustmentStatus,
        reason: answer.adjustmentStatusReason ?? null,
      };
    },

    async listTransactions({ accountIdentifier }) {
      const answer = await client.program(
        'GET',
        `${accountPath(accountIdentifier)}/transactions`,
        transactionsResponseSchema,
      );
      return answer.transactions.map((transaction): GreendotTransactionView => ({
        transactionIdentifier: transaction.transactionIdentifier,
        adjustmentIdentifier: transaction.adjustmentIdentifier ?? null,
        // Green Dot's `completed` is a posted transaction.
        status: transaction.status === 'completed' ? 'posted' : transaction.status,
        amount: transaction.transactionAmount,
      }));
    },

    async closeAccount({ accountIdentifier }) {
      const answer = await client.program('PUT', `${accountPath(accountIdentifier)}/close`, accountResponseSchema, {
        body: { reason: CLOSE_REASON },
        requestId: idempotencyKey('greendot:close'),
      });
      return toAccountView(answer.account);
    },
  };
}
