import { RULE_SETS, type RuleSetName } from './rules/sets/names';

/**
 * Every environment variable the proxy reads, validated once at start-up. Each variable has a
 * reader that turns its text into a typed value or says, in one line, what it allows. Hand-written
 * rather than zod: twenty flat strings need no schema library, and leaving one out of the static
 * import is a measurable part of every cold start (docs/PERFORMANCE.md).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const STORE_KINDS = ['file', 'aws-ssm', 'aws-secrets-manager', 'gcp-secret-manager'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

// A DNS name or an IPv4 / bracketed IPv6 literal, as it appears in a Host header without its port.
const HOST_NAME = /^([a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_-]{1,63})*\.?|\[[0-9a-f:.]+\])$/;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export interface Config {
  jiraCloudId: string | undefined;
  store: StoreKind;
  secretFile: string;
  secretPrefix: string;
  gcpProject: string | undefined;
  secretManagerEmulatorHost: string | undefined;
  kmsKeyId: string | undefined;
  authUrl: string;
  apiUrl: string;
  refreshMarginSeconds: number;
  rulesFile: string | undefined;
  rulesInline: string | undefined;
  ruleSets: RuleSetName[];
  /** KEEP_PROJECT_NAMES: the pseudonymized sets keep project, board and sprint names. */
  keepProjectNames: boolean;
  port: number;
  /** Host names `serve` answers besides loopback names when bound to loopback (DNS rebinding). */
  allowedHosts: string[];
  logLevel: (typeof LOG_LEVELS)[number];
  upstreamTimeoutMs: number;
  lockTtlMs: number;
  maxResponseBytes: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Turns a variable's (non-blank) text into its value, or throws `Invalid` saying what it allows. */
type Reader<T> = (text: string) => T;

class Invalid extends Error {}

const text: Reader<string> = (v) => v;

const matching =
  (re: RegExp, message: string): Reader<string> =>
  (v) => {
    if (!re.test(v)) throw new Invalid(message);
    return v;
  };

const oneOf =
  <T extends string>(values: readonly T[], message = `must be one of ${values.join(', ')}`): Reader<T> =>
  (v) => {
    if (!(values as readonly string[]).includes(v)) throw new Invalid(message);
    return v as T;
  };

const wholeNumber =
  (min: number, max: number): Reader<number> =>
  (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Invalid(`must be a whole number from ${min} to ${max}`);
    return n;
  };

const httpUrl: Reader<string> = (v) => {
  const url = URL.canParse(v) ? new URL(v) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname)
    throw new Invalid('must be an http(s) URL such as https://auth.atlassian.com');
  return v.replace(/\/+$/, '');
};

/** A comma list of trimmed items; an empty item is the item reader's to refuse. */
const commaList =
  <T>(item: Reader<T>): Reader<T[]> =>
  (v) =>
    v.split(',').map((s) => item(s.trim()));

const hostNames: Reader<string[]> = (v) =>
  v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .map(matching(HOST_NAME, 'must be a comma list of host names (no ports), such as proxy.internal'));

/** Parses the environment; a bad value throws one line naming the variable and what it allows. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = reader(env);
  const rulesFile = read('RULES_FILE', text);
  const rulesInline = read('RULES', text);
  const config: Config = {
    jiraCloudId: read('JIRA_CLOUD_ID', matching(UUID, 'must be the site cloud id, a UUID'))?.toLowerCase(),
    store: read('SECRET_STORE', oneOf(STORE_KINDS), 'file'),
    secretFile: read('SECRET_FILE', text, '.jira-token-proxy/secrets.json'),
    secretPrefix: read(
      'SECRET_PREFIX',
      matching(
        /^[A-Za-z0-9_./-]{1,200}$/,
        'must be letters, digits, _ . - or / (a leading path is allowed for aws-ssm)',
      ),
      'PSOXY_JIRA_CLOUD_',
    ),
    gcpProject:
      read('GCP_PROJECT', matching(/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'must be a GCP project id')) ??
      read('GOOGLE_CLOUD_PROJECT', text),
    secretManagerEmulatorHost: read(
      'SECRET_MANAGER_EMULATOR_HOST',
      matching(/^[^\s/:]+:\d{1,5}$/, 'must be host:port'),
    ),
    kmsKeyId: read('KMS_KEY_ID', matching(/^[A-Za-z0-9:/_-]{1,2048}$/, 'must be a KMS key id, ARN or alias')),
    authUrl: read('ATLASSIAN_AUTH_URL', httpUrl, 'https://auth.atlassian.com'),
    apiUrl: read('ATLASSIAN_API_URL', httpUrl, 'https://api.atlassian.com'),
    refreshMarginSeconds: read('REFRESH_MARGIN_SECONDS', wholeNumber(0, 86_400), '300'),
    rulesFile,
    rulesInline,
    ruleSets: [
      ...new Set(
        read(
          'RULE_SET',
          commaList(oneOf(RULE_SETS, `must be a comma list of ${RULE_SETS.join(', ')}`)),
          'jira-cloud',
        ),
      ),
    ],
    keepProjectNames: read('KEEP_PROJECT_NAMES', oneOf(['true', 'false']), 'false') === 'true',
    port: read('PORT', wholeNumber(1, 65_535), '8787'),
    allowedHosts: read('ALLOWED_HOSTS', hostNames) ?? [],
    logLevel: read('LOG_LEVEL', (v) => oneOf(LOG_LEVELS)(v.toLowerCase()), 'info'),
    upstreamTimeoutMs: read('UPSTREAM_TIMEOUT_SECONDS', wholeNumber(1, 900), '25') * 1000,
    lockTtlMs: read('LOCK_TTL_SECONDS', wholeNumber(5, 300), '60') * 1000,
    maxResponseBytes: read(
      'MAX_RESPONSE_BYTES',
      wholeNumber(1024, 1024 * 1024 * 1024),
      String(20 * 1024 * 1024),
    ),
  };
  if (rulesInline && rulesFile) throw new ConfigError('RULES_FILE: set either RULES_FILE or RULES, not both');
  if (config.store === 'gcp-secret-manager') {
    if (!config.gcpProject)
      throw new ConfigError('GCP_PROJECT: required when SECRET_STORE=gcp-secret-manager');
    if (!/^[A-Za-z0-9_-]+$/.test(config.secretPrefix))
      throw new ConfigError('SECRET_PREFIX: GCP secret ids allow only letters, digits, _ and -');
  }
  return config;
}

/**
 * Access-token lifetime of the built-in sandbox in `serve`'s sandbox mode: read only there, so a
 * production `Config` carries no sandbox setting.
 */
export function sandboxTokenLifetimeSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return reader(env)('SANDBOX_TOKEN_LIFETIME_SECONDS', wholeNumber(10, 86_400), '600');
}

interface Read {
  <T>(name: string, parse: Reader<T>): T | undefined;
  /** The fallback is text, read like a set value. */
  <T>(name: string, parse: Reader<T>, fallback: string): T;
}

/** Reads variables of `env`; a blank value counts as unset. */
function reader(env: NodeJS.ProcessEnv): Read {
  return <T>(name: string, parse: Reader<T>, fallback?: string): T | undefined => {
    const raw: unknown = env[name];
    if (raw !== undefined && typeof raw !== 'string') throw new ConfigError(`${name}: must be text`);
    const value = raw?.trim() ? raw : fallback;
    if (value === undefined) return undefined;
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof Invalid) throw new ConfigError(`${name}: ${err.message}`);
      throw err;
    }
  };
}
