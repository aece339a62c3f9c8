/**
 * What the Jiko workflow calls. Each activity maps the plain views of types.ts to Jiko's wire format and back;
 * every write carries an idempotency key derived from the workflow id and the step (never the attempt), so a
 * retried activity replays Jiko's first answer instead of creating a second application or document.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DocumentNotFoundError, type DocumentStore } from '../../common/documents.js';
import { formatPath } from '../http/client.js';
import {
  DOCUMENT_NOT_FOUND,
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_INPUT_INVALID,
} from '../../contract/provider-failures.js';
import type { ProviderErrorDetails } from '../../contract/provider-failures.js';
import { idempotencyKey } from '../http/idempotency.js';
import { JikoClient, type JikoClientConfig, type JikoHttpOptions } from './client.js';
import {
  createApplicationRequestSchema,
  documentTypeSchema,
  type JikoCreateApplicationRequest,
  type JikoIdentification,
  type JikoWireApplication,
} from './schemas.js';
import { JIKO_AGREEMENTS_OUTDATED, isNineDigitIdentification } from '../../contract/jiko.js';
import type {
  JikoActivities,
  JikoAgreementBundle,
  JikoApplicant,
  JikoApplicationView,
  JikoConsent,
  JikoProviderInput,
} from '../../contract/jiko.js';

export interface JikoActivityDeps {
  config: JikoClientConfig;
  documents: DocumentStore;
  /** Transport overrides (tests): fetch, per-call timeout, logger. */
  http?: JikoHttpOptions;
  /** A ready client (shares its token cache); built from config when absent. */
  client?: JikoClient;
}

/** ISO 3166 alpha-2 → alpha-3 for the places a US programme onboards; Jiko's samples use `USA`. */
const ALPHA3: Record<string, string> = {
  US: 'USA',
  PR: 'PRI',
  GU: 'GUM',
  VI: 'VIR',
  AS: 'ASM',
  MP: 'MNP',
  UM: 'UMI',
  CA: 'CAN',
  MX: 'MEX',
  GB: 'GBR',
};

function inputInvalid(message: string, fields: string[] = []): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, PROVIDER_INPUT_INVALID, {
    provider: 'jiko',
    status: 0,
    code: 'input_invalid',
    kind: 'validation',
    fields,
  } satisfies ProviderErrorDetails);
}

function toAlpha3(country: string): string {
  const upper = country.trim().toUpperCase();
  if (/^[A-Z]{3}$/.test(upper)) return upper;
  const mapped = ALPHA3[upper];
  if (!mapped) throw inputInvalid(`country ${upper} has no Jiko (alpha-3) mapping`, ['applicant.address.country']);
  return mapped;
}

const present = (value: string | null | undefined): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * SSN and TIN are the applicant's 9 digits; a passport, licence or international id brings its own number in the
 * `jiko` block. Separators are dropped either way, letters upper-cased (as printed on the document).
 */
function identificationOf(applicant: JikoApplicant, jiko: JikoProviderInput): JikoIdentification {
  const type = jiko.identificationType ?? 'SSN';
  const raw = isNineDigitIdentification(type) ? applicant.ssn : jiko.identificationNumber;
  const issuingCountry = jiko.identificationIssuingCountry?.trim().toUpperCase();
  return {
    identification_number: (raw ?? '').replace(/[\s-]/g, '').toUpperCase(),
    identification_type: type,
    ...(issuingCountry ? { identification_number_issuing_country: issuingCountry } : {}),
  };
}

/** The common applicant + the `jiko` block → Jiko's create-application body (validated before it is sent). */
export function toJikoApplication(
  applicant: JikoApplicant,
  jiko: JikoProviderInput,
  consent: JikoConsent,
): JikoCreateApplicationRequest {
  const profile = jiko.investmentProfile;
  const body: JikoCreateApplicationRequest = {
    ...identificationOf(applicant, jiko),
    name: {
      first_name: applicant.name.first,
      ...(present(applicant.name.middle) ? { middle_name: applicant.name.middle } : {}),
      last_name: applicant.name.last,
    },
    email: applicant.email,
    // Jiko announces E.164 with the plus as mandatory; the gateway already requires it, separators are dropped.
    phone_number: `+${applicant.phone.replace(/\D/g, '')}`,
    date_of_birth: applicant.dateOfBirth,
    address: {
      street_address: applicant.address.line1,
      ...(present(applicant.address.line2) ? { street_address2: applicant.address.line2 } : {}),
      city: applicant.address.city,
      postal_code: applicant.address.postalCode,
      state: applicant.address.state.toUpperCase() as JikoCreateApplicationRequest['address']['state'],
      country: toAlpha3(applicant.address.country),
    },
    investment_profile: {
      employment_status: profile.employmentStatus,
      income: profile.income,
      net_worth: profile.netWorth,
      ...(profile.occupation && (profile.employmentStatus === 'EMPLOYED' || profile.employmentStatus === 'INDEPENDENT')
        ? { occupation: profile.occupation }
        : {}),
    } as JikoCreateApplicationRequest['investment_profile'],
    agreement_consent: { version: consent.version, timestamp: consent.timestamp },
  };
  const checked = createApplicationRequestSchema.safeParse(body);
  if (!checked.success) {
    // Field paths only: the values are the applicant's personal data.
    const fields = checked.error.issues.map((issue) => formatPath(issue.path));
    const reasons = checked.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw inputInvalid(`applicant data cannot be sent to Jiko: ${reasons.join('; ')}`, fields);
  }
  return body;
}

export function toApplicationView(application: JikoWireApplication): JikoApplicationView {
  return {
    applicationId: application.id,
    status: application.status,
    customerId: application.customer_id ?? null,
    flags: {
      idVerification: application.id_verification_documents_needed ?? false,
      identificationNumber:
        (application.identification_number_document_needed ?? false) ||
        (application.identification_number_verification_document_needed ?? false),
      addressVerification: application.address_verification_document_needed ?? false,
    },
    documents: (application.documents ?? []).map((document) => ({
      id: document.id,
      type: document.type,
      status: document.status,
    })),
    exceptionReasons: application.exception_reasons ?? [],
  };
}

/** Jiko's 422 on `agreement_consent.version`: the consent names a version that is no longer the current one. */
function refusesConsentVersion(err: unknown): err is ApplicationFailure {
  if (!(err instanceof ApplicationFailure) || err.type !== PROVIDER_BUSINESS_ERROR) return false;
  const details = err.details?.[0] as ProviderErrorDetails | undefined;
  return details?.status === 422 && (details.fields ?? []).includes('body.agreement_consent.version');
}

function isApplyConflict(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure) || err.type !== PROVIDER_BUSINESS_ERROR) return false;
  const details = err.details?.[0] as ProviderErrorDetails | undefined;
  return details?.status === 409 && details.code !== 'idempotency_key_reused';
}

export function createJikoActivities(deps: JikoActivityDeps): JikoActivities {
  const client = deps.client ?? new JikoClient(deps.config, deps.http);

  return {
    async getAgreements(): Promise<JikoAgreementBundle> {
      const agreement = await client.getAgreements();
      return {
        version: agreement.version,
        releaseDate: agreement.release_date,
        documents: agreement.documents.map((document) => ({
          title: document.title,
          url: document.pdf_download_url,
          type: document.type,
          category: document.category,
        })),
      };
    },

    async createApplication({ applicant, jiko, consent, renewedConsent }): Promise<JikoApplicationView> {
      const body = toJikoApplication(applicant, jiko, consent);
      try {
        // Jiko keeps its 422 to the stale consent under the first key: a renewed consent is a new request. The first
        // consent keeps the key it always had, so a create retried across a deploy is still recognised.
        const key = idempotencyKey(
          renewedConsent ? `jiko:create-application:${consent.version}` : 'jiko:create-application',
        );
        return toApplicationView(await client.createApplication(body, key));
      } catch (err) {
        if (!refusesConsentVersion(err)) throw err;
        throw ApplicationFailure.nonRetryable(
          `Jiko refused agreements version ${consent.version}: it has published newer agreements`,
          JIKO_AGREEMENTS_OUTDATED,
          ...(err.details ?? []),
        );
      }
    },

    async applyApplication({ applicationId, round }): Promise<JikoApplicationView> {
      try {
        return toApplicationView(
          await client.applyApplication(applicationId, idempotencyKey(`jiko:apply:${applicationId}:${round}`)),
        );
      } catch (err) {
        // Jiko refuses apply once the application moved on (e.g. our first apply went through but its answer
        // was lost and the idempotency window passed). The workflow acts on the status, so hand it the truth.
        if (!isApplyConflict(err)) throw err;
        const current = toApplicationView(await client.getApplication(applicationId));
        if (current.status === 'CREATED' || current.status === 'PENDING') throw err;
        return current;
      }
    },

    async getApplication({ applicationId }): Promise<JikoApplicationView> {
      return toApplicationView(await client.getApplication(applicationId));
    },

    async uploadDocument({ applicationId, document }): Promise<{ documentId: string }> {
      const type = documentTypeSchema.safeParse(document.type);
      if (!type.success) throw inputInvalid(`unknown Jiko document type ${document.type}`, ['document.type']);
      let content;
      try {
        content = await deps.documents.get(document.documentRef);
      } catch (err) {
        if (err instanceof DocumentNotFoundError) {
          throw ApplicationFailure.nonRetryable(
            `document ${document.documentRef} is not in the store`,
            DOCUMENT_NOT_FOUND,
          );
        }
        throw err;
      }
      const uploaded = await client.uploadDocument({
        applicationId,
        type: type.data,
        bytes: content.bytes,
        contentType: content.contentType,
        idempotencyKey: idempotencyKey(`jiko:upload:${applicationId}:${type.data}:${document.documentRef}`),
      });
      return { documentId: uploaded.document_id };
    },

    async getCustomerAccounts({ customerId }): Promise<{ accountIds: string[] }> {
      const accounts = await client.listCustomerAccounts(customerId);
      return { accountIds: accounts.map((account) => account.id) };
    },
  };
}
