/**
 * What the Netspend workflow calls. Each activity maps the plain views of types.ts to Netspend's wire format and
 * back. Netspend documents no idempotency key, so a retried write (e.g. after a lost response) is made safe by
 * reading first or recognising the conflict a repeat causes: one primary person per account, one answer to the
 * identity questions, a session already moved to the person. A card order has no documented handle (Netspend lists
 * no cards by account): see README.md, Netspend.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { Config } from '../../common/config.js';
import { DocumentNotFoundError, type DocumentStore } from '../../common/documents.js';
import type { Applicant } from '../../contract/onboarding.js';
import { formatPath } from '../http/client.js';
import {
  DOCUMENT_NOT_FOUND,
  PROVIDER_BUSINESS_ERROR,
  PROVIDER_INPUT_INVALID,
} from '../../contract/provider-failures.js';
import type { ProviderErrorDetails } from '../../contract/provider-failures.js';
import { NetspendClient, type NetspendClientConfig, type NetspendHttpOptions } from './client.js';
import {
  addressRequestSchema,
  createPersonRequestSchema,
  type NetspendAddressRequest,
  type NetspendCreatePersonRequest,
  type NetspendWireAccount,
  type NetspendWireCard,
  type NetspendWireDocumentRequest,
  type NetspendWirePerson,
  type NetspendWireQuestion,
  type NetspendWireSession,
} from './schemas.js';
import type {
  NetspendAccountType,
  NetspendAccountView,
  NetspendActivities,
  NetspendAddress,
  NetspendAnswer,
  NetspendCardView,
  NetspendDocumentRequestView,
  NetspendKycCure,
  NetspendPersonView,
  NetspendQuestion,
  NetspendSessionView,
} from '../../contract/netspend.js';

export type NetspendActivityConfig = NetspendClientConfig &
  Pick<Config, 'NETSPEND_DDA_PROVIDED_ID' | 'NETSPEND_GPR_PROVIDED_ID'>;

export interface NetspendActivityDeps {
  config: NetspendActivityConfig;
  /** Transport overrides (tests): fetch, per-call timeout, logger. */
  http?: NetspendHttpOptions;
  /** A ready client (shares its token cache); built from config when absent. */
  client?: NetspendClient;
  /** The claim-check store the gateway put the customer's KYC documents in; uploads fail without it. */
  documents?: DocumentStore;
}

/** Why the engine closes what it created; visible in Netspend's records. */
const CLOSE_REASON = 'onboarding_abandoned';

function inputInvalid(message: string, fields: string[] = []): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, PROVIDER_INPUT_INVALID, {
    provider: 'netspend',
    status: 0,
    code: 'input_invalid',
    kind: 'validation',
    fields,
  } satisfies ProviderErrorDetails);
}

/** The provider's error code when `err` is Netspend saying no (a 4xx), else undefined. */
export function businessErrorCode(err: unknown): string | undefined {
  if (!(err instanceof ApplicationFailure) || err.type !== PROVIDER_BUSINESS_ERROR) return undefined;
  return (err.details?.[0] as ProviderErrorDetails | undefined)?.code;
}

const present = (value: string | null | undefined): value is string => typeof value === 'string' && value.trim() !== '';

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string, prefix: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Field paths and rules only: the values are the applicant's personal data.
  const fields = result.error.issues.map((issue) => `${prefix}${formatPath(issue.path)}`);
  const reasons = result.error.issues.map((issue) => `${prefix}${formatPath(issue.path)}: ${issue.message}`);
  throw inputInvalid(`${what} cannot be sent to Netspend: ${reasons.join('; ')}`, fields);
}

export function toNetspendAddress(address: NetspendAddress, field = 'address'): NetspendAddressRequest {
  const country = address.country.trim().toUpperCase();
  const body = {
    address1: address.line1,
    ...(present(address.line2) ? { address2: address.line2 } : {}),
    city: address.city,
    state: address.state.trim().toUpperCase(),
    postal_code: address.postalCode.trim(),
    country: country === 'USA' ? 'US' : country,
  };
  return checked(addressRequestSchema, body, 'the address', `${field}.`);
}

/** The common applicant → Netspend's create-person body, with the PII in `encrypted_data`. */
export function toNetspendPerson(applicant: Applicant, accountId: string): NetspendCreatePersonRequest {
  const body = {
    first_name: applicant.name.first,
    ...(present(applicant.name.middle) ? { middle_name: applicant.name.middle } : {}),
    last_name: applicant.name.last,
    identity_context: { account_id: accountId, relationship: 'primary' as const },
    encrypted_data: {
      date_of_birth: applicant.dateOfBirth,
      government_id: { type: 'ssn' as const, value: applicant.ssn.replace(/[\s-]/g, '') },
      address: toNetspendAddress(applicant.address, 'applicant.address'),
      email: applicant.email,
      phone: applicant.phone.replace(/(?!^\+)\D/g, ''),
    },
  };
  return checked(createPersonRequestSchema, body, 'the applicant', 'applicant.');
}

export const toSessionView = (session: NetspendWireSession): NetspendSessionView => ({
  sessionId: session.id,
  type: session.source_type,
  sourceId: session.source_id ?? null,
});

export const toAccountView = (account: NetspendWireAccount): NetspendAccountView => ({
  accountId: account.id,
  status: account.status,
  accountType: account.account_type,
  providedId: account.provided_id,
});

export const toPersonView = (person: NetspendWirePerson): NetspendPersonView => ({
  personId: person.id,
  accountId: person.account_id,
  status: person.status,
  kycStatus: person.kyc_status,
  ofacStatus: person.ofac_status,
  kycDataMissing: person.kyc_data_missing ?? [],
});

export const toCardView = (card: NetspendWireCard): NetspendCardView => ({
  cardId: card.id,
  type: card.card_type,
  status: card.status,
  brandName: card.brand_name ?? null,
});

const toQuestion = (question: NetspendWireQuestion): NetspendQuestion => ({
  questionId: question.question_id,
  text: question.text,
  answers: question.answers.map((answer) => ({ answerId: answer.answer_id, text: answer.text })),
});

const toDocumentRequestView = (request: NetspendWireDocumentRequest): NetspendDocumentRequestView => ({
  documentRequestId: request.document_request_id,
  status: request.status,
  documentTypes: request.document_types,
  receivedTypes: [...new Set(request.received.map((item) => item.document_type))],
});

const CURE_STEPS: readonly NetspendKycCure[] = ['identity_questions', 'identity_scan', 'provide_documents'];

const toWireAnswers = (answers: NetspendAnswer[]) =>
  answers.map((answer) => ({ question_id: answer.questionId, answer_id: answer.answerId }));

export function createNetspendActivities(deps: NetspendActivityDeps): NetspendActivities {
  const client = deps.client ?? new NetspendClient(deps.config, deps.http);
  const providedIds: Record<NetspendAccountType, string> = {
    DDA: deps.config.NETSPEND_DDA_PROVIDED_ID,
    GPR: deps.config.NETSPEND_GPR_PROVIDED_ID,
  };

  return {
    async createSession({ deviceData }) {
      return toSessionView(await client.createSession(deviceData));
    },

    async attachPersonToSession({ sessionId, personId }) {
      try {
        return toSessionView(await client.patchSession(sessionId, 'person', personId));
      } catch (err) {
        // A repeat after a lost answer: the session already is the person's, which is what was asked.
        if (businessErrorCode(err) !== 'session_transition_not_allowed') throw err;
        const session = await client.getSession(sessionId);
        if (session.source_type !== 'person' || session.source_id !== personId) throw err;
        return toSessionView(session);
      }
    },

    async createAccount({ sessionId, accountType, providedId }) {
      const context = providedId ?? providedIds[accountType ?? 'DDA'];
      // The session is the handle: an account created in it becomes its source (ASSUMED, sandbox/README.md), so a
      // retry after a lost answer finds the first account instead of creating a second.
      const session = await client.getSession(sessionId);
      if (session.source_type === 'account' && session.source_id) {
        const first = await client.getAccount(sessionId, session.source_id);
        if (first.provided_id === context && first.status !== 'closed') return toAccountView(first);
      }
      return toAccountView(await client.createAccount(sessionId, context));
    },

    async getAccount({ sessionId, accountId }) {
      return toAccountView(await client.getAccount(sessionId, accountId));
    },

    async closeAccount({ sessionId, accountId }) {
      return toAccountView(await client.closeAccount(sessionId, accountId, CLOSE_REASON));
    },

    async createPerson({ sessionId, accountId, applicant }) {
      const body = toNetspendPerson(applicant, accountId);
      try {
        return toPersonView(await client.createPerson(sessionId, body));
      } catch (err) {
        // The account holds one primary person: if ours was created by an attempt whose answer was lost, use it.
        if (businessErrorCode(err) !== 'account_has_primary_person') throw err;
        const { primary_person_id: primaryId } = await client.getAccount(sessionId, accountId);
        if (!primaryId) throw err;
        return toPersonView(await client.getPerson(sessionId, primaryId));
      }
    },

    async getPerson({ sessionId, personId }) {
      return toPersonView(await client.getPerson(sessionId, personId));
    },

    async getKycCures({ sessionId, accountId }) {
      const workflow = await client.kycWorkflow(sessionId, accountId);
      const pending = new Set(workflow.steps.filter((step) => step.status === 'pending').map((step) => step.name));
      return { available: CURE_STEPS.filter((cure) => pending.has(cure)) };
    },

    async getIdentityScan({ sessionId, personId }) {
      const scan = await client.identityScan(sessionId, personId);
      return { identityScanId: scan.identity_scan_id, status: scan.status };
    },

    async getDocumentRequest({ sessionId, personId }) {
      const requests = await client.documentRequests(sessionId, personId);
      const open = requests.find((request) => request.status === 'requested') ?? requests[0];
      return open ? toDocumentRequestView(open) : null;
    },

    // Deliberately no logging of the content: these are identity documents.
    async uploadKycDocuments({ sessionId, personId, documentRequestId, documents }) {
      const store = deps.documents;
      if (!store) throw inputInvalid('no document store is configured for Netspend document uploads');
      let latest: NetspendWireDocumentRequest | undefined;
      for (const document of documents) {
        let content;
        try {
          content = await store.get(document.documentRef);
        } catch (err) {
          if (!(err instanceof DocumentNotFoundError)) throw err;
          throw ApplicationFailure.nonRetryable(
            `document ${document.documentRef} is not in the store`,
            DOCUMENT_NOT_FOUND,
          );
        }
        try {
          latest = await client.uploadDocument(sessionId, documentRequestId, {
            document_type: document.type,
            content_type: content.contentType,
            content_base64: content.bytes.toString('base64'),
          });
        } catch (err) {
          // A repeat after an earlier attempt completed the request (Netspend reviewed it): that is the answer.
          if (businessErrorCode(err) !== 'document_request_closed') throw err;
          const requests = await client.documentRequests(sessionId, personId);
          const closed = requests.find((request) => request.document_request_id === documentRequestId);
          if (!closed) throw err;
          return toDocumentRequestView(closed);
        }
      }
      if (!latest) throw inputInvalid('no documents to upload', ['documents']);
      return toDocumentRequestView(latest);
    },

    async getIdentityQuestions({ sessionId, personId }) {
      return (await client.getIdentityQuestions(sessionId, personId)).map(toQuestion);
    },

    async answerIdentityQuestions({ sessionId, personId, answers }) {
      try {
        return toPersonView(await client.answerIdentityQuestions(sessionId, personId, toWireAnswers(answers)));
      } catch (err) {
        // One attempt only: a repeat finds KYC already decided by the first, whose outcome is the answer.
        if (businessErrorCode(err) !== 'identity_questions_not_available') throw err;
        const person = toPersonView(await client.getPerson(sessionId, personId));
        if (person.kycStatus === 'conditional') throw err;
        return person;
      }
    },

    async searchAgreements({ sessionId, providedId }) {
      return (await client.searchAgreements(sessionId, providedId)).map((agreement) => ({
        agreementId: agreement.agreement_id,
        type: agreement.type,
        name: agreement.name,
        version: agreement.version,
        url: agreement.url,
        requiredForOnboarding: agreement.required_for_onboarding ?? true,
      }));
    },

    async getAcceptedAgreements({ sessionId, personId }) {
      const agreements = await client.personAgreements(sessionId, personId);
      return agreements.filter((agreement) => agreement.accepted).map((agreement) => agreement.agreement_id);
    },

    async acceptAgreement({ sessionId, personId, agreementId }) {
      await client.acceptAgreement(sessionId, personId, agreementId);
    },

    async getExpectedUseQuestions({ sessionId, personId }) {
      return (await client.getExpectedUse(sessionId, personId)).map(toQuestion);
    },

    async answerExpectedUse({ sessionId, personId, answers }) {
      await client.answerExpectedUse(sessionId, personId, toWireAnswers(answers));
    },

    async searchCardBrands({ sessionId, personId }) {
      return (await client.searchBrands(sessionId, personId)).map((brand) => ({
        brandName: brand.brand_name,
        displayName: brand.display_name,
        network: brand.network,
        imageUrl: brand.image_url ?? null,
      }));
    },

    async orderCard({ sessionId, accountId, personId, type, brandName, shippingAddress }) {
      if (type === 'physical' && !shippingAddress) {
        throw inputInvalid('a physical card needs a shipping address', ['shippingAddress']);
      }
      // Documented calls only: Netspend lists no cards by account, so a retry after a lost answer cannot find the
      // first card (README.md, Netspend: it is closed with the account on compensation).
      const body = {
        account_id: accountId,
        person_id: personId,
        brand_name: brandName,
        ...(type === 'physical' && shippingAddress
          ? { address: toNetspendAddress(shippingAddress, 'shippingAddress') }
          : {}),
      };
      return toCardView(await client.orderCard(sessionId, type, body));
    },

    async getCard({ sessionId, cardId }) {
      return toCardView(await client.getCard(sessionId, cardId));
    },

    // Deprecated (undocumented endpoint): only compensations of onboardings from before the card-by-id patch.
    async listCards({ sessionId, accountId }) {
      return (await client.listAccountCards(sessionId, accountId)).map(toCardView);
    },

    // Deliberately no logging here: the input holds the PIN.
    async activateCard({ sessionId, cardId, pin }) {
      return toCardView(await client.setPin(sessionId, cardId, pin));
    },

    async closeCard({ sessionId, cardId }) {
      return toCardView(await client.closeCard(sessionId, cardId, CLOSE_REASON));
    },
  };
}
