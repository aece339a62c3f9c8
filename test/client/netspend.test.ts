/**
 * Netspend in the library and the gateway, before Temporal is asked anything: the start block, the five action
 * bodies (422 naming the field, never echoing a PIN), actions of another provider (404), and the webhook intake
 * (hex signature on the raw bytes, staleness beyond Netspend's 72 h redelivery window, normalization, exactly 200).
 */
import { createHmac } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookAuthenticationError, WebhookPayloadError } from '../../client/errors.js';
import { buildGateway } from '../../client/gateway/app.js';
import { OnboardingClient } from '../../client/onboarding-client.js';
import {
  netspendActivateCardBodySchema,
  netspendAnswersBodySchema,
  netspendChooseCardBodySchema,
} from '../../client/providers/netspend.js';
import { providerDefinition, startBodySchema } from '../../client/registry.js';
import { fieldIssues } from '../../client/schemas.js';
import type { InboxRecord } from '../../client/webhooks/inbox.js';
import { createNetspendWebhookIntake, signNetspendWebhook } from '../../client/webhooks/netspend.js';
import type { NormalizedWebhook } from '../../client/webhooks/types.js';
import { createLogger, setLogLevel } from '../../common/log.js';
import { API_KEY, jikoStartBody, testConfig, unreachableClient } from './fixtures.js';
import { isSealedSecret } from '../../contract/secrets.js';
import type { SealedSecret } from '../../contract/secrets.js';
import { noDocuments, testSecrets } from '../helpers/secrets.js';

setLogLevel('warn');
const SECRET = 'netspend-test-webhook-secret';
const NOW = new Date('2026-03-01T12:00:00Z');
const intake = createNetspendWebhookIntake(
  { NETSPEND_WEBHOOK_SECRET: SECRET, WEBHOOK_TOLERANCE_SECONDS: 300 },
  { now: () => NOW },
);

function netspendStartBody(block: Record<string, unknown> = { accountType: 'DDA' }): Record<string, unknown> {
  const { jiko: _jiko, ...common } = jikoStartBody() as Record<string, unknown>;
  return { ...common, provider: 'netspend', netspend: block };
}

function issuePaths(value: unknown): string[] {
  const parsed = startBodySchema.safeParse(value);
  return parsed.success ? [] : fieldIssues(parsed.error).map((issue) => issue.path);
}

function netspendEvent(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: '0b6f3c2e-5d1a-4c7e-9f00-000000000001',
      type: 'account.created',
      created: '2026-03-01T11:59:00.000Z',
      data: { account_id: 'acc_123', status: 'active', account_type: 'DDA' },
      ...overrides,
    }),
  );
}

const signed = (body: Buffer, secret = SECRET) => ({
  'ns-signature': createHmac('sha256', secret).update(body).digest('hex'),
  'ns-delivery-count': '1',
});

describe('Netspend start body', () => {
  it('accepts an account type or a provided id, either being enough, plus optional device data', () => {
    expect(issuePaths(netspendStartBody({ accountType: 'DDA' }))).toEqual([]);
    expect(issuePaths(netspendStartBody({ accountType: 'GPR', deviceData: 'opaque-sdk-blob' }))).toEqual([]);
    expect(issuePaths(netspendStartBody({ providedId: 'sandbox-dda-checking' }))).toEqual([]);
    expect(issuePaths(netspendStartBody({ providedId: 'sandbox-gpr-prepaid', deviceData: { fp: 'x' } }))).toEqual([]);
  });

  it('requires the netspend block with one of them, and names the field of each error', () => {
    const { netspend: _omitted, ...withoutBlock } = netspendStartBody();
    expect(issuePaths(withoutBlock)).toEqual(['netspend']);
    expect(issuePaths(netspendStartBody({}))).toEqual(['netspend']);
    expect(issuePaths(netspendStartBody({ accountType: 'SAVINGS' }))).toEqual(['netspend.accountType']);
    expect(issuePaths(netspendStartBody({ providedId: 'has spaces' }))).toEqual(['netspend.providedId']);
    expect(issuePaths(netspendStartBody({ accountType: 'DDA', deviceData: 'x'.repeat(20_000) }))).toEqual([
      'netspend.deviceData',
    ]);
  });

  it('does not take a Jiko body for a Netspend start, nor the reverse', () => {
    expect(issuePaths({ ...(jikoStartBody() as object), provider: 'netspend' })).toEqual(['netspend']);
    expect(issuePaths({ ...netspendStartBody(), provider: 'jiko' })).toEqual(['jiko']);
  });
});

describe('Netspend action bodies', () => {
  const netspend = providerDefinition('netspend');

  it('defines the six actions (uploadKycDocuments cures a rejected KYC), and none of Jiko', () => {
    expect(Object.keys(netspend?.actions ?? {}).sort()).toEqual(
      ['acceptAgreements', 'activateCard', 'answerExpectedUse', 'chooseCard', 'cureKyc', 'uploadKycDocuments'].sort(),
    );
  });

  it('stores KYC documents in the claim check and passes only references to the onboarding', async () => {
    const stored: { bytes: Buffer; contentType: string }[] = [];
    const documents = {
      put: async (bytes: Buffer, meta: { contentType: string }) => {
        stored.push({ bytes, contentType: meta.contentType });
        return { documentRef: `docref_${stored.length}`, sizeBytes: bytes.length };
      },
    };
    const body = { documents: [{ type: 'proof_of_address', contentType: 'image/png', contentBase64: 'iVBORw0KGgo=' }] };
    const argument = await netspend?.actions.uploadKycDocuments?.prepare(body, {
      documents: documents as unknown as Parameters<
        NonNullable<typeof netspend>['actions'][string]['prepare']
      >[1]['documents'],
      secrets: testSecrets,
    });
    expect(argument).toEqual({
      documents: [{ type: 'proof_of_address', documentRef: 'docref_1', contentType: 'image/png', sizeBytes: 8 }],
    });
    expect(JSON.stringify(argument)).not.toContain('iVBORw0KGgo');
    const gif = { documents: [{ ...body.documents[0], contentType: 'image/gif' }] };
    expect(() => netspend?.actions.uploadKycDocuments?.prepare(gif, noDocuments)).toThrow(
      /documents\[0\]\.contentType/,
    );
  });

  it('turns each valid body into its Update argument', async () => {
    const prepare = (action: string, body: unknown) => netspend?.actions[action]?.prepare(body, noDocuments);
    await expect(prepare('acceptAgreements', { agreementIds: ['agr_a', 'agr_b', 'agr_a'] })).resolves.toEqual({
      agreementIds: ['agr_a', 'agr_b'],
    });
    const answers = [{ questionId: 'expected_monthly_deposit', answerId: 'deposit_2000_and_under' }];
    await expect(prepare('answerExpectedUse', { answers })).resolves.toEqual({ answers });
    await expect(prepare('cureKyc', { answers })).resolves.toEqual({ answers });
    await expect(prepare('chooseCard', { type: 'virtual', brandName: 'sandbox_prepaid_mastercard' })).resolves.toEqual({
      type: 'virtual',
      brandName: 'sandbox_prepaid_mastercard',
    });
    // The PIN is checked in clear, then sealed: the Update carries only what the worker's key opens.
    const activate = (await prepare('activateCard', { pin: '7392', extra: 'dropped' })) as { pin: SealedSecret };
    expect(Object.keys(activate)).toEqual(['pin']);
    expect(isSealedSecret(activate.pin)).toBe(true);
    expect(JSON.stringify(activate)).not.toContain('7392');
    expect(testSecrets.open(activate.pin)).toBe('7392');
  });

  it('refuses a malformed body naming the field', async () => {
    const refusal = async (action: string, body: unknown) => {
      try {
        await netspend?.actions[action]?.prepare(body, noDocuments);
      } catch (err) {
        return (err as { httpStatus: number; details: { issues: { path: string }[] } }).details.issues.map(
          (issue) => issue.path,
        );
      }
      return [];
    };
    expect(await refusal('acceptAgreements', { version: '1' })).toEqual(['agreementIds']);
    expect(await refusal('acceptAgreements', { agreementIds: [] })).toEqual(['agreementIds']);
    expect(await refusal('answerExpectedUse', { answers: [{ questionId: 'q1' }] })).toEqual(['answers[0].answerId']);
    expect(
      await refusal('cureKyc', {
        answers: [
          { questionId: 'q1', answerId: 'a' },
          { questionId: 'q1', answerId: 'b' },
        ],
      }),
    ).toEqual(['answers']);
    expect(await refusal('chooseCard', { type: 'plastic', brandName: 'b' })).toEqual(['type']);
    const address = { line1: '1 Main St', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US' };
    expect(await refusal('chooseCard', { type: 'virtual', brandName: 'b', shippingAddress: address })).toEqual([
      'shippingAddress',
    ]);
    expect(
      netspendChooseCardBodySchema.safeParse({ type: 'physical', brandName: 'b', shippingAddress: address }).success,
    ).toBe(true);
    expect(netspendAnswersBodySchema.safeParse({ answers: [] }).success).toBe(false);
  });

  it.each([['12345'], ['12a4'], [''], [1234], [null]])('refuses the PIN %j without echoing it', (pin) => {
    const parsed = netspendActivateCardBodySchema.safeParse({ pin });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const issues = fieldIssues(parsed.error);
    expect(issues).toEqual([{ path: 'pin', message: 'must be exactly four digits' }]);
    if (typeof pin === 'string' && pin !== '') expect(JSON.stringify(issues)).not.toContain(pin);
  });
});

describe('Netspend webhook verification', () => {
  it('accepts the hex HMAC-SHA256 of the raw body, in either case', () => {
    const body = netspendEvent();
    expect(() => intake.verify(body, signed(body))).not.toThrow();
    expect(signNetspendWebhook(SECRET, body)).toBe(signed(body)['ns-signature']);
    expect(() => intake.verify(body, { 'ns-signature': signed(body)['ns-signature'].toUpperCase() })).not.toThrow();
  });

  it('refuses a forged, tampered, missing, truncated or padded signature', () => {
    const body = netspendEvent();
    const good = signed(body)['ns-signature'];
    expect(() => intake.verify(body, signed(body, 'another-secret-entirely'))).toThrow(WebhookAuthenticationError);
    expect(() => intake.verify(Buffer.concat([body, Buffer.from(' ')]), signed(body))).toThrow(
      WebhookAuthenticationError,
    );
    expect(() => intake.verify(body, {})).toThrow(/missing ns-signature/);
    expect(() => intake.verify(body, { 'ns-signature': good.slice(0, 32) })).toThrow(WebhookAuthenticationError);
    expect(() => intake.verify(body, { 'ns-signature': `${good}00` })).toThrow(WebhookAuthenticationError);
    expect(() => intake.verify(body, { 'ns-signature': Buffer.from(good, 'hex').toString('base64') })).toThrow(
      WebhookAuthenticationError,
    );
  });

  it('reads the signature from the configured header and encoding (both ASSUMED, so configurable)', () => {
    const body = netspendEvent();
    const configured = createNetspendWebhookIntake(
      {
        NETSPEND_WEBHOOK_SECRET: SECRET,
        WEBHOOK_TOLERANCE_SECONDS: 300,
        NETSPEND_WEBHOOK_SIGNATURE_HEADER: 'X-Netspend-Hmac',
        NETSPEND_WEBHOOK_SIGNATURE_ENCODING: 'base64',
      },
      { now: () => NOW },
    );
    const base64 = createHmac('sha256', SECRET).update(body).digest('base64');
    expect(() => configured.verify(body, { 'x-netspend-hmac': base64 })).not.toThrow();
    expect(signNetspendWebhook(SECRET, body, 'base64')).toBe(base64);
    // The default header or encoding no longer verifies.
    expect(() => configured.verify(body, signed(body))).toThrow(/missing x-netspend-hmac/);
    expect(() => configured.verify(body, { 'x-netspend-hmac': signed(body)['ns-signature'] })).toThrow(
      WebhookAuthenticationError,
    );
  });

  it("accepts Netspend's own redeliveries for 72 hours, refuses an authentic body replayed after that", () => {
    const twoDaysOld = netspendEvent({ created: '2026-02-27T12:00:00Z' });
    expect(() => intake.verify(twoDaysOld, signed(twoDaysOld))).not.toThrow();
    const justInside = netspendEvent({ created: '2026-02-26T11:56:00Z' });
    expect(() => intake.verify(justInside, signed(justInside))).not.toThrow();
    const stale = netspendEvent({ created: '2026-02-25T12:00:00Z' });
    expect(() => intake.verify(stale, signed(stale))).toThrow(/replay/);
  });
});

describe('Netspend webhook normalization', () => {
  /** A Netspend delivery carries exactly one event. */
  const normalizeOne = (body: Buffer): NormalizedWebhook => {
    const events = intake.normalize(body, {});
    expect(events).toHaveLength(1);
    return events[0] as NormalizedWebhook;
  };

  it('routes account.created by data.account_id or data.id', () => {
    const { event, routable } = normalizeOne(netspendEvent());
    expect(routable).toBe(true);
    expect(event).toEqual({
      provider: 'netspend',
      eventId: '0b6f3c2e-5d1a-4c7e-9f00-000000000001',
      type: 'account.created',
      refs: ['netspend:account:acc_123'],
      occurredAt: '2026-03-01T11:59:00.000Z',
      data: { account_id: 'acc_123', status: 'active', account_type: 'DDA' },
    });
    const byId = normalizeOne(netspendEvent({ data: { id: 'acc_456', status: 'active' } }));
    expect(byId.event.refs).toEqual(['netspend:account:acc_456']);
  });

  it('routes person.kyc.identity_scan.modified to the person', () => {
    const { event, routable } = normalizeOne(
      netspendEvent({
        type: 'person.kyc.identity_scan.modified',
        data: { person_id: 'per_9', account_id: 'acc_123', kyc_status: 'approved' },
      }),
    );
    expect(routable).toBe(true);
    expect(event.refs).toEqual(['netspend:person:per_9']);
  });

  it('records unknown event types (and known ones without an id) without routing them', () => {
    const unknown = normalizeOne(netspendEvent({ type: 'card.shipped', data: { card_id: 'c1' } }));
    expect(unknown.routable).toBe(false);
    expect(unknown.event.type).toBe('card.shipped');
    const noId = normalizeOne(netspendEvent({ data: { status: 'active' } }));
    expect(noId).toMatchObject({ routable: false, event: { refs: [] } });
  });

  it('refuses a verified body that is not the envelope, naming the field', () => {
    expect(() => intake.normalize(Buffer.from('[]'), {})).toThrow(WebhookPayloadError);
    try {
      intake.normalize(netspendEvent({ created: 'yesterday' }), {});
      expect.unreachable();
    } catch (err) {
      expect((err as WebhookPayloadError).details).toMatchObject({ issues: [{ path: 'created' }] });
    }
  });
});

describe('the gateway and Netspend', () => {
  let app: FastifyInstance;
  const starts: { workflowType: string; options: Record<string, unknown> }[] = [];
  const inbox: InboxRecord[] = [];
  const config = testConfig({ NETSPEND_WEBHOOK_SECRET: SECRET, TASK_QUEUE_PREFIX: 'onb' });
  const auth = { authorization: `Bearer ${API_KEY}` };
  const id = encodeURIComponent('onboarding:netspend:cust_1');

  beforeAll(async () => {
    const started = new Set<string>();
    // No onboarding carries the refs: every delivery takes the delivery-workflow path.
    const client = {
      options: { namespace: 'default' },
      withDeadline: <R>(_deadline: number, fn: () => Promise<R>): Promise<R> => fn(),
      workflow: {
        list: () => (async function* () {})(),
        start: async (workflowType: string, options: Record<string, unknown>) => {
          const workflowId = String(options.workflowId);
          if (started.has(workflowId)) {
            throw new WorkflowExecutionAlreadyStartedError('already started', workflowId, workflowType);
          }
          started.add(workflowId);
          starts.push({ workflowType, options });
          return { workflowId };
        },
      },
    } as unknown as Client;
    const onboarding = new OnboardingClient({ client, config, inbox: { append: async (r) => void inbox.push(r) } });
    app = await buildGateway({ onboarding, config, logger: createLogger('netspend-gateway-test') });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers exactly 200 to a Netspend webhook once recorded, and 200 again to its redelivery', async () => {
    const body = netspendEvent({ created: new Date().toISOString() });
    const deliver = (count: string) =>
      app.inject({
        method: 'POST',
        url: '/webhooks/netspend',
        headers: { 'content-type': 'application/json', ...signed(body), 'ns-delivery-count': count },
        payload: body,
      });
    const first = await deliver('1');
    const again = await deliver('2');
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(first.json()).toEqual({
      received: true,
      eventId: '0b6f3c2e-5d1a-4c7e-9f00-000000000001',
      firstDelivery: true,
      events: [{ eventId: '0b6f3c2e-5d1a-4c7e-9f00-000000000001', firstDelivery: true }],
    });
    expect(again.json().firstDelivery).toBe(false);
    expect(starts).toHaveLength(1);
    expect(starts[0]?.options).toMatchObject({
      workflowId: 'webhook:netspend:0b6f3c2e-5d1a-4c7e-9f00-000000000001',
      taskQueue: 'onb-webhooks',
      args: [{ routable: true, event: { refs: ['netspend:account:acc_123'] } }],
    });
    expect(inbox.map((record) => [record.provider, record.firstDelivery])).toEqual([
      ['netspend', true],
      ['netspend', false],
    ]);
  });

  it('answers 401 to a forged Netspend webhook and records nothing', async () => {
    const before = starts.length;
    const body = netspendEvent({ id: 'forged-1' });
    const response = await app.inject({
      method: 'POST',
      url: '/webhooks/netspend',
      headers: { 'content-type': 'application/json', 'ns-signature': '00'.repeat(32) },
      payload: body,
    });
    expect(response.statusCode).toBe(401);
    expect(starts.length).toBe(before);
  });

  it("answers 404 to another provider's action on a Netspend onboarding", async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/onboardings/${id}/actions/uploadDocuments`,
      headers: auth,
      payload: { documents: [] },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({
      code: 'unknown_action',
      details: { actions: expect.arrayContaining(['activateCard', 'chooseCard']) },
    });
  });

  it('answers 422 for a bad PIN without echoing it, before reaching the onboarding', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/onboardings/${id}/actions/activateCard`,
      headers: auth,
      payload: { pin: '98765' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.details.issues).toEqual([{ path: 'pin', message: 'must be exactly four digits' }]);
    expect(response.body).not.toContain('98765');
  });

  it('answers 422 naming the field of a Jiko-shaped acceptAgreements body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/onboardings/${id}/actions/acceptAgreements`,
      headers: auth,
      payload: { version: '1' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.details.issues[0].path).toBe('agreementIds');
  });
});

describe('the OpenAPI document', () => {
  it('lists each action once and the Netspend bodies', async () => {
    const config = testConfig();
    const app = await buildGateway({
      onboarding: new OnboardingClient({ client: unreachableClient(), config }),
      config,
      logger: createLogger('netspend-openapi-test'),
    });
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await app.close();
    const actionEnum: string[] = document.paths['/v1/onboardings/{id}/actions/{action}'].post.parameters[1].schema.enum;
    expect(new Set(actionEnum).size).toBe(actionEnum.length);
    expect(actionEnum).toEqual(expect.arrayContaining(['activateCard', 'uploadDocuments', 'cureKyc']));
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['NetspendProviderInput', 'NetspendActivateCardBody']),
    );
  });
});
