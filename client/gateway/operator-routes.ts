/**
 * The gateway's operator routes (scope `operator`), over client/operator-commands.ts: what `npm run ops` calls.
 * Who acted is the API key's identity (`request.caller.identity`), followed by `/<name>` when the caller names the
 * person using a shared operator key in the `X-Operator` header; it lands in the timeline's `by`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.js';
import { OperatorCommands } from '../operator-commands.js';
import type { OnboardingClient } from '../onboarding-client.js';
import type { BlockedFilters, ExtendDeadlineBody, RedriveBody } from '../operator-schemas.js';

export const OPERATOR_HEADER = 'x-operator';
const OPERATOR_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** `identity` or `identity/name`: who acted, for the timeline. */
export function operatorIdentity(request: FastifyRequest): string {
  const identity = request.caller?.identity ?? 'unknown';
  const header = request.headers[OPERATOR_HEADER];
  const name = Array.isArray(header) ? header[0] : header;
  if (name === undefined || name === '') return identity;
  if (!OPERATOR_NAME.test(name)) {
    throw new ValidationError('the X-Operator header is invalid: 1-64 of A-Z a-z 0-9 _ . @ -', [
      { path: 'X-Operator', message: '1-64 of A-Z a-z 0-9 _ . @ -' },
    ]);
  }
  return `${identity}/${name}`;
}

interface IdParams {
  id: string;
}

/** Registers the operator routes on the /v1 scope (its API-key and scope hooks apply). */
export function registerOperatorRoutes(v1: FastifyInstance, onboarding: OnboardingClient): void {
  const commands = new OperatorCommands(onboarding);
  const operatorOnly = { config: { scope: 'operator' as const } };

  v1.get('/operator/blocked', operatorOnly, async (request) => commands.listBlocked(request.query as BlockedFilters));

  v1.post<{ Params: IdParams }>('/onboardings/:id/extend-deadline', operatorOnly, async (request) =>
    commands.extendDeadline(request.params.id, (request.body ?? {}) as ExtendDeadlineBody, operatorIdentity(request)),
  );

  v1.post('/operator/redrive', operatorOnly, async (request) =>
    commands.redrive((request.body ?? {}) as RedriveBody, operatorIdentity(request)),
  );
}
