import { describe, expect, it } from 'vitest';
import { uploadDocumentsBodySchema } from '../../client/providers/jiko.js';
import { JIKO_DOCUMENT_MAX_BYTES } from '../../contract/jiko.js';

const MB = 1024 * 1024;
import { startBodySchema } from '../../client/registry.js';
import { customerRefSchema, fieldIssues, listFiltersSchema } from '../../client/schemas.js';
import { jikoStartBody } from './fixtures.js';

function issuePaths(value: unknown): string[] {
  const parsed = startBodySchema.safeParse(value);
  return parsed.success ? [] : fieldIssues(parsed.error).map((issue) => issue.path);
}

function withApplicant(changes: Record<string, unknown>): unknown {
  const body = jikoStartBody() as { applicant: Record<string, unknown> };
  return { ...body, applicant: { ...body.applicant, ...changes } };
}

describe('start body', () => {
  it('accepts the documented example', () => {
    expect(startBodySchema.safeParse(jikoStartBody()).success).toBe(true);
  });

  it('names the field of each applicant error', () => {
    expect(issuePaths(withApplicant({ ssn: '123-45-6789' }))).toEqual(['applicant.ssn']);
    expect(issuePaths(withApplicant({ phone: '5551234567' }))).toEqual(['applicant.phone']);
    expect(issuePaths(withApplicant({ email: 'not-an-email' }))).toEqual(['applicant.email']);
    expect(
      issuePaths(
        withApplicant({ address: { line1: 'x', city: 'y', state: 'California', postalCode: '1', country: 'US' } }),
      ),
    ).toEqual(['applicant.address.state']);
  });

  it('requires a real calendar date of birth of an adult', () => {
    expect(issuePaths(withApplicant({ dateOfBirth: '1990-02-30' }))).toEqual(['applicant.dateOfBirth']);
    expect(issuePaths(withApplicant({ dateOfBirth: '31/01/1990' }))).toEqual(['applicant.dateOfBirth']);
    const thisYear = new Date().getUTCFullYear();
    expect(issuePaths(withApplicant({ dateOfBirth: `${thisYear - 10}-01-01` }))).toEqual(['applicant.dateOfBirth']);
    expect(issuePaths(withApplicant({ dateOfBirth: '2000-02-29' }))).toEqual([]);
  });

  it('requires the provider block and validates it', () => {
    const { jiko: _omitted, ...withoutBlock } = jikoStartBody() as Record<string, unknown>;
    expect(issuePaths(withoutBlock)).toEqual(['jiko']);
    const body = jikoStartBody() as { jiko: { investmentProfile: Record<string, unknown> } };
    const noOccupation = {
      ...body,
      jiko: {
        ...body.jiko,
        investmentProfile: { employmentStatus: 'EMPLOYED', income: 'OVER_250K', netWorth: 'OVER_5M' },
      },
    };
    expect(issuePaths(noOccupation)).toEqual(['jiko.investmentProfile.occupation']);
  });

  it('Jiko: only SSN/TIN are the 9-digit applicant.ssn; other identification types carry their own number', () => {
    const body = jikoStartBody() as { applicant: Record<string, unknown>; jiko: Record<string, unknown> };
    const { ssn: _ssn, ...withoutSsn } = body.applicant;
    const identifiedBy = (jiko: Record<string, unknown>, applicant: Record<string, unknown> = withoutSsn) => ({
      ...body,
      applicant,
      jiko: { ...body.jiko, ...jiko },
    });
    // A passport, a driver's licence or an international id is not 9 digits, and its holder may have no SSN.
    expect(issuePaths(identifiedBy({ identificationType: 'PASSPORT', identificationNumber: 'X1234567' }))).toEqual([]);
    expect(
      issuePaths(
        identifiedBy({
          identificationType: 'DRIVERS_LICENSE',
          identificationNumber: 'D123-4567-8901',
          identificationIssuingCountry: 'US',
        }),
      ),
    ).toEqual([]);
    expect(
      issuePaths(identifiedBy({ identificationType: 'INTERNATIONAL_ID', identificationNumber: 'AB 12 34 56 C' })),
    ).toEqual([]);
    expect(issuePaths(identifiedBy({ identificationType: 'PASSPORT' }))).toEqual(['jiko.identificationNumber']);
    expect(issuePaths(identifiedBy({ identificationType: 'PASSPORT', identificationNumber: 'X1<script>' }))).toEqual([
      'jiko.identificationNumber',
    ]);
    // SSN (the default) and TIN are the applicant's 9 digits, never a second number in the block.
    expect(issuePaths(identifiedBy({}))).toEqual(['applicant.ssn']);
    expect(issuePaths(identifiedBy({ identificationType: 'TIN' }, body.applicant))).toEqual([]);
    expect(
      issuePaths(identifiedBy({ identificationType: 'SSN', identificationNumber: '400123456' }, body.applicant)),
    ).toEqual(['jiko.identificationNumber']);
    expect(issuePaths(identifiedBy({ identificationType: 'TIN' }, { ...body.applicant, ssn: '12345678' }))).toEqual([
      'applicant.ssn',
    ]);
  });

  it('refuses an unknown provider on the provider field', () => {
    const parsed = startBodySchema.safeParse({ ...(jikoStartBody() as object), provider: 'acme' });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(fieldIssues(parsed.error)[0]).toMatchObject({ path: 'provider' });
  });

  it('validates option durations', () => {
    const body = { ...(jikoStartBody() as object), options: { deadlines: { agreements: { expireAfter: 'soon' } } } };
    expect(issuePaths(body)).toEqual(['options.deadlines.agreements.expireAfter']);
    const good = {
      ...(jikoStartBody() as object),
      options: { deadlines: { agreements: { expireAfter: '30s', remindAfter: '10s' } }, pollInitialInterval: '5s' },
    };
    expect(issuePaths(good)).toEqual([]);
  });
});

describe('customerRef', () => {
  it.each([
    'cust_8f2c',
    'a',
    'A.b-c_9',
    'x'.repeat(64),
    '550e8400-e29b-41d4-a716-446655440000',
    'order-20417',
    'cust_1234567a8',
    'acct.v2.eu',
  ])('accepts the opaque id %s', (ref) => {
    expect(customerRefSchema.safeParse(ref).success).toBe(true);
  });

  it.each([
    ['an email', 'ada@example.com'],
    ['a phone number', '+15551234567'],
    ['a bare phone number', '5551234567'],
    ['an SSN', '400123456'],
    ['a dashed SSN', '400-12-3456'],
    ['a dashed phone number', '555-123-4567'],
    ['a dotted SSN', '123.45.6789'],
    ['a labelled SSN', 'ssn-123456789'],
    ['an email with its @ replaced', 'ada.lovelace.example.com'],
    ['a date of birth', '1979-08-23'],
    ['a date of birth inside an id', 'cust_19790823'],
    ['a day-first date', '23.08.1979'],
    ['a spaced-out phone number', 'tel_555.123.4567'],
    ['a name with a space', 'Ada Lovelace'],
    ['an empty string', ''],
    ['a too long id', 'x'.repeat(65)],
  ])('refuses %s', (_what, ref) => {
    expect(customerRefSchema.safeParse(ref).success).toBe(false);
  });
});

describe('action bodies', () => {
  const png = Buffer.from('\x89PNG\r\n\x1a\nfake').toString('base64');

  it('accepts documents as base64 and refuses bad base64 or repeated types', () => {
    expect(
      uploadDocumentsBodySchema.safeParse({
        documents: [{ type: 'ID_FRONT', contentType: 'image/png', contentBase64: png }],
      }).success,
    ).toBe(true);
    const bad = uploadDocumentsBodySchema.safeParse({
      documents: [{ type: 'ID_FRONT', contentType: 'image/png', contentBase64: 'not base64!' }],
    });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(fieldIssues(bad.error)[0]?.path).toBe('documents[0].contentBase64');
    const twice = uploadDocumentsBodySchema.safeParse({
      documents: [
        { type: 'SELFIE', contentType: 'image/png', contentBase64: png },
        { type: 'SELFIE', contentType: 'image/png', contentBase64: png },
      ],
    });
    expect(twice.success).toBe(false);
  });

  it('holds each document to the limit Jiko publishes for its type, the one the pending action shows', () => {
    const base64Of = (bytes: number): string => Buffer.alloc(bytes, 1).toString('base64');
    const upload = (type: string, bytes: number) =>
      uploadDocumentsBodySchema.safeParse({
        documents: [{ type, contentType: 'application/pdf', contentBase64: base64Of(bytes) }],
      });
    // 20 MB: above the old blanket 10 MB cap, within Jiko's 50 MB for supporting documents.
    expect(upload('ADDRESS_VERIFICATION', 20 * MB).success).toBe(true);
    expect(upload('ADDRESS_VERIFICATION', JIKO_DOCUMENT_MAX_BYTES.ADDRESS_VERIFICATION).success).toBe(true);
    expect(upload('ADDRESS_VERIFICATION', JIKO_DOCUMENT_MAX_BYTES.ADDRESS_VERIFICATION + 1).success).toBe(false);
    // Identity images: 5 MB.
    expect(upload('ID_FRONT', JIKO_DOCUMENT_MAX_BYTES.ID_FRONT).success).toBe(true);
    const tooBig = upload('ID_FRONT', JIKO_DOCUMENT_MAX_BYTES.ID_FRONT + 1);
    expect(tooBig.success).toBe(false);
    if (!tooBig.success) {
      expect(fieldIssues(tooBig.error)[0]).toEqual({
        path: 'documents[0].contentBase64',
        message: `ID_FRONT: too large: at most 5 MB (${JIKO_DOCUMENT_MAX_BYTES.ID_FRONT} bytes)`,
      });
    }
  });
});

describe('list filters', () => {
  it('coerces pageSize and refuses unknown states', () => {
    expect(listFiltersSchema.parse({ pageSize: '5' }).pageSize).toBe(5);
    expect(listFiltersSchema.safeParse({ state: 'done' }).success).toBe(false);
    expect(listFiltersSchema.safeParse({ step: "x' OR 1=1" }).success).toBe(false);
  });
});

describe('control characters', () => {
  it.each([
    ['NUL', 'Ada\u0000'],
    ['ESC', 'Ada\u001b[31m'],
    ['CR/LF', 'Ada\r\nBcc: x'],
    ['DEL', 'Ada\u007f'],
  ])('refuses %s in a name or an address line, naming the field', (_what, text) => {
    expect(issuePaths(withApplicant({ name: { first: text, last: 'Lovelace' } }))).toEqual(['applicant.name.first']);
    const address = { line1: text, city: 'Berkeley', state: 'CA', postalCode: '94701', country: 'US' };
    expect(issuePaths(withApplicant({ address }))).toEqual(['applicant.address.line1']);
  });

  it('accepts names with accents, apostrophes and hyphens', () => {
    expect(issuePaths(withApplicant({ name: { first: 'Zoë', middle: "D'Arcy", last: 'Lovelace-Byron' } }))).toEqual([]);
  });
});
