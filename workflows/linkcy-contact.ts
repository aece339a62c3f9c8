/**
 * Linkcy's contact checks: the phone by an SMS code (an Update that asks Linkcy and answers at once, five tries
 * per code, a new code on request or once the tries are used up) and, optionally, the email by a link Linkcy
 * mails. The code goes from the Update's input to a local activity's input: it is never kept in workflow state,
 * the status, the timeline or a failure message, and a local activity's input is not written to history.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import {
  LINKCY_ACTIONS,
  LINKCY_CODE_ATTEMPTS,
  LINKCY_ERROR_CODES,
  linkcyChangePhoneUpdate,
  linkcyPhoneProblem,
  linkcyResendCodeUpdate,
  linkcyResendEmailUpdate,
  linkcyVerifyPhoneUpdate,
  splitLinkcyPhone,
} from '../contract/linkcy.js';
import type {
  LinkcyActivities,
  LinkcyConsumerView,
  LinkcyEmailMode,
  LinkcyProviderInput,
  LinkcyVerifyEmailActionData,
  LinkcyVerifyPhoneActionData,
} from '../contract/linkcy.js';
import { NON_RETRYABLE_ERROR_TYPES, PROVIDER_BUSINESS_ERROR } from '../contract/provider-failures.js';
import type { ProviderErrorDetails } from '../contract/provider-failures.js';
import { fieldProblem } from '../contract/rules.js';
import { sealedSecretRule } from '../contract/secrets.js';
import { providerActivityOptions } from './shared/activity-options.js';
import { actionNotExpected, invalidAction, unexpectedProviderState } from './shared/failures.js';
import type { Onboarding } from './shared/onboarding.js';

/** Calls made inside a customer's Update, who waits for the answer: give up after a while. */
const IN_UPDATE_OPTIONS: ActivityOptions = providerActivityOptions({
  scheduleToCloseTimeout: '2m',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Checking a code: a local activity, so the code is not recorded as an activity input in history. */
const VERIFY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
};

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** Linkcy's refusal (code and HTTP status) when `err` is one, else undefined. */
export function linkcyRefusal(err: unknown): { code: string; status: number } | undefined {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== PROVIDER_BUSINESS_ERROR) return undefined;
  const details = cause.details?.[0] as Partial<ProviderErrorDetails> | undefined;
  return { code: String(details?.code ?? ''), status: Number(details?.status ?? 0) };
}

const noNewCodeYet = (): ApplicationFailure =>
  actionNotExpected('Linkcy sends no new code yet (too many codes asked for); try again in a few minutes', {
    action: LINKCY_ACTIONS.resendCode,
  });

export function defineLinkcyPhone(onboarding: Onboarding, linkcy: LinkcyActivities, consumerId: () => string) {
  const inUpdate = onboarding.activities<LinkcyActivities>(IN_UPDATE_OPTIONS);
  const local = proxyLocalActivities<Pick<LinkcyActivities, 'verifyPhoneCode'>>(VERIFY_OPTIONS);
  /** About the code, never the code itself. */
  const code = { expiresAtMs: 0, dead: false, sent: 0 };

  const phoneData = (): LinkcyVerifyPhoneActionData => ({
    channel: 'sms',
    codeFormat: 'six digits',
    codeExpiresAt: iso(code.expiresAtMs),
    newCodeRequired: code.dead,
    codesSent: code.sent,
    otherActions: [LINKCY_ACTIONS.resendCode, LINKCY_ACTIONS.changePhone],
  });
  const refresh = (): void => onboarding.updatePendingActionData(LINKCY_ACTIONS.verifyPhone, phoneData());

  function markDead(why: string): void {
    if (code.dead) return;
    code.dead = true;
    onboarding.addTimeline('system', 'the SMS code is dead: a new one is needed', why);
    refresh();
  }

  /**
   * Marks the code dead when its lifetime ends, so the pending action says a new one is needed. A plain timer
   * that checks, when it fires, whether its code is still the current one: a newer code makes it a no-op.
   */
  function watchExpiry(): void {
    const atMs = code.expiresAtMs;
    sleep(Math.max(1, atMs - Date.now())).then(
      () => {
        if (code.expiresAtMs === atMs && !verifyAction.done) markDead('it expired');
      },
      // Cancelled with the onboarding: nothing to mark.
      () => undefined,
    );
  }

  async function sendCode(calls: LinkcyActivities, why: string): Promise<void> {
    const { ttlSeconds } = await calls.sendPhoneCode({ consumerId: consumerId() });
    code.sent += 1;
    code.dead = false;
    code.expiresAtMs = Date.now() + ttlSeconds * 1000;
    watchExpiry();
    onboarding.renewAttempts(LINKCY_ACTIONS.verifyPhone);
    onboarding.addTimeline('system', 'a code was sent by SMS', why);
    refresh();
  }

  async function sendCodeOnRequest(why: string): Promise<void> {
    try {
      await sendCode(inUpdate, why);
    } catch (err) {
      if (linkcyRefusal(err)?.code === LINKCY_ERROR_CODES.resendLimit) throw noNewCodeYet();
      throw err;
    }
  }

  const verifyAction = onboarding.defineProviderAction(linkcyVerifyPhoneUpdate, {
    // Sealed at the edge once its six digits were checked: the workflow checks the shape and passes it on unopened.
    validate: (body) => fieldProblem('code', sealedSecretRule, (body as Partial<{ code: unknown }> | undefined)?.code),
    perform: async (body) => {
      if (code.dead || Date.now() >= code.expiresAtMs) {
        markDead('it expired');
        throw actionNotExpected('the code is no longer valid: ask for a new one (resendCode)', {
          action: LINKCY_ACTIONS.verifyPhone,
          newCodeRequired: true,
        });
      }
      try {
        await local.verifyPhoneCode({ consumerId: consumerId(), code: body.code });
      } catch (err) {
        const refusal = linkcyRefusal(err);
        // 409: already verified (a check whose answer was lost, repeated): what was asked is done.
        if (refusal?.status === 409) return;
        if (refusal?.code === LINKCY_ERROR_CODES.invalidCode) {
          throw invalidAction({ field: 'code', message: 'Linkcy did not accept this code' });
        }
        if (refusal && (LINKCY_ERROR_CODES.deadCode as readonly string[]).includes(refusal.code)) {
          markDead(`Linkcy answered ${refusal.code}`);
          throw actionNotExpected('the code is no longer valid: ask for a new one (resendCode)', {
            action: LINKCY_ACTIONS.verifyPhone,
            newCodeRequired: true,
          });
        }
        throw err;
      }
    },
    describe: () => ({ what: 'verified the phone number' }),
    inFlightMessage: 'a code is already being checked',
    unavailable: {
      type: 'PhoneVerificationUnavailable',
      message: 'Linkcy could not check the code now; send it again',
    },
    attempts: {
      max: LINKCY_CODE_ATTEMPTS,
      // Linkcy lets the code die after five wrong tries; a new one is sent at once, within its resend limits.
      onExhausted: async (): Promise<'reset'> => {
        try {
          await sendCode(linkcy, `${LINKCY_CODE_ATTEMPTS} wrong codes`);
        } catch (err) {
          if (linkcyRefusal(err)?.code !== LINKCY_ERROR_CODES.resendLimit) throw err;
          markDead(`${LINKCY_CODE_ATTEMPTS} wrong codes, and Linkcy sends no new one yet`);
        }
        return 'reset';
      },
    },
  });

  onboarding.defineProviderAction(linkcyResendCodeUpdate, {
    expectedWhen: () => onboarding.hasPendingAction(LINKCY_ACTIONS.verifyPhone),
    validate: () => null,
    perform: () => sendCodeOnRequest('the customer asked for a new code'),
    describe: () => ({ what: 'asked for a new SMS code' }),
    inFlightMessage: 'a new code is already being sent',
  });

  onboarding.defineProviderAction(linkcyChangePhoneUpdate, {
    expectedWhen: () => onboarding.hasPendingAction(LINKCY_ACTIONS.verifyPhone),
    validate: (body) => {
      const { phone, phoneCountryCode } = (body ?? {}) as Partial<Record<keyof typeof body, unknown>>;
      return linkcyPhoneProblem(phone, phoneCountryCode);
    },
    perform: async (body) => {
      const split = splitLinkcyPhone(body.phone, body.phoneCountryCode);
      if (!split) throw invalidAction({ field: 'phone', message: 'cannot be split into country code and number' });
      await inUpdate.changePhone({ consumerId: consumerId(), phone: split });
      onboarding.addTimeline('system', 'phone number changed at Linkcy', 'it must be verified again');
      await sendCodeOnRequest('the phone number changed');
    },
    // Never the number: it is personal data.
    describe: () => ({ what: 'changed the phone number' }),
    inFlightMessage: 'the phone number is already being changed',
  });

  return {
    async verify(consumer: LinkcyConsumerView): Promise<void> {
      if (consumer.phoneVerified) {
        onboarding.addTimeline('provider', 'phone already verified at Linkcy');
        return;
      }
      await sendCode(linkcy, 'first code');
      await onboarding.waitForCustomer({
        wait: 'phone',
        action: {
          action: LINKCY_ACTIONS.verifyPhone,
          description: 'Ask the customer for the six-digit code Linkcy sent by SMS (sandbox: always 123456)',
          data: phoneData(),
        },
      });
      if (!verifyAction.done) throw unexpectedProviderState('phone wait ended unverified', {});
    },
  };
}

export function defineLinkcyEmail(
  onboarding: Onboarding,
  linkcy: LinkcyActivities,
  consumerId: () => string,
  block: LinkcyProviderInput,
) {
  const inUpdate = onboarding.activities<LinkcyActivities>(IN_UPDATE_OPTIONS);
  const links = block.emailVerification ?? {};
  let sentAtMs = 0;
  let expiresAtMs = 0;

  const emailData = (): LinkcyVerifyEmailActionData => ({
    sentAt: iso(sentAtMs),
    linkExpiresAt: iso(expiresAtMs),
    otherActions: [LINKCY_ACTIONS.resendEmail],
  });

  async function send(calls: LinkcyActivities): Promise<void> {
    const { ttlSeconds } = await calls.sendEmailVerification({ consumerId: consumerId(), ...links });
    sentAtMs = Date.now();
    expiresAtMs = sentAtMs + ttlSeconds * 1000;
    onboarding.addTimeline('system', 'email verification link sent', `valid until ${iso(expiresAtMs)}`);
    onboarding.updatePendingActionData(LINKCY_ACTIONS.verifyEmail, emailData());
  }

  onboarding.defineProviderAction(linkcyResendEmailUpdate, {
    expectedWhen: () => onboarding.hasPendingAction(LINKCY_ACTIONS.verifyEmail),
    validate: () => null,
    perform: () => send(inUpdate),
    describe: () => ({ what: 'asked for a new email verification link' }),
    inFlightMessage: 'a new link is already being sent',
  });

  return {
    async verify(mode: Exclude<LinkcyEmailMode, 'skip'>): Promise<void> {
      const consumer = await linkcy.getConsumer({ consumerId: consumerId() });
      if (consumer.emailVerified) {
        onboarding.addTimeline('provider', 'email already verified at Linkcy');
        onboarding.setResult('emailVerification', 'verified');
        return;
      }
      if (!consumer.hasEmail) {
        if (mode === 'require') {
          throw unexpectedProviderState('Linkcy holds no email address to verify (give applicant.email)', { mode });
        }
        onboarding.addTimeline('system', 'no email address to verify', 'neither the start nor the KYC gave one');
        onboarding.setResult('emailVerification', 'no_email');
        return;
      }
      await send(linkcy);
      onboarding.setResult('emailVerification', 'sent');
      if (mode === 'send') return;
      await onboarding.waitForCustomerElsewhere({
        wait: 'email',
        action: {
          action: LINKCY_ACTIONS.verifyEmail,
          description: 'The customer clicks the link Linkcy emailed them; resendEmail sends a new one',
          data: emailData(),
        },
        poll: async () => (await linkcy.getConsumer({ consumerId: consumerId() })).emailVerified,
      });
      onboarding.setResult('emailVerification', 'verified');
    },
  };
}
