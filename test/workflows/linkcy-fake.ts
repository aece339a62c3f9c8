/**
 * In-memory stand-in for the Linkcy activities, following Linkcy's sandbox (the code is always 123456) and the
 * simulator's documented choices, with what a test needs on top: set a KYC's status, publish new terms, lose the
 * answer of a consumer creation, make the phone another consumer's. Keyed by workflow id (read from the activity
 * context), so many onboardings share one worker.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CommonActivities, OutboundEvent } from '../../contract/outbound.js';
import type {
  LinkcyActivities,
  LinkcyConsumerView,
  LinkcyKycStatus,
  LinkcyKycView,
  LinkcyPhone,
  LinkcyProviderInput,
} from '../../contract/linkcy.js';
import { LINKCY_ERROR_CODES } from '../../contract/linkcy.js';
import { testSecrets } from '../helpers/secrets.js';

export const SANDBOX_CODE = '123456';
export const CODE_TTL_SECONDS = 600;

interface FakeConsumer extends LinkcyConsumerView {
  phone: string;
  lastTermsAccepted: string;
}

interface FakeOnboarding {
  termsVersion: string;
  consumers: FakeConsumer[];
  kycs: LinkcyKycView[];
  codesSent: number;
  /** A code sent before `codeValidUntilMs` and not replaced. */
  codeValidUntilMs: number;
  /** The lifetime Linkcy gives each code (10 minutes; a test may shorten it). */
  codeTtlSeconds: number;
  /** After this many codes, Linkcy refuses more (its resend limit). */
  maxCodes: number;
  createCalls: number;
  /** The first create succeeds at Linkcy but its answer is lost (a retryable failure). */
  loseFirstCreateAnswer: boolean;
  /** The phone already belongs to a consumer whose externalId is not ours. */
  phoneTakenByAnother: boolean;
  /** Linkcy collected no email (and the start gave none). */
  emailsSent: number;
  ledgers: string[];
  phoneChanges: LinkcyPhone[];
  termsPatches: string[];
  createInputs: Parameters<LinkcyActivities['createConsumer']>[0][];
}

function refusal(status: number, code: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'ProviderBusinessError',
    message: `linkcy ${status} ${code}: ${message}`,
    nonRetryable: true,
    details: [{ provider: 'linkcy', status, code, kind: status === 409 ? 'conflict' : 'validation' }],
  });
}

export class FakeLinkcy {
  readonly outbound: OutboundEvent[] = [];
  private readonly byWorkflow = new Map<string, FakeOnboarding>();
  private ids = 0;

  of(workflowId: string): FakeOnboarding {
    let state = this.byWorkflow.get(workflowId);
    if (!state) {
      state = {
        termsVersion: '1.0',
        consumers: [],
        kycs: [],
        codesSent: 0,
        codeValidUntilMs: 0,
        codeTtlSeconds: CODE_TTL_SECONDS,
        maxCodes: 10,
        createCalls: 0,
        loseFirstCreateAnswer: false,
        phoneTakenByAnother: false,
        emailsSent: 0,
        ledgers: [],
        phoneChanges: [],
        termsPatches: [],
        createInputs: [],
      };
      this.byWorkflow.set(workflowId, state);
    }
    return state;
  }

  consumer(workflowId: string): FakeConsumer {
    const consumer = this.of(workflowId).consumers[0];
    if (!consumer) throw new Error(`no consumer for ${workflowId}`);
    return consumer;
  }

  lastKyc(workflowId: string): LinkcyKycView {
    const kyc = this.of(workflowId).kycs.at(-1);
    if (!kyc) throw new Error(`no KYC for ${workflowId}`);
    return kyc;
  }

  setKycStatus(workflowId: string, status: LinkcyKycStatus): LinkcyKycView {
    const kyc = this.lastKyc(workflowId);
    kyc.status = status;
    return kyc;
  }

  /** Linkcy publishes new terms: every consumer's termsAccepted flips to false. */
  bumpTerms(workflowId: string, version: string): void {
    const state = this.of(workflowId);
    state.termsVersion = version;
    for (const consumer of state.consumers) consumer.termsAccepted = false;
  }

  outboundOf(workflowId: string): OutboundEvent[] {
    return this.outbound.filter((event) => event.onboardingId === workflowId);
  }

  activities(): LinkcyActivities & CommonActivities {
    const current = (): FakeOnboarding => this.of(Context.current().info.workflowExecution?.workflowId ?? 'none');
    const find = (consumerId: string): FakeConsumer => {
      const consumer = current().consumers.find((candidate) => candidate.consumerId === consumerId);
      if (!consumer) throw refusal(404, 'END_USER_NOT_FOUND', 'no such consumer');
      return consumer;
    };
    const view = ({ phone: _phone, lastTermsAccepted: _terms, ...consumer }: FakeConsumer): LinkcyConsumerView => ({
      ...consumer,
    });
    const newId = (kind: string) => `${kind}-${++this.ids}`;
    // The test server's clock, which skips ahead: lifetimes the workflow compares with its own time use it.
    const serverNow = (): number => Context.current().info.currentAttemptScheduledTimestampMs;

    return {
      getTerms: async () => {
        const { termsVersion } = current();
        return { version: termsVersion, url: `https://linkcy.test/terms/${termsVersion}.pdf` };
      },
      createConsumer: async (input) => {
        const state = current();
        state.createCalls += 1;
        state.createInputs.push(input);
        if (state.phoneTakenByAnother) {
          throw refusal(409, LINKCY_ERROR_CODES.phoneTaken, 'the phone belongs to a consumer that is not ours');
        }
        const existing = state.consumers[0];
        // The activity resolves the 409 of a repeated create by adopting the consumer with our externalId.
        if (existing) return { consumer: view(existing), adopted: true };
        const consumer: FakeConsumer = {
          consumerId: newId('consumer'),
          externalId: input.externalId,
          status: 'ACTIVE',
          phoneVerified: false,
          hasEmail: input.email !== undefined,
          emailVerified: false,
          termsAccepted: input.termsVersion === state.termsVersion,
          phone: input.phone,
          lastTermsAccepted: input.termsVersion,
        };
        state.consumers.push(consumer);
        if (state.loseFirstCreateAnswer && state.createCalls === 1) {
          throw ApplicationFailure.create({ type: 'ProviderTimeout', message: 'linkcy POST /consumers timed out' });
        }
        return { consumer: view(consumer), adopted: false };
      },
      getConsumer: async ({ consumerId }) => view(find(consumerId)),
      acceptTerms: async ({ consumerId, version }) => {
        const consumer = find(consumerId);
        current().termsPatches.push(version);
        consumer.lastTermsAccepted = version;
        consumer.termsAccepted = version === current().termsVersion;
        return view(consumer);
      },
      changePhone: async ({ consumerId, phone }) => {
        const consumer = find(consumerId);
        current().phoneChanges.push(phone);
        consumer.phone = `+${phone.countryCode}${phone.number}`;
        consumer.phoneVerified = false;
        current().codeValidUntilMs = 0;
        return view(consumer);
      },
      sendPhoneCode: async ({ consumerId }) => {
        find(consumerId);
        const state = current();
        if (state.codesSent >= state.maxCodes) {
          throw refusal(429, LINKCY_ERROR_CODES.resendLimit, 'too many codes');
        }
        state.codesSent += 1;
        state.codeValidUntilMs = serverNow() + state.codeTtlSeconds * 1000;
        return { ttlSeconds: state.codeTtlSeconds };
      },
      verifyPhoneCode: async ({ consumerId, code }) => {
        const consumer = find(consumerId);
        if (consumer.phoneVerified) throw refusal(409, 'PHONE_ALREADY_VERIFIED', 'already verified');
        if (testSecrets.open(code) !== SANDBOX_CODE)
          throw refusal(400, LINKCY_ERROR_CODES.invalidCode, 'Phone code is not valid.');
        consumer.phoneVerified = true;
      },
      createKyc: async ({ consumerId, accessType }) => {
        find(consumerId);
        const kyc: LinkcyKycView = {
          kycId: newId('kyc'),
          status: 'CREATED',
          accessType,
          url: accessType === 'LINK' ? `https://kyc.linkcy.test/${this.ids}` : null,
          sdkToken: accessType === 'SDK' ? `sdk-token-${this.ids}` : null,
          expiresAt: new Date(serverNow() + 720 * 3_600_000).toISOString(),
        };
        current().kycs.push(kyc);
        return { ...kyc };
      },
      getKyc: async ({ kycId }) => {
        const kyc = current().kycs.find((candidate) => candidate.kycId === kycId);
        if (!kyc) throw refusal(404, 'KYC_NOT_FOUND', 'no such KYC');
        return { ...kyc };
      },
      sendEmailVerification: async ({ consumerId }) => {
        const consumer = find(consumerId);
        if (!consumer.hasEmail) throw refusal(400, 'EMAIL_REQUIRED', 'no email');
        current().emailsSent += 1;
        return { ttlSeconds: 48 * 3600 };
      },
      createLedger: async ({ consumerId }) => {
        find(consumerId);
        const ledgerId = newId('ledger');
        current().ledgers.push(ledgerId);
        return { ledgerId };
      },
      emitOutboundEvent: async (event) => {
        this.outbound.push(event);
      },
    };
  }
}

export type { LinkcyProviderInput };
