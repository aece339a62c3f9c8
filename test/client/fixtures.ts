import { Client, Connection } from '@temporalio/client';
import { parseConfig } from '../../common/config.js';
import type { Config } from '../../common/config.js';
import type { StartBodyInput } from '../../client/onboarding-client.js';
import { testApplicant, testJikoInput } from '../fixtures/applicants.js';

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
    applicant: testApplicant('400123456'),
    jiko: testJikoInput,
    ...overrides,
  } as StartBodyInput;
}
