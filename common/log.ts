/**
 * Structured JSON logs, one object per line on stderr, with PII masked before anything is written.
 * Used by activities, the HTTP core, the gateway and the worker: no Temporal imports, no config load at import
 * time (the level comes from LOG_LEVEL when present, so importing this file never exits the process).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are personal data or secrets, compared after lowercasing and dropping `_`/`-`, so
 * `date_of_birth`, `dateOfBirth` and `Date-Of-Birth` all match. `name` covers both our `{first,last}` and the
 * providers' `first_name`/`last_name` blocks; over-masking a document title is the cheaper mistake.
 */
const SENSITIVE_KEYS = new Set(
  [
    'ssn',
    'identification_number',
    'government_id',
    'tax_id',
    'date_of_birth',
    'dob',
    'birth_date',
    'name',
    'first_name',
    'middle_name',
    'last_name',
    'full_name',
    'first',
    'middle',
    'last',
    'email',
    'email_address',
    'phone',
    'phone_number',
    'mobile',
    'address',
    'street_address',
    'street_address2',
    'line1',
    'line2',
    'postal_code',
    'zip',
    'pin',
    'encrypted_data',
    'password',
    'secret',
    'token',
    'access_token',
    'refresh_token',
    'authorization',
    'signature',
    'account_number',
    'card_number',
    'pan',
    'cvv',
    'document',
    'image',
    'file',
    'bytes',
  ].map(normalizeKey),
);

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Any key naming a signature, secret or token (`x-<provider>-signature`, `webhook-secret`…) is sensitive too. */
const SENSITIVE_SUFFIXES = ['signature', 'secret', 'token', 'password'];

export function isSensitiveKey(key: string): boolean {
  const normalized = normalizeKey(key);
  return SENSITIVE_KEYS.has(normalized) || SENSITIVE_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

// Patterns caught even under innocent keys (free-text messages that echo input).
const SSN_PATTERN = /\b\d{3}-\d{2}-\d{4}\b|(?<![\w-])\d{9}(?![\w-])/g;
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function redactString(value: string): string {
  return value.replace(SSN_PATTERN, REDACTED).replace(EMAIL_PATTERN, REDACTED);
}

/**
 * A copy of `value` safe to log: sensitive keys masked at any depth, binary bodies replaced by their size, SSN- and
 * email-shaped substrings masked. Cycles and very deep values are cut rather than followed.
 */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return `[${typeof value}]`;
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
  if (depth > 8) return '[truncated]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) && item !== null && item !== undefined ? REDACTED : redact(item, depth + 1, seen);
  }
  return out;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

let minimumLevel: LogLevel = parseLevel(process.env.LOG_LEVEL) ?? 'info';
let sink: LogSink = (line) => process.stderr.write(line + '\n');

function parseLevel(value: string | undefined): LogLevel | undefined {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : undefined;
}

export function setLogLevel(level: LogLevel): void {
  minimumLevel = level;
}

/** Redirect log lines (tests capture them to prove nothing sensitive is written); returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

export function createLogger(component: string, base: LogFields = {}): Logger {
  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[minimumLevel]) return;
    const entry = {
      time: new Date().toISOString(),
      level,
      component,
      msg: redactString(message),
      ...(redact({ ...base, ...fields }) as LogFields),
    };
    sink(JSON.stringify(entry));
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(component, { ...base, ...fields }),
  };
}
