/** The chaos run's judges: lost / duplicated from the sandbox audit, and the plaintext-PII matcher. */
import { describe, expect, it } from 'vitest';
import { verdictOf } from '../../chaos/audit.js';
import type { AuditEntry } from '../../chaos/audit.js';
import type { OnboardingOutcome } from '../../chaos/load.js';
import { findMarks } from '../../chaos/pii.js';

let seq = 0;
const entry = (provider: string, kind: string, id: string): AuditEntry => ({ seq: ++seq, provider, kind, id });
const completed = (id: string, result: Record<string, unknown>): OnboardingOutcome => ({
  onboardingId: id,
  provider: 'acme',
  state: 'completed',
  result,
});

describe('verdictOf', () => {
  it('passes one entity of each kind per onboarding, whatever else the audit records', () => {
    const entries = [entry('acme', 'account', 'a1'), entry('acme', 'status', 'a1'), entry('acme', 'account', 'a2')];
    const verdict = verdictOf(entries, [completed('o1', { accountId: 'a1' }), completed('o2', { accountId: 'a2' })], 0);
    expect(verdict).toMatchObject({ completed: 2, lost: 0, duplicated: 0 });
  });

  it('counts a second entity of a kind created for the same onboardings as a duplicate', () => {
    const entries = [entry('acme', 'account', 'a1'), entry('acme', 'account', 'a-orphan')];
    const verdict = verdictOf(entries, [completed('o1', { accountId: 'a1' })], 0);
    expect(verdict.duplicated).toBe(1);
    expect(verdict.details.join()).toContain('acme account: 2 created for 1 completed');
  });

  it('counts an unfinished onboarding as lost, and lets it hold one entity of each kind', () => {
    const entries = [entry('acme', 'account', 'a1'), entry('acme', 'account', 'a2')];
    const unfinished: OnboardingOutcome = { onboardingId: 'o2', provider: 'acme', state: 'unfinished', result: null };
    const verdict = verdictOf(entries, [completed('o1', { accountId: 'a1' }), unfinished], 0);
    expect(verdict).toMatchObject({ completed: 1, lost: 1, duplicated: 0 });
  });

  it('reports an entity created and never used (its answer lost) as an orphan, and a used second one as a duplicate', () => {
    const orphaned = [
      entry('acme', 'session', 's1'),
      entry('acme', 'session_in_use', 's1'),
      entry('acme', 'session', 's-lost-answer'),
    ];
    const verdict = verdictOf(orphaned, [completed('o1', { sessionId: 's1' })], 0);
    expect(verdict.duplicated).toBe(0);
    expect(verdict.details.join()).toContain('acme session: 1 orphaned');
    const twiceUsed = [...orphaned, entry('acme', 'session_in_use', 's-lost-answer')];
    expect(verdictOf(twiceUsed, [completed('o1', { sessionId: 's1' })], 0).duplicated).toBe(1);
  });

  it('ignores what was created before the scenario began', () => {
    const before = entry('acme', 'account', 'old');
    const entries = [before, entry('acme', 'account', 'a1')];
    expect(verdictOf(entries, [completed('o1', { accountId: 'a1' })], before.seq).duplicated).toBe(0);
  });
});

describe('findMarks', () => {
  const marks = [
    { kind: 'ssn' as const, value: '400123456' },
    { kind: 'dateOfBirth' as const, value: '1971-03-05' },
    { kind: 'name' as const, value: 'Qzabcdef' },
    { kind: 'pin' as const, value: '4821' },
  ];

  it('finds an SSN with dashes, a US date and a name in another case', () => {
    expect(findMarks('ssn 400-12-3456 born 03/05/1971 by QZABCDEF', marks)).toEqual([
      'ssn 40…',
      'dateOfBirth 19…',
      'name Qz…',
    ]);
  });

  it('finds a PIN only beside a pin key, and nothing in clean text', () => {
    expect(findMarks('{"pin":"4821"}', marks)).toEqual(['pin 48…']);
    expect(findMarks('took 4821 ms; encrypted payload', marks)).toEqual([]);
  });
});
