import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from '../../client/page-token.js';

describe('list page tokens', () => {
  const query = "OnboardingProvider = 'jiko'";
  const temporalToken = Buffer.from('{"LastCloseTime":"2026-01-01","RunID":"abc"}');

  it('round-trips the token Temporal gave for the same query', () => {
    const issued = encodePageToken(temporalToken, query);
    expect(issued).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodePageToken(issued, query)).toEqual(temporalToken);
  });

  it('refuses a token for another query, an altered one, and garbage', () => {
    const issued = encodePageToken(temporalToken, query);
    expect(decodePageToken(issued, "OnboardingProvider = 'netspend'")).toBeUndefined();
    const [version, body, sum] = issued.split('.');
    const altered = `${version}.${Buffer.from('{"RunID":"other"}').toString('base64url')}.${sum}`;
    expect(decodePageToken(altered, query)).toBeUndefined();
    expect(decodePageToken(`${version}.${body}`, query)).toBeUndefined();
    expect(decodePageToken('garbage', query)).toBeUndefined();
    expect(decodePageToken('v1..', query)).toBeUndefined();
  });
});
