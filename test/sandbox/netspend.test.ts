/**
 * The Netspend simulator over real HTTP: the sandbox listens on a free port, a tiny local server receives its
 * webhooks. Clock moves are explicit (token expiry); no assertion depends on speed. Activation is synchronous here
 * (delay 0) except in the "delayed activation" tests, which set a delay and wait for it.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, startSandbox, type Sandbox } from '../../sandbox/core/server.js';
import type { PersonalData } from '../../sandbox/netspend/schemas.js';
import { NetspendState } from '../../sandbox/netspend/state.js';
import { webhookSignatureFromEnv } from '../../sandbox/netspend/signature.js';

const WEBHOOK_SECRET = 'netspend-test-webhook-secret';
const DDA = 'sandbox-dda-checking';
const GPR = 'sandbox-gpr-prepaid';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let clockOffsetMs = 0;
let sandbox: Sandbox & { url: string };
let receiver: Server;
const received: Received[] = [];
/** Status codes the receiver answers next, in order; 200 once empty. */
const receiverAnswers: number[] = [];

type Json = Record<string, unknown> & { [key: string]: unknown };
interface CallResult {
  status: number;
  body: Json;
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; session?: string | null; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? accessToken : options.token;
  const session = options.session === undefined ? sessionId : options.session;
  if (token) headers.authorization = `Bearer ${token}`;
  if (session) headers['ns-session-id'] = session;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sandbox.url}/netspend/netspend-api/v1${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function control(method: string, path: string, body?: unknown): Promise<CallResult> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function requestToken(key = 'sandbox-key', secret = 'sandbox-secret'): Promise<CallResult> {
  const response = await fetch(`${sandbox.url}/netspend/netspend-api/v1/oauth/accesstoken`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, body: (await response.json()) as Json };
}

let accessToken = '';
let sessionId = '';

const applicant = (ssn: string, overrides: Record<string, unknown> = {}) => ({
  date_of_birth: '1990-01-31',
  government_id: { type: 'ssn', value: ssn },
  address: { address1: '2000 Allston Way', city: 'Berkeley', state: 'CA', postal_code: '94701' },
  ...overrides,
});

async function newAccount(providedId: string): Promise<Json> {
  const created = await call('POST', '/accounts', { body: { provided_id: providedId } });
  expect(created.status).toBe(201);
  return created.body;
}

async function newPerson(accountId: string, ssn: string, lastName = 'Lovelace'): Promise<Json> {
  const created = await call('POST', '/people', {
    body: {
      first_name: 'Ada',
      last_name: lastName,
      identity_context: { account_id: accountId, relationship: 'primary' },
      encrypted_data: applicant(ssn),
    },
  });
  expect(created.status).toBe(201);
  return created.body;
}

async function acceptAll(personId: string, providedId: string): Promise<void> {
  const search = await call('POST', '/agreements/search', { body: { provided_id: providedId } });
  expect(search.status).toBe(200);
  for (const agreement of search.body.agreements as { agreement_id: string }[]) {
    const accepted = await call('PUT', `/people/${personId}/agreements/${agreement.agreement_id}`);
    expect(accepted.status).toBe(200);
  }
}

const expectedUseAnswers = {
  answers: [
    { question_id: 'expected_monthly_deposit', answer_id: 'deposit_2000_and_under' },
    { question_id: 'occupation', answer_id: 'occupation_engineer' },
  ],
};

/** An active account with its primary person, by the documented path. */
async function activeAccount(providedId: string): Promise<{ accountId: string; personId: string }> {
  const account = await newAccount(providedId);
  const person = await newPerson(account.id as string, '400123456');
  await acceptAll(person.id as string, providedId);
  if (providedId === DDA) {
    expect((await call('PUT', `/people/${person.id}/expected_use`, { body: expectedUseAnswers })).status).toBe(200);
  }
  expect((await call('GET', `/accounts/${account.id}`)).body.status).toBe('active');
  return { accountId: account.id as string, personId: person.id as string };
}

const eventsOfType = (type: string) =>
  received.map((r) => ({ ...r, event: JSON.parse(r.body) as Json })).filter((r) => r.event.type === type);

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = receiverAnswers.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverPort = (receiver.address() as AddressInfo).port;
  sandbox = await startSandbox({
    port: 0,
    clock: () => new Date(Date.now() + clockOffsetMs),
    // Synchronous activation unless a test asks for a delay through the settings control (reset restores this).
    env: { SANDBOX_NETSPEND_WEBHOOK_SECRET: WEBHOOK_SECRET, SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: '0' },
    webhookTargets: { netspend: `http://127.0.0.1:${receiverPort}/webhooks/netspend` },
    webhookDefaults: { backoffMs: 10, maxBackoffMs: 50, maxAttempts: 5 },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

beforeEach(async () => {
  await control('POST', '/_sandbox/reset');
  clockOffsetMs = 0;
  received.length = 0;
  receiverAnswers.length = 0;
  const token = await requestToken();
  accessToken = token.body.access_token as string;
  const session = await call('POST', '/sessions', { session: null, body: {} });
  sessionId = session.body.id as string;
});

describe('netspend sandbox: authentication and sessions', () => {
  it('issues 24 h client-credentials tokens and refuses bad, missing and expired ones', async () => {
    expect((await requestToken('sandbox-key', 'wrong')).status).toBe(401);
    expect((await requestToken('sandbox-key', 'wrong')).body.error_code).toBe('invalid_client');

    const token = await requestToken();
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'BearerToken', scope: 'owned_accounts_full', expires_in: '86399' });
    expect(typeof token.body.access_token).toBe('string');

    const wrongGrant = await fetch(`${sandbox.url}/netspend/netspend-api/v1/oauth/accesstoken`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('sandbox-key:sandbox-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=password',
    });
    expect(wrongGrant.status).toBe(400);

    const fresh = token.body.access_token as string;
    expect((await call('GET', `/sessions/${sessionId}`, { token: fresh })).status).toBe(200);
    expect((await call('GET', `/sessions/${sessionId}`, { token: null })).body.error_code).toBe('unauthorized');
    expect((await call('GET', `/sessions/${sessionId}`, { token: 'forged' })).body.error_code).toBe('invalid_token');

    clockOffsetMs = 24 * 3600 * 1000 + 1000;
    const expired = await call('GET', `/sessions/${sessionId}`, { token: fresh });
    expect(expired.status).toBe(401);
    expect(expired.body.error_code).toBe('token_expired');
  });

  it('requires ns-session-id everywhere except the token call and POST /sessions', async () => {
    const missing = await call('POST', '/accounts', { session: null, body: { provided_id: DDA } });
    expect(missing.status).toBe(401);
    expect(missing.body.error_code).toBe('session_required');
    const unknown = await call('POST', '/accounts', { session: 'no-such-session', body: { provided_id: DDA } });
    expect(unknown.body.error_code).toBe('invalid_session');
    const anonymous = await call('POST', '/sessions', { session: null });
    expect(anonymous.status).toBe(201);
    expect(anonymous.body).toMatchObject({ source_type: 'anonymous', source_id: null });
  });

  it('makes an anonymous session the source of the account created in it (ASSUMED); the same PATCH again is a no-op', async () => {
    const account = await newAccount(GPR);
    const session = await call('GET', `/sessions/${sessionId}`);
    expect(session.body).toMatchObject({ source_type: 'account', source_id: account.id });
    const again = await call('PATCH', `/sessions/${sessionId}`, {
      body: { source_type: 'account', source_id: account.id },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ source_type: 'account', source_id: account.id });
    // A second account in the same session leaves the session on the first.
    await newAccount(GPR);
    expect((await call('GET', `/sessions/${sessionId}`)).body.source_id).toBe(account.id);
  });

  it('allows only anonymous→account, anonymous→person and account→person', async () => {
    const account = await newAccount(DDA);
    const person = await newPerson(account.id as string, '400123456');

    const toAccount = await call('PATCH', `/sessions/${sessionId}`, {
      body: { source_type: 'account', source_id: account.id },
    });
    expect(toAccount.status).toBe(200);
    expect(toAccount.body.source_type).toBe('account');
    const toPerson = await call('PATCH', `/sessions/${sessionId}`, {
      body: { source_type: 'person', source_id: person.id },
    });
    expect(toPerson.body).toMatchObject({ source_type: 'person', source_id: person.id });
    const back = await call('PATCH', `/sessions/${sessionId}`, {
      body: { source_type: 'account', source_id: account.id },
    });
    expect(back.status).toBe(409);
    expect(back.body.error_code).toBe('session_transition_not_allowed');

    const other = await call('POST', '/sessions', { session: null, body: {} });
    const noSource = await call('PATCH', `/sessions/${other.body.id}`, {
      body: { source_type: 'person', source_id: 'missing' },
    });
    expect(noSource.status).toBe(404);
    expect(noSource.body.error_code).toBe('person_not_found');
    const direct = await call('POST', '/sessions', {
      session: null,
      body: { source_type: 'person', source_id: person.id },
    });
    expect(direct.body.source_type).toBe('person');
    expect((await call('GET', `/sessions/${sessionId}`)).body.source_id).toBe(person.id);
  });
});

describe('netspend sandbox: webhook signature scheme (ASSUMED, set by env)', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'account.created', created: '2026-03-01T12:00:00Z', data: {} });

  it('signs with ns-signature and hex by default', () => {
    const scheme = webhookSignatureFromEnv({ SANDBOX_NETSPEND_WEBHOOK_SECRET: WEBHOOK_SECRET });
    expect(scheme.headers(body)).toEqual({
      'ns-signature': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex'),
    });
  });

  it('takes the header name and the encoding from the env, and refuses an unknown encoding', () => {
    const scheme = webhookSignatureFromEnv({
      SANDBOX_NETSPEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_HEADER: 'X-Netspend-Hmac',
      SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_ENCODING: 'base64',
    });
    expect(scheme.headers(body)).toEqual({
      'x-netspend-hmac': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('base64'),
    });
    expect(() => webhookSignatureFromEnv({ SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_ENCODING: 'b64' })).toThrow(
      /SANDBOX_NETSPEND_WEBHOOK_SIGNATURE_ENCODING/,
    );
  });
});

describe('netspend sandbox: onboarding to an active account', () => {
  it('activates a DDA account only after KYC, all agreements and expected use; signs and redelivers account.created', async () => {
    receiverAnswers.push(500, 202); // only exactly 200 counts as delivered
    const account = await newAccount(DDA);
    expect(account).toMatchObject({ status: 'new', account_type: 'DDA', provided_id: DDA });
    const person = await newPerson(account.id as string, '400123456');
    expect(person).toMatchObject({ kyc_status: 'approved', ofac_status: 'approved', status: 'active' });
    expect(JSON.stringify(person)).not.toContain('400123456');

    const search = await call('POST', '/agreements/search', { body: { provided_id: DDA } });
    const agreements = search.body.agreements as { agreement_id: string; type: string; url: string; version: string }[];
    expect(agreements.map((a) => a.type).sort()).toEqual(['cardholder_terms', 'esign', 'privacy_policy']);
    const one = await call('GET', `/agreements/${agreements[0]!.agreement_id}`);
    expect(one.body).toMatchObject({ agreement_id: agreements[0]!.agreement_id, version: agreements[0]!.version });

    await acceptAll(person.id as string, DDA);
    await acceptAll(person.id as string, DDA); // idempotent
    const listed = await call('GET', `/people/${person.id}/agreements`);
    expect((listed.body.agreements as { accepted: boolean }[]).every((a) => a.accepted)).toBe(true);
    expect((await call('GET', `/accounts/${account.id}`)).body.status).toBe('new');

    const survey = await call('GET', `/people/${person.id}/expected_use`);
    const questions = survey.body.questions as {
      question_id: string;
      answers: { answer_id: string; text: string }[];
    }[];
    expect(questions.map((q) => q.question_id)).toEqual(['expected_monthly_deposit', 'occupation']);
    expect(questions[0]!.answers.map((a) => a.text)).toContain('$2,000.01 to $10,000');
    const bad = await call('PUT', `/people/${person.id}/expected_use`, {
      body: { answers: [{ question_id: 'occupation', answer_id: 'occupation_astronaut' }] },
    });
    expect(bad.status).toBe(400);
    expect((await call('GET', `/accounts/${account.id}/workflows/activate`)).body.steps).toContainEqual({
      name: 'expected_use',
      status: 'pending',
    });

    expect((await call('PUT', `/people/${person.id}/expected_use`, { body: expectedUseAnswers })).status).toBe(200);
    const active = await call('GET', `/accounts/${account.id}`);
    expect(active.body).toMatchObject({ status: 'active', primary_person_id: person.id });

    await sandbox.ctx.webhooks.flush();
    const deliveries = eventsOfType('account.created');
    expect(deliveries.map((d) => d.headers['ns-delivery-count'])).toEqual(['1', '2', '3']);
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    for (const delivery of deliveries) {
      const expected = createHmac('sha256', WEBHOOK_SECRET).update(delivery.body).digest('hex');
      expect(delivery.headers['ns-signature']).toBe(expected);
    }
    expect(deliveries[0]!.event).toMatchObject({ type: 'account.created', data: { account_id: account.id } });
    expect(typeof deliveries[0]!.event.id).toBe('string');
    expect(typeof deliveries[0]!.event.created).toBe('string');
  });

  it('activates a GPR account without expected use, which GPR refuses', async () => {
    const account = await newAccount(GPR);
    const person = await newPerson(account.id as string, '400123456');
    const survey = await call('GET', `/people/${person.id}/expected_use`);
    expect(survey.status).toBe(422);
    expect(survey.body.error_code).toBe('expected_use_not_applicable');
    await acceptAll(person.id as string, GPR);
    expect((await call('GET', `/accounts/${account.id}`)).body.status).toBe('active');
    const wrongProgram = await call('PUT', `/people/${person.id}/agreements/agr_dda_esign_v2`);
    expect(wrongProgram.status).toBe(422);
  });

  it('cures a conditional KYC with identity questions and fires person.kyc.identity_scan.modified', async () => {
    const account = await newAccount(GPR);
    const person = await newPerson(account.id as string, '991000001');
    expect(person).toMatchObject({ kyc_status: 'conditional', status: 'pending' });
    await acceptAll(person.id as string, GPR);
    expect((await call('GET', `/accounts/${account.id}`)).body.status).toBe('new');

    const questions = await call('GET', `/people/${person.id}/kyc/identity_questions`);
    const answers = (questions.body.questions as { question_id: string; answers: { answer_id: string }[] }[]).map(
      (q) => ({ question_id: q.question_id, answer_id: q.answers[0]!.answer_id }),
    );
    const cured = await call('PUT', `/people/${person.id}/kyc/identity_questions`, { body: { answers } });
    expect(cured.body).toMatchObject({ kyc_status: 'approved', status: 'active' });
    expect((await call('GET', `/accounts/${account.id}`)).body.status).toBe('active');
    expect((await call('GET', `/people/${person.id}/kyc/identity_questions`)).status).toBe(409);

    await sandbox.ctx.webhooks.flush();
    const kycEvents = eventsOfType('person.kyc.identity_scan.modified');
    expect(kycEvents).toHaveLength(1);
    expect(kycEvents[0]!.event.data).toMatchObject({ person_id: person.id, kyc_status: 'approved' });
    expect(eventsOfType('account.created')).toHaveLength(1);

    const other = await newPerson((await newAccount(GPR)).id as string, '991000002');
    const wrong = answers.map((a) => ({ ...a, answer_id: a.answer_id.replace(/_a$/, '_b') }));
    const failed = await call('PUT', `/people/${other.id}/kyc/identity_questions`, { body: { answers: wrong } });
    expect(failed.body).toMatchObject({ kyc_status: 'rejected', status: 'inactive' });
  });

  it('offers a rejected person the cure the SSN names (995 questions, 996 scan, 997 documents); 992 is final', async () => {
    const kycWorkflow = async (accountId: string) =>
      (await call('GET', `/accounts/${accountId}/workflows/kyc_approve`)).body;
    const pendingSteps = (workflow: Json) =>
      (workflow.steps as { name: string; status: string }[])
        .filter((step) => step.status === 'pending')
        .map((s) => s.name);

    const finalAccount = await newAccount(GPR);
    const final = await newPerson(finalAccount.id as string, '992000011');
    expect(final).toMatchObject({ kyc_status: 'rejected' });
    const finalWorkflow = await kycWorkflow(finalAccount.id as string);
    expect(finalWorkflow.status).toBe('blocked');
    expect(pendingSteps(finalWorkflow)).toEqual([]);
    expect((await call('GET', `/people/${final.id}/kyc/identity_questions`)).status).toBe(409);
    expect((await call('GET', `/people/${final.id}/kyc/identity_scan`)).status).toBe(409);
    expect((await call('GET', `/people/${final.id}/document_requests`)).body).toEqual({ document_requests: [] });

    // Identity questions cure a rejected person too; the attempt uses the cure up.
    const questionsAccount = await newAccount(GPR);
    const byQuestions = await newPerson(questionsAccount.id as string, '995000011');
    expect(byQuestions).toMatchObject({ kyc_status: 'rejected', status: 'inactive' });
    const questionsWorkflow = await kycWorkflow(questionsAccount.id as string);
    expect(questionsWorkflow.status).toBe('pending');
    expect(pendingSteps(questionsWorkflow)).toContain('identity_questions');
    const questions = await call('GET', `/people/${byQuestions.id}/kyc/identity_questions`);
    const answers = (questions.body.questions as { question_id: string; answers: { answer_id: string }[] }[]).map(
      (q) => ({ question_id: q.question_id, answer_id: q.answers[0]!.answer_id }),
    );
    const cured = await call('PUT', `/people/${byQuestions.id}/kyc/identity_questions`, { body: { answers } });
    expect(cured.body).toMatchObject({ kyc_status: 'approved', status: 'active' });

    // Identity scan: the id for the SDK, the same on every read; the result arrives as the documented webhook.
    const scanAccount = await newAccount(GPR);
    const byScan = await newPerson(scanAccount.id as string, '996000011');
    expect(pendingSteps(await kycWorkflow(scanAccount.id as string))).toContain('identity_scan');
    const scan = await call('GET', `/people/${byScan.id}/kyc/identity_scan`);
    expect(scan.body).toMatchObject({ identity_scan_id: expect.any(String), status: 'pending' });
    expect((await call('GET', `/people/${byScan.id}/kyc/identity_scan`)).body.identity_scan_id).toBe(
      scan.body.identity_scan_id,
    );
    const scanned = await control('POST', `/_sandbox/netspend/people/${byScan.id}/identity_scan`, {
      outcome: 'approved',
    });
    expect(scanned.body).toMatchObject({ kyc_status: 'approved' });
    await sandbox.ctx.webhooks.flush();
    expect(
      eventsOfType('person.kyc.identity_scan.modified').filter((e) => (e.event.data as Json).person_id === byScan.id),
    ).toHaveLength(1);

    // Documents: one request listing the types; the last upload completes it and Netspend approves.
    const documentsAccount = await newAccount(GPR);
    const byDocuments = await newPerson(documentsAccount.id as string, '997000011');
    expect(pendingSteps(await kycWorkflow(documentsAccount.id as string))).toContain('provide_documents');
    const [request] = (await call('GET', `/people/${byDocuments.id}/document_requests`)).body
      .document_requests as Json[];
    expect(request).toMatchObject({
      status: 'requested',
      document_types: expect.arrayContaining(['proof_of_address']),
    });
    const upload = (type: string) =>
      call('POST', `/document_requests/${request!.document_request_id}/documents`, {
        body: { document_type: type, content_type: 'image/png', content_base64: 'iVBORw0KGgo=' },
      });
    expect((await upload('selfie')).status).toBe(400);
    for (const type of request!.document_types as string[]) expect((await upload(type)).status).toBe(201);
    expect((await call('GET', `/people/${byDocuments.id}`)).body).toMatchObject({ kyc_status: 'approved' });
    expect((await upload('proof_of_address')).body.error_code).toBe('document_request_closed');
  });

  it('creates rejected and OFAC-hit people without failing the request; neither can activate', async () => {
    const rejectedAccount = await newAccount(GPR);
    const rejected = await newPerson(rejectedAccount.id as string, '992000001');
    expect(rejected).toMatchObject({ kyc_status: 'rejected', ofac_status: 'approved', status: 'inactive' });

    const ofacAccount = await newAccount(GPR);
    const ofac = await newPerson(ofacAccount.id as string, '993000001');
    expect(ofac).toMatchObject({ kyc_status: 'approved', ofac_status: 'rejected', status: 'inactive' });
    await acceptAll(ofac.id as string, GPR);
    expect((await call('GET', `/accounts/${ofacAccount.id}`)).body.status).toBe('new');
  });

  it('re-runs KYC when PATCH supplies missing data, and the control endpoint decides a pending review', async () => {
    const account = await newAccount(GPR);
    const created = await call('POST', '/people', {
      body: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        identity_context: { account_id: account.id, relationship: 'primary' },
        encrypted_data: Buffer.from(JSON.stringify({ date_of_birth: '1990-01-31' })).toString('base64'),
      },
    });
    expect(created.body).toMatchObject({ kyc_status: 'pending', kyc_data_missing: ['government_id', 'address'] });
    const patched = await call('PATCH', `/people/${created.body.id}`, {
      body: { encrypted_data: { government_id: '994-00-0001', address: applicant('').address } },
    });
    expect(patched.body).toMatchObject({ kyc_status: 'pending', kyc_data_missing: [] });

    const reviewed = await control('POST', `/_sandbox/netspend/people/${created.body.id}/kyc`, {
      kyc_status: 'approved',
    });
    expect(reviewed.body).toMatchObject({ kyc_status: 'approved', status: 'active' });
    await sandbox.ctx.webhooks.flush();
    expect(eventsOfType('person.kyc.identity_scan.modified').map((e) => e.event.data)).toEqual([
      expect.objectContaining({ kyc_status: 'approved', previous_kyc_status: 'pending' }),
    ]);
    const garbled = await fetch(`${sandbox.url}/netspend/netspend-api/v1/people/${created.body.id}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'ns-session-id': sessionId,
        'content-type': 'application/json',
      },
      body: '{"encrypted_data": {"government_id": 123-45-6789',
    });
    expect(garbled.status).toBe(400);
    expect(await garbled.text()).not.toContain('6789');
    const invalid = await call('PATCH', `/people/${created.body.id}`, { body: { encrypted_data: { ssn: '1' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error_code).toBe('validation_error');
  });
});

describe('netspend sandbox: cards, closing and audit', () => {
  it('orders physical, virtual and digital cards and activates the physical one with a PIN', async () => {
    const account = await newAccount(DDA);
    const person = await newPerson(account.id as string, '400123456');
    const early = await call('POST', '/cards/virtual', { body: { account_id: account.id, person_id: person.id } });
    expect(early.status).toBe(409);
    expect(early.body.error_code).toBe('account_inactive');

    const { accountId, personId } = await activeAccount(DDA);
    const brands = await call('POST', '/cards/brands/search', { body: { person_id: personId } });
    const brandName = (brands.body.brands as { brand_name: string }[])[0]!.brand_name;
    const address = applicant('').address;
    const wrongBrand = await call('POST', '/cards/physical', {
      body: { account_id: accountId, person_id: personId, brand_name: 'sandbox_prepaid_mastercard', address },
    });
    expect(wrongBrand.status).toBe(422);

    const physical = await call('POST', '/cards/physical', {
      body: { account_id: accountId, person_id: personId, brand_name: brandName, address },
    });
    expect(physical.status).toBe(201);
    expect(physical.body).toMatchObject({ card_type: 'physical', status: 'ordered', pin_set: false });
    expect((await call('PUT', `/cards/${physical.body.id}/pin`, { body: { pin: '12a4' } })).status).toBe(400);
    expect((await call('PUT', `/cards/${physical.body.id}/pin`, { body: { pin: '1234' } })).status).toBe(422);
    const activated = await call('PUT', `/cards/${physical.body.id}/pin`, { body: { pin: '4821' } });
    expect(activated.body).toMatchObject({ status: 'active', pin_set: true });
    expect(JSON.stringify(activated.body)).not.toContain('4821');

    const virtual = await call('POST', '/cards/virtual', { body: { account_id: accountId, person_id: personId } });
    expect(virtual.body).toMatchObject({ card_type: 'virtual', status: 'active', digitizable: false });
    expect(virtual.body.last_four).toMatch(/^\d{4}$/);
    const digital = await call('POST', '/cards/digital', { body: { account_id: accountId, person_id: personId } });
    expect(digital.body).toMatchObject({ card_type: 'digital', status: 'active', digitizable: true, last_four: null });
    expect((await call('GET', `/cards/${digital.body.id}`)).body.id).toBe(digital.body.id);
    expect((await call('GET', '/cards/nope')).body.error_code).toBe('card_not_found');

    const audit = await control('GET', '/_sandbox/audit?provider=netspend');
    expect(JSON.stringify(audit.body)).not.toContain('4821');
  });

  it('closing an account closes its cards and is final', async () => {
    const { accountId, personId } = await activeAccount(GPR);
    const card = await call('POST', '/cards/virtual', { body: { account_id: accountId, person_id: personId } });
    const closed = await call('POST', `/accounts/${accountId}/close`, { body: { reason: 'onboarding_cancelled' } });
    expect(closed.body).toMatchObject({ status: 'closed', closed_reason: 'onboarding_cancelled' });
    expect((await call('POST', `/accounts/${accountId}/close`)).body.status).toBe('closed');
    expect((await call('GET', `/cards/${card.body.id}`)).body).toMatchObject({
      status: 'closed',
      closed_reason: 'account_closed',
    });
    const late = await call('POST', '/people', {
      body: {
        first_name: 'Grace',
        last_name: 'Hopper',
        identity_context: { account_id: accountId, relationship: 'secondary' },
      },
    });
    expect(late.status).toBe(409);
    expect(late.body.error_code).toBe('account_closed');

    const newOnly = await newAccount(DDA);
    const closedNew = await call('POST', `/accounts/${newOnly.id}/close`);
    expect(closedNew.body.status).toBe('closed');
  });

  it('records each creation once in the audit, however often an idempotent call repeats', async () => {
    const { accountId, personId } = await activeAccount(DDA);
    await acceptAll(personId, DDA);
    await call('PUT', `/people/${personId}/expected_use`, { body: expectedUseAnswers });
    const audit = await control('GET', '/_sandbox/audit?provider=netspend');
    const entries = audit.body.items as { kind: string; id: string; data?: Record<string, unknown> }[];
    const keys = entries
      .filter((e) => e.kind !== 'access_token')
      .map((e) => `${e.kind}:${e.id}:${JSON.stringify(e.data)}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(entries.filter((e) => e.kind === 'account')).toHaveLength(1);
    expect(entries.filter((e) => e.kind === 'agreement_acceptance')).toHaveLength(3);
    expect(entries.filter((e) => e.kind === 'expected_use')).toHaveLength(1);
    expect(entries.filter((e) => e.kind === 'account_status' && e.id === accountId)).toHaveLength(1);
    expect(JSON.stringify(entries)).not.toContain('400123456');
  });

  it('injects faults through the core in the Netspend error envelope', async () => {
    const set = await control('PUT', '/_sandbox/faults/netspend', { failNextRequests: 1 });
    expect(set.status).toBe(200);
    const faulted = await call('POST', '/accounts', { body: { provided_id: DDA } });
    expect(faulted.status).toBe(503);
    expect(faulted.body.error_code).toBe('service_unavailable');
    expect((await call('POST', '/accounts', { body: { provided_id: DDA } })).status).toBe(201);
    expect((await call('POST', '/accounts', { body: { provided_id: 'nope' } })).body.error_code).toBe(
      'provided_id_not_found',
    );
  });
});

describe('netspend sandbox: delayed activation', () => {
  interface Pending {
    account_id: string;
    due_at: string;
  }

  const pendingActivations = async (): Promise<Pending[]> =>
    (await control('GET', '/_sandbox/netspend/activations')).body.pending as Pending[];

  const activationStep = async (accountId: string): Promise<unknown> =>
    ((await call('GET', `/accounts/${accountId}/workflows/activate`)).body.steps as { name: string }[]).find(
      (step) => step.name === 'account_activation',
    );

  /** Polls the account until `accept`; the deadline only bounds a broken sandbox, nothing is timed. */
  async function waitForAccount(accountId: string, accept: (account: Json) => boolean): Promise<Json> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const account = (await call('GET', `/accounts/${accountId}`)).body;
      if (accept(account)) return account;
      if (Date.now() > deadline) throw new Error(`account never matched: ${JSON.stringify(account)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** An account whose last requirement (the last agreement) was met just now; returns when that happened. */
  async function qualifiedGprAccount(): Promise<{ accountId: string; personId: string; qualifiedAt: string }> {
    const account = await newAccount(GPR);
    const person = await newPerson(account.id as string, '400123456');
    await acceptAll(person.id as string, GPR);
    const acceptances = (await call('GET', `/people/${person.id}/agreements`)).body.agreements as {
      accepted_at: string;
    }[];
    const qualifiedAt = acceptances.map((acceptance) => acceptance.accepted_at).sort()[acceptances.length - 1]!;
    return { accountId: account.id as string, personId: person.id as string, qualifiedAt };
  }

  it('reads and validates the settings; reset restores the env value', async () => {
    expect((await control('GET', '/_sandbox/netspend/settings')).body).toEqual({ activationDelayMs: 0 });
    const bad = await control('PUT', '/_sandbox/netspend/settings', { activationDelayMs: -1 });
    expect(bad.status).toBe(400);
    expect((await control('PUT', '/_sandbox/netspend/settings', { other: 1 })).status).toBe(400);
    const set = await control('PUT', '/_sandbox/netspend/settings', { activationDelayMs: 250 });
    expect(set.body).toEqual({ activationDelayMs: 250 });
    await control('POST', '/_sandbox/reset');
    expect((await control('GET', '/_sandbox/netspend/settings')).body).toEqual({ activationDelayMs: 0 });
  });

  it('keeps a qualified account new, with the activation step pending, until the delay is over; then account.created follows', async () => {
    const delayMs = 1500;
    await control('PUT', '/_sandbox/netspend/settings', { activationDelayMs: delayMs });
    const { accountId, personId, qualifiedAt } = await qualifiedGprAccount();

    // Every requirement is met, yet Netspend has not activated the account: it is due `delayMs` after that.
    const pending = await pendingActivations();
    expect(pending).toEqual([{ account_id: accountId, due_at: expect.any(String) }]);
    expect(Date.parse(pending[0]!.due_at) - Date.parse(qualifiedAt)).toBeGreaterThanOrEqual(delayMs);
    expect((await call('GET', `/accounts/${accountId}`)).body).toMatchObject({ status: 'new', activated_at: null });
    const workflow = await call('GET', `/accounts/${accountId}/workflows/activate`);
    expect(workflow.body).toMatchObject({ status: 'pending' });
    expect(workflow.body.steps).toEqual([
      { name: 'kyc_approve', status: 'completed' },
      { name: 'accept_agreements', status: 'completed' },
      { name: 'expected_use', status: 'not_required' },
      { name: 'account_activation', status: 'pending' },
    ]);
    const early = await call('POST', '/cards/virtual', { body: { account_id: accountId, person_id: personId } });
    expect(early.body.error_code).toBe('account_inactive');
    await sandbox.ctx.webhooks.flush();
    expect(eventsOfType('account.created')).toHaveLength(0);

    const active = await waitForAccount(accountId, (account) => account.status === 'active');
    // Timers may round down by a millisecond; anything earlier would be an activation before the delay.
    expect(Date.parse(active.activated_at as string) - Date.parse(qualifiedAt)).toBeGreaterThanOrEqual(delayMs - 2);
    expect(await activationStep(accountId)).toEqual({ name: 'account_activation', status: 'completed' });
    expect((await call('GET', `/accounts/${accountId}/workflows/activate`)).body.status).toBe('completed');
    expect(await pendingActivations()).toEqual([]);

    await sandbox.ctx.webhooks.flush();
    const created = eventsOfType('account.created');
    expect(created).toHaveLength(1);
    expect(created[0]!.event.data).toMatchObject({
      account_id: accountId,
      status: 'active',
      activated_at: active.activated_at,
    });
    const audit = await control('GET', `/_sandbox/audit?provider=netspend&id=${accountId}`);
    expect((audit.body.items as { kind: string }[]).map((item) => item.kind)).toEqual([
      'account',
      'activation_scheduled',
      'account_status',
    ]);
  });

  it('never activates an account closed before its activation was due', async () => {
    // A long delay, so the close surely lands first.
    await control('PUT', '/_sandbox/netspend/settings', { activationDelayMs: 60_000 });
    const { accountId } = await qualifiedGprAccount();
    expect((await pendingActivations()).map((pending) => pending.account_id)).toEqual([accountId]);
    const closed = await call('POST', `/accounts/${accountId}/close`, { body: { reason: 'onboarding_cancelled' } });
    expect(closed.body).toMatchObject({ status: 'closed', activated_at: null });
    expect(await pendingActivations()).toEqual([]);
    expect(await activationStep(accountId)).toEqual({ name: 'account_activation', status: 'blocked' });
    await sandbox.ctx.webhooks.flush();
    expect(eventsOfType('account.created')).toHaveLength(0);
    const statuses = await control('GET', `/_sandbox/audit?provider=netspend&kind=account_status&id=${accountId}`);
    expect((statuses.body.items as { data: { status: string } }[]).map((item) => item.data.status)).toEqual(['closed']);
  });

  it('re-checks the requirements when the activation falls due: a timer that fires anyway changes nothing', () => {
    // The model alone, with a scheduler the test drives: it can fire a timer that was already called off.
    const scheduled: { task: () => void; cancelled: boolean }[] = [];
    const emitted: string[] = [];
    const state = new NetspendState({
      now: () => new Date(),
      audit: () => undefined,
      emit: (type) => void emitted.push(type),
      activationDelayMs: () => 1000,
      schedule: (task) => {
        const entry = { task, cancelled: false };
        scheduled.push(entry);
        return () => void (entry.cancelled = true);
      },
    });
    const qualify = (): string => {
      const account = state.createAccount(GPR);
      const person = state.createPerson({
        first_name: 'Ada',
        last_name: 'Lovelace',
        account_id: account.id,
        relationship: 'primary',
        personal: applicant('400123456') as PersonalData,
      });
      for (const agreement of state.searchAgreements(GPR).agreements) {
        state.acceptAgreement(person.id, agreement.agreement_id);
      }
      return account.id;
    };

    const closedId = qualify();
    expect(scheduled).toHaveLength(1);
    state.closeAccount(closedId, undefined);
    expect(scheduled[0]!.cancelled).toBe(true);
    scheduled[0]!.task();
    expect(state.getAccount(closedId)).toMatchObject({ status: 'closed', activated_at: null });

    const activeId = qualify();
    expect(state.getAccount(activeId).status).toBe('new');
    scheduled[1]!.task();
    expect(state.getAccount(activeId).status).toBe('active');
    expect(emitted).toEqual(['account.created']);
  });

  it('cancels pending activations when the sandbox closes: nothing activates or sends afterwards', async () => {
    const delayMs = 200;
    const other = await createSandbox({
      env: { SANDBOX_NETSPEND_ACTIVATION_DELAY_MS: String(delayMs) },
      webhookTargets: { netspend: 'http://127.0.0.1:9/webhooks/netspend' },
    });
    const base = '/netspend/netspend-api/v1';
    const token = await other.app.inject({
      method: 'POST',
      url: `${base}/oauth/accesstoken`,
      headers: {
        authorization: `Basic ${Buffer.from('sandbox-key:sandbox-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    const headers: Record<string, string> = { authorization: `Bearer ${token.json<Json>().access_token as string}` };
    const post = async (path: string, body: unknown, method: 'POST' | 'PUT' = 'POST'): Promise<Json> =>
      (await other.app.inject({ method, url: `${base}${path}`, headers, payload: body as Json })).json<Json>();
    headers['ns-session-id'] = (await post('/sessions', {})).id as string;
    const account = await post('/accounts', { provided_id: GPR });
    const person = await post('/people', {
      first_name: 'Ada',
      last_name: 'Lovelace',
      identity_context: { account_id: account.id, relationship: 'primary' },
      encrypted_data: applicant('400123456'),
    });
    const search = await post('/agreements/search', { provided_id: GPR });
    for (const agreement of search.agreements as { agreement_id: string }[]) {
      await post(`/people/${person.id}/agreements/${agreement.agreement_id}`, {}, 'PUT');
    }
    const pending = await other.app.inject({ method: 'GET', url: '/_sandbox/netspend/activations' });
    expect(pending.json<Json>().pending).toEqual([{ account_id: account.id, due_at: expect.any(String) }]);

    await other.close();
    // Let the due time pass: a timer left behind would activate the account and send account.created now.
    await new Promise((resolve) => setTimeout(resolve, delayMs * 2));
    expect(other.ctx.audit.list({ provider: 'netspend', kind: 'account_status' })).toEqual([]);
    expect(other.ctx.webhooks.list({ provider: 'netspend' })).toEqual([]);
  });

  it('the control finishes a pending activation at once; without one it refuses', async () => {
    await control('PUT', '/_sandbox/netspend/settings', { activationDelayMs: 60_000 });
    const { accountId } = await qualifiedGprAccount();
    const fired = await control('POST', `/_sandbox/netspend/accounts/${accountId}/activate`);
    expect(fired.status).toBe(200);
    expect(fired.body).toMatchObject({ id: accountId, status: 'active' });
    expect(await pendingActivations()).toEqual([]);
    const again = await control('POST', `/_sandbox/netspend/accounts/${accountId}/activate`);
    expect(again.status).toBe(409);
    expect(again.body.error_code).toBe('activation_not_pending');
    await sandbox.ctx.webhooks.flush();
    expect(eventsOfType('account.created').map((delivery) => delivery.event.data)).toEqual([
      expect.objectContaining({ account_id: accountId, status: 'active' }),
    ]);
  });

  it('cancels pending activations on reset', async () => {
    await control('PUT', '/_sandbox/netspend/settings', { activationDelayMs: 60_000 });
    await qualifiedGprAccount();
    expect(await pendingActivations()).toHaveLength(1);
    await control('POST', '/_sandbox/reset');
    expect(await pendingActivations()).toEqual([]);
  });

  it('with delay 0 activates in the call that meets the last requirement (DDA: the expected-use answers)', async () => {
    const account = await newAccount(DDA);
    const person = await newPerson(account.id as string, '400123456');
    await acceptAll(person.id as string, DDA);
    expect((await call('GET', `/accounts/${account.id}`)).body.status).toBe('new');
    expect((await call('PUT', `/people/${person.id}/expected_use`, { body: expectedUseAnswers })).status).toBe(200);
    expect((await call('GET', `/accounts/${account.id}`)).body.status).toBe('active');
    expect(await pendingActivations()).toEqual([]);
    await sandbox.ctx.webhooks.flush();
    expect(eventsOfType('account.created').map((delivery) => delivery.event.data)).toEqual([
      expect.objectContaining({ account_id: account.id }),
    ]);
  });
});
