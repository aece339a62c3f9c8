/**
 * Typed calls to Netspend's Partner API on the provider HTTP core. Netspend specifics live here and only here:
 * OAuth client credentials (`Basic key:secret`, form body, 24 h token whose `expires_in` may be a string), the
 * mandatory `ns-session-id` header on every call after `POST /sessions`, and the `{error_code, message}` envelope.
 * Netspend documents no idempotency header, so none is sent: activities.ts dedupes by re-reading instead.
 */
import type { Config } from '../../common/config.js';
import type { Logger } from '../../common/log.js';
import { SecretKeyRing } from '../../common/secret-seal.js';
import type { SecretValue } from '../../common/secret-seal.js';
import { TokenAuth, basicAuthorization } from '../http/auth.js';
import { ProviderHttpClient, type ParsedProviderError } from '../http/client.js';
import type { ProviderErrorKind } from '../../contract/provider-failures.js';
import {
  acceptAgreementResponseSchema,
  accountSchema,
  agreementsResponseSchema,
  brandsResponseSchema,
  cardSchema,
  cardsResponseSchema,
  documentRequestSchema,
  documentRequestsResponseSchema,
  identityScanSchema,
  workflowSchema,
  errorEnvelopeSchema,
  personAgreementsResponseSchema,
  personSchema,
  questionsResponseSchema,
  sessionSchema,
  tokenResponseSchema,
  validationDetailsSchema,
  type NetspendAddressRequest,
  type NetspendCreatePersonRequest,
  type NetspendWireAccount,
  type NetspendWireAgreement,
  type NetspendWireCard,
  type NetspendWireDocumentRequest,
  type NetspendWirePerson,
  type NetspendWireQuestion,
  type NetspendWireSession,
} from './schemas.js';
import type { NetspendCardType } from '../../contract/netspend.js';

/** Netspend's documented token lifetime, used when a token answer carries no `expires_in`. */
export const NETSPEND_TOKEN_TTL_MS = 24 * 60 * 60_000;
export const NETSPEND_SESSION_HEADER = 'ns-session-id';

export type NetspendClientConfig = Pick<Config, 'NETSPEND_BASE_URL' | 'NETSPEND_API_KEY' | 'NETSPEND_API_SECRET'> &
  Partial<Pick<Config, 'SECRET_SEAL_KEYS'>>;

export interface NetspendHttpOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  logger?: Logger;
}

type Answer = { question_id: string; answer_id: string };

function kindFor(status: number): ProviderErrorKind | undefined {
  if (status === 400) return 'validation';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 403) return 'forbidden';
  if (status === 422) return 'business';
  return undefined;
}

/** `{error_code, message, details?}` → our details; validation details contribute field names, never values. */
export function parseNetspendError(status: number, body: unknown): ParsedProviderError | undefined {
  const parsed = errorEnvelopeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { error_code: code, message, details } = parsed.data;
  const fieldList = validationDetailsSchema.safeParse(details);
  const kind = kindFor(status);
  return {
    code,
    message: message ?? code,
    ...(kind ? { kind } : {}),
    ...(fieldList.success && fieldList.data.length > 0 ? { fields: fieldList.data.map((item) => item.field) } : {}),
  };
}

export class NetspendClient {
  readonly http: ProviderHttpClient;

  constructor(config: NetspendClientConfig, options: NetspendHttpOptions = {}) {
    this.http = new ProviderHttpClient({
      provider: 'netspend',
      baseUrl: config.NETSPEND_BASE_URL,
      parseError: parseNetspendError,
      ...(config.SECRET_SEAL_KEYS ? { secrets: SecretKeyRing.fromSpec(config.SECRET_SEAL_KEYS) } : {}),
      ...(options.timeoutMs !== undefined ? { defaultTimeoutMs: options.timeoutMs } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      auth: new TokenAuth({
        defaultTtlMs: NETSPEND_TOKEN_TTL_MS,
        acquire: async (http) => {
          const answer = await http.request({
            method: 'POST',
            path: '/oauth/accesstoken',
            auth: false,
            headers: { authorization: basicAuthorization(config.NETSPEND_API_KEY, config.NETSPEND_API_SECRET) },
            body: new URLSearchParams({ grant_type: 'client_credentials' }),
            schema: tokenResponseSchema,
          });
          return {
            token: answer.access_token,
            ...(answer.expires_in !== undefined && answer.expires_in > 0
              ? { expiresInMs: answer.expires_in * 1000 }
              : {}),
          };
        },
      }),
    });
  }

  // --- sessions ---------------------------------------------------------------------------------------------------

  /** The one call (besides the token) without `ns-session-id`: it creates the session. */
  createSession(deviceData?: unknown): Promise<NetspendWireSession> {
    return this.http.request({
      method: 'POST',
      path: '/sessions',
      body: deviceData === undefined ? {} : { encrypted_data: deviceData },
      schema: sessionSchema,
    });
  }

  getSession(sessionId: string): Promise<NetspendWireSession> {
    return this.inSession(sessionId, 'GET', `/sessions/${enc(sessionId)}`, sessionSchema);
  }

  patchSession(sessionId: string, sourceType: 'account' | 'person', sourceId: string): Promise<NetspendWireSession> {
    return this.inSession(sessionId, 'PATCH', `/sessions/${enc(sessionId)}`, sessionSchema, {
      source_type: sourceType,
      source_id: sourceId,
    });
  }

  // --- accounts ---------------------------------------------------------------------------------------------------

  createAccount(sessionId: string, providedId: string): Promise<NetspendWireAccount> {
    return this.inSession(sessionId, 'POST', '/accounts', accountSchema, { provided_id: providedId });
  }

  getAccount(sessionId: string, accountId: string): Promise<NetspendWireAccount> {
    return this.inSession(sessionId, 'GET', `/accounts/${enc(accountId)}`, accountSchema);
  }

  closeAccount(sessionId: string, accountId: string, reason: string): Promise<NetspendWireAccount> {
    return this.inSession(sessionId, 'POST', `/accounts/${enc(accountId)}/close`, accountSchema, { reason });
  }

  /** Not in Netspend's reference (the simulator's choice): only onboardings from before the card-by-id patch use it. */
  async listAccountCards(sessionId: string, accountId: string): Promise<NetspendWireCard[]> {
    const answer = await this.inSession(sessionId, 'GET', `/accounts/${enc(accountId)}/cards`, cardsResponseSchema);
    return answer.cards;
  }

  // --- people -----------------------------------------------------------------------------------------------------

  createPerson(sessionId: string, body: NetspendCreatePersonRequest): Promise<NetspendWirePerson> {
    return this.inSession(sessionId, 'POST', '/people', personSchema, body);
  }

  getPerson(sessionId: string, personId: string): Promise<NetspendWirePerson> {
    return this.inSession(sessionId, 'GET', `/people/${enc(personId)}`, personSchema);
  }

  async getIdentityQuestions(sessionId: string, personId: string): Promise<NetspendWireQuestion[]> {
    const path = `/people/${enc(personId)}/kyc/identity_questions`;
    return (await this.inSession(sessionId, 'GET', path, questionsResponseSchema)).questions;
  }

  answerIdentityQuestions(sessionId: string, personId: string, answers: Answer[]): Promise<NetspendWirePerson> {
    const path = `/people/${enc(personId)}/kyc/identity_questions`;
    return this.inSession(sessionId, 'PUT', path, personSchema, { answers });
  }

  /** The account's `kyc_approve` workflow: which cure steps are pending (path ASSUMED, sandbox/README.md). */
  kycWorkflow(sessionId: string, accountId: string) {
    const path = `/accounts/${enc(accountId)}/workflows/kyc_approve`;
    return this.inSession(sessionId, 'GET', path, workflowSchema);
  }

  identityScan(sessionId: string, personId: string) {
    return this.inSession(sessionId, 'GET', `/people/${enc(personId)}/kyc/identity_scan`, identityScanSchema);
  }

  async documentRequests(sessionId: string, personId: string): Promise<NetspendWireDocumentRequest[]> {
    const path = `/people/${enc(personId)}/document_requests`;
    return (await this.inSession(sessionId, 'GET', path, documentRequestsResponseSchema)).document_requests;
  }

  /** The document goes only into this request's body (base64): never logged. */
  uploadDocument(
    sessionId: string,
    documentRequestId: string,
    body: { document_type: string; content_type: string; content_base64: string },
  ): Promise<NetspendWireDocumentRequest> {
    const path = `/document_requests/${enc(documentRequestId)}/documents`;
    return this.inSession(sessionId, 'POST', path, documentRequestSchema, body);
  }

  // --- agreements -------------------------------------------------------------------------------------------------

  async searchAgreements(sessionId: string, providedId: string): Promise<NetspendWireAgreement[]> {
    const body = { provided_id: providedId };
    return (await this.inSession(sessionId, 'POST', '/agreements/search', agreementsResponseSchema, body)).agreements;
  }

  async personAgreements(sessionId: string, personId: string): Promise<{ agreement_id: string; accepted: boolean }[]> {
    const path = `/people/${enc(personId)}/agreements`;
    return (await this.inSession(sessionId, 'GET', path, personAgreementsResponseSchema)).agreements;
  }

  async acceptAgreement(sessionId: string, personId: string, agreementId: string): Promise<void> {
    const path = `/people/${enc(personId)}/agreements/${enc(agreementId)}`;
    await this.inSession(sessionId, 'PUT', path, acceptAgreementResponseSchema, { accepted: true });
  }

  // --- expected use -----------------------------------------------------------------------------------------------

  async getExpectedUse(sessionId: string, personId: string): Promise<NetspendWireQuestion[]> {
    const path = `/people/${enc(personId)}/expected_use`;
    return (await this.inSession(sessionId, 'GET', path, questionsResponseSchema)).questions;
  }

  async answerExpectedUse(sessionId: string, personId: string, answers: Answer[]): Promise<void> {
    await this.inSession(sessionId, 'PUT', `/people/${enc(personId)}/expected_use`, questionsResponseSchema, {
      answers,
    });
  }

  // --- cards ------------------------------------------------------------------------------------------------------

  async searchBrands(sessionId: string, personId: string) {
    const body = { person_id: personId };
    return (await this.inSession(sessionId, 'POST', '/cards/brands/search', brandsResponseSchema, body)).brands;
  }

  orderCard(
    sessionId: string,
    type: NetspendCardType,
    body: { account_id: string; person_id: string; brand_name: string; address?: NetspendAddressRequest },
  ): Promise<NetspendWireCard> {
    return this.inSession(sessionId, 'POST', `/cards/${type}`, cardSchema, body);
  }

  getCard(sessionId: string, cardId: string): Promise<NetspendWireCard> {
    return this.inSession(sessionId, 'GET', `/cards/${enc(cardId)}`, cardSchema);
  }

  /**
   * The PIN goes only into this request's body, sealed until the core writes the bytes: the core logs neither
   * request bodies nor this method's input.
   */
  setPin(sessionId: string, cardId: string, pin: SecretValue): Promise<NetspendWireCard> {
    return this.inSession(sessionId, 'PUT', `/cards/${enc(cardId)}/pin`, cardSchema, { pin });
  }

  closeCard(sessionId: string, cardId: string, reason: string): Promise<NetspendWireCard> {
    return this.inSession(sessionId, 'POST', `/cards/${enc(cardId)}/close`, cardSchema, { reason });
  }

  private inSession<Schema extends Parameters<ProviderHttpClient['request']>[0]['schema']>(
    sessionId: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    path: string,
    schema: Schema,
    body?: unknown,
  ) {
    return this.http.request({
      method,
      path,
      schema,
      headers: { [NETSPEND_SESSION_HEADER]: sessionId },
      ...(body !== undefined ? { body } : {}),
    });
  }
}

const enc = encodeURIComponent;
