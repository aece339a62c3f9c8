/**
 * What a customerRef must not look like. It becomes part of the workflow id, which is neither encrypted nor
 * erasable, so a value shaped like personal data is refused however it is punctuated: digits split by separators
 * are read as one number, and a dotted name is read as an email or a domain.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SEPARATED_DIGITS = /\d(?:[-._ ]?\d)*/g;
/** A run of this many digits is an SSN/TIN (9) or a phone number (10–15). */
const IDENTITY_NUMBER_DIGITS = 9;
const DATE = /(?:^|\D)((?:19|20)\d{2})[-._]?(0[1-9]|1[0-2])[-._]?(0[1-9]|[12]\d|3[01])(?:\D|$)/;
const DATE_DAY_FIRST = /(?:^|\D)(0[1-9]|[12]\d|3[01])[-._](0[1-9]|1[0-2])[-._]((?:19|20)\d{2})(?:\D|$)/;
/** `ada.lovelace.example.com`, `ada_example.com`: a mailbox or a domain with its @ replaced. */
const EMAIL_OR_DOMAIN =
  /[a-z0-9][a-z0-9_-]*\.[a-z][a-z0-9-]*\.(?:com|net|org|edu|gov|io|co|uk|us|de|fr|es|it|nl|info|me|app|dev)$|[a-z0-9]+[._-](?:gmail|yahoo|hotmail|outlook|icloud|proton|aol)\b|^[a-z0-9._-]+\.(?:com|net|org)$/i;

/** Why `ref` looks like personal data, or null when it looks opaque. */
export function personalDataShape(ref: string): string | null {
  if (UUID.test(ref)) return null;
  const longest = Math.max(0, ...[...ref.matchAll(SEPARATED_DIGITS)].map((run) => run[0].replace(/\D/g, '').length));
  if (longest >= IDENTITY_NUMBER_DIGITS) return 'looks like a phone number or an SSN';
  if (DATE.test(ref) || DATE_DAY_FIRST.test(ref)) return 'looks like a date (of birth?)';
  if (EMAIL_OR_DOMAIN.test(ref)) return 'looks like an email address';
  return null;
}
