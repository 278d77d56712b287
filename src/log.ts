import { Logger } from '@aws-lambda-powertools/logger';
import type { MetricName } from './metric-names';

/**
 * One structured JSON logger (Powertools) for every runtime. Redaction sits in the JSON
 * serializer itself, so nothing that reaches a log line escapes it: values under secret-like
 * keys, bearer credentials, JWT-shaped strings and every secret value the proxy has read
 * (registered by whoever reads it) are replaced before the line is written.
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

function redactingReplacer(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (key && SECRET_KEY.test(key)) return REDACTED;
  return scrub(value);
}

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const toPowertools = (level: string) => level.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error', 'silent'];
const envLevel = process.env.LOG_LEVEL?.toLowerCase() ?? 'info';

export const logger = new Logger({
  serviceName: 'jira-token-proxy',
  // Config validation reports a bad LOG_LEVEL; until then, a sane default.
  logLevel: toPowertools(LEVELS.includes(envLevel) ? envLevel : 'info'),
  jsonReplacerFn: redactingReplacer,
});

// Metrics must reach the log-based alarms whatever LOG_LEVEL says, so they have their own child.
let metricsLogger = logger.createChild({ logLevel: envLevel === 'silent' ? 'SILENT' : 'INFO' });

let debugging = envLevel === 'debug';

/** A plain flag for the hot path (asking Powertools reads the environment every time). */
export function debugEnabled(): boolean {
  return debugging;
}

export function setLogLevel(level: Level): void {
  debugging = level === 'debug';
  logger.setLogLevel(toPowertools(level));
  metricsLogger = logger.createChild({ logLevel: level === 'silent' ? 'SILENT' : 'INFO' });
}

/** A metric as a log line (`metric`, `value`): CloudWatch and Cloud Logging turn these into metrics. */
export function metric(name: MetricName, value: number, fields: Record<string, string | number> = {}): void {
  metricsLogger.info(`metric ${name}`, { metric: name, value, ...fields });
}
