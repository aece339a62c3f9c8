/**
 * Linkcy's partner API routes (mounted by the core under `/linkcy`, so `/linkcy/api/partner/...`). Every body and
 * query is parsed with ./schemas.ts; errors use Linkcy's envelope (./errors.ts). Contract: sandbox/README.md, "Linkcy".
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { badRequest, errorBody, LinkcyApiError, type LinkcyErrorDetail } from './errors.js';
import { hostedPageBase } from './hosted.js';
import type { LinkcyRuntime } from './runtime.js';
import {
  consumerIdSchema,
  createConsumerSchema,
  createKycSchema,
  createLedgerSchema,
  listConsumersQuery,
  listKycQuery,
  listLedgersQuery,
  loginSchema,
  patchConsumerSchema,
  refreshSchema,
  sendEmailSchema,
  simulateKycSchema,
  termsQuery,
  verifyPhoneSchema,
  WITHHELD_FIELDS,
} from './schemas.js';
import { consumerListItem, consumerView, kycView, page } from './views.js';

const API = '/api/partner';
const TERMS_LANGUAGES = new Set(['EN', 'FR']);

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value ?? null;
}

/** Parses with zod; failures are 400 VALIDATION_ERROR naming each field, secrets and contact data withheld. */
export function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  if (Buffer.isBuffer(input)) throw badRequest('INVALID_REQUEST', 'The body must be application/json');
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const details: LinkcyErrorDetail[] = parsed.error.issues.flatMap((issue) => {
    // An unknown field (strict control bodies) is named itself, not its parent object.
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    return paths.map((path) => {
      const field = path.map(String).join('.') || '(body)';
      const withheld = WITHHELD_FIELDS.has(field) || WITHHELD_FIELDS.has(String(path[0]));
      return { field, rejectedValue: withheld ? null : valueAt(input, path), message: issue.message };
    });
  });
  throw new LinkcyApiError(400, 'VALIDATION_ERROR', 'The request is invalid', details);
}

const param = (request: FastifyRequest, key: string): string =>
  (request.params as Record<string, string | undefined>)[key] ?? '';

export function registerApi(app: FastifyInstance, runtime: LinkcyRuntime): void {
  const { store, kyc, verifications, ledgers, tokens, credentials } = runtime;
  const now = () => store.deps.now();

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof LinkcyApiError) {
      return reply.code(error.status).headers(error.headers).send(error.toBody(now()));
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Never echo the parser's message: Node's JSON errors quote the body, which may hold a code or a phone.
      const invalidJson = (error as { code?: string }).code === 'INVALID_JSON';
      const apiError = invalidJson
        ? badRequest('INVALID_JSON', 'The body is not valid JSON')
        : badRequest('INVALID_REQUEST', 'The request could not be read');
      return reply.code(400).send(apiError.toBody(now()));
    }
    return reply.code(500).send(errorBody(500, 'INTERNAL_ERROR', 'Unexpected sandbox error', now()));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(new LinkcyApiError(404, 'RESOURCE_NOT_FOUND', `No route ${request.method} ${request.url}`).toBody(now())),
  );

  type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;
  const route = (method: 'GET' | 'POST' | 'PATCH', path: string, auth: boolean, handler: Handler): void => {
    app.route({
      method,
      url: `${API}${path}`,
      handler: async (request, reply) => {
        if (auth) tokens.authenticate(request.headers.authorization);
        return handler(request, reply);
      },
    });
  };

  // ---- authentication ---------------------------------------------------------------------------------------
  route('POST', '/login', false, (request) => {
    const body = parse(loginSchema, request.body);
    const userName = body.userName ?? body.username ?? '';
    const given = `${userName}\n${body.partnerName}\n${body.password}`;
    const expected = `${credentials.userName}\n${credentials.partnerName}\n${credentials.password}`;
    if (!tokens.sameSecret(given, expected)) {
      throw new LinkcyApiError(401, 'BAD_CREDENTIALS', 'Wrong user name, partner name or password');
    }
    const issued = tokens.issue(`partner:${credentials.partnerName}`);
    store.deps.audit('token', issued.subject, { via: 'login' });
    return { token: issued.token, refreshToken: issued.refreshToken };
  });

  route('POST', '/refresh', false, (request) => {
    const issued = tokens.refresh(parse(refreshSchema, request.body).refreshToken);
    store.deps.audit('token', issued.subject, { via: 'refresh' });
    return { token: issued.token, refreshToken: issued.refreshToken };
  });

  // ---- terms and conditions ---------------------------------------------------------------------------------
  route('GET', '/terms', true, (request) => {
    const language = parse(termsQuery, request.query).language.toUpperCase();
    if (!TERMS_LANGUAGES.has(language)) {
      throw badRequest(
        'UNSUPPORTED_LANGUAGE',
        `Terms are available in ${[...TERMS_LANGUAGES].join(', ')}`,
        'language',
        language,
      );
    }
    const version = store.currentTerms;
    return {
      version,
      language,
      url: `https://docs.sandbox.linkcy.invalid/terms/${version}/${language}.pdf`,
      publishedAt: store.termsPublishedAt.get(version) ?? null,
    };
  });

  // ---- consumers ----------------------------------------------------------------------------------------------
  route('POST', '/consumers', false, (request, reply) => {
    // Partner or anonymous [doc]: a token, when sent, is checked before the body, as on every other route.
    const asPartner = request.headers.authorization !== undefined;
    if (asPartner) tokens.authenticate(request.headers.authorization);
    const body = parse(createConsumerSchema, request.body);
    if (!asPartner && !body.partnerName) {
      throw badRequest(
        'PARTNER_NAME_REQUIRED',
        'partnerName is mandatory when creating a consumer anonymously',
        'partnerName',
      );
    }
    if (!asPartner && body.partnerName !== credentials.partnerName) {
      throw new LinkcyApiError(404, 'PARTNER_NOT_FOUND', 'Unknown partner', [
        { field: 'partnerName', rejectedValue: body.partnerName, message: 'Unknown partner' },
      ]);
    }
    const consumer = store.createConsumer(body);
    return reply.code(201).send({ id: consumer.id });
  });

  route('GET', '/consumers', true, (request) => {
    const query = parse(listConsumersQuery, request.query);
    const phone = query.phone?.replace(/^\+/, '');
    const items = [...store.consumers.values()]
      .filter((c) => phone === undefined || `${c.phone.countryCode}${c.phone.number}` === phone)
      .filter((c) => query.externalId === undefined || c.externalId === query.externalId)
      .filter((c) => query.emailAddress === undefined || c.email?.emailAddress === query.emailAddress)
      .filter((c) => query.lastName === undefined || c.lastName === query.lastName)
      .map((c) => ({ consumer: c, latest: kyc.latest(c) }))
      .filter(
        ({ latest }) => query.kycStatus === undefined || query.kycStatus.includes(latest?.status ?? 'NOT_STARTED'),
      )
      .map(({ consumer, latest }) => consumerListItem(consumer, latest));
    return page(items, query.page, query.pageSize);
  });

  route('GET', '/consumers/:consumerId', true, (request) => {
    const consumer = store.consumer(param(request, 'consumerId'));
    return consumerView(consumer, kyc.latest(consumer));
  });

  route('PATCH', '/consumers/:consumerId', true, (request) => {
    const body = parse(patchConsumerSchema, request.body);
    const consumer = store.patchConsumer(param(request, 'consumerId'), body);
    return consumerView(consumer, kyc.latest(consumer));
  });

  // ---- phone and email verification ---------------------------------------------------------------------------
  route('POST', '/verifications/phone/send', true, (request) =>
    verifications.sendPhoneCode(store.consumer(parse(consumerIdSchema, request.body).consumerId)),
  );

  route('POST', '/verifications/phone/verify', true, (request, reply) => {
    const body = parse(verifyPhoneSchema, request.body);
    verifications.verifyPhoneCode(store.consumer(body.consumerId), body.code);
    return reply.code(204).send();
  });

  route('POST', '/verifications/email/send', true, (request) => {
    const body = parse(sendEmailSchema, request.body);
    const linkBase = hostedPageBase(request, runtime.publicUrl, 'email');
    return verifications.sendEmailLink(store.consumer(body.consumerId), body, linkBase);
  });

  // ---- KYC ------------------------------------------------------------------------------------------------------
  route('POST', '/kyc', true, (request, reply) => {
    const body = parse(createKycSchema, request.body);
    if (!body.consumerId) {
      throw badRequest('PERSON_ID_REQUIRED', 'consumerId is required', 'consumerId');
    }
    const { kyc: created, created: isNew } = kyc.create(
      store.consumer(body.consumerId),
      body.kycConfiguration,
      hostedPageBase(request, runtime.publicUrl, 'kyc'),
    );
    return reply.code(isNew ? 201 : 200).send(kycView(created));
  });

  route('POST', '/kyc/simulate', true, (request) => {
    const body = parse(simulateKycSchema, request.body);
    return kycView(kyc.simulate(store.consumer(body.consumerId), body.kycStatus));
  });

  route('GET', '/kyc', true, (request) => {
    const query = parse(listKycQuery, request.query);
    if (query.personType === 'CORPORATE_RELATED_PHYSICAL_PERSON') return page([], query.page, query.pageSize);
    const items = kyc.list({ personId: query.personId, kycStatus: query.kycStatus }).map(kycView);
    return page(items, query.page, query.pageSize);
  });

  route('GET', '/kyc/:kycId', true, (request) => kycView(kyc.get(param(request, 'kycId'))));

  // ---- ledgers (optional step) ------------------------------------------------------------------------------
  route('POST', '/ledgers', true, (request, reply) => {
    const body = parse(createLedgerSchema, request.body);
    const consumer = store.consumer(body.endUserId);
    const ledger = ledgers.create(consumer, kyc.latest(consumer)?.status ?? 'NOT_STARTED', body);
    return reply.code(201).send(ledger);
  });

  route('GET', '/ledgers', true, (request) => {
    const query = parse(listLedgersQuery, request.query);
    return page(ledgers.list(query.endUserId), query.page, query.pageSize);
  });

  route('GET', '/ledgers/:ledgerId', true, (request) => ledgers.get(param(request, 'ledgerId')));

  // ---- webhooks portal --------------------------------------------------------------------------------------
  route('GET', '/webhooks', true, () => ({
    url: `https://app.svix.invalid/app-portal/${encodeURIComponent(credentials.partnerName)}`,
  }));
}
