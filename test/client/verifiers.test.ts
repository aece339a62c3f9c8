/**
 * The webhook verification strategies of client/webhooks/verifiers.ts: HMAC of the raw body, a token we issued,
 * and Standard Webhooks / Svix (checked against Svix's published example). Each refusal is a 401
 * WebhookAuthenticationError that names what failed and never carries a secret or what was presented.
 */
import { createHmac } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebhookAuthenticationError } from '../../client/errors.js';
import {
  hmacBodySignature,
  issuedToken,
  signHmacBody,
  signStandardWebhook,
  standardWebhookSignature,
} from '../../client/webhooks/verifiers.js';
import type { WebhookVerifier } from '../../client/webhooks/verifiers.js';
import type { WebhookHeaders } from '../../client/webhooks/types.js';

const BODY = Buffer.from('{"id":"evt_1","type":"thing.happened","data":{"n":1}}');

/** The refusal's message, asserting it is a 401 that leaks none of `secrets`. */
function refusal(verify: WebhookVerifier, body: Buffer, headers: WebhookHeaders, secrets: string[] = []): string {
  try {
    verify(body, headers);
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookAuthenticationError);
    expect((err as WebhookAuthenticationError).httpStatus).toBe(401);
    const message = (err as Error).message;
    for (const secret of secrets) expect(message).not.toContain(secret);
    return message;
  }
  throw new Error('the verifier accepted the delivery');
}

/** Records the byte lengths timingSafeEqual is called with, for modules imported through `load`. */
async function withTimingSafeEqualSpy<M>(load: () => Promise<M>): Promise<{ module: M; calls: [number, number][] }> {
  const calls: [number, number][] = [];
  vi.resetModules();
  vi.doMock('node:crypto', async (importOriginal) => {
    const crypto = await importOriginal<typeof NodeCrypto>();
    return {
      ...crypto,
      timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
        calls.push([a.byteLength, b.byteLength]);
        return crypto.timingSafeEqual(a, b);
      },
    };
  });
  const module = await load();
  vi.doUnmock('node:crypto');
  return { module, calls };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('hmacBodySignature', () => {
  const SECRET = 'hmac-test-secret-0123456789';
  const base64 = hmacBodySignature({ header: 'X-Signature', secret: SECRET, encoding: 'base64' });
  const hex = hmacBodySignature({ header: 'x-signature', secret: SECRET, encoding: 'hex' });

  it('accepts HMAC-SHA256 of the raw body, base64 or hex (any case)', () => {
    const digest = createHmac('sha256', SECRET).update(BODY).digest();
    expect(signHmacBody(SECRET, BODY, 'base64')).toBe(digest.toString('base64'));
    expect(() => base64(BODY, { 'x-signature': digest.toString('base64') })).not.toThrow();
    expect(() => hex(BODY, { 'x-signature': digest.toString('hex') })).not.toThrow();
    expect(() => hex(BODY, { 'x-signature': digest.toString('hex').toUpperCase() })).not.toThrow();
  });

  it('refuses a tampered body, another secret, a missing header and a padded signature', () => {
    const good = signHmacBody(SECRET, BODY, 'base64');
    expect(refusal(base64, Buffer.concat([BODY, Buffer.from(' ')]), { 'x-signature': good }, [SECRET])).toBe(
      'x-signature does not match the body',
    );
    expect(refusal(base64, BODY, { 'x-signature': signHmacBody('another-secret-entirely', BODY, 'base64') })).toMatch(
      /does not match/,
    );
    expect(refusal(base64, BODY, {})).toBe('missing x-signature header');
    expect(refusal(base64, BODY, { 'x-signature': `${good}AAAA` })).toMatch(/does not match/);
    // A hex verifier does not take the base64 form of the right digest, nor the reverse.
    expect(refusal(hex, BODY, { 'x-signature': good })).toMatch(/does not match/);
    expect(refusal(base64, BODY, { 'x-signature': signHmacBody(SECRET, BODY, 'hex') })).toMatch(/does not match/);
  });

  it('accepts either secret during a rotation, and neither once removed', () => {
    const rotating = hmacBodySignature({
      header: 'x-signature',
      secret: ['new-secret-0123456789', SECRET],
      encoding: 'hex',
    });
    expect(() => rotating(BODY, { 'x-signature': signHmacBody(SECRET, BODY, 'hex') })).not.toThrow();
    expect(() => rotating(BODY, { 'x-signature': signHmacBody('new-secret-0123456789', BODY, 'hex') })).not.toThrow();
    expect(refusal(hex, BODY, { 'x-signature': signHmacBody('new-secret-0123456789', BODY, 'hex') })).toMatch(
      /does not match/,
    );
  });

  it('refuses to be built without a secret', () => {
    expect(() => hmacBodySignature({ header: 'x-signature', secret: [], encoding: 'hex' })).toThrow(/secret/);
    expect(() => hmacBodySignature({ header: 'x-signature', secret: '', encoding: 'hex' })).toThrow(/secret/);
  });
});

describe('issuedToken', () => {
  const TOKEN = 'tok_live_3c1f5e7a9b2d4f6a8c0e';
  const OLD = 'tok_live_old_0a1b2c3d4e5f';
  const bearer = issuedToken({ tokens: [TOKEN, OLD] });
  const apiKey = issuedToken({ header: 'X-Api-Key', tokens: TOKEN });

  it('accepts Authorization: Bearer <token> (scheme in any case) and a named API-key header', () => {
    expect(() => bearer(BODY, { authorization: `Bearer ${TOKEN}` })).not.toThrow();
    expect(() => bearer(BODY, { authorization: `bearer ${TOKEN}` })).not.toThrow();
    expect(() => apiKey(BODY, { 'x-api-key': TOKEN })).not.toThrow();
  });

  it('accepts every configured token during a rotation, and not a removed one', () => {
    expect(() => bearer(BODY, { authorization: `Bearer ${OLD}` })).not.toThrow();
    const rotated = issuedToken({ tokens: [TOKEN] });
    expect(refusal(rotated, BODY, { authorization: `Bearer ${OLD}` }, [OLD, TOKEN])).toBe(
      'the authorization token is not one we issued',
    );
  });

  it('refuses a missing header, another scheme, a wrong token and a token with extra text', () => {
    expect(refusal(bearer, BODY, {})).toBe('missing authorization header');
    expect(refusal(bearer, BODY, { authorization: `Basic ${TOKEN}` }, [TOKEN])).toBe(
      'authorization is not a Bearer token',
    );
    expect(refusal(bearer, BODY, { authorization: 'Bearer tok_live_guess' }, [TOKEN, OLD])).toMatch(
      /not one we issued/,
    );
    expect(refusal(bearer, BODY, { authorization: `Bearer ${TOKEN}x` }, [TOKEN])).toMatch(/not one we issued/);
    expect(refusal(bearer, BODY, { authorization: `Bearer ${TOKEN} ${TOKEN}` }, [TOKEN])).toMatch(/not a Bearer/);
    expect(refusal(apiKey, BODY, { authorization: `Bearer ${TOKEN}` })).toBe('missing x-api-key header');
    expect(refusal(apiKey, BODY, { 'x-api-key': TOKEN.slice(0, 10) }, [TOKEN])).toBe(
      'the x-api-key token is not one we issued',
    );
  });

  it('compares fixed-length digests against every token, whatever is presented', async () => {
    const { module, calls } = await withTimingSafeEqualSpy(() => import('../../client/webhooks/verifiers.js'));
    const spied = module.issuedToken({ tokens: [TOKEN, OLD] });
    spied(BODY, { authorization: `Bearer ${TOKEN}` });
    expect(() => spied(BODY, { authorization: 'Bearer x' })).toThrow(/not one we issued/);
    expect(calls).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
  });
});

describe('standardWebhookSignature', () => {
  // Svix's documented example (docs.svix.com, "Verifying payloads manually"): a real signature, not our own.
  const SVIX = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: Buffer.from('{"test": 2432232314}'),
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const at = (unixSeconds: number) => () => new Date(unixSeconds * 1000);
  const verifier = (secret: string | string[] = SVIX.secret, now = at(SVIX.timestamp)) =>
    standardWebhookSignature({ secret, toleranceSeconds: 300, now });
  const svixHeaders = (signature = SVIX.signature, timestamp: number | string = SVIX.timestamp) => ({
    'svix-id': SVIX.id,
    'svix-timestamp': String(timestamp),
    'svix-signature': signature,
  });

  it("accepts Svix's example with svix-* headers, and signs it the same way", () => {
    expect(
      signStandardWebhook({ secret: SVIX.secret, id: SVIX.id, timestamp: SVIX.timestamp, rawBody: SVIX.body }),
    ).toBe(SVIX.signature);
    expect(() => verifier()(SVIX.body, svixHeaders())).not.toThrow();
  });

  it('accepts the webhook-* header family of Standard Webhooks, and only it when asked to', () => {
    const headers = {
      'webhook-id': SVIX.id,
      'webhook-timestamp': String(SVIX.timestamp),
      'webhook-signature': SVIX.signature,
    };
    expect(() => verifier()(SVIX.body, headers)).not.toThrow();
    const svixOnly = standardWebhookSignature({
      secret: SVIX.secret,
      toleranceSeconds: 300,
      prefix: 'svix',
      now: at(SVIX.timestamp),
    });
    expect(refusal(svixOnly, SVIX.body, headers)).toBe('missing svix-id header');
  });

  it('refuses a tampered body, a changed id or timestamp, and another secret', () => {
    const verify = verifier();
    expect(refusal(verify, Buffer.from('{"test": 2432232315}'), svixHeaders(), [SVIX.secret])).toBe(
      'no v1 entry of svix-signature matches the delivery',
    );
    expect(refusal(verify, SVIX.body, { ...svixHeaders(), 'svix-id': 'msg_other' })).toMatch(/no v1 entry/);
    expect(refusal(verify, SVIX.body, svixHeaders(SVIX.signature, SVIX.timestamp + 1))).toMatch(/no v1 entry/);
    const otherSecret = `whsec_${Buffer.from('another-key-of-24-bytes!').toString('base64')}`;
    expect(refusal(verifier(otherSecret), SVIX.body, svixHeaders(), [SVIX.secret, otherSecret])).toMatch(/no v1 entry/);
  });

  it('names each missing header, and a timestamp that is not unix seconds', () => {
    const verify = verifier();
    const { 'svix-timestamp': _timestamp, ...noTimestamp } = svixHeaders();
    const { 'svix-signature': _signature, ...noSignature } = svixHeaders();
    expect(refusal(verify, SVIX.body, {})).toBe('missing webhook-id header');
    expect(refusal(verify, SVIX.body, noTimestamp)).toBe('missing svix-timestamp header');
    expect(refusal(verify, SVIX.body, noSignature)).toBe('missing svix-signature header');
    expect(refusal(verify, SVIX.body, svixHeaders(SVIX.signature, '2021-02-25T15:02:10Z'))).toBe(
      'svix-timestamp is not unix seconds',
    );
  });

  it('refuses an authentic delivery signed outside the tolerance, stale or in the future', () => {
    expect(() => verifier(SVIX.secret, at(SVIX.timestamp + 300))(SVIX.body, svixHeaders())).not.toThrow();
    expect(() => verifier(SVIX.secret, at(SVIX.timestamp - 300))(SVIX.body, svixHeaders())).not.toThrow();
    expect(refusal(verifier(SVIX.secret, at(SVIX.timestamp + 301)), SVIX.body, svixHeaders())).toMatch(
      /older than the 300 s tolerance/,
    );
    expect(refusal(verifier(SVIX.secret, at(SVIX.timestamp - 301)), SVIX.body, svixHeaders())).toMatch(/in the future/);
  });

  it('accepts a header with several signatures when any v1 entry matches, skipping other versions', () => {
    const wrong = `v1,${Buffer.alloc(32).toString('base64')}`;
    expect(() => verifier()(SVIX.body, svixHeaders(`${wrong} ${SVIX.signature}`))).not.toThrow();
    expect(() => verifier()(SVIX.body, svixHeaders(`v1a,c29tZXRoaW5n ${SVIX.signature} ${wrong}`))).not.toThrow();
    // The right digest under another version label is not a v1 signature.
    expect(refusal(verifier(), SVIX.body, svixHeaders(`v2,${SVIX.signature.slice(3)} ${wrong}`))).toMatch(
      /no v1 entry/,
    );
    expect(refusal(verifier(), SVIX.body, svixHeaders(SVIX.signature.slice(3)))).toMatch(/no v1 entry/);
  });

  it('accepts either secret during a rotation', () => {
    const newSecret = `whsec_${Buffer.from('a-brand-new-signing-key!').toString('base64')}`;
    const signedWithNew = signStandardWebhook({
      secret: newSecret,
      id: SVIX.id,
      timestamp: SVIX.timestamp,
      rawBody: SVIX.body,
    });
    const rotating = verifier([newSecret, SVIX.secret]);
    expect(() => rotating(SVIX.body, svixHeaders())).not.toThrow();
    expect(() => rotating(SVIX.body, svixHeaders(signedWithNew))).not.toThrow();
    expect(refusal(verifier(), SVIX.body, svixHeaders(signedWithNew))).toMatch(/no v1 entry/);
  });

  it('compares every v1 entry with every secret in constant time', async () => {
    const { module, calls } = await withTimingSafeEqualSpy(() => import('../../client/webhooks/verifiers.js'));
    const spied = module.standardWebhookSignature({
      secret: [SVIX.secret, `whsec_${Buffer.from('a-brand-new-signing-key!').toString('base64')}`],
      toleranceSeconds: 300,
      now: at(SVIX.timestamp),
    });
    spied(SVIX.body, svixHeaders(`${SVIX.signature} v1,short`));
    // 2 entries × 2 secrets, always on the 44-character canonical base64 text.
    expect(calls).toEqual([
      [44, 44],
      [44, 44],
      [44, 44],
      [44, 44],
    ]);
  });
});
