/**
 * The deterministic rules of the Green Dot saga that are not steps: which steps a start asks for, the age of a
 * terms acceptance, the business-day SLA of an OFAC review, the validators of the customer actions, and the
 * failures the saga raises. Split from greendot.ts so the saga reads as its steps.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  GREENDOT_EVENTS,
  GREENDOT_TERMS_AGE_MARGIN_MS,
  GREENDOT_TERMS_MAX_AGE_MS,
  GREENDOT_WALLETS,
} from '../contract/greendot.js';
import type { ProviderEvent } from '../contract/onboarding.js';
import type {
  GreendotAcceptTermsInput,
  GreendotEventData,
  GreendotProviderInput,
  GreendotPushProvisioningInput,
  GreendotTerms,
  GreendotTermsAcceptance,
  GreendotWallet,
} from '../contract/greendot.js';
import { PROVIDER_BUSINESS_ERROR } from '../contract/provider-failures.js';
import type { ProviderErrorDetails } from '../contract/provider-failures.js';
import { CUSTOMER_DEADLINE_EXPIRED, invalidAction } from './shared/failures.js';
import type { InvalidField } from './shared/failures.js';

/** The card processor gave up issuing the card (Green Dot's failure after its retries). */
export const CARD_ISSUANCE_FAILED = 'CardIssuanceFailed';
/** Green Dot did not post the welcome credit (failed adjustment, or a type the program does not enable). */
export const ADJUSTMENT_FAILED = 'AdjustmentFailed';

const DAY_MS = 86_400_000;

/** The steps of `steps[]`, in the order this start runs them; optional steps only when asked for. */
export function greendotSteps(block: GreendotProviderInput): string[] {
  const bonusFirst = block.welcomeAdjustment?.timing === 'beforeCard';
  return [
    'terms',
    'enrollment',
    'ofac_review',
    'account',
    ...(block.welcomeAdjustment && bonusFirst ? ['adjustment'] : []),
    'card',
    ...(block.pushProvisioning ? ['push_provisioning'] : []),
    ...(block.welcomeAdjustment && !bonusFirst ? ['adjustment'] : []),
    ...(block.transactions ? ['transactions'] : []),
  ];
}

/** Young enough that Green Dot still takes it at enrollment (720 h), with a margin for the call itself. */
export function acceptanceIsFresh(acceptance: GreendotTermsAcceptance, nowMs: number): boolean {
  const acceptedMs = Date.parse(acceptance.acceptedAt);
  return (
    !Number.isNaN(acceptedMs) &&
    acceptedMs <= nowMs &&
    nowMs - acceptedMs < GREENDOT_TERMS_MAX_AGE_MS - GREENDOT_TERMS_AGE_MARGIN_MS
  );
}

/** The given acceptances covering every required terms, or undefined when one is missing or too old. */
export function coveringAcceptances(
  required: readonly GreendotTerms[],
  given: readonly GreendotTermsAcceptance[],
  nowMs: number,
): GreendotTermsAcceptance[] | undefined {
  const covering: GreendotTermsAcceptance[] = [];
  for (const terms of required) {
    const acceptance = given.find(
      (candidate) => candidate.termsIdentifier === terms.termsIdentifier && acceptanceIsFresh(candidate, nowMs),
    );
    if (!acceptance) return undefined;
    covering.push({ termsIdentifier: acceptance.termsIdentifier, acceptedAt: acceptance.acceptedAt });
  }
  return covering;
}

/** Milliseconds from `fromMs` to the same time `days` business days later (Saturdays and Sundays skipped, UTC). */
export function businessDaysMs(fromMs: number, days: number): number {
  let atMs = fromMs;
  let counted = 0;
  while (counted < days) {
    atMs += DAY_MS;
    const weekday = new Date(atMs).getUTCDay();
    if (weekday !== 0 && weekday !== 6) counted += 1;
  }
  return atMs - fromMs;
}

export function validateAcceptTerms(
  body: GreendotAcceptTermsInput,
  offered: readonly GreendotTerms[],
): InvalidField | null {
  const identifiers: unknown = (body as Partial<GreendotAcceptTermsInput> | undefined)?.termsIdentifiers;
  if (!Array.isArray(identifiers) || identifiers.length === 0) {
    return { field: 'termsIdentifiers', message: 'every terms identifier of the pending action is required' };
  }
  for (const [index, identifier] of identifiers.entries()) {
    if (typeof identifier !== 'string' || !offered.some((terms) => terms.termsIdentifier === identifier)) {
      return {
        field: `termsIdentifiers[${index}]`,
        message: `not one of ${offered.map((terms) => terms.termsIdentifier).join(', ')}`,
      };
    }
  }
  const missing = offered.filter((terms) => !identifiers.includes(terms.termsIdentifier));
  if (missing.length > 0) {
    return { field: 'termsIdentifiers', message: `not accepted: ${missing.map((t) => t.termsIdentifier).join(', ')}` };
  }
  return null;
}

const DEVICE_TEXT = /^[A-Za-z0-9+/=_.:-]{1,512}$/;

export function validatePushProvisioning(
  body: GreendotPushProvisioningInput,
  wallet: GreendotWallet,
): InvalidField | null {
  const input = (body ?? {}) as Partial<Record<keyof GreendotPushProvisioningInput, unknown>>;
  if (typeof input.walletType !== 'string' || !(GREENDOT_WALLETS as readonly string[]).includes(input.walletType)) {
    return { field: 'walletType', message: `one of ${GREENDOT_WALLETS.join(', ')}` };
  }
  if (input.walletType !== wallet) return { field: 'walletType', message: `this onboarding provisions ${wallet}` };
  for (const field of ['deviceId', 'walletAccountId'] as const) {
    const value = input[field];
    if (typeof value !== 'string' || !DEVICE_TEXT.test(value)) {
      return { field, message: 'required: 1-512 characters of letters, digits and + / = _ . : -' };
    }
  }
  for (const field of ['nonce', 'nonceSignature'] as const) {
    const value = input[field];
    if (value !== undefined && (typeof value !== 'string' || !DEVICE_TEXT.test(value))) {
      return { field, message: 'base64 text of at most 512 characters' };
    }
  }
  const certificates = input.certificates;
  if (certificates !== undefined) {
    if (!Array.isArray(certificates) || certificates.length > 5) {
      return { field: 'certificates', message: 'a list of at most 5 base64 certificates' };
    }
    for (const [index, certificate] of certificates.entries()) {
      if (typeof certificate !== 'string' || !/^[A-Za-z0-9+/=]{1,8192}$/.test(certificate)) {
        return { field: `certificates[${index}]`, message: 'base64 text of at most 8192 characters' };
      }
    }
  }
  return null;
}

/** The provider's code when `err` (possibly under an ActivityFailure) is Green Dot saying no, else undefined. */
export function refusalCode(err: unknown): string | undefined {
  let cause: unknown = err;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== PROVIDER_BUSINESS_ERROR) return undefined;
  return (cause.details?.[0] as Partial<ProviderErrorDetails> | undefined)?.code ?? 'refused';
}

/** Green Dot refusing a customer's action is the customer's to see (422); anything else is not (null). */
export function actionRefusal(err: unknown, field: string, what: string): ApplicationFailure | null {
  const code = refusalCode(err);
  return code === undefined ? null : invalidAction({ field, message: `Green Dot refused ${what} (${code})` });
}

export function cardIssuanceFailed(reason: string, accountIdentifier: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: CARD_ISSUANCE_FAILED,
    message: `the card processor could not issue the card: ${reason}`,
    nonRetryable: true,
    details: [{ accountIdentifier, reason }],
  });
}

export function adjustmentFailed(reason: string, adjustmentIdentifier: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ADJUSTMENT_FAILED,
    message: `the welcome credit was not posted: ${reason}`,
    nonRetryable: true,
    details: [{ adjustmentIdentifier, reason }],
  });
}

/** The OFAC review outlived its wait: the saga records `expired` (the same type as a customer deadline). */
export function reviewExpired(wait: string, expiresAt: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: CUSTOMER_DEADLINE_EXPIRED,
    message: `the OFAC review was not decided before ${expiresAt}`,
    nonRetryable: true,
    details: [{ wait, expiresAt }],
  });
}

/** The reason of a card processor failure reported for the account, if one was (newest events last). */
export function processorFailure(events: readonly ProviderEvent[], accountIdentifier: string): string | undefined {
  const event = events.find((candidate) => {
    const data = candidate.data as Partial<GreendotEventData>;
    return (
      candidate.type === GREENDOT_EVENTS.cardUpdated &&
      data.accountIdentifier === accountIdentifier &&
      data.cardUpdateType === 'processorFailure'
    );
  });
  if (!event) return undefined;
  const data = event.data as Partial<GreendotEventData>;
  return data.reason ?? `card processor failure${data.responseCode ? ` (${data.responseCode})` : ''}`;
}

/** The reason of an adjustment's failure reported by its final-status event, if one was. */
export function adjustmentFailure(events: readonly ProviderEvent[], adjustmentIdentifier: string): string | undefined {
  const event = events.find((candidate) => {
    const data = candidate.data as Partial<GreendotEventData>;
    return (
      candidate.type === GREENDOT_EVENTS.adjustmentFinalStatus &&
      data.adjustmentIdentifier === adjustmentIdentifier &&
      data.adjustmentStatus === 'failed'
    );
  });
  if (!event) return undefined;
  return (event.data as Partial<GreendotEventData>).reason ?? 'failed';
}
