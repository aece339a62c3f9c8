/**
 * Hand-written bad requests to the gateway: each must be answered 4xx with the error envelope
 * `{error: {code, message}}`, never 5xx, never a dropped connection.
 */
import type { ChaosStack } from './stack.js';

export interface BadInputCase {
  name: string;
  method: string;
  route: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface BadInputOutcome {
  name: string;
  status: number | null;
  ok: boolean;
  why?: string;
}

const json = { 'content-type': 'application/json' };
const validStart = (customerRef: string): string =>
  JSON.stringify({
    provider: 'jiko',
    customerRef,
    applicant: {
      name: { first: 'Bad', last: 'Input' },
      dateOfBirth: '1980-02-03',
      ssn: '400111222',
      email: 'bad@example.com',
      phone: '+15550001111',
      address: { line1: '1 Main St', line2: null, city: 'Austin', state: 'TX', postalCode: '73301', country: 'US' },
    },
  });

/** Cases; `existingId` is an onboarding that exists (for the action and document cases). */
export function badInputCases(existingId: string): BadInputCase[] {
  const existing = `/v1/onboardings/${encodeURIComponent(existingId)}`;
  const hugeBase64 = 'A'.repeat(40 * 1024 * 1024);
  return [
    { name: 'invalid JSON', method: 'POST', route: '/v1/onboardings', headers: json, body: '{"provider": "jiko",' },
    { name: 'empty JSON body', method: 'POST', route: '/v1/onboardings', headers: json, body: '' },
    { name: 'JSON array instead of object', method: 'POST', route: '/v1/onboardings', headers: json, body: '[]' },
    {
      name: 'wrong content type',
      method: 'POST',
      route: '/v1/onboardings',
      headers: { 'content-type': 'text/plain' },
      body: validStart('ct-1'),
    },
    {
      name: 'form content type',
      method: 'POST',
      route: '/v1/onboardings',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'provider=jiko',
    },
    {
      name: '50 MB body',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: `{"pad":"${'x'.repeat(50 * 1024 * 1024)}"}`,
    },
    {
      name: 'deep nesting (100k arrays)',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: '['.repeat(100_000) + ']'.repeat(100_000),
    },
    {
      name: 'deep nesting (10k objects)',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
    },
    {
      name: 'unicode customerRef',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: validStart('ċüśţømér-🙂-עברית'),
    },
    {
      name: 'unicode applicant name (RTL override, zero-width)',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: validStart('x')
        .replace('"Bad"', '"\\u202e\\u200bBad"')
        .replace('"x"', '"unicode-name-1"')
        .replace('400111222', 'not-an-ssn'),
    },
    {
      name: 'control characters in customerRef',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: validStart('abc\u0000\u0007\u001b[31m'),
    },
    { name: 'lone surrogate', method: 'POST', route: '/v1/onboardings', headers: json, body: validStart('\\ud800') },
    {
      name: 'PII-shaped id: email',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: validStart('ada.lovelace@example.com'),
    },
    {
      name: 'PII-shaped id: SSN',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: validStart('400123456'),
    },
    {
      name: 'PII-shaped id: phone',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: validStart('15551234567'),
    },
    {
      name: 'PII-shaped id: date',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: validStart('1990-01-31'),
    },
    {
      name: 'unknown provider',
      method: 'POST',
      route: '/v1/onboardings',
      headers: json,
      body: validStart('up-1').replace('"jiko"', '"nosuchbank"'),
    },
    { name: 'unknown id', method: 'GET', route: '/v1/onboardings/onboarding%3Ajiko%3Anobody-here' },
    { name: 'malformed id', method: 'GET', route: '/v1/onboardings/%E0%A4%A' },
    { name: 'unknown action', method: 'POST', route: `${existing}/actions/launchRocket`, headers: json, body: '{}' },
    {
      name: 'action on unknown id',
      method: 'POST',
      route: '/v1/onboardings/onboarding%3Ajiko%3Anobody/actions/acceptAgreements',
      headers: json,
      body: '{"version":"1"}',
    },
    {
      name: 'action body of wrong type',
      method: 'POST',
      route: `${existing}/actions/acceptAgreements`,
      headers: json,
      body: '{"version":12}',
    },
    {
      name: 'oversized document (40 MB base64)',
      method: 'POST',
      route: `${existing}/actions/uploadDocuments`,
      headers: json,
      body: `{"documents":[{"type":"ID_FRONT","contentType":"image/png","contentBase64":"${hugeBase64}"}]}`,
    },
    { name: 'cancel without reason', method: 'POST', route: `${existing}/cancel`, headers: json, body: '{}' },
    { name: 'list with a bad filter', method: 'GET', route: '/v1/onboardings?state=sideways&pageSize=-3' },
    {
      name: 'webhook with a forged signature',
      method: 'POST',
      route: '/webhooks/netspend',
      headers: { ...json, 'ns-signature': 'deadbeef' },
      body: '{"event_id":"x"}',
    },
    {
      name: 'webhook for an unknown provider',
      method: 'POST',
      route: '/webhooks/nosuchbank',
      headers: json,
      body: '{}',
    },
    { name: 'no API key', method: 'GET', route: existing, headers: { authorization: '' } },
  ];
}

export async function runBadInputs(stack: ChaosStack): Promise<BadInputOutcome[]> {
  const gateway = stack.gatewayUrls[0];
  const outcomes: BadInputOutcome[] = [];
  // A real onboarding for the action cases, so they reach the action's own checks rather than a 404.
  const subject = await fetch(`${gateway}/v1/onboardings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, ...json },
    body: validStart(`chaos-bad-inputs-${Date.now()}`),
  });
  const existingId = ((await subject.json()) as { onboardingId?: string }).onboardingId ?? 'onboarding:jiko:none';
  for (const testCase of badInputCases(existingId)) {
    try {
      const response = await fetch(`${gateway}${testCase.route}`, {
        method: testCase.method,
        headers: { authorization: `Bearer ${stack.apiKey}`, ...testCase.headers },
        ...(testCase.body === undefined ? {} : { body: testCase.body }),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      let envelope = false;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        envelope = typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string';
      } catch {
        envelope = false;
      }
      const fourXx = response.status >= 400 && response.status < 500;
      const ok = fourXx && envelope;
      const why = !fourXx
        ? `answered ${response.status}`
        : envelope
          ? undefined
          : `no error envelope: ${text.slice(0, 120)}`;
      outcomes.push({ name: testCase.name, status: response.status, ok, ...(why ? { why } : {}) });
    } catch (err) {
      outcomes.push({
        name: testCase.name,
        status: null,
        ok: false,
        why: `no answer: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  return outcomes;
}
