/**
 * Durations as the start body carries them ('30s', '2d', '10m'…). The SDK's own parser is deprecated for public
 * use, and workflows need plain milliseconds to compute `expiresAt` from workflow time.
 */
import { ApplicationFailure } from '@temporalio/workflow';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export const INVALID_ONBOARDING_OPTIONS = 'InvalidOnboardingOptions';

/** Milliseconds of a duration string or number (a number is already milliseconds). */
export function durationMs(value: string | number, field: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value;
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(value);
    if (match) {
      const amount = Number(match[1]);
      const unit = UNIT_MS[(match[2] ?? 'ms').toLowerCase()] ?? 1;
      if (amount > 0) return amount * unit;
    }
  }
  throw ApplicationFailure.nonRetryable(
    `${field}: '${String(value)}' is not a positive duration such as '30s', '2d' or '10m'`,
    INVALID_ONBOARDING_OPTIONS,
  );
}
