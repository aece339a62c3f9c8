/**
 * Phone verification by SMS code and email verification by link [doc: 6 digits, 10 minutes, 5 attempts, 204 on
 * success, `INVALID_PHONE_CODE`; email link valid 48 h]. In the sandbox nothing is sent: messages land in the
 * outbox (`GET /_sandbox/linkcy/outbox`) and the SMS code is always the configured one (123456 [doc]).
 * Resend limits, the dead-code error codes and `remainingAttempts` are ASSUMED (sandbox/README.md).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { badRequest, conflict, LinkcyApiError } from './errors.js';
import { maskEmail, maskPhone, type Consumer, type LinkcyStore } from './model.js';

/** ISO-8601 duration as Linkcy writes TTLs (`PT10M`, `PT48H`). */
export function isoDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `PT${seconds / 3600}H`;
  if (seconds % 60 === 0) return `PT${seconds / 60}M`;
  return `PT${seconds}S`;
}

const sameCode = (given: string, expected: string): boolean =>
  given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));

export class Verifications {
  constructor(private readonly store: LinkcyStore) {}

  sendPhoneCode(consumer: Consumer): { ttl: string } {
    if (consumer.phone.verified) throw conflict('PHONE_ALREADY_VERIFIED', 'The phone number is already verified');
    const settings = this.store.deps.settings();
    const now = this.store.deps.now().getTime();
    consumer.phoneCodeSends = consumer.phoneCodeSends.filter((at) => at > now - 3600_000);
    const last = consumer.phoneCodeSends[consumer.phoneCodeSends.length - 1];
    const tooSoonMs = last === undefined ? 0 : last + settings.otpResendIntervalSeconds * 1000 - now;
    const windowFullMs =
      consumer.phoneCodeSends.length >= settings.otpMaxSendsPerHour ? consumer.phoneCodeSends[0]! + 3600_000 - now : 0;
    const waitMs = Math.max(tooSoonMs, windowFullMs);
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000);
      throw new LinkcyApiError(
        429,
        'PHONE_CODE_RESEND_LIMIT',
        `A new code can be sent in ${retryAfter} s`,
        [],
        { retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
    consumer.phoneCodeSends.push(now);
    const expiresAt = now + settings.otpTtlSeconds * 1000;
    // A new code replaces the previous one, attempts included.
    consumer.phoneCode = { code: settings.otpCode, expiresAt, attemptsLeft: settings.otpMaxAttempts };
    this.store.deliver({
      channel: 'SMS',
      consumerId: consumer.id,
      to: maskPhone(consumer),
      body: `${settings.otpCode} is your verification code. It expires in ${Math.round(settings.otpTtlSeconds / 60)} minutes.`,
      code: settings.otpCode,
      expiresAt: new Date(expiresAt).toISOString(),
    });
    this.store.deps.audit('phone_code_sent', consumer.id, { send: consumer.phoneCodeSends.length });
    return { ttl: isoDuration(settings.otpTtlSeconds) };
  }

  verifyPhoneCode(consumer: Consumer, code: string): void {
    if (consumer.phone.verified) throw conflict('PHONE_ALREADY_VERIFIED', 'The phone number is already verified');
    const current = consumer.phoneCode;
    if (!current) throw badRequest('PHONE_CODE_NOT_SENT', 'No code was sent to this phone number: send a new one');
    if (current.attemptsLeft <= 0) {
      throw badRequest('PHONE_CODE_MAX_ATTEMPTS', 'Too many wrong codes: send a new one', 'code');
    }
    if (this.store.deps.now().getTime() >= current.expiresAt) {
      throw badRequest('PHONE_CODE_EXPIRED', 'The code has expired: send a new one', 'code');
    }
    if (!sameCode(code, current.code)) {
      current.attemptsLeft -= 1;
      this.store.deps.audit('phone_code_failed', consumer.id, { attemptsLeft: current.attemptsLeft });
      throw new LinkcyApiError(
        400,
        'INVALID_PHONE_CODE',
        'Phone code is not valid.',
        [{ field: 'code', rejectedValue: null, message: 'Phone code is not valid.' }],
        { remainingAttempts: current.attemptsLeft },
      );
    }
    consumer.phoneCode = null;
    consumer.phone.verified = true;
    consumer.phone.verificationDate = this.store.nowIso();
    this.store.deps.audit('phone_verified', consumer.id);
    this.store.updated(consumer, ['phone.verified']);
  }

  /** `linkBase`: where our hosted confirmation (./hosted.ts) is served; the link is that plus a random token. */
  sendEmailLink(
    consumer: Consumer,
    options: {
      emailSubject?: string | undefined;
      urlOnSuccess?: string | undefined;
      urlOnFailure?: string | undefined;
    },
    linkBase: string,
  ): { ttl: string } {
    if (!consumer.email) throw conflict('EMAIL_ADDRESS_MISSING', 'The consumer has no email address');
    if (consumer.email.emailAddressVerified) {
      throw conflict('EMAIL_ALREADY_VERIFIED', 'The email address is already verified');
    }
    const ttlSeconds = this.store.deps.settings().emailLinkTtlHours * 3600;
    const expiresAt = this.store.deps.now().getTime() + ttlSeconds * 1000;
    const token = randomBytes(24).toString('base64url');
    consumer.emailLink = {
      token,
      expiresAt,
      urlOnSuccess: options.urlOnSuccess ?? null,
      urlOnFailure: options.urlOnFailure ?? null,
    };
    const subject = options.emailSubject ?? `[${this.store.deps.partnerName}] Please verify your email address`;
    const link = `${linkBase}/${token}`;
    this.store.deliver({
      channel: 'EMAIL',
      consumerId: consumer.id,
      to: maskEmail(consumer.email.emailAddress),
      subject,
      body: `Please verify your email address: ${link}`,
      link,
      expiresAt: new Date(expiresAt).toISOString(),
    });
    this.store.deps.audit('email_link_sent', consumer.id);
    return { ttl: isoDuration(ttlSeconds) };
  }

  /** The customer clicked the latest link (our control). Clicking again once verified changes nothing. */
  confirmEmail(consumer: Consumer): void {
    if (consumer.email?.emailAddressVerified) return;
    const link = consumer.emailLink;
    if (!consumer.email || !link) throw conflict('EMAIL_LINK_NOT_SENT', 'No verification link was sent');
    if (this.store.deps.now().getTime() >= link.expiresAt) {
      throw conflict('EMAIL_LINK_EXPIRED', 'The verification link has expired: send a new one');
    }
    consumer.email.emailAddressVerified = true;
    consumer.email.verificationDate = this.store.nowIso();
    this.store.deps.audit('email_verified', consumer.id);
    this.store.updated(consumer, ['email.emailAddressVerified']);
  }

  /**
   * The customer clicked a link in the email: whether that verified the address (false: the link expired) and
   * where the browser goes next (the partner's URLs, when it gave them).
   */
  clickEmailLink(token: string): { verified: boolean; redirectTo: string | null } {
    const consumer = [...this.store.consumers.values()].find((c) => c.emailLink?.token === token);
    const link = consumer?.emailLink;
    if (!consumer || !link) {
      throw new LinkcyApiError(404, 'EMAIL_LINK_NOT_FOUND', 'This verification link is unknown or was replaced');
    }
    if (this.store.deps.now().getTime() >= link.expiresAt) return { verified: false, redirectTo: link.urlOnFailure };
    this.confirmEmail(consumer);
    return { verified: true, redirectTo: link.urlOnSuccess };
  }
}
