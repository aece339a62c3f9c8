/**
 * Jiko individual onboarding: agreements → application → apply → decision (documents, manual review) → accounts.
 * A Jiko application cannot be withdrawn, so there is nothing to compensate.
 */
import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type {
  DocumentClaim,
  JikoActivities,
  JikoAgreementBundle,
  JikoApplicationStatus,
  JikoApplicationView,
  JikoConsent,
  JikoDocumentFlags,
  JikoDocumentRequirement,
  JikoDocumentType,
  JikoProviderInput,
} from '../contract/jiko.js';
import type { OnboardingStatus } from '../contract/onboarding.js';
import {
  JIKO_ACTIONS,
  JIKO_AGREEMENTS_OUTDATED,
  acceptAgreementsUpdate,
  uploadDocumentsUpdate,
} from '../contract/jiko.js';
import { unexpectedProviderState } from './shared/failures.js';
import { providerActivityOptions } from './shared/activity-options.js';
import { Onboarding } from './shared/onboarding.js';
import type { ContinuableOnboardingInput } from './shared/onboarding.js';
import {
  documentsActionData,
  requirementsFor,
  validateAgreementVersion,
  validateDocumentClaims,
} from './jiko-rules.js';

export const JIKO_STEPS = ['agreements', 'application', 'apply', 'decision', 'documents', 'accounts'] as const;

export const JIKO_ACTIVITY_OPTIONS: ActivityOptions = providerActivityOptions();

/**
 * Jiko publishes new agreements while a customer decides. With this patch the workflow re-reads the current bundle
 * once the customer has accepted, asks again when the version moved on, and asks again too when Jiko refuses the
 * consent of a create (a bundle published in between): a stale version never becomes an application, and the
 * onboarding no longer fails on it. Histories recorded before it replay without the re-read.
 */
export const AGREEMENTS_RECHECK_PATCH = 'jiko-agreements-recheck-before-application';

/** Where a continued-as-new run resumes: the application exists and has been applied `round` times. */
interface JikoCheckpoint {
  [key: string]: unknown;
  applicationId: string;
  round: number;
}

/** Statuses after which the first wait for a decision ends. */
const DECIDED: readonly JikoApplicationStatus[] = ['DOCUMENTS_NEEDED', 'MANUAL_REVIEW', 'APPROVED', 'REJECTED'];

export async function jikoOnboarding(input: ContinuableOnboardingInput<JikoProviderInput>): Promise<OnboardingStatus> {
  const onboarding = new Onboarding(input, { steps: JIKO_STEPS });
  const jiko = onboarding.activities<JikoActivities>(JIKO_ACTIVITY_OPTIONS);

  let agreements: JikoAgreementBundle | undefined;
  const accepted: { consent?: JikoConsent } = {};
  let requirements: JikoDocumentRequirement[] = [];
  const received = new Map<JikoDocumentType, DocumentClaim>();

  onboarding.defineCustomerAction(acceptAgreementsUpdate, {
    validate: (body) => validateAgreementVersion(body, agreements),
    handle: (body) => {
      accepted.consent = { version: body.version, timestamp: new Date().toISOString() };
    },
    describe: (body) => ({ what: 'accepted the agreements', why: `version ${body.version}` }),
  });

  onboarding.defineCustomerAction(uploadDocumentsUpdate, {
    validate: (body) => validateDocumentClaims(body, requirements, received),
    handle: (body) => {
      for (const { type, documentRef, contentType, sizeBytes } of body.documents) {
        // Only the reference travels: anything else a caller put in the claim is dropped here.
        received.set(type, { type, documentRef, contentType, sizeBytes });
      }
      requirements = requirements.map((requirement) => ({
        ...requirement,
        received: requirement.anyOf.some((type) => received.has(type)),
      }));
      onboarding.updatePendingActionData(JIKO_ACTIONS.uploadDocuments, documentsActionData(requirements));
    },
    describe: (body) => ({ what: 'uploaded documents', why: body.documents.map((claim) => claim.type).join(', ') }),
  });

  /** Shows the current bundle until the customer has accepted the version that is still current at Jiko. */
  async function acceptAgreements(): Promise<JikoConsent> {
    let bundle = await jiko.getAgreements();
    for (;;) {
      agreements = bundle;
      accepted.consent = undefined;
      await onboarding.waitForCustomer({
        wait: 'agreements',
        action: {
          action: JIKO_ACTIONS.acceptAgreements,
          description: 'Show these agreements and send back the version the customer accepted',
          data: { version: bundle.version, releaseDate: bundle.releaseDate, documents: bundle.documents },
        },
        until: () => accepted.consent !== undefined,
      });
      // Set by the Update handler during the wait (TypeScript cannot see that).
      const consent = accepted.consent as JikoConsent | undefined;
      if (!consent) throw unexpectedProviderState('agreements accepted without a consent', {});
      if (patched(AGREEMENTS_RECHECK_PATCH)) {
        const current = await jiko.getAgreements();
        if (current.version !== consent.version) {
          agreementsRepublished(current.version, consent.version);
          bundle = current;
          continue;
        }
      }
      onboarding.setResult('agreementsVersion', consent.version);
      onboarding.setResult('agreementsAcceptedAt', consent.timestamp);
      return consent;
    }
  }

  function agreementsRepublished(current: string, acceptedVersion: string): void {
    onboarding.addTimeline(
      'provider',
      'Jiko published new agreements while the customer decided: asking again',
      `current version ${current}; the customer accepted ${acceptedVersion}`,
    );
  }

  /**
   * Agreements, then the application with that consent. Jiko may still refuse the consent (a bundle published
   * between our re-read and the create): the customer is then shown the new one and asked again.
   */
  async function consentAndApplication(): Promise<JikoApplicationView> {
    let renewedConsent = false;
    for (;;) {
      const consent = await onboarding.runStep('agreements', acceptAgreements);
      const application = await onboarding.runStep('application', async () => {
        try {
          return await jiko.createApplication({
            applicant: input.applicant,
            jiko: input.providerInput,
            consent,
            ...(renewedConsent ? { renewedConsent } : {}),
          });
        } catch (err) {
          if (!isAgreementsOutdated(err) || !patched(AGREEMENTS_RECHECK_PATCH)) throw err;
          agreementsRepublished('newer', consent.version);
          return undefined;
        }
      });
      if (application) return application;
      renewedConsent = true;
    }
  }

  /** Waits until Jiko decides; a manual review is part of the decision, waited on as the reviewer's. */
  async function awaitDecision(checkpoint: JikoCheckpoint): Promise<JikoApplicationView> {
    const latest: { view?: JikoApplicationView } = {};
    const read = async (): Promise<JikoApplicationView> => {
      latest.view = await jiko.getApplication({ applicationId: checkpoint.applicationId });
      return latest.view;
    };
    await onboarding.waitForProvider({
      wait: 'decision',
      blockedOn: 'provider',
      poll: async () => DECIDED.includes((await read()).status),
      checkpoint,
    });
    if (latest.view?.status === 'MANUAL_REVIEW') {
      onboarding.addTimeline('provider', 'application sent to manual review');
      await onboarding.waitForProvider({
        wait: 'manualReview',
        blockedOn: 'reviewer',
        poll: async () => (await read()).status !== 'MANUAL_REVIEW',
        checkpoint,
      });
    }
    if (!latest.view) throw unexpectedProviderState('no application read', { step: 'decision' });
    return latest.view;
  }

  /** Asks for exactly the documents Jiko's flags name, uploads them, and asks again if Jiko still wants some. */
  async function collectDocuments(applicationId: string, flags: JikoDocumentFlags): Promise<void> {
    requirements = requirementsFor(flags);
    if (requirements.length === 0) {
      throw unexpectedProviderState('Jiko needs documents but flags none', { applicationId });
    }
    for (;;) {
      received.clear();
      await onboarding.waitForCustomer({
        wait: 'documents',
        action: {
          action: JIKO_ACTIONS.uploadDocuments,
          description: 'Upload one document for each requirement (claim-check references, not the images)',
          data: documentsActionData(requirements),
        },
        until: () => requirements.every((requirement) => requirement.received),
      });
      for (const claim of received.values()) {
        await jiko.uploadDocument({ applicationId, document: claim });
        onboarding.addTimeline('system', `uploaded ${claim.type} to Jiko`);
      }
      const after = await jiko.getApplication({ applicationId });
      const stillNeeded = requirementsFor(after.flags);
      if (after.status !== 'DOCUMENTS_NEEDED' || stillNeeded.length === 0) break;
      onboarding.addTimeline(
        'provider',
        'Jiko still needs documents',
        stillNeeded.map((requirement) => requirement.anyOf.join(' or ')).join(', '),
      );
      requirements = stillNeeded;
    }
    requirements = [];
  }

  async function openAccounts(view: JikoApplicationView): Promise<void> {
    const customerId = view.customerId;
    if (!customerId) throw unexpectedProviderState('approved without a customer id', { step: 'accounts' });
    onboarding.addRef('customer', customerId);
    onboarding.setResult('customerId', customerId);
    // Jiko opens the account with the approval; the read may briefly lag behind it.
    const found: { accountId?: string } = {};
    await onboarding.waitForProvider({
      wait: 'accounts',
      blockedOn: 'provider',
      poll: async () => {
        found.accountId = (await jiko.getCustomerAccounts({ customerId })).accountIds[0];
        return found.accountId !== undefined;
      },
    });
    if (!found.accountId) throw unexpectedProviderState('no account found', { step: 'accounts' });
    onboarding.addRef('account', found.accountId);
    onboarding.setResult('accountId', found.accountId);
  }

  return onboarding.run(async () => {
    let checkpoint = onboarding.checkpoint as JikoCheckpoint | undefined;
    if (!checkpoint) {
      const application = await consentAndApplication();
      onboarding.addRef('application', application.applicationId);
      onboarding.setResult('applicationId', application.applicationId);
      checkpoint = { applicationId: application.applicationId, round: 1 };
      const firstRound = checkpoint;
      await onboarding.runStep('apply', () => jiko.applyApplication(firstRound));
    }
    for (;;) {
      const current: JikoCheckpoint = checkpoint;
      const decided = await onboarding.runStep('decision', () => awaitDecision(current));
      switch (decided.status) {
        case 'APPROVED':
          await onboarding.runStep('accounts', () => openAccounts(decided));
          return { state: 'completed' };
        case 'REJECTED':
          return { state: 'rejected', why: 'Jiko rejected the application' };
        case 'DOCUMENTS_NEEDED': {
          await onboarding.runStep('documents', () => collectDocuments(current.applicationId, decided.flags));
          const next: JikoCheckpoint = { applicationId: current.applicationId, round: current.round + 1 };
          await onboarding.runStep('apply', () => jiko.applyApplication(next));
          checkpoint = next;
          break;
        }
        default:
          // Out of review into something undecided: wait for the decision again.
          break;
      }
    }
  });
}

function isAgreementsOutdated(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === JIKO_AGREEMENTS_OUTDATED
  );
}
