import { AsyncLocalStorage } from 'node:async_hooks';
import type { MetricName } from './metric-names';

/**
 * One structured logger for every runtime: a JSON line per entry, `level` for CloudWatch (the
 * alarms' metric filters read it) and `severity` for Cloud Logging, which reads nothing else.
 * Redaction sits in the JSON serializer itself, so nothing that reaches a log line escapes it:
 * values under secret-like keys, bearer credentials, JWT-shaped strings and every secret value the
 * proxy has read (registered by whoever reads it) are replaced before the line is written.
 *
 * Hand-written rather than Powertools' Logger: the proxy uses none of its sampling, buffering or
 * formatters, and loading it was a fifth of the Lambda's own cold-import cost (docs/PERFORMANCE.md).
 */

const REDACTED = '[REDACTED]';
const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|salt|credential|api[-_]?key|^code$/i;
const SECRET_PATTERNS = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
];
const MAX_REGISTERED = 256;
const registered = new Set<string>();

/** Marks a value as secret: it is blanked out of every later log line wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 6 || registered.has(value)) return;
  registered.add(value);
  // Rotated tokens pile up in a long-lived process; the oldest are dead anyway.
  if (registered.size > MAX_REGISTERED) registered.delete(registered.values().next().value as string);
}

export function scrub(text: string): string {
  let out = text;
  for (const secret of registered) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/** An error as fields: its own text, scrubbed, and its causes; never the objects it holds. */
function errorFields(err: Error, depth = 0): Record<string, unknown> {
  const { code, status, $metadata } = err as { code?: unknown; status?: unknown; $metadata?: unknown };
  return {
    name: err.name,
    message: err.message,
    // the AWS SDK's: the service's request id and the attempts made, for a support case
    $metadata: $metadata && typeof $metadata === 'object' ? $metadata : undefined,
    // not `code`: that key is redacted (an OAuth authorization code travels under it)
    errorCode: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    status: typeof status === 'number' ? status : undefined,
    stack: err.stack,
    cause:
      err.cause instanceof Error && depth < 4
        ? errorFields(err.cause, depth + 1)
        : typeof err.cause === 'string'
          ? err.cause
          : undefined,
  };
}

function redactingReplacer(key: string, value: unknown): unknown {
  if (value instanceof Error) return errorFields(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'string') return value;
  if (key && SECRET_KEY.test(key)) return REDACTED;
  return scrub(value);
}

/**
 * A line of plain values (every audit and metric line, most others) redacted key by key and
 * serialized without a replacer: with one, V8's JSON.stringify leaves its fast path, and that was
 * most of what an audit line cost (docs/PERFORMANCE.md). Undefined for a line holding an object
 * or an error, which goes through `redactingReplacer`.
 */
function flatRedacted(entry: Fields): string | undefined {
  const out: Fields = {};
  for (const key in entry) {
    const value = entry[key];
    if (typeof value === 'string') out[key] = SECRET_KEY.test(key) ? REDACTED : scrub(value);
    else if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean')
      out[key] = value;
    else return undefined;
  }
  return JSON.stringify(out);
}

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
type Fields = Record<string, unknown>;
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SEVERITY = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;

const envLevel = process.env.LOG_LEVEL?.toLowerCase() as Level | undefined;
// Config validation reports a bad LOG_LEVEL; until then, a sane default.
let threshold = RANK[envLevel && envLevel in RANK ? envLevel : 'info'];
// Metrics must reach the log-based alarms whatever LOG_LEVEL says, unless it silences everything.
let metricsOn = envLevel !== 'silent';

let allToStderr = false;

/** Every line to stderr from now on: a CLI command keeps stdout for its answer. */
export function logToStderr(): void {
  allToStderr = true;
}

/** Fields every line of one invocation carries (the Lambda request id), however deep the call. */
const invocation = new AsyncLocalStorage<Fields>();

/** Runs `fn` with `fields` added to each line it logs. */
export function withLogFields<T>(fields: Fields, fn: () => T): T {
  return invocation.run(fields, fn);
}

function write(level: Exclude<Level, 'silent'>, message: string, fields?: Fields): void {
  const head = {
    level: level.toUpperCase(),
    severity: SEVERITY[level],
    message,
    timestamp: new Date().toISOString(),
    service: 'jira-token-proxy',
  };
  let line: string;
  try {
    const entry: Fields = { ...head, ...invocation.getStore(), ...fields };
    line = flatRedacted(entry) ?? JSON.stringify(entry, redactingReplacer);
  } catch (err) {
    // A circular or throwing field: the line still says what happened, without its fields.
    line = JSON.stringify({ ...head, logError: (err as Error).message }, redactingReplacer);
  }
  // As console.error/console.log would: problems to stderr, the rest to stdout (unless reserved).
  (allToStderr || RANK[level] >= RANK.warn ? process.stderr : process.stdout).write(`${line}\n`);
}

const at =
  (level: Exclude<Level, 'silent'>) =>
  (message: string, fields?: Fields): void => {
    if (RANK[level] >= threshold) write(level, message, fields);
  };

export const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };

/** A plain flag for the hot path. */
export function debugEnabled(): boolean {
  return threshold <= RANK.debug;
}

export function setLogLevel(level: Level): void {
  threshold = RANK[level];
  metricsOn = level !== 'silent';
}

/** A metric as a log line (`metric`, `value`): CloudWatch and Cloud Logging turn these into metrics. */
export function metric(name: MetricName, value: number, fields: Record<string, string | number> = {}): void {
  if (metricsOn) write('info', `metric ${name}`, { metric: name, value, ...fields });
}

/**
 * An audit line (src/audit.ts), at info whatever LOG_LEVEL says, as metrics are: the trail must
 * not depend on how chatty the logs are set. AUDIT_LOG=off turns it off; `silent` silences it too.
 */
export function auditLine(fields: Fields): void {
  if (metricsOn) write('info', AUDIT_MESSAGE, fields);
}

/** The `message` of every audit line: the dashboards and docs/OPERATORS.md query it (infra/audit-queries.ts). */
export const AUDIT_MESSAGE = 'audit';
