/**
 * Structured JSON logs, one object per line on stderr, with PII masked before anything is written. pino is the
 * engine (the same one Fastify uses, so the gateway's request lines share it); our redactor is its formatter, so every
 * object is masked whichever door it came in by: createLogger's wrappers, Fastify's request.log, the Temporal SDK.
 * Used by activities, the HTTP core, the gateway and the worker: no Temporal imports, no config load at import time
 * (the level comes from LOG_LEVEL when present, so importing this file never exits the process).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context as otelContext, isSpanContextValid, trace } from '@opentelemetry/api';
import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

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

/**
 * Fields every line carries while a unit of work runs (the gateway's request id): set with runWithLogContext, read by
 * pino's mixin, so module-level loggers deep in the call (the OnboardingClient, the webhook intake) carry them too.
 */
const logContext = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to every log line written inside it (and in what it awaits). */
export function runWithLogContext<T>(fields: LogFields, fn: () => T): T {
  return logContext.run({ ...logContext.getStore(), ...fields }, fn);
}

/** The trace and span ids of the active OpenTelemetry span; nothing when tracing is off (no span is ever active). */
function traceFields(): LogFields {
  const spanContext = trace.getSpan(otelContext.active())?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * Context fields, minus those the logger already binds (Fastify's request.log binds reqId itself): pino would write
 * the key twice otherwise.
 */
function contextFields(logger: PinoLogger): LogFields {
  const store = logContext.getStore();
  const fields = { ...store, ...traceFields() };
  if (!store) return fields;
  const bound = (logger as unknown as Record<symbol, string | undefined>)[pino.symbols.chindingsSym] ?? '';
  for (const key of Object.keys(store)) if (bound.includes(`"${key}":`)) delete fields[key];
  return fields;
}

const root: PinoLogger = pino(
  {
    level: minimumLevel,
    base: null,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    // The redactor has already turned errors into {name, message}: pino's own err serializer would add an empty stack.
    serializers: { err: (value: unknown) => value },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redact(object) as LogFields,
    },
    mixin: (_object, _level, logger) => contextFields(logger),
    hooks: {
      // Messages are free text that may echo input: SSN- and email-shaped substrings are masked like field values.
      logMethod(args, method) {
        const masked = args.map((arg) => (typeof arg === 'string' ? redactString(arg) : arg));
        return method.apply(this, masked as Parameters<typeof method>);
      },
    },
  },
  { write: (line: string) => sink(line.endsWith('\n') ? line.slice(0, -1) : line) },
);

// The pino loggers createLogger made: setLogLevel reaches them too (a pino child keeps the level it was born with).
const created = new Set<WeakRef<PinoLogger>>();
const engines = new WeakMap<Logger, PinoLogger>();

export function setLogLevel(level: LogLevel): void {
  minimumLevel = level;
  root.level = level;
  for (const ref of created) {
    const logger = ref.deref();
    if (logger) logger.level = level;
    else created.delete(ref);
  }
}

/** Redirect log lines (tests capture them to prove nothing sensitive is written); returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

function wrap(engine: PinoLogger): Logger {
  created.add(new WeakRef(engine));
  const logger: Logger = {
    debug: (message, fields) => engine.debug(fields ?? {}, message),
    info: (message, fields) => engine.info(fields ?? {}, message),
    warn: (message, fields) => engine.warn(fields ?? {}, message),
    error: (message, fields) => engine.error(fields ?? {}, message),
    child: (fields) => wrap(engine.child(maskedBindings(fields))),
  };
  engines.set(logger, engine);
  return logger;
}

/**
 * pino runs the `log` formatter on every line but its `bindings` formatter on the root only: a child's fixed fields
 * are masked here, when it is made. Anyone making pino children of their own (Fastify) goes through this too.
 */
export function maskedBindings(bindings: LogFields): LogFields {
  return redact(bindings) as LogFields;
}

export function createLogger(component: string, base: LogFields = {}): Logger {
  return wrap(root.child(maskedBindings({ component, ...base })));
}

/** The pino logger behind one of ours, for libraries that take a pino instance (Fastify's `loggerInstance`). */
export function pinoOf(logger: Logger): PinoLogger {
  return engines.get(logger) ?? root.child({ component: 'unknown' });
}
