/**
 * Linkcy in the library and the gateway, before Temporal is asked anything: the start block (a phone-only
 * applicant; the seed's enums and their `other…` texts; 422 naming the field), the action bodies (the SMS code
 * never echoed), and the Svix webhook intake (signature on the raw bytes, the replay window, normalization, 401).
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookAuthenticationError, WebhookPayloadError } from '../../client/errors.js';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { providerDefinition, startBodySchema } from '../../client/registry.js';
import { fieldIssues } from '../../client/schemas.js';
import { createLinkcyWebhookIntake, signLinkcyWebhook } from '../../client/webhooks/linkcy.js';
import { createLogger, setLogLevel } from '../../common/log.js';
import { splitLinkcyPhone } from '../../contract/linkcy.js';
import { API_KEY, testConfig } from './fixtures.js';
import { isSealedSecret } from '../../contract/secrets.js';
import type { SealedSecret } from '../../contract/secrets.js';
import { noDocuments, testSecrets } from '../helpers/secrets.js';

setLogLevel('warn');
const SECRET = 'whsec_bGlua2N5LXRlc3Qtd2ViaG9vay1zZWNyZXQta2V5';
const OTHER_SECRET = 'whsec_YW5vdGhlci1saW5rY3ktc2VjcmV0LWtleS0xMjM0';
const NOW = new Date('2026-03-01T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const intake = createLinkcyWebhookIntake(
  { LINKCY_WEBHOOK_SECRET: SECRET, WEBHOOK_TOLERANCE_SECONDS: 300 },
  { now: () => NOW },
);
const linkcyDefinition = providerDefinition('linkcy');
if (!linkcyDefinition) throw new Error('linkcy is not registered');
const linkcy = linkcyDefinition;

function linkcyStartBody(block: Record<string, unknown> = {}, applicant: Record<string, unknown> = {}) {
  return {
    provider: 'linkcy',
    customerRef: 'cust_lc_1',
    applicant: { phone: '+33612345678', ...applicant },
    linkcy: block,
  };
}

function issuePaths(value: unknown): string[] {
  const parsed = startBodySchema.safeParse(value);
  return parsed.success ? [] : fieldIssues(parsed.error).map((issue) => issue.path);
}

function kycEvent(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'CONSUMER_KYC_VALIDATED',
    timestamp: '2026-03-01T11:59:58.000Z',
    data: { consumerId: 'c-1', externalId: 'cust_lc_1', kycId: 'k-1', status: 'VALIDATED' },
    ...overrides,
  });
}

const signed = (rawBody: string, { id = 'msg_1', timestamp = nowSeconds, secret = SECRET } = {}) =>
  signLinkcyWebhook({ secret, id, timestamp, rawBody });

describe('the Linkcy start body', () => {
  it('takes an applicant with a phone alone, and the whole block', () => {
    expect(issuePaths(linkcyStartBody())).toEqual([]);
    const full = {
      phoneCountryCode: '33',
      externalId: 'ext-42',
      sourceOfFunds: 'OTHER',
      otherSourceOfFunds: 'royalties',
      occupation: 'ENGINEER',
      kyc: { accessType: 'SDK', urlOnComplete: 'https://app.example.com/kyc/done' },
      email: 'require',
      emailVerification: { urlOnSuccess: 'https://app.example.com/email/ok' },
      ledger: { type: 'EUR_BELGIUM', friendlyName: 'Main' },
    };
    expect(issuePaths(linkcyStartBody(full, { email: 'ada@example.com' }))).toEqual([]);
  });

  it('needs no linkcy block at all', () => {
    const { linkcy: _block, ...bare } = linkcyStartBody();
    const parsed = startBodySchema.parse(bare) as { linkcy?: unknown };
    expect(parsed.linkcy).toEqual({});
  });

  it('requires the phone, and only the phone', () => {
    expect(issuePaths({ ...linkcyStartBody(), applicant: {} })).toEqual(['applicant.phone']);
    expect(issuePaths(linkcyStartBody({}, { phone: '0612345678' }))).toEqual(['applicant.phone']);
  });

  it('names the field of each bad block value', () => {
    expect(issuePaths(linkcyStartBody({ phoneCountryCode: '+33' }))).toEqual(['linkcy.phoneCountryCode']);
    expect(issuePaths(linkcyStartBody({ sourceOfFunds: 'OTHER' }))).toEqual(['linkcy.otherSourceOfFunds']);
    expect(issuePaths(linkcyStartBody({ occupation: 'ENGINEER', otherOccupation: 'x' }))).toEqual([
      'linkcy.otherOccupation',
    ]);
    expect(issuePaths(linkcyStartBody({ occupation: 'ASTRONAUT' }))).toEqual(['linkcy.occupation']);
    expect(issuePaths(linkcyStartBody({ email: 'maybe' }))).toEqual(['linkcy.email']);
    expect(issuePaths(linkcyStartBody({ kyc: { accessType: 'LINK', urlOnComplete: 'ftp://x' } }))).toEqual([
      'linkcy.kyc.urlOnComplete',
    ]);
    expect(issuePaths(linkcyStartBody({ externalId: 'x'.repeat(512) }))).toEqual(['linkcy.externalId']);
    expect(issuePaths(linkcyStartBody({ surprise: true }))).toEqual(['linkcy']);
  });

  it("splits the phone by the longest of the seed's country codes, or the one given", () => {
    expect(splitLinkcyPhone('+33612345678')).toEqual({ countryCode: '33', number: '612345678' });
    expect(splitLinkcyPhone('+12425550123')).toEqual({ countryCode: '1242', number: '5550123' });
    expect(splitLinkcyPhone('+15551234567')).toEqual({ countryCode: '1', number: '5551234567' });
    expect(splitLinkcyPhone('+441481123456')).toEqual({ countryCode: '441481', number: '123456' });
    expect(splitLinkcyPhone('+33612345678', '44')).toBeNull();
    expect(splitLinkcyPhone('33612345678')).toBeNull();
  });
});

describe('the Linkcy actions', () => {
  const prepare = (action: string, body: unknown) => linkcy.actions[action]?.prepare(body, noDocuments);
  const refusal = async (action: string, body: unknown) => {
    try {
      await prepare(action, body);
    } catch (err) {
      return err as { httpStatus: number; message: string; details: { issues: { path: string }[] } };
    }
    throw new Error(`${action} accepted ${JSON.stringify(body)}`);
  };

  it('defines acceptTerms, verifyPhone, resendCode, changePhone and resendEmail', () => {
    expect(Object.keys(linkcy.actions).sort()).toEqual(
      ['acceptTerms', 'changePhone', 'resendCode', 'resendEmail', 'verifyPhone'].sort(),
    );
  });

  it('turns each valid body into its Update argument', async () => {
    await expect(prepare('acceptTerms', { version: '1.0' })).resolves.toEqual({ version: '1.0' });
    // The code is checked in clear, then sealed: the Update carries only what the worker's key opens.
    const verify = (await prepare('verifyPhone', { code: '123456' })) as { code: SealedSecret };
    expect(isSealedSecret(verify.code)).toBe(true);
    expect(JSON.stringify(verify)).not.toContain('123456');
    expect(testSecrets.open(verify.code)).toBe('123456');
    await expect(prepare('resendCode', {})).resolves.toEqual({});
    await expect(prepare('changePhone', { phone: '+12425550123' })).resolves.toEqual({ phone: '+12425550123' });
  });

  it('refuses a malformed body naming the field, never echoing the code or the phone', async () => {
    const code = await refusal('verifyPhone', { code: '12345' });
    expect(code.httpStatus).toBe(422);
    expect(code.details.issues.map((issue) => issue.path)).toEqual(['code']);
    expect(JSON.stringify(code)).not.toContain('12345');
    expect((await refusal('acceptTerms', {})).details.issues.map((issue) => issue.path)).toEqual(['version']);
    const phone = await refusal('changePhone', { phone: '+999123456' });
    expect(phone.details.issues.map((issue) => issue.path)).toEqual(['phone']);
    expect(JSON.stringify(phone)).not.toContain('999123456');
    expect(
      (await refusal('changePhone', { phone: '+33612345678', phoneCountryCode: '0' })).details.issues[0]?.path,
    ).toBe('phoneCountryCode');
    expect((await refusal('resendCode', { code: '123456' })).details.issues.map((issue) => issue.path)).toEqual([
      '(body)',
    ]);
  });
});

describe('the Linkcy webhook intake (Svix)', () => {
  it('accepts a delivery signed with the secret, or with any secret of a rotation', () => {
    const body = kycEvent();
    expect(() => intake.verify(Buffer.from(body), signed(body))).not.toThrow();
    const rotating = createLinkcyWebhookIntake(
      { LINKCY_WEBHOOK_SECRET: `${OTHER_SECRET},${SECRET}`, WEBHOOK_TOLERANCE_SECONDS: 300 },
      { now: () => NOW },
    );
    expect(() => rotating.verify(Buffer.from(body), signed(body))).not.toThrow();
  });

  it('refuses a forged, tampered or unsigned delivery', () => {
    const body = kycEvent();
    expect(() => intake.verify(Buffer.from(body), signed(body, { secret: OTHER_SECRET }))).toThrow(
      WebhookAuthenticationError,
    );
    expect(() => intake.verify(Buffer.from(kycEvent({ type: 'CONSUMER_KYC_UPDATED' })), signed(body))).toThrow(
      WebhookAuthenticationError,
    );
    // The id is signed: another svix-id with the same signature is a forgery.
    expect(() => intake.verify(Buffer.from(body), { ...signed(body), 'svix-id': 'msg_2' })).toThrow(
      WebhookAuthenticationError,
    );
    const { 'svix-signature': _signature, ...unsigned } = signed(body);
    expect(() => intake.verify(Buffer.from(body), unsigned)).toThrow(/missing svix-signature/);
  });

  it('refuses an authentic delivery outside the replay window, stale or from the future', () => {
    const body = kycEvent();
    expect(() => intake.verify(Buffer.from(body), signed(body, { timestamp: nowSeconds - 299 }))).not.toThrow();
    expect(() => intake.verify(Buffer.from(body), signed(body, { timestamp: nowSeconds - 301 }))).toThrow(
      /stale or replayed/,
    );
    expect(() => intake.verify(Buffer.from(body), signed(body, { timestamp: nowSeconds + 301 }))).toThrow(/future/);
  });

  it('normalizes one event, its id the svix-id, routed by consumer and KYC', () => {
    const body = kycEvent();
    const [normalized, ...rest] = intake.normalize(Buffer.from(body), signed(body, { id: 'msg_abc' }));
    expect(rest).toEqual([]);
    expect(normalized).toMatchObject({
      routable: true,
      event: {
        provider: 'linkcy',
        eventId: 'msg_abc',
        type: 'CONSUMER_KYC_VALIDATED',
        refs: ['linkcy:consumer:c-1', 'linkcy:kyc:k-1'],
        occurredAt: '2026-03-01T11:59:58.000Z',
      },
    });
  });

  it('records other event types without routing them, and refuses a body that is not the envelope', () => {
    const card = kycEvent({ type: 'CARD_CREATED', data: { cardId: 'card-1' } });
    expect(intake.normalize(Buffer.from(card), signed(card))[0]).toMatchObject({ routable: false });
    const wrong = JSON.stringify({ kind: 'x' });
    expect(() => intake.normalize(Buffer.from(wrong), signed(wrong))).toThrow(WebhookPayloadError);
  });
});

describe('the gateway and Linkcy', () => {
  let app: FastifyInstance;
  const starts: Record<string, unknown>[] = [];
  const config = testConfig({ LINKCY_WEBHOOK_SECRET: SECRET, TASK_QUEUE_PREFIX: 'onb' });

  beforeAll(async () => {
    const client = {
      options: { namespace: 'default' },
      withDeadline: <R>(_deadline: number, fn: () => Promise<R>): Promise<R> => fn(),
      workflow: {
        list: () => (async function* () {})(),
        start: async (_type: string, options: Record<string, unknown>) => {
          starts.push(options);
          return { workflowId: options.workflowId };
        },
      },
    } as unknown as Client;
    const onboarding = new OnboardingClient({ client, config, inbox: { append: async () => undefined } });
    app = await buildGateway({ onboarding, config, logger: createLogger('linkcy-gateway-test') });
  });
  afterAll(async () => {
    await app?.close();
  });

  const deliver = (body: string, headers: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/webhooks/linkcy',
      headers: { 'content-type': 'application/json', ...headers },
      payload: body,
    });

  it('records a signed delivery under its svix-id and answers 200', async () => {
    const body = kycEvent({ timestamp: new Date().toISOString() });
    const response = await deliver(body, signed(body, { id: 'msg_gw', timestamp: Math.floor(Date.now() / 1000) }));
    expect(response.statusCode).toBe(200);
    expect(starts.at(-1)).toMatchObject({ workflowId: 'webhook:linkcy:msg_gw', taskQueue: 'onb-webhooks' });
  });

  it('answers 401 to a stale or forged delivery and records nothing', async () => {
    const before = starts.length;
    const body = kycEvent();
    const stale = await deliver(body, signed(body, { id: 'msg_old', timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    expect(stale.statusCode).toBe(401);
    const forged = await deliver(
      body,
      signed(body, { secret: OTHER_SECRET, timestamp: Math.floor(Date.now() / 1000) }),
    );
    expect(forged.statusCode).toBe(401);
    expect(starts.length).toBe(before);
  });

  it('answers 422 naming the field of a start without a phone', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/onboardings',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      payload: { ...linkcyStartBody(), applicant: { email: 'ada@example.com' } },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.details.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'applicant.phone',
    ]);
  });
});
