/**
 * Jiko individual onboarding: agreements → application → apply → decision (documents, manual review) → accounts.
 * A Jiko application cannot be withdrawn, so there is nothing to compensate.
 */
import type { ActivityOptions } from '@temporalio/workflow';
// A constants-only file written for workflows; the lint pattern meant for Node's `http` module matches its folder.
import type {
  DocumentClaim,
  JikoActivities,
  JikoAgreementBundle,
  JikoApplicationStatus,
  JikoApplicationView,
  JikoConsent,
  JikoDocumentFlags,
  JikoDocumentType,
  JikoProviderInput,
} from '../contract/jiko.js';
import type { OnboardingStatus } from '../contract/onboarding.js';
import {
  JIKO_ACTIONS,
  JIKO_DOCUMENT_MAX_BYTES,
  acceptAgreementsUpdate,
  uploadDocumentsUpdate,
} from '../contract/jiko.js';
import type {
  AcceptAgreementsInput,
  JikoDocumentRequirement,
  JikoDocumentsActionData,
  UploadDocumentsInput,
} from '../contract/jiko.js';
import { documentSizeRule, fieldProblem } from '../contract/rules.js';
import { unexpectedProviderState } from './shared/failures.js';
import type { InvalidField } from './shared/failures.js';
import { providerActivityOptions } from './shared/activity-options.js';
import { Onboarding } from './shared/onboarding.js';
import type { ContinuableOnboardingInput } from './shared/onboarding.js';

export const JIKO_STEPS = ['agreements', 'application', 'apply', 'decision', 'documents', 'accounts'] as const;

export const JIKO_ACTIVITY_OPTIONS: ActivityOptions = providerActivityOptions();

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

  async function acceptAgreements(): Promise<JikoConsent> {
    const bundle = await jiko.getAgreements();
    agreements = bundle;
    await onboarding.waitForCustomer({
      wait: 'agreements',
      action: {
        action: JIKO_ACTIONS.acceptAgreements,
        description: 'Show these agreements and send back the version the customer accepted',
        data: { version: bundle.version, releaseDate: bundle.releaseDate, documents: bundle.documents },
      },
      until: () => accepted.consent !== undefined,
    });
    if (!accepted.consent) throw unexpectedProviderState('agreements accepted without a consent', {});
    onboarding.setResult('agreementsVersion', accepted.consent.version);
    onboarding.setResult('agreementsAcceptedAt', accepted.consent.timestamp);
    return accepted.consent;
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
      const consent = await onboarding.runStep('agreements', acceptAgreements);
      const application = await onboarding.runStep('application', () =>
        jiko.createApplication({ applicant: input.applicant, jiko: input.providerInput, consent }),
      );
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

/** Jiko's flags → the documents that clear them. */
export function requirementsFor(flags: JikoDocumentFlags): JikoDocumentRequirement[] {
  const needed: JikoDocumentType[][] = [];
  if (flags.idVerification) needed.push(['ID_FRONT'], ['ID_BACK'], ['SELFIE', 'PASSPORT']);
  if (flags.identificationNumber) needed.push(['IDENTIFICATION_NUMBER_VERIFICATION']);
  if (flags.addressVerification) needed.push(['ADDRESS_VERIFICATION']);
  return needed.map((anyOf) => ({ anyOf, received: false }));
}

function documentsActionData(requirements: JikoDocumentRequirement[]): JikoDocumentsActionData {
  const maxSizeBytes: Partial<Record<JikoDocumentType, number>> = {};
  for (const type of requirements.flatMap((requirement) => requirement.anyOf)) {
    maxSizeBytes[type] = JIKO_DOCUMENT_MAX_BYTES[type];
  }
  return {
    documents: requirements.map((requirement) => ({ anyOf: [...requirement.anyOf], received: requirement.received })),
    maxSizeBytes,
  };
}

function validateAgreementVersion(
  body: AcceptAgreementsInput,
  shown: JikoAgreementBundle | undefined,
): InvalidField | null {
  const version: unknown = (body as Partial<AcceptAgreementsInput> | undefined)?.version;
  if (typeof version !== 'string' || version === '') {
    return { field: 'version', message: 'the accepted agreements version is required' };
  }
  if (shown && version !== shown.version) {
    return { field: 'version', message: `must be the version shown (${shown.version}), not ${version}` };
  }
  return null;
}

const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
const DOCUMENT_REF_MAX_LENGTH = 512;

function validateDocumentClaims(
  body: UploadDocumentsInput,
  requirements: readonly JikoDocumentRequirement[],
  received: ReadonlyMap<JikoDocumentType, DocumentClaim>,
): InvalidField | null {
  const documents: unknown = (body as Partial<UploadDocumentsInput> | undefined)?.documents;
  if (!Array.isArray(documents) || documents.length === 0) {
    return { field: 'documents', message: 'at least one document reference is required' };
  }
  // A replacement of something already sent is fine; a type no open requirement asks for is not.
  const acceptable = new Set<string>([
    ...requirements.filter((requirement) => !requirement.received).flatMap((requirement) => requirement.anyOf),
    ...received.keys(),
  ]);
  for (const [index, claim] of documents.entries()) {
    const at = `documents[${index}]`;
    if (typeof claim !== 'object' || claim === null) return { field: at, message: 'must be a document reference' };
    const { type, documentRef, contentType, sizeBytes } = claim as Partial<Record<keyof DocumentClaim, unknown>>;
    if (typeof type !== 'string' || !acceptable.has(type)) {
      return {
        field: `${at}.type`,
        message: `${String(type)} is not required now; expected one of ${[...acceptable].join(', ')}`,
      };
    }
    if (typeof documentRef !== 'string' || documentRef.trim() === '' || documentRef.length > DOCUMENT_REF_MAX_LENGTH) {
      return { field: `${at}.documentRef`, message: 'a claim-check reference to the stored document is required' };
    }
    if (typeof contentType !== 'string' || !CONTENT_TYPE.test(contentType)) {
      return { field: `${at}.contentType`, message: 'a media type such as image/png is required' };
    }
    const tooBig = fieldProblem(
      `${at}.sizeBytes`,
      documentSizeRule(JIKO_DOCUMENT_MAX_BYTES[type as JikoDocumentType]),
      sizeBytes,
    );
    if (tooBig) return tooBig;
  }
  return null;
}
