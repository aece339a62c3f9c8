import { Client, Connection } from '@temporalio/client';
import { parseConfig } from '../../common/config.js';
import type { Config } from '../../common/config.js';
import type { StartBodyInput } from '../../client/onboarding-client.js';

export const API_KEY = 'test-api-key';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({ GATEWAY_API_KEYS: `${API_KEY},second-key`, WEBHOOK_INBOX_DIR: '/nonexistent', ...overrides });
}

/** A client that never connects: for paths that must be refused before Temporal is asked anything. */
export function unreachableClient(): Client {
  return new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
}

export function jikoStartBody(overrides: Partial<Record<string, unknown>> = {}): StartBodyInput {
  return {
    provider: 'jiko',
    customerRef: 'cust_8f2c',
    applicant: {
      name: { first: 'Ada', middle: 'K', last: 'Lovelace' },
      dateOfBirth: '1990-01-31',
      ssn: '400123456',
      email: 'ada@example.com',
      phone: '+15551234567',
      address: {
        line1: '2000 Allston Way',
        line2: null,
        city: 'Berkeley',
        state: 'CA',
        postalCode: '94701',
        country: 'US',
      },
    },
    jiko: {
      investmentProfile: {
        employmentStatus: 'EMPLOYED',
        income: 'BETWEEN_50K_AND_100K',
        netWorth: 'BELOW_50K',
        occupation: 'Engineer',
      },
      contactVerification: { phoneVerifiedAt: '2026-01-01T10:00:00Z', emailVerifiedAt: '2026-01-01T10:01:00Z' },
    },
    ...overrides,
  } as StartBodyInput;
}
