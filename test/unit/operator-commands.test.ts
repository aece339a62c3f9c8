/**
 * The operator commands' edge checks without a stack: the gateway's zod schemas refuse what the workflow's
 * validator refuses, naming the field (the same rules, contract/operator.ts), and the CLI refuses a command
 * without its reason before calling anything.
 */
import { describe, expect, it } from 'vitest';
import { extendDeadlineShapeProblems, extendedExpiry, operatorIdentityRule } from '../../contract/operator.js';
import {
  blockedFiltersSchema,
  extendDeadlineBodySchema,
  intervalOfRate,
  redriveBodySchema,
} from '../../client/operator-schemas.js';
import { fieldIssues } from '../../client/schemas.js';
import { runOps } from '../../client/ops/cli.js';

function issuePaths(schema: { safeParse(value: unknown): { success: boolean; error?: unknown } }, value: unknown) {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : fieldIssues(parsed.error as Parameters<typeof fieldIssues>[0]).map((i) => i.path);
}

describe('operator schemas', () => {
  it('extend-deadline: exactly one of by and until, a real duration or time, a reason', () => {
    expect(issuePaths(extendDeadlineBodySchema, { by: '2d', reason: 'asked' })).toEqual([]);
    expect(issuePaths(extendDeadlineBodySchema, { until: '2030-01-31T12:00:00Z', reason: 'asked' })).toEqual([]);
    expect(issuePaths(extendDeadlineBodySchema, { by: 'soon', reason: 'asked' })).toEqual(['by']);
    expect(issuePaths(extendDeadlineBodySchema, { until: '31/01/2030', reason: 'asked' })).toEqual(['until']);
    expect(issuePaths(extendDeadlineBodySchema, { reason: 'asked' })).toEqual(['by']);
    expect(issuePaths(extendDeadlineBodySchema, { by: '1d', until: '2030-01-31T12:00:00Z', reason: 'x' })).toEqual([
      'until',
    ]);
    expect(issuePaths(extendDeadlineBodySchema, { by: '1d', reason: '  ' })).toContain('reason');
    expect(issuePaths(extendDeadlineBodySchema, { by: '1d' })).toContain('reason');
  });

  it('the workflow side: later than the current expiry, at most 90 days from now', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const current = now + 86_400_000;
    expect(extendedExpiry({ by: '2d' }, current, now)).toEqual({ atMs: current + 2 * 86_400_000 });
    expect(extendedExpiry({ until: '2030-01-01T12:00:00Z' }, current, now)).toMatchObject({ field: 'until' });
    expect(extendedExpiry({ by: '100d' }, current, now)).toMatchObject({
      field: 'by',
      message: 'at most 90 days from now',
    });
    expect(extendDeadlineShapeProblems({ by: '1h', reason: 'x', wait: 'not a name!' })).toEqual([
      { field: 'wait', message: 'a wait or pending action name' },
    ]);
    expect(operatorIdentityRule('ops/alice')).toBeNull();
    expect(operatorIdentityRule('ops/alice smith')).not.toBeNull();
  });

  it('blocked filters and re-drive bodies name the bad field', () => {
    expect(issuePaths(blockedFiltersSchema, { blockedOn: 'customer', olderThan: '2d' })).toEqual([]);
    expect(issuePaths(blockedFiltersSchema, { blockedOn: 'nobody', olderThan: '2 days' })).toEqual([
      'blockedOn',
      'olderThan',
    ]);
    // A cut-off before year 0 is no query Temporal parses (schemathesis found it as a 500): ten years at most.
    expect(issuePaths(blockedFiltersSchema, { blockedOn: 'customer', olderThan: '999999d' })).toEqual(['olderThan']);
    expect(issuePaths(blockedFiltersSchema, { blockedOn: 'customer', olderThan: '3650d' })).toEqual([]);
    const redrive = { provider: 'greendot', step: 'enrollment', reason: 'confirmed' };
    expect(issuePaths(redriveBodySchema, redrive)).toEqual([]);
    expect(issuePaths(redriveBodySchema, { ...redrive, rate: '100/s' })).toEqual(['rate']);
    expect(issuePaths(redriveBodySchema, { ...redrive, rate: 'fast' })).toEqual(['rate']);
    expect(issuePaths(redriveBodySchema, { ...redrive, reason: undefined })).toEqual(['reason']);
    expect(redriveBodySchema.parse(redrive)).toMatchObject({ apply: false, rate: '5/s', limit: 100 });
    expect(intervalOfRate('5/s')).toBe(200);
    expect(intervalOfRate('30/m')).toBe(2000);
  });
});

describe('npm run ops', () => {
  const run = async (...argv: string[]) => {
    let err = '';
    const code = await runOps(argv, { out: () => undefined, err: (text) => (err += text), env: {} });
    return { code, err };
  };

  it('refuses a command without its reason, or an unknown command, before calling the gateway', async () => {
    // Port 9 (discard): a call would fail with "could not reach", not a usage error.
    const gateway = ['--gateway', 'http://127.0.0.1:9'];
    expect(await run('cancel', 'onboarding:jiko:c1', ...gateway)).toMatchObject({ code: 2 });
    expect((await run('cancel', 'onboarding:jiko:c1', ...gateway)).err).toContain('--reason is required');
    expect((await run('redrive', '--provider', 'jiko', '--reason', 'x', ...gateway)).err).toContain(
      '--step is required',
    );
    expect((await run('frobnicate', ...gateway)).err).toContain('unknown command: frobnicate');
    expect(await run('blocked', '--on', 'customer', '--longer-than', '1d', ...gateway)).toMatchObject({ code: 1 });
  });
});
