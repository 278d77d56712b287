import { Fn, Op, ref, TerraformDataSource, TerraformLocal, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { SECRET_SUFFIXES, type SecretSuffix } from '../src/secrets';

/** The secrets the proxy only reads (Terraform draws SALT; bootstrap writes the rest). */
export const READ_ONLY: SecretSuffix[] = ['CLIENT_ID', 'CLIENT_SECRET', 'TOKEN_FAMILY', 'SALT'];
/** The secrets every refresh rewrites. */
export const ROTATING: SecretSuffix[] = ['REFRESH_TOKEN', 'ACCESS_TOKEN'];
/** The outcome of the last refresh attempt: written by the proxy, worth nothing once replaced. */
export const OUTCOME: SecretSuffix = 'REFRESH_OUTCOME';
/** Every secret the proxy writes (the lock aside). */
export const WRITTEN: SecretSuffix[] = [...ROTATING, OUTCOME];
export const LOCK: SecretSuffix = 'LOCK';
/**
 * Secrets whose loss costs a person's consent (the token family) or changes every pseudonym (the
 * salt): `prevent_destroy`, so no plan can delete them by accident. Tear-down moves them out of
 * the state first (docs/OPERATORS.md).
 */
export const RETAINED: SecretSuffix[] = [...READ_ONLY, ...ROTATING];
export const ALL_SECRETS: readonly SecretSuffix[] = SECRET_SUFFIXES;

/**
 * What Terraform writes into a secret it creates: a fixed, non-secret marker the stores read as
 * "missing" (`isPlaceholder`), so a deployed proxy says "run bootstrap" rather than failing oddly.
 */
export const PLACEHOLDER = 'fill me: run npx jira-token-proxy bootstrap';

/** The proxy's own default, so the Lambda/Function timeout stays above it. */
export const UPSTREAM_TIMEOUT_SECONDS = 25;
export const FUNCTION_TIMEOUT_SECONDS = 30;

/** Metrics the proxy logs as `{"metric": name, "value": n}` lines: the code's own list. */
export { METRIC as METRICS, METRIC_DIMENSION } from '../src/metric-names';
export const DAYS_LEFT_ALARM = 30;

/**
 * The line the proxy logs at info for every request that ends in an error:
 * `{"message":"request","status":N,"error":"<X-Psoxy-Error value>",...}` (src/app.ts). The
 * stacks count it by `error` value; test/infra checks these names against the proxy's own.
 */
export const REQUEST_LOG = { message: 'request', errorField: 'error', statusField: 'status' } as const;
/** The log-based metric counting those lines, one series per error value. */
export const REQUEST_ERRORS_METRIC = 'requestErrors';
/** GCP: a log-based count of the function's log lines at ERROR or worse (crashes, internal errors). */
export const FUNCTION_ERRORS_METRIC = 'functionErrors';
/** The X-Psoxy-Error value of a request the rules refused (src/errors.ts). */
export const BLOCKED_ERROR = 'BLOCKED_BY_RULES';

/**
 * A salt drawn at apply time: two UUIDv4 (Terraform's come from crypto/rand, 244 random bits),
 * hashed to 64 hex characters. It goes into a write-only argument, so it is written when the
 * secret is created or `salt_version` changes, and never stored in the state. No `random`
 * provider needed (its result would sit in the state).
 */
export const randomSalt = (): string => Fn.sha256(Fn.join(Fn.rawString(''), [Fn.uuid(), Fn.uuid()]));

/** Every attribute value of a resource or data source that has `count`: a list of zero or one element. */
export const splat = (
  resource: { terraformResourceType: string; friendlyUniqueId: string },
  attr: string,
): string[] => {
  const data = resource instanceof TerraformDataSource ? 'data.' : '';
  return Token.asList(
    ref(`${data}${resource.terraformResourceType}.${resource.friendlyUniqueId}[*].${attr}`),
  );
};

/** A path next to the repository root, from the synthesized stack's directory (infra/cdktf.out/stacks/<name>). */
export const repoPath = (rel: string): string => `${ref('path.module')}/../../../../${rel}`;

/** The zip to deploy, as a local: the operator's zip variable when set, else the build's `dist/<built>`. */
export function zipPathLocal(scope: Construct, id: string, variable: string, built: string): string {
  return new TerraformLocal(
    scope,
    id,
    Fn.conditional(Op.eq(variable, Fn.rawString('')), repoPath(`dist/${built}`), variable),
  ).asString;
}
