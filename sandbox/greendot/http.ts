/**
 * The HTTP conventions every Green Dot endpoint shares [doc]: `X-GD-RequestId` (a GUID) on every call and echoed
 * back, Bearer authentication, `/programs/{programCode}` scoping, `responseDetails` in every answer, and
 * `X-GD-RequestId` as the idempotency key of POST/PUT (./idempotency.ts). Handlers return an answer or throw a
 * GreenDotError; both are stored for a replay.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { detail, GreenDotError } from './errors.js';
import { fingerprintOf, type StoredAnswer } from './idempotency.js';
import type { GreenDotRuntime } from './runtime.js';

export interface Answer extends StoredAnswer {
  body: Record<string, unknown>;
}

export interface RouteOptions {
  /** `bearer` for the API, `basic` for `/authentication` (which checks its own credentials), `none` for ping. */
  auth: 'bearer' | 'basic' | 'none';
  idempotent: boolean;
}

export interface GreenDotRequest {
  request: FastifyRequest;
  requestId: string;
  params: Record<string, string>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: string): boolean => GUID.test(value);

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function requestIdOf(request: FastifyRequest): string {
  const requestId = header(request, 'x-gd-requestid');
  if (requestId === undefined || requestId === '') {
    throw new GreenDotError(400, detail(400, 20, 'X-GD-RequestId: header required (a GUID)'));
  }
  if (!isGuid(requestId)) throw new GreenDotError(400, detail(400, 21, 'X-GD-RequestId: must be a GUID'));
  return requestId;
}

function authenticate(runtime: GreenDotRuntime, request: FastifyRequest): void {
  const match = /^Bearer\s+(\S+)$/i.exec(header(request, 'authorization') ?? '');
  if (!match?.[1]) throw new GreenDotError(401, detail(401, 1, 'Authorization: Bearer token required'));
  const verdict = runtime.tokens.check(match[1]);
  if (verdict === 'unknown') throw new GreenDotError(401, detail(401, 2, 'Authorization: invalid token'));
  if (verdict === 'expired') throw new GreenDotError(401, detail(401, 3, 'Authorization: token expired'));
}

function checkScope(runtime: GreenDotRuntime, params: Record<string, string>): void {
  const { programCode, accountIdentifier } = params;
  if (programCode !== undefined && programCode !== runtime.programCode) {
    throw new GreenDotError(400, detail(1000, 0, `programCode: unknown program ${programCode}`));
  }
  if (accountIdentifier !== undefined && !isGuid(accountIdentifier)) {
    throw new GreenDotError(400, detail(3500, 0, 'accountIdentifier: invalid (must be a GUID)'));
  }
}

async function answerOf(handler: () => Answer | Promise<Answer>): Promise<Answer> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof GreenDotError) return { status: error.status, body: error.toBody() };
    throw error;
  }
}

export function addRoute(
  app: FastifyInstance,
  runtime: GreenDotRuntime,
  method: HTTPMethods,
  url: string,
  options: RouteOptions,
  handler: (call: GreenDotRequest) => Answer | Promise<Answer>,
): void {
  app.route({
    method,
    url,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const send = (answer: StoredAnswer): FastifyReply => reply.code(answer.status).send(answer.body);
      try {
        const requestId = options.auth === 'none' ? '' : requestIdOf(request);
        if (requestId) reply.header('x-gd-requestid', requestId);
        if (options.auth === 'bearer') authenticate(runtime, request);
        const params = (request.params ?? {}) as Record<string, string>;
        checkScope(runtime, params);
        const call = { request, requestId, params };
        if (!options.idempotent) return send(await answerOf(() => handler(call)));
        const path = request.url.split('?')[0] ?? request.url;
        const claim = runtime.idempotency.claim(requestId, fingerprintOf(method.toString(), path, request.rawBody));
        if (claim.kind === 'replay') {
          reply.header('x-gd-idempotent-replay', 'true');
          return send(claim.answer);
        }
        try {
          const answer = await answerOf(() => handler(call));
          runtime.idempotency.complete(requestId, answer);
          return send(answer);
        } catch (error) {
          runtime.idempotency.abandon(requestId);
          throw error;
        }
      } catch (error) {
        if (error instanceof GreenDotError) return reply.code(error.status).send(error.toBody());
        throw error;
      }
    },
  });
}
