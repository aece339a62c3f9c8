/**
 * Linkcy's KYC, done by the customer on Linkcy's hosted page (or its SDK): the link is published as a pending
 * action, then the onboarding follows the verification's status, woken by Linkcy's KYC webhooks and polled behind
 * them: blocked on the customer until they open it, on the provider while Linkcy verifies (2–3 minutes), on a
 * reviewer under review. An abandoned or expired link gets a new one, in the same step.
 */
import type {
  LinkcyActivities,
  LinkcyCompleteKycActionData,
  LinkcyKycView,
  LinkcyProviderInput,
} from '../contract/linkcy.js';
import { LINKCY_ACTIONS } from '../contract/linkcy.js';
import { unexpectedProviderState } from './shared/failures.js';
import type { Onboarding } from './shared/onboarding.js';

export type LinkcyKycOutcome = 'VALIDATED' | 'DECLINED';

/** New links before the step gives up on a customer who keeps abandoning Linkcy's page. */
export const MAX_KYC_LINKS = 5;

const linkExpired = (kyc: LinkcyKycView): boolean => kyc.expiresAt !== null && Date.now() >= Date.parse(kyc.expiresAt);

export async function runLinkcyKyc(
  onboarding: Onboarding,
  linkcy: LinkcyActivities,
  consumerId: string,
  settings: LinkcyProviderInput['kyc'] = {},
): Promise<LinkcyKycOutcome> {
  let attempt = 0;

  async function newKyc(why: string): Promise<LinkcyKycView> {
    attempt += 1;
    if (attempt > MAX_KYC_LINKS) {
      throw unexpectedProviderState(`the customer abandoned ${MAX_KYC_LINKS} KYC links`, { links: MAX_KYC_LINKS });
    }
    const kyc = await linkcy.createKyc({
      consumerId,
      accessType: settings.accessType ?? 'LINK',
      ...(settings.urlOnComplete ? { urlOnComplete: settings.urlOnComplete } : {}),
      ...(settings.urlOnFailure ? { urlOnFailure: settings.urlOnFailure } : {}),
    });
    onboarding.addRef('kyc', kyc.kycId);
    onboarding.setResult('kycId', kyc.kycId);
    onboarding.addTimeline('system', `KYC link ${attempt} created`, why);
    return kyc;
  }

  /** The customer's part: until they open the link (or it expires, or they give up and Linkcy says ABORTED). */
  async function customerPart(kyc: LinkcyKycView): Promise<LinkcyKycView> {
    let latest = kyc;
    const data: LinkcyCompleteKycActionData = {
      kycId: kyc.kycId,
      accessType: kyc.accessType,
      url: kyc.url,
      sdkToken: kyc.sdkToken,
      linkExpiresAt: kyc.expiresAt,
      attempt,
    };
    await onboarding.waitForCustomerElsewhere({
      wait: 'kyc',
      action: {
        action: LINKCY_ACTIONS.completeKyc,
        description:
          kyc.accessType === 'LINK'
            ? "Send the customer to Linkcy's identity verification page (data.url); nothing to send back"
            : "Start Linkcy's KYC SDK with data.sdkToken in the customer's app; nothing to send back",
        data,
      },
      poll: async () => {
        latest = await linkcy.getKyc({ kycId: kyc.kycId });
        return !(latest.status === 'CREATED' || latest.status === 'NOT_STARTED') || linkExpired(latest);
      },
    });
    return latest;
  }

  /** Linkcy (or its reviewer) is deciding: wait until the status moves on. */
  async function providerPart(kyc: LinkcyKycView, blockedOn: 'provider' | 'reviewer'): Promise<LinkcyKycView> {
    let latest = kyc;
    await onboarding.waitForProvider({
      wait: blockedOn === 'reviewer' ? 'kycReview' : 'kycVerification',
      blockedOn,
      poll: async () => {
        latest = await linkcy.getKyc({ kycId: kyc.kycId });
        return latest.status !== kyc.status;
      },
    });
    return latest;
  }

  let kyc = await newKyc('phone verified');
  for (;;) {
    switch (kyc.status) {
      case 'VALIDATED':
      case 'DECLINED':
        onboarding.addTimeline('provider', `KYC ${kyc.status.toLowerCase()}`);
        return kyc.status;
      case 'ABORTED':
        onboarding.addTimeline('provider', 'KYC abandoned', 'the customer left the page or the link expired');
        kyc = await newKyc('the previous link was abandoned');
        break;
      case 'NOT_STARTED':
      case 'CREATED':
        if (linkExpired(kyc)) {
          onboarding.addTimeline('system', 'KYC link expired unused');
          kyc = await newKyc('the previous link expired');
          break;
        }
        kyc = await customerPart(kyc);
        if (kyc.status === 'PROCESSING') onboarding.addTimeline('provider', 'the customer opened the KYC page');
        break;
      case 'PROCESSING':
        kyc = await providerPart(kyc, 'provider');
        break;
      case 'PENDING_REVIEW':
        onboarding.addTimeline('provider', 'KYC under review at Linkcy');
        kyc = await providerPart(kyc, 'reviewer');
        break;
    }
  }
}
