/**
 * Validation rules written once. Each rule is a plain, deterministic check returning the problem (or null), so the
 * same function runs at the edge (the gateway's zod schemas call it through `zodRule` in client/schemas.ts) and in
 * the workflow (Update validators), and the two cannot drift. Messages name the rule, never the value: some values
 * are secrets (a PIN) or personal data (an address).
 */

/** A field-named reason an input is invalid (→ 422). `field` is a path relative to the checked value's parent. */
export interface InvalidField {
  field: string;
  message: string;
}

/** A rule on one value: the message when the value breaks it, null when it is fine. */
export type ValueRule = (value: unknown) => string | null;

/** A rule on a nested value: every problem found, with paths relative to that value (`''` = the value itself). */
export type ShapeRule = (value: unknown) => InvalidField[];

const isText = (value: unknown): value is string => typeof value === 'string';

/** C0 controls and DEL (NUL, ESC, CR, LF…): never part of a name or an address, and unsafe to pass on. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
export const CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters (such as NUL, ESC, CR or LF)';

/** Free text (a name, an address line): no control characters. */
export const plainTextRule: ValueRule = (value) =>
  isText(value) && CONTROL_CHARACTERS.test(value) ? CONTROL_CHARACTERS_MESSAGE : null;

/** Text that is required: non-blank once trimmed and at most `max` characters. */
export function requiredText(max: number): ValueRule {
  return (value) => {
    if (!isText(value) || value.trim() === '') return 'required';
    return value.trim().length > max ? `at most ${max} characters` : plainTextRule(value);
  };
}

/** Text that may be absent (undefined or null), and otherwise at most `max` characters. */
export function optionalText(max: number): ValueRule {
  return (value) => {
    if (value === undefined || value === null) return null;
    if (!isText(value)) return 'must be text';
    return value.trim().length > max ? `at most ${max} characters` : plainTextRule(value);
  };
}

export function matches(pattern: RegExp, message: string): ValueRule {
  return (value) => (isText(value) && pattern.test(value) ? null : message);
}

// --- secrets ------------------------------------------------------------------------------------------------------

const FOUR_DIGITS = /^\d{4}$/;
/** A card PIN: four digits. The message names the rule only, so no error ever carries the PIN. */
export const PIN_MESSAGE = 'must be exactly four digits';
export const pinRule: ValueRule = (value) => (isText(value) && FOUR_DIGITS.test(value) ? null : PIN_MESSAGE);

// --- addresses ----------------------------------------------------------------------------------------------------

/** The tightest limits of the providers we send an address to (100 characters per line). */
export const ADDRESS_LIMITS = { line: 100, city: 100, postalCode: 20 } as const;
const REGION_CODE = /^[A-Z]{2}$/;
const COUNTRY_CODE = /^[A-Z]{2}$/;
const US_ZIP = /^\d{5}(-\d{4})?$/;

const addressFieldRules: Record<string, ValueRule> = {
  line1: requiredText(ADDRESS_LIMITS.line),
  line2: optionalText(ADDRESS_LIMITS.line),
  city: requiredText(ADDRESS_LIMITS.city),
  state: matches(REGION_CODE, 'a two-letter state or region code, e.g. CA'),
  postalCode: requiredText(ADDRESS_LIMITS.postalCode),
  country: matches(COUNTRY_CODE, 'an ISO 3166-1 alpha-2 country code, e.g. US'),
};

/** A postal address as the applicant gives it (any country). */
export const addressRule: ShapeRule = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: '', message: 'must be an address' }];
  }
  const record = value as Record<string, unknown>;
  return Object.entries(addressFieldRules).flatMap(([field, rule]) => {
    const message = rule(record[field]);
    return message ? [{ field, message }] : [];
  });
};

/** An address in the United States: the general rule, a ZIP code and country US. */
export const usAddressRule: ShapeRule = (value) => {
  const problems = addressRule(value);
  if (problems.some((problem) => problem.field === '')) return problems;
  const record = value as Record<string, unknown>;
  if (
    !problems.some((problem) => problem.field === 'postalCode') &&
    !(isText(record.postalCode) && US_ZIP.test(record.postalCode))
  ) {
    problems.push({ field: 'postalCode', message: 'a US ZIP code (12345 or 12345-6789)' });
  }
  if (!problems.some((problem) => problem.field === 'country') && record.country !== 'US') {
    problems.push({ field: 'country', message: 'must be US' });
  }
  return problems;
};

// --- cancel -------------------------------------------------------------------------------------------------------

export const CANCEL_REASON_MAX_LENGTH = 500;
export const cancelReasonRule: ValueRule = requiredText(CANCEL_REASON_MAX_LENGTH);

// --- documents (claim checks) ---------------------------------------------------------------------------------------

export const DOCUMENT_CONTENT_TYPES = ['image/png', 'image/jpeg', 'application/pdf'] as const;
export type DocumentContentType = (typeof DOCUMENT_CONTENT_TYPES)[number];

/** A size in bytes within a provider's limit for that document. */
export function documentSizeRule(maxBytes: number): ValueRule {
  return (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be a whole number of bytes';
    if (value <= 0) return 'the document is empty';
    return value > maxBytes ? `too large: at most ${sizeInWords(maxBytes)} (${maxBytes} bytes)` : null;
  };
}

/** 5242880 → "5 MB"; 1536 → "1.5 KB". */
export function sizeInWords(bytes: number): string {
  const units: [number, string][] = [
    [1024 * 1024 * 1024, 'GB'],
    [1024 * 1024, 'MB'],
    [1024, 'KB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** The first problem of a shape rule as one field-named reason, under `prefix` (e.g. `shippingAddress`). */
export function firstProblem(problems: InvalidField[], prefix: string): InvalidField | null {
  const first = problems[0];
  if (!first) return null;
  return { field: first.field ? `${prefix}.${first.field}` : prefix, message: first.message };
}

/** A value rule's problem as one field-named reason (→ 422), or null when the value is fine. */
export function fieldProblem(field: string, rule: ValueRule, value: unknown): InvalidField | null {
  const message = rule(value);
  return message ? { field, message } : null;
}
