/** The Green Dot saga's pure rules: the business-day SLA, the age of a terms acceptance, the steps a start asks for. */
import { describe, expect, it } from 'vitest';
import {
  acceptanceIsFresh,
  businessDaysMs,
  coveringAcceptances,
  greendotSteps,
} from '../../workflows/greendot-rules.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('greendot rules', () => {
  it('counts two business days, skipping the weekend', () => {
    expect(businessDaysMs(Date.parse('2026-12-01T10:00:00Z'), 2)).toBe(2 * DAY); // Tuesday → Thursday
    expect(businessDaysMs(Date.parse('2026-12-04T10:00:00Z'), 2)).toBe(4 * DAY); // Friday → Tuesday
    expect(businessDaysMs(Date.parse('2026-12-05T10:00:00Z'), 2)).toBe(3 * DAY); // Saturday → Tuesday
  });

  it('takes an acceptance younger than 720 h less the margin, never one from the future', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const at = (hoursAgo: number) => ({
      termsIdentifier: 't',
      acceptedAt: new Date(now - hoursAgo * HOUR).toISOString(),
    });
    expect(acceptanceIsFresh(at(1), now)).toBe(true);
    expect(acceptanceIsFresh(at(718), now)).toBe(true);
    expect(acceptanceIsFresh(at(719.5), now)).toBe(false);
    expect(acceptanceIsFresh(at(-1), now)).toBe(false);
    expect(acceptanceIsFresh({ termsIdentifier: 't', acceptedAt: 'yesterday' }, now)).toBe(false);
    const required = [
      { termsIdentifier: 'a', name: 'A', url: null },
      { termsIdentifier: 'b', name: 'B', url: null },
    ];
    expect(coveringAcceptances(required, [{ ...at(1), termsIdentifier: 'a' }], now)).toBeUndefined();
    expect(
      coveringAcceptances(
        required,
        [
          { ...at(1), termsIdentifier: 'a' },
          { ...at(2), termsIdentifier: 'b' },
        ],
        now,
      ),
    ).toHaveLength(2);
  });

  it('lists the optional steps only when asked, the bonus before or after the card', () => {
    expect(greendotSteps({})).toEqual(['terms', 'enrollment', 'ofac_review', 'account', 'card']);
    const bonus = { amount: 1, currency: 'USD', adjustmentType: 'promo', description: 'x' };
    expect(greendotSteps({ welcomeAdjustment: { ...bonus, timing: 'beforeCard' }, transactions: {} })).toEqual([
      'terms',
      'enrollment',
      'ofac_review',
      'account',
      'adjustment',
      'card',
      'transactions',
    ]);
    expect(greendotSteps({ welcomeAdjustment: bonus, pushProvisioning: { wallet: 'applePay' } })).toEqual([
      'terms',
      'enrollment',
      'ofac_review',
      'account',
      'card',
      'push_provisioning',
      'adjustment',
    ]);
  });
});
