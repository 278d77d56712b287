import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { RULE_SETS, type RuleSetName } from './rules/sets/names';

/** Every environment variable the proxy reads, validated once at start-up. */

// zod/mini, not the classic API: it tree-shakes to what is used, which keeps the Lambda bundle (and
// the V8 compile at cold start) small.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const STORE_KINDS = ['file', 'aws-ssm', 'aws-secrets-manager', 'gcp-secret-manager'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

// A DNS name or an IPv4 / bracketed IPv6 literal, as it appears in a Host header without its port.
const HOST_NAME = /^([a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_-]{1,63})*\.?|\[[0-9a-f:.]+\])$/;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

// zod/mini loads no locale: messages we do not set come from the English one, as with classic zod.
const english = en().localeError;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(z.transform(blankToUndefined), z.optional(schema));
// prefault: the default goes through the schema (transforms included), like a set value.
const withDefault = <T extends z.ZodMiniType>(schema: T, fallback: z.input<T>) =>
  z.pipe(z.transform(blankToUndefined), z.prefault(schema, fallback as never));

const pattern = (re: RegExp, message: string) => z.string().check(z.regex(re, message));

const int = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: message }).check(z.int(message), z.gte(min, message), z.lte(max, message));
};

const httpUrl = z.pipe(
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://auth.atlassian.com' }),
  z.transform((u) => u.replace(/\/+$/, '')),
);

const schema = z.object({
  JIRA_CLOUD_ID: optional(pattern(UUID, 'must be the site cloud id, a UUID')),
  SECRET_STORE: withDefault(
    z.enum(STORE_KINDS, { error: `must be one of ${STORE_KINDS.join(', ')}` }),
    'file',
  ),
  SECRET_FILE: withDefault(z.string(), '.jira-token-proxy/secrets.json'),
  SECRET_PREFIX: withDefault(
    pattern(
      /^[A-Za-z0-9_./-]{1,200}$/,
      'must be letters, digits, _ . - or / (a leading path is allowed for aws-ssm)',
    ),
    'PSOXY_JIRA_CLOUD_',
  ),
  GCP_PROJECT: optional(pattern(/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'must be a GCP project id')),
  GOOGLE_CLOUD_PROJECT: optional(z.string()),
  SECRET_MANAGER_EMULATOR_HOST: optional(pattern(/^[^\s/:]+:\d{1,5}$/, 'must be host:port')),
  KMS_KEY_ID: optional(pattern(/^[A-Za-z0-9:/_-]{1,2048}$/, 'must be a KMS key id, ARN or alias')),
  ATLASSIAN_AUTH_URL: withDefault(httpUrl, 'https://auth.atlassian.com'),
  ATLASSIAN_API_URL: withDefault(httpUrl, 'https://api.atlassian.com'),
  REFRESH_MARGIN_SECONDS: withDefault(int(0, 86_400), 300),
  RULES_FILE: optional(z.string()),
  RULES: optional(z.string()),
  RULE_SET: withDefault(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((s) => s.split(',').map((x) => x.trim())),
      ),
      z
        .array(z.enum(RULE_SETS, { error: `must be a comma list of ${RULE_SETS.join(', ')}` }))
        .check(z.minLength(1)),
    ),
    'jira-cloud',
  ),
  PORT: withDefault(int(1, 65_535), 8787),
  ALLOWED_HOSTS: withDefault(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((s) =>
          s
            .split(',')
            .map((x) => x.trim().toLowerCase())
            .filter(Boolean),
        ),
      ),
      z.array(pattern(HOST_NAME, 'must be a comma list of host names (no ports), such as proxy.internal')),
    ),
    '',
  ),
  LOG_LEVEL: withDefault(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((s) => s.toLowerCase()),
      ),
      z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    ),
    'info',
  ),
  UPSTREAM_TIMEOUT_SECONDS: withDefault(int(1, 900), 25),
  LOCK_TTL_SECONDS: withDefault(int(5, 300), 60),
  MAX_RESPONSE_BYTES: withDefault(int(1024, 1024 * 1024 * 1024), 20 * 1024 * 1024),
});

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

/** Parses the environment; a bad value throws one line naming the variable and what it allows. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parse(schema, env);
  if (e.RULES && e.RULES_FILE) throw new ConfigError('RULES_FILE: set either RULES_FILE or RULES, not both');
  const gcpProject = e.GCP_PROJECT ?? e.GOOGLE_CLOUD_PROJECT;
  if (e.SECRET_STORE === 'gcp-secret-manager') {
    if (!gcpProject) throw new ConfigError('GCP_PROJECT: required when SECRET_STORE=gcp-secret-manager');
    if (!/^[A-Za-z0-9_-]+$/.test(e.SECRET_PREFIX))
      throw new ConfigError('SECRET_PREFIX: GCP secret ids allow only letters, digits, _ and -');
  }
  return {
    jiraCloudId: e.JIRA_CLOUD_ID?.toLowerCase(),
    store: e.SECRET_STORE,
    secretFile: e.SECRET_FILE,
    secretPrefix: e.SECRET_PREFIX,
    gcpProject,
    secretManagerEmulatorHost: e.SECRET_MANAGER_EMULATOR_HOST,
    kmsKeyId: e.KMS_KEY_ID,
    authUrl: e.ATLASSIAN_AUTH_URL,
    apiUrl: e.ATLASSIAN_API_URL,
    refreshMarginSeconds: e.REFRESH_MARGIN_SECONDS,
    rulesFile: e.RULES_FILE,
    rulesInline: e.RULES,
    ruleSets: [...new Set(e.RULE_SET)],
    port: e.PORT,
    allowedHosts: e.ALLOWED_HOSTS,
    logLevel: e.LOG_LEVEL,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_SECONDS * 1000,
    lockTtlMs: e.LOCK_TTL_SECONDS * 1000,
    maxResponseBytes: e.MAX_RESPONSE_BYTES,
  };
}

/**
 * Access-token lifetime of the built-in sandbox in `serve`'s sandbox mode: read only there, so a
 * production `Config` carries no sandbox setting.
 */
export function sandboxTokenLifetimeSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const sandbox = z.object({ SANDBOX_TOKEN_LIFETIME_SECONDS: withDefault(int(10, 86_400), 600) });
  return parse(sandbox, env).SANDBOX_TOKEN_LIFETIME_SECONDS;
}

function parse<T extends z.ZodMiniType>(s: T, env: NodeJS.ProcessEnv): z.infer<T> {
  // parsed once per process: zod's JIT would compile a parser (new Function) to run it once, which
  // showed as most of the cold start's own work in a --cpu-prof of the Lambda bundle
  const parsed = s.safeParse(env, { error: english, jitless: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`${name}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}
