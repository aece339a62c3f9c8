/**
 * Linkcy end to end: the gateway, a real worker and the dev server, against the Linkcy simulator. From nothing to
 * a validated consumer with Linkcy's KYC webhooks duplicated and reordered, then dropped (the poll finishes it); a
 * forged and a stale Svix signature refused; no plaintext phone, email or name in history, and the SMS codes (the
 * right one and a wrong one) nowhere even once decoded: only sealed, in the verifyPhone Updates' inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { LINKCY_SANDBOX_CODE, linkcyCustomer } from '../../scripts/customers/linkcy.js';
import { signLinkcyWebhook } from '../../client/webhooks/linkcy.js';
import { customerAnswer, E2E_API_KEY, onboardingPath, pendingAction, startE2eStack } from './harness.js';
import { decodedByCodecEndpoint, decodedWithPiiCodec, eventTypesContaining } from './history-as-read.js';
import type { E2eStack } from './harness.js';

const TEST_TIMEOUT_MS = 120_000;
const validated = linkcyCustomer.scenarios.validated;
const withEmail = linkcyCustomer.scenarios.email;
/** A wrong code the customer types once (refused by Linkcy): it must not be readable either. */
const WRONG_CODE = '918273';
/** An operator whose key may read PII through the codec endpoint: still no secret for them. */
const PII_READER_KEY = 'e2e-pii-reader-key';
let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    config: { GATEWAY_API_KEYS: `${E2E_API_KEY},ops:${PII_READER_KEY}:operator+pii.read` },
    // Linkcy verifies in 2–3 minutes; the simulator in 1.5 s.
    sandboxEnv: { SANDBOX_LINKCY_KYC_VERIFICATION_DELAY_MS: '1500' },
    faults: { linkcy: { webhookDuplicateRate: 1, webhookReorder: true, webhookReorderWindowMs: 300 } },
  });
});

afterAll(async () => {
  await stack?.close();
});

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const SLOW_POLLING = { pollInitialInterval: '5m', pollMaxInterval: '10m' };
const happyStart = withEmail.startBody('lc-e2e-happy', {
  person: { name: { first: 'Philippa', last: 'Quennell' }, email: 'philippa.quennell@example.com' },
  options: SLOW_POLLING,
});
const lostWebhookStart = validated.startBody('lc-e2e-lost-webhook', {
  // With every webhook lost, a fast poll is what finds the KYC decided.
  options: { pollInitialInterval: '1s', pollMaxInterval: '2s' },
});

const act = <T = OnboardingStatus>(id: string, action: string, body: unknown) =>
  stack.call<T>('POST', `${onboardingPath(id)}/actions/${action}`, body);

async function control(method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.sandbox.url}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Terms and the SMS code, as the scripted customer answers them; then the KYC link it is sent to. */
async function throughPhone(id: string): Promise<{ kycId: string; url: string }> {
  const terms = await stack.waitForStatus(id, 'terms asked', (status) => !!pendingAction(status, 'acceptTerms'));
  expect((await act(id, 'acceptTerms', customerAnswer(validated, terms, 'acceptTerms').body)).status).toBe(200);
  const phone = await stack.waitForStatus(id, 'code asked', (status) => !!pendingAction(status, 'verifyPhone'));
  const answered = await act(id, 'verifyPhone', customerAnswer(validated, phone, 'verifyPhone').body);
  expect(answered.status).toBe(200);
  const kyc = await stack.waitForStatus(id, 'KYC link', (status) => !!pendingAction(status, 'completeKyc'));
  const data = pendingAction(kyc, 'completeKyc')?.data as { kycId: string; url: string };
  expect(data.url).toMatch(new RegExp(`^https?://.+/${data.kycId}$`));
  return data;
}

/** Every payload of an event (inputs, results, update arguments, markers), wherever it sits. */
describe('Linkcy end to end', () => {
  it(
    'from nothing to a validated consumer, KYC webhooks duplicated and reordered, email link sent',
    async () => {
      const started = await stack.call('POST', '/v1/onboardings', happyStart);
      expect(started.status).toBe(201);
      const id = started.body.onboardingId;

      const terms = await stack.waitForStatus(id, 'terms', (status) => !!pendingAction(status, 'acceptTerms'));
      const wrongVersion = await act<ErrorBody>(id, 'acceptTerms', { version: '0.1' });
      expect(wrongVersion.status).toBe(422);
      expect((await act<ErrorBody>(id, 'verifyPhone', { code: LINKCY_SANDBOX_CODE })).status).toBe(409);
      expect((await act(id, 'acceptTerms', customerAnswer(validated, terms, 'acceptTerms').body)).status).toBe(200);

      await stack.waitForStatus(id, 'code asked', (status) => !!pendingAction(status, 'verifyPhone'));
      const malformed = await act<ErrorBody>(id, 'verifyPhone', { code: '12345' });
      expect(malformed.status).toBe(422);
      expect(JSON.stringify(malformed.body)).not.toContain('12345');
      const wrong = await act<ErrorBody>(id, 'verifyPhone', { code: WRONG_CODE });
      expect(wrong.status).toBe(422);
      expect(wrong.body.error.message).toContain('4 attempts left');
      expect(JSON.stringify(wrong.body)).not.toContain('918273');
      expect((await act(id, 'verifyPhone', { code: LINKCY_SANDBOX_CODE })).status).toBe(200);

      const kyc = await stack.waitForStatus(id, 'KYC link', (status) => !!pendingAction(status, 'completeKyc'));
      const { kycId } = pendingAction(kyc, 'completeKyc')?.data as { kycId: string };
      expect(kyc).toMatchObject({ step: 'kyc', blockedOn: 'customer' });
      // The customer completes Linkcy's page (the simulator plays it).
      expect((await control('POST', `/_sandbox/linkcy/kyc/${kycId}/complete`, {})).status).toBe(200);

      const done = await stack.waitForStatus(id, 'completed', (status) => status.state === 'completed', 60_000);
      expect(done.result).toMatchObject({ kycId, emailVerification: 'sent' });
      const consumer = await control('GET', `/_sandbox/linkcy/consumers/${done.result.consumerId}`);
      expect(consumer.body).toMatchObject({ phone: { verified: true }, termsAccepted: true });
      // Duplicated webhooks reached the onboarding; it acted once.
      const inbox = (await stack.inboxLines()).filter((line) => line.provider === 'linkcy');
      expect(inbox.length).toBeGreaterThan(new Set(inbox.map((line) => line.eventId)).size);
      expect(done.steps.find((step) => step.name === 'kyc')?.attempts).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'every webhook dropped: the reconciliation poll finishes the KYC',
    async () => {
      expect((await control('PATCH', '/_sandbox/faults/linkcy', { dropNextWebhooks: 1000 })).status).toBe(200);
      try {
        const started = await stack.call('POST', '/v1/onboardings', lostWebhookStart);
        expect(started.status).toBe(201);
        const id = started.body.onboardingId;
        const { kycId } = await throughPhone(id);
        await control('POST', `/_sandbox/linkcy/kyc/${kycId}/complete`, {});
        const done = await stack.waitForStatus(id, 'completed', (status) => status.state === 'completed', 60_000);
        expect(done.result.kycId).toBe(kycId);
      } finally {
        await control('PATCH', '/_sandbox/faults/linkcy', { dropNextWebhooks: 0 });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it('refuses a forged and a stale Svix signature with 401, and records nothing', async () => {
    const before = (await stack.inboxLines()).length;
    const body = JSON.stringify({
      type: 'CONSUMER_KYC_VALIDATED',
      timestamp: new Date().toISOString(),
      data: { consumerId: 'c-forged', kycId: 'k-forged', status: 'VALIDATED' },
    });
    const now = Math.floor(Date.now() / 1000);
    const deliver = (headers: Record<string, string>) =>
      fetch(`${stack.gatewayUrl}/webhooks/linkcy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const forged = await deliver(
      signLinkcyWebhook({
        secret: 'whsec_Zm9yZ2VkLWtleS1mb3ItdGVzdHMtMTIzNDU2',
        id: 'msg_f',
        timestamp: now,
        rawBody: body,
      }),
    );
    expect(forged.status).toBe(401);
    const stale = await deliver(
      signLinkcyWebhook({
        secret: stack.config.LINKCY_WEBHOOK_SECRET,
        id: 'msg_s',
        timestamp: now - 3600,
        rawBody: body,
      }),
    );
    expect(stale.status).toBe(401);
    expect((await stack.inboxLines()).length).toBe(before);
  });

  it(
    'keeps the phone, email and name out of history; the SMS codes unreadable even decoded, sealed in the Updates',
    async () => {
      const workflowId = `onboarding:linkcy:${happyStart.customerRef}`;
      const { eventCount, raw } = await stack.rawHistory(workflowId);
      expect(eventCount).toBeGreaterThan(20);
      const phone = String(happyStart.applicant.phone);
      for (const secret of [phone, phone.slice(2), 'philippa.quennell@example.com', 'Philippa', 'Quennell']) {
        expect(raw.includes(secret), `history contains ${secret}`).toBe(false);
      }
      expect(raw.includes(`"${LINKCY_SANDBOX_CODE}"`)).toBe(false);

      // Decoded with the PII codec (what the codec endpoint does) and by the endpoint for a pii.read key: neither
      // code anywhere; the Updates' inputs (41: WorkflowExecutionUpdateAccepted) carry them sealed.
      for (const decoded of [
        await decodedWithPiiCodec(stack, workflowId),
        await decodedByCodecEndpoint(stack, workflowId, PII_READER_KEY),
      ]) {
        expect(decoded.length).toBeGreaterThan(20);
        expect(decoded.some((payload) => payload.text.includes('Philippa'))).toBe(true);
        for (const code of [LINKCY_SANDBOX_CODE, WRONG_CODE]) {
          expect(eventTypesContaining(decoded, code), `decoded history contains ${code}`).toEqual(new Set());
        }
        expect(eventTypesContaining(decoded, '"code":{"sealed":"')).toEqual(new Set(['41']));
      }
    },
    TEST_TIMEOUT_MS,
  );
});
