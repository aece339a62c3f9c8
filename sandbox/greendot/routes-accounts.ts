/**
 * Token, enrollment, account, payment instruments and close (paths and bodies: sandbox/README.md, "Green Dot").
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../core/context.js';
import { validateEnrollment } from './enrollment.js';
import { detail, GreenDotError, SUCCESS } from './errors.js';
import { addRoute, header } from './http.js';
import { PROVIDER, type GreenDotRuntime } from './runtime.js';
import {
  closeSchema,
  enrollmentSchema,
  issueCardSchema,
  parseBody,
  pushProvisioningSchema,
  tokenRequestSchema,
  type PushProvisioningRequest,
} from './schemas.js';
import { accountView } from './view.js';

const ACCOUNT = '/programs/:programCode/accounts/:accountIdentifier';
const CARD = `${ACCOUNT}/paymentInstruments/:paymentInstrumentIdentifier`;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function checkClientCredentials(runtime: GreenDotRuntime, authorization: string | undefined): void {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  const given = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const expected = `${runtime.clientId}:${runtime.clientSecret}`;
  if (!timingSafeEqual(digest(given), digest(expected))) {
    throw new GreenDotError(401, detail(401, 4, 'Authorization: invalid client credentials'));
  }
}

/** Opaque wallet data the app hands to Apple or Google (ASSUMED shapes; nothing real is encrypted). */
function walletPayload(body: PushProvisioningRequest): Record<string, unknown> {
  const opaque = (): string => randomBytes(48).toString('base64');
  if (body.walletType === 'applePay') {
    return {
      walletType: body.walletType,
      encryptedPassData: opaque(),
      activationData: opaque(),
      ephemeralPublicKey: randomBytes(65).toString('base64'),
    };
  }
  return { walletType: body.walletType, opaquePaymentCard: opaque() };
}

export function registerAccountRoutes(app: FastifyInstance, ctx: SandboxContext, runtime: GreenDotRuntime): void {
  const { state } = runtime;
  const ok = (body: Record<string, unknown>) => ({ status: 200, body: { ...body, responseDetails: [SUCCESS] } });

  addRoute(app, runtime, 'GET', '/ping', { auth: 'none', idempotent: false }, () => ok({}));

  addRoute(app, runtime, 'POST', '/authentication', { auth: 'basic', idempotent: false }, ({ request }) => {
    checkClientCredentials(runtime, header(request, 'authorization'));
    const body = parseBody(tokenRequestSchema, request.body);
    if (body.grant_type !== 'client_credentials') {
      throw new GreenDotError(400, detail(400, 10, 'grant_type: must be client_credentials'));
    }
    const { token, fingerprint } = runtime.tokens.issue();
    ctx.audit.record(PROVIDER, 'access_token', fingerprint);
    return ok({
      access_token: token,
      token_type: 'Bearer',
      expires_in: runtime.tokens.ttlSeconds,
      scope: body.scope ?? 'general',
    });
  });

  addRoute(
    app,
    runtime,
    'POST',
    '/programs/:programCode/enrollments',
    { auth: 'bearer', idempotent: true },
    async ({ request, requestId }) => {
      const body = parseBody(enrollmentSchema, request.body);
      validateEnrollment(body, runtime.programCode, ctx.clock());
      // Processing time (ours): the API lock is held meanwhile, so a concurrent duplicate meets 409/4091.
      await runtime.pause(runtime.settings.enrollmentProcessingMs);
      const { account, responseDetails } = state.enroll(body, requestId);
      return { status: 200, body: { account: accountView(account), responseDetails } };
    },
  );

  addRoute(app, runtime, 'GET', ACCOUNT, { auth: 'bearer', idempotent: false }, ({ params }) =>
    ok({ account: accountView(state.get(params.accountIdentifier ?? '')) }),
  );

  addRoute(app, runtime, 'PUT', `${ACCOUNT}/close`, { auth: 'bearer', idempotent: true }, ({ request, params }) => {
    parseBody(closeSchema, request.body);
    return ok({ account: accountView(state.close(params.accountIdentifier ?? '')) });
  });

  addRoute(
    app,
    runtime,
    'POST',
    `${ACCOUNT}/paymentInstruments`,
    { auth: 'bearer', idempotent: true },
    ({ request, params }) => {
      const body = parseBody(issueCardSchema, request.body);
      return ok({
        paymentInstrument: { ...state.issueCard(params.accountIdentifier ?? '', body.paymentInstrumentType) },
      });
    },
  );

  addRoute(app, runtime, 'PUT', `${CARD}/activate`, { auth: 'bearer', idempotent: true }, ({ params }) =>
    ok({
      paymentInstrument: {
        ...state.activateCard(params.accountIdentifier ?? '', params.paymentInstrumentIdentifier ?? ''),
      },
    }),
  );

  addRoute(
    app,
    runtime,
    'POST',
    `${CARD}/pushProvisioningData`,
    { auth: 'bearer', idempotent: true },
    ({ request, params }) => {
      const body = parseBody(pushProvisioningSchema, request.body);
      const { card } = state.usableCard(params.accountIdentifier ?? '', params.paymentInstrumentIdentifier ?? '');
      ctx.audit.record(PROVIDER, 'push_provisioning', card.paymentInstrumentIdentifier, {
        walletType: body.walletType,
      });
      return ok(walletPayload(body));
    },
  );
}
