/**
 * In-memory stand-in for the Jiko activities, following Jiko's documented sandbox table (the SSN's first digits
 * decide the outcome), with controls a test needs: hold a decision, resolve a manual review, inject failures.
 * Keyed by workflow id (read from the activity context), so many onboardings can share one worker.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CommonActivities, OutboundEvent } from '../../contract/outbound.js';
import { JIKO_AGREEMENTS_OUTDATED } from '../../contract/jiko.js';
import type {
  DocumentClaim,
  JikoActivities,
  JikoAgreementBundle,
  JikoApplicationStatus,
  JikoApplicationView,
  JikoDocumentFlags,
} from '../../contract/jiko.js';

export interface FakeApplication {
  id: string;
  workflowId: string;
  ssn: string;
  status: JikoApplicationStatus;
  flags: JikoDocumentFlags;
  documents: { id: string; type: string; status: string }[];
  customerId: string | null;
  applies: number;
  /** What the current round decides once the application is read (unless held). */
  outcome: JikoApplicationStatus | null;
  /** A held decision stays SUBMITTED until `release()`: the test decides when the provider answers. */
  held: boolean;
}

const NO_FLAGS: JikoDocumentFlags = { idVerification: false, identificationNumber: false, addressVerification: false };

/** Jiko's sandbox: 21x/22x/23x/24x name the flags; 20x and 25x–29x are ours to choose (id verification). */
function flagsFor(ssn: string): JikoDocumentFlags {
  switch (ssn[1]) {
    case '2':
      return { ...NO_FLAGS, identificationNumber: true };
    case '3':
      return { ...NO_FLAGS, addressVerification: true };
    case '4':
      return { ...NO_FLAGS, idVerification: true, identificationNumber: true };
    default:
      return { ...NO_FLAGS, idVerification: true };
  }
}

function outcomeFor(ssn: string, applies: number): JikoApplicationStatus {
  if (ssn.startsWith('2')) {
    if (applies === 1) return 'DOCUMENTS_NEEDED';
    return ssn[2] === '1' ? 'MANUAL_REVIEW' : 'APPROVED';
  }
  if (ssn.startsWith('4')) return 'APPROVED';
  if (ssn.startsWith('5')) return 'REJECTED';
  return 'MANUAL_REVIEW';
}

function currentWorkflowId(): string {
  const workflowId = Context.current().info.workflowExecution?.workflowId;
  if (!workflowId) throw new Error('the fake Jiko runs only as activities of a workflow');
  return workflowId;
}

export class FakeJiko {
  readonly agreements: JikoAgreementBundle = {
    version: '2024-06-01',
    releaseDate: '2024-06-01',
    documents: [
      { title: 'Terms of use', url: 'https://example.test/terms.pdf', type: 'TERMS_OF_USE', category: 'GENERAL' },
      {
        title: 'E-sign consent',
        url: 'https://example.test/esign.pdf',
        type: 'ELECTRONIC_COMMUNICATIONS',
        category: 'E-SIGN',
      },
    ],
  };
  readonly applications = new Map<string, FakeApplication>();
  readonly outbound: OutboundEvent[] = [];
  readonly uploads: { workflowId: string; document: DocumentClaim }[] = [];
  /** `${workflowId}:${activity}` → how many more calls fail (retryable), or a permanent failure. */
  readonly failures = new Map<string, { remaining: number; nonRetryable: boolean }>();
  /** Workflow ids whose decisions are held from the start. */
  readonly holdFor = new Set<string>();
  /** Agreements Jiko published for one onboarding's test only (the shared bundle stays as it is for the others). */
  private readonly published = new Map<string, JikoAgreementBundle>();
  /** Versions to publish just before an onboarding's next createApplication is handled (the race a re-read misses). */
  private readonly publishOnCreate = new Map<string, string>();
  /** Every consent version createApplication received, by workflow id, accepted or not. */
  readonly consentsReceived: { workflowId: string; version: string; renewedConsent: boolean }[] = [];
  private sequence = 0;

  application(workflowId: string): FakeApplication {
    const found = [...this.applications.values()].find((candidate) => candidate.workflowId === workflowId);
    if (!found) throw new Error(`no application for ${workflowId}`);
    return found;
  }

  /** An application created by an earlier run of the workflow (as after continue-as-new). */
  seedApplication(workflowId: string, ssn: string, status: JikoApplicationStatus): FakeApplication {
    const application: FakeApplication = {
      id: `app-${++this.sequence}`,
      workflowId,
      ssn,
      status,
      flags: { ...NO_FLAGS },
      documents: [],
      customerId: null,
      applies: 1,
      outcome: null,
      held: false,
    };
    this.applications.set(application.id, application);
    return application;
  }

  /** Jiko publishes a new agreement bundle (seen by this onboarding only). */
  publishAgreements(workflowId: string, version: string): void {
    this.published.set(workflowId, { ...this.agreements, version, releaseDate: version });
  }

  /** Jiko publishes `version` in the instant between the workflow's re-read and its createApplication. */
  publishBeforeNextCreate(workflowId: string, version: string): void {
    this.publishOnCreate.set(workflowId, version);
  }

  agreementsFor(workflowId: string): JikoAgreementBundle {
    return this.published.get(workflowId) ?? this.agreements;
  }

  release(workflowId: string): void {
    this.application(workflowId).held = false;
  }

  /** A reviewer at Jiko decides. */
  resolveReview(workflowId: string, decision: 'APPROVED' | 'REJECTED'): void {
    const application = this.application(workflowId);
    application.status = decision;
    if (decision === 'APPROVED') application.customerId = `cus-${application.id}`;
  }

  eventsFor(workflowId: string): OutboundEvent[] {
    return this.outbound.filter((event) => event.onboardingId === workflowId);
  }

  activities(): JikoActivities & CommonActivities {
    return {
      getAgreements: async () => {
        this.maybeFail('getAgreements');
        return this.agreementsFor(currentWorkflowId());
      },
      createApplication: async ({ applicant, consent, renewedConsent }) => {
        this.maybeFail('createApplication');
        const workflowId = currentWorkflowId();
        const racing = this.publishOnCreate.get(workflowId);
        if (racing) {
          this.publishOnCreate.delete(workflowId);
          this.publishAgreements(workflowId, racing);
        }
        this.consentsReceived.push({ workflowId, version: consent.version, renewedConsent: renewedConsent === true });
        if (consent.version !== this.agreementsFor(workflowId).version) {
          // What activities/jiko/activities.ts makes of Jiko's 422 on agreement_consent.version.
          throw ApplicationFailure.nonRetryable('stale agreement version', JIKO_AGREEMENTS_OUTDATED);
        }
        const application: FakeApplication = {
          id: `app-${++this.sequence}`,
          workflowId,
          ssn: applicant.ssn ?? '',
          status: 'CREATED',
          flags: { ...NO_FLAGS },
          documents: [],
          customerId: null,
          applies: 0,
          outcome: null,
          held: this.holdFor.has(workflowId),
        };
        this.applications.set(application.id, application);
        return this.view(application);
      },
      applyApplication: async ({ applicationId }) => {
        this.maybeFail('applyApplication');
        const application = this.find(applicationId);
        if (application.status !== 'CREATED' && application.status !== 'PENDING') {
          throw ApplicationFailure.nonRetryable(`cannot apply from ${application.status}`, 'ProviderBusinessError');
        }
        application.applies += 1;
        application.status = 'SUBMITTED';
        application.outcome = outcomeFor(application.ssn, application.applies);
        return this.view(application);
      },
      getApplication: async ({ applicationId }) => {
        this.maybeFail('getApplication');
        const application = this.find(applicationId);
        if (application.status === 'SUBMITTED' && application.outcome && !application.held) {
          application.status = application.outcome;
          application.outcome = null;
          if (application.status === 'DOCUMENTS_NEEDED') application.flags = flagsFor(application.ssn);
          if (application.status === 'APPROVED') application.customerId = `cus-${application.id}`;
        }
        return this.view(application);
      },
      uploadDocument: async ({ applicationId, document }) => {
        this.maybeFail('uploadDocument');
        const application = this.find(applicationId);
        const documentId = `doc-${++this.sequence}`;
        application.documents.push({ id: documentId, type: document.type, status: 'PENDING_REVIEW' });
        this.uploads.push({ workflowId: application.workflowId, document });
        const has = (type: string) => application.documents.some((uploaded) => uploaded.type === type);
        const flags = application.flags;
        if (flags.idVerification && has('ID_FRONT') && has('ID_BACK') && (has('SELFIE') || has('PASSPORT'))) {
          flags.idVerification = false;
        }
        if (flags.identificationNumber && has('IDENTIFICATION_NUMBER_VERIFICATION')) flags.identificationNumber = false;
        if (flags.addressVerification && has('ADDRESS_VERIFICATION')) flags.addressVerification = false;
        if (!flags.idVerification && !flags.identificationNumber && !flags.addressVerification) {
          application.status = 'PENDING';
        }
        return { documentId };
      },
      getCustomerAccounts: async ({ customerId }) => {
        this.maybeFail('getCustomerAccounts');
        return { accountIds: [`acct-${customerId}`] };
      },
      emitOutboundEvent: async (event) => {
        this.outbound.push(event);
      },
    };
  }

  private find(applicationId: string): FakeApplication {
    const application = this.applications.get(applicationId);
    if (!application) throw ApplicationFailure.nonRetryable('Not found', 'ProviderBusinessError');
    return application;
  }

  private maybeFail(activity: string): void {
    const key = `${currentWorkflowId()}:${activity}`;
    const failure = this.failures.get(key);
    if (!failure || failure.remaining <= 0) return;
    failure.remaining -= 1;
    if (failure.nonRetryable) throw ApplicationFailure.nonRetryable('Jiko said no', 'ProviderBusinessError');
    throw ApplicationFailure.retryable('Jiko answered 503', 'ProviderUnavailable');
  }

  private view(application: FakeApplication): JikoApplicationView {
    return {
      applicationId: application.id,
      status: application.status,
      customerId: application.customerId,
      flags: { ...application.flags },
      documents: application.documents.map((document) => ({ ...document })),
      exceptionReasons: [],
    };
  }
}
