import { describe, expect, it } from 'vitest';
import { createLogger, redact, REDACTED, setLogSink } from '../../common/log.js';

describe('redact', () => {
  it('masks personal data at any depth, in any key spelling', () => {
    const out = redact({
      applicationId: 'app_1',
      identification_number: '400123456',
      dateOfBirth: '1990-01-31',
      name: { first_name: 'Ada', last_name: 'Lovelace' },
      contact: { email: 'ada@example.com', phone_number: '15551234567', 'Phone-Number': '+1555' },
      address: { street_address: '2000 Allston Way' },
      card: { pin: '1234' },
      encrypted_data: { blob: 'x' },
      items: [{ ssn: '400-12-3456', status: 'OPEN' }],
      image: Buffer.from('PNG...'),
      note: 'customer 400123456 wrote from ada@example.com',
    }) as Record<string, unknown>;
    expect(out).toEqual({
      applicationId: 'app_1',
      identification_number: REDACTED,
      dateOfBirth: REDACTED,
      name: REDACTED,
      contact: { email: REDACTED, phone_number: REDACTED, 'Phone-Number': REDACTED },
      address: REDACTED,
      card: { pin: REDACTED },
      encrypted_data: REDACTED,
      items: [{ ssn: REDACTED, status: 'OPEN' }],
      image: REDACTED,
      note: `customer ${REDACTED} wrote from ${REDACTED}`,
    });
  });

  it('describes binary bodies by size and survives cycles', () => {
    const cyclic: Record<string, unknown> = { body: new Uint8Array(12) };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ body: '[binary 12 bytes]', self: '[circular]' });
  });

  it('keeps ids, uuids and timestamps readable', () => {
    const values = { id: '3f1c9a2e-8d4b-4c7e-9f1a-2b3c4d5e6f70', at: '2026-01-01T00:00:00Z', count: 123456789012 };
    expect(redact(values)).toEqual(values);
  });
});

describe('createLogger', () => {
  it('writes one redacted JSON object per line', () => {
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      createLogger('test', { provider: 'jiko' }).child({ step: 'kyc' }).info('created 400123456', { ssn: '400123456' });
    } finally {
      setLogSink(previous);
    }
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', component: 'test', provider: 'jiko', step: 'kyc', ssn: REDACTED });
    expect(lines[0]).not.toContain('400123456');
  });
});
