/**
 * Green Dot in the library and the gateway, before Temporal is asked anything: the start block and action bodies
 * (422 naming the field), the webhook intake (a bearer token or API key we issue, several events per message, ids
 * and statuses only in the event data), the echoed X-GD-RequestId with a responseDetails body, and the token
 * endpoint Green Dot calls before pushing.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookAuthenticationError, WebhookPayloadError } from '../../client/errors.js';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import { greendotPushProvisioningBodySchema } from '../../client/providers/greendot.js';
import { providerDefinition, startBodySchema } from '../../client/registry.js';
import { fieldIssues } from '../../client/schemas.js';
import { createGreendotWebhookIntake } from '../../client/webhooks/greendot.js';
import { createLogger, setLogLevel } from '../../common/log.js';
import { jikoStartBody, testConfig } from './fixtures.js';
import { noDocuments } from '../helpers/secrets.js';

setLogLevel('warn');
const TOKEN = 'greendot-test-webhook-token-0001';
const API_KEY_GD = 'greendot-test-webhook-api-key-01';
const intakeConfig = {
  GREENDOT_PROGRAM_CODE: 'sandbox-program',
  GREENDOT_WEBHOOK_CLIENT_ID: 'gd-client',
  GREENDOT_WEBHOOK_CLIENT_SECRET: 'gd-client-secret-0001',
  GREENDOT_WEBHOOK_TOKENS: [TOKEN, 'greendot-old-webhook-token-0002'],
  GREENDOT_WEBHOOK_API_KEYS: [API_KEY_GD],
};
const intake = createGreendotWebhookIntake(intakeConfig);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function greendotStartBody(block: Record<string, unknown> = {}): Record<string, unknown> {
  const { jiko: _jiko, ...common } = jikoStartBody() as Record<string, unknown>;
  return { ...common, provider: 'greendot', greendot: block };
}
function issuePaths(value: unknown): string[] {
  const parsed = startBodySchema.safeParse(value);
  return parsed.success ? [] : fieldIssues(parsed.error).map((issue) => issue.path);
}

/** One message, two accounts, three events: what a posted welcome credit and an enrollment raise together. */
function message(): Buffer {
  return Buffer.from(
    JSON.stringify({
      accounts: [
        {
          accountIdentifier: 'acct-1',
          events: [
            {
              eventIdentifier: 'evt-1',
              eventType: 'transaction',
              eventDateTime: '2026-12-01T10:00:00.000Z',
              transaction: { transactionIdentifier: 'txn-1', adjustmentIdentifier: 'adj-1', status: 'completed' },
            },
            {
              eventIdentifier: 'evt-2',
              eventType: 'accountUpdated',
              eventDateTime: '2026-12-01T10:00:00.000Z',
              account: {
                accountIdentifier: 'acct-1',
                accountHolders: [{ user: { firstName: 'Ada', lastName: 'Lovelace' } }],
              },
            },
          ],
        },
        {
          accountIdentifier: 'acct-2',
          events: [
            {
              eventIdentifier: 'evt-3',
              eventType: 'cardUpdated',
              eventDateTime: '2026-12-01T10:00:01.000Z',
              cardUpdateType: 'processorFailure',
              paymentInstrument: null,
              responseDetails: [{ code: 2, subCode: 70, description: 'Card processor failure' }],
            },
            { eventIdentifier: 'evt-4', eventType: 'statementReady', eventDateTime: '2026-12-01T10:00:02.000Z' },
          ],
        },
      ],
    }),
  );
}

describe('Green Dot start body and actions', () => {
  it('accepts an empty block (every optional step off) and every optional step', () => {
    expect(issuePaths(greendotStartBody())).toEqual([]);
    expect(
      issuePaths(
        greendotStartBody({
          productCode: '50001',
          termsAcceptances: [{ termsIdentifier: 'eSignConsent', acceptedAt: '2026-11-30T10:00:00Z' }],
          card: { issue: 'physical' },
          pushProvisioning: { wallet: 'googlePay' },
          welcomeAdjustment: {
            amount: 10,
            currency: 'USD',
            adjustmentType: 'promo',
            description: 'Welcome',
            timing: 'beforeCard',
          },
          transactions: { verifyAdjustmentPosted: true, notBefore: '30s' },
        }),
      ),
    ).toEqual([]);
  });

  it('names the field of each error', () => {
    expect(
      issuePaths(
        greendotStartBody({
          welcomeAdjustment: { amount: -1, currency: 'usd', adjustmentType: 'promo', description: 'x' },
        }),
      ),
    ).toEqual(['greendot.welcomeAdjustment.amount', 'greendot.welcomeAdjustment.currency']);
    expect(issuePaths(greendotStartBody({ pushProvisioning: { wallet: 'samsungPay' } }))).toEqual([
      'greendot.pushProvisioning.wallet',
    ]);
    expect(issuePaths(greendotStartBody({ transactions: { verifyAdjustmentPosted: true } }))).toEqual([
      'greendot.transactions.verifyAdjustmentPosted',
    ]);
    expect(
      issuePaths(
        greendotStartBody({ termsAcceptances: [{ termsIdentifier: 'x', acceptedAt: '2999-01-01T00:00:00Z' }] }),
      ),
    ).toEqual(['greendot.termsAcceptances[0].acceptedAt']);
  });

  it('turns each action body into its Update argument, refusing a malformed one by field', async () => {
    const definition = providerDefinition('greendot')!;
    expect(Object.keys(definition.actions).sort()).toEqual(['acceptTerms', 'activateCard', 'pushProvisioning']);
    const deps = noDocuments;
    expect(await definition.actions.acceptTerms!.prepare({ termsIdentifiers: ['a', 'a', 'b'] }, deps)).toEqual({
      termsIdentifiers: ['a', 'b'],
    });
    expect(await definition.actions.activateCard!.prepare({}, deps)).toEqual({});
    expect(() => definition.actions.activateCard!.prepare({ pin: '1234' }, deps)).toThrow(/activateCard body/);
    const google = { walletType: 'googlePay', deviceId: 'device-1', walletAccountId: 'wallet-1' };
    expect(await definition.actions.pushProvisioning!.prepare(google, deps)).toEqual(google);
    const apple = greendotPushProvisioningBodySchema.safeParse({ ...google, walletType: 'applePay' });
    expect(apple.success ? [] : fieldIssues(apple.error).map((issue) => issue.path)).toEqual(['certificates']);
  });
});

describe('Green Dot webhook verification and normalization', () => {
  it('accepts a bearer token we issued (either during a rotation) or our API key; refuses anything else', () => {
    const body = message();
    expect(() => intake.verify(body, { authorization: `Bearer ${TOKEN}` })).not.toThrow();
    expect(() => intake.verify(body, { authorization: 'Bearer greendot-old-webhook-token-0002' })).not.toThrow();
    expect(() => intake.verify(body, { 'x-api-key': API_KEY_GD })).not.toThrow();
    for (const headers of [{}, { authorization: 'Bearer forged' }, { authorization: TOKEN }, { 'x-api-key': TOKEN }]) {
      expect(() => intake.verify(body, headers)).toThrow(WebhookAuthenticationError);
    }
  });

  it('splits a message into its events, routed by account and adjustment, without the holder names', () => {
    const events = intake.normalize(message(), {});
    expect(events.map(({ event, routable }) => [event.eventId, event.type, event.refs, routable])).toEqual([
      ['evt-1', 'transaction', ['greendot:account:acct-1', 'greendot:adjustment:adj-1'], true],
      ['evt-2', 'accountUpdated', ['greendot:account:acct-1'], true],
      ['evt-3', 'cardUpdated', ['greendot:account:acct-2'], true],
      ['evt-4', 'statementReady', ['greendot:account:acct-2'], false],
    ]);
    expect(events[2]!.event.data).toEqual({
      accountIdentifier: 'acct-2',
      cardUpdateType: 'processorFailure',
      responseCode: '2/70',
      reason: 'Card processor failure',
    });
    expect(JSON.stringify(events)).not.toContain('Lovelace');
  });

  it('refuses a verified body that is not the envelope, naming the field', () => {
    expect(() => intake.normalize(Buffer.from('{"accounts":[{"events":[]}]}'), {})).toThrow(WebhookPayloadError);
  });
});

describe('the gateway and Green Dot', () => {
  let app: FastifyInstance;
  const starts: Record<string, unknown>[] = [];
  const config = testConfig({
    GREENDOT_WEBHOOK_TOKENS: TOKEN,
    GREENDOT_WEBHOOK_CLIENT_ID: 'gd-client',
    GREENDOT_WEBHOOK_CLIENT_SECRET: 'gd-client-secret-0001',
  });

  beforeAll(async () => {
    const started = new Set<string>();
    const client = {
      options: { namespace: 'default' },
      withDeadline: <R>(_deadline: number, fn: () => Promise<R>): Promise<R> => fn(),
      workflow: {
        list: () => (async function* () {})(),
        start: async (workflowType: string, options: Record<string, unknown>) => {
          const workflowId = String(options.workflowId);
          if (started.has(workflowId))
            throw new WorkflowExecutionAlreadyStartedError('already started', workflowId, workflowType);
          started.add(workflowId);
          starts.push(options);
          return { workflowId };
        },
      },
    } as unknown as Client;
    const onboarding = new OnboardingClient({ client, config, inbox: { append: async () => undefined } });
    app = await buildGateway({ onboarding, config, logger: createLogger('greendot-gateway-test') });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('acknowledges a message once every event is recorded: echoed X-GD-RequestId and responseDetails; twice = once', async () => {
    const deliver = () =>
      app.inject({
        method: 'POST',
        url: '/webhooks/greendot',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-gd-requestid': 'req-42' },
        payload: message(),
      });
    const first = await deliver();
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-gd-requestid']).toBe('req-42');
    expect(first.json()).toEqual({ responseDetails: [{ code: 0, subCode: 0, description: 'Success' }] });
    // Events of one message are recorded concurrently: their order is not the message's.
    expect(starts.map((options) => options.workflowId).sort()).toEqual([
      'webhook:greendot:evt-1',
      'webhook:greendot:evt-2',
      'webhook:greendot:evt-3',
      'webhook:greendot:evt-4',
    ]);
    expect((await deliver()).statusCode).toBe(200);
    expect(starts).toHaveLength(4);
  });

  it('answers 401 to a forged token and records nothing', async () => {
    const before = starts.length;
    const response = await app.inject({
      method: 'POST',
      url: '/webhooks/greendot',
      headers: { 'content-type': 'application/json', authorization: 'Bearer forged-token' },
      payload: message(),
    });
    expect(response.statusCode).toBe(401);
    expect(starts.length).toBe(before);
  });

  it('issues our token to Green Dot at its token endpoint, with its client credentials only', async () => {
    const ask = (authorization: string, payload = 'grant_type=client_credentials&scope=post%3Awebhook') =>
      app.inject({
        method: 'POST',
        url: '/webhooks/greendot/authentication/sandbox-program/accesstoken',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
        payload,
      });
    const issued = await ask(basic('gd-client', 'gd-client-secret-0001'));
    expect(issued.statusCode).toBe(200);
    expect(issued.json()).toMatchObject({ access_token: TOKEN, token_type: 'Bearer', expires_In: 86400 });
    expect((await ask(basic('gd-client', 'wrong-secret-000000'))).statusCode).toBe(401);
    expect((await ask(basic('gd-client', 'gd-client-secret-0001'), 'grant_type=password')).statusCode).toBe(400);
    const elsewhere = await app.inject({
      method: 'POST',
      url: '/webhooks/greendot/authentication/other-program/accesstoken',
      headers: { authorization: basic('gd-client', 'gd-client-secret-0001') },
      payload: '',
    });
    expect(elsewhere.statusCode).toBe(404);
    const otherProvider = await app.inject({ method: 'POST', url: '/webhooks/netspend/authentication/x', payload: '' });
    expect(otherProvider.statusCode).toBe(404);
  });
});
