import { describe, expect, it } from 'vitest';
import { jikoSignature, parseJikoError } from '../../activities/jiko/client.js';
import { applicationResponseSchema, agreementsResponseSchema } from '../../activities/jiko/schemas.js';
import { toApplicationView, toJikoApplication } from '../../activities/jiko/activities.js';
import { testApplicant, testJikoInput } from '../fixtures/applicants.js';

describe('Jiko wire details', () => {
  it('signs idempotency key + path + raw bytes as base64 HMAC-SHA256', () => {
    const body = Buffer.from('{"a":1}');
    const signature = jikoSignature('secret-0123456789', 'key-1', '/api/v1/applications/', body);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(jikoSignature('secret-0123456789', 'key-1', '/api/v1/applications/', Buffer.from('{"a":2}'))).not.toBe(
      signature,
    );
    expect(jikoSignature('secret-0123456789', 'key-2', '/api/v1/applications/', body)).not.toBe(signature);
  });

  it('reads FastAPI errors: validation fields, not found, and the retryable in-flight 409', () => {
    expect(
      parseJikoError(422, {
        detail: [
          { loc: ['body', 'email'], msg: 'value is not a valid email address', type: 'value_error', input: 'x@' },
        ],
      }),
    ).toEqual({
      code: 'value_error',
      message: 'body.email: value is not a valid email address',
      kind: 'validation',
      fields: ['body.email'],
    });
    expect(parseJikoError(404, { detail: 'Not found' })).toMatchObject({ code: 'not_found', kind: 'not_found' });
    expect(
      parseJikoError(409, { detail: 'A request with this idempotency key is still being processed' }),
    ).toMatchObject({ retryable: true });
    expect(parseJikoError(409, { detail: 'Idempotency key already used for a different request' })).toMatchObject({
      code: 'idempotency_key_reused',
    });
    expect(parseJikoError(400, 'plain text')).toBeUndefined();
  });

  it('reads either spelling of the identification-number flag', () => {
    const base = { id: 'a1', status: 'DOCUMENTS_NEEDED', id_verification_documents_needed: false };
    const seed = applicationResponseSchema.parse({ ...base, identification_number_document_needed: true });
    const openApi = applicationResponseSchema.parse({
      ...base,
      identification_number_verification_document_needed: true,
    });
    expect(toApplicationView(seed).flags.identificationNumber).toBe(true);
    expect(toApplicationView(openApi).flags.identificationNumber).toBe(true);
    expect(applicationResponseSchema.safeParse({ id: 'a1', status: 'APPROVED' }).success).toBe(false);
    expect(applicationResponseSchema.safeParse({ id: 'a1', status: 'ARCHIVED' }).success).toBe(false);
  });

  it('accepts the agreements bundle as one object or a list (newest wins)', () => {
    const bundle = (version: string, release_date: string) => ({ version, release_date, documents: [] });
    expect(agreementsResponseSchema.parse(bundle('1', '2023-01-01')).version).toBe('1');
    expect(agreementsResponseSchema.parse([bundle('1', '2023-01-01'), bundle('2', '2024-01-01')]).version).toBe('2');
    expect(agreementsResponseSchema.parse({ ...bundle('x', '2023-01-01'), version: 3 }).version).toBe('3');
  });

  it('sends the phone number as E.164 with its plus, as Jiko announces (^\\+[1-9]\\d{1,14}$)', () => {
    const consent = { version: '1', timestamp: '2026-01-01T12:00:00+00:00' };
    const body = toJikoApplication(testApplicant('400123456', { phone: '+15551234567' }), testJikoInput, consent);
    expect(body.phone_number).toBe('+15551234567');
    expect(body.phone_number).toMatch(/^\+[1-9]\d{1,14}$/);
  });

  it('sends a passport, licence or international id as its own number; only SSN/TIN must be 9 digits', () => {
    const consent = { version: '1', timestamp: '2026-01-01T12:00:00+00:00' };
    const { ssn: _ssn, ...noSsn } = testApplicant('400123456');
    const passport = toJikoApplication(
      noSsn,
      {
        ...testJikoInput,
        identificationType: 'PASSPORT',
        identificationNumber: 'x 1234-567',
        identificationIssuingCountry: 'gb',
      },
      consent,
    );
    expect(passport).toMatchObject({
      identification_type: 'PASSPORT',
      identification_number: 'X1234567',
      identification_number_issuing_country: 'GB',
    });
    const tin = toJikoApplication(
      testApplicant('912-34-5678'),
      { ...testJikoInput, identificationType: 'TIN' },
      consent,
    );
    expect(tin).toMatchObject({ identification_type: 'TIN', identification_number: '912345678' });
    expect(() => toJikoApplication(testApplicant('12345678'), testJikoInput, consent)).toThrow(/identification_number/);
    expect(() =>
      toJikoApplication(noSsn, { ...testJikoInput, identificationType: 'DRIVERS_LICENSE' }, consent),
    ).toThrow(/identification/);
  });
});
