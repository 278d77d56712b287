import { Fn, Op, ref, TerraformVariable, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { RULE_SETS } from '../src/rules/sets/names';
import { SECRET_SUFFIXES, type SecretSuffix } from '../src/secrets';

/** The secrets the proxy only reads (SALT is created here with a random value; the rest by bootstrap). */
export const READ_ONLY: SecretSuffix[] = ['CLIENT_ID', 'CLIENT_SECRET', 'TOKEN_FAMILY', 'SALT'];
/** The secrets every refresh rewrites. */
export const ROTATING: SecretSuffix[] = ['REFRESH_TOKEN', 'ACCESS_TOKEN'];
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
export { METRIC as METRICS } from '../src/metric-names';
export const DAYS_LEFT_ALARM = 30;

/**
 * A salt drawn at apply time: two UUIDv4 (Terraform's come from crypto/rand, 244 random bits),
 * hashed to 64 hex characters. Only the expression is synthesized; with `ignore_changes` it is
 * evaluated once, at creation. No `random` provider needed (none is installed for cdktf here).
 */
export const randomSalt = (): string => Fn.sha256(Fn.join(Fn.rawString(''), [Fn.uuid(), Fn.uuid()]));

/** Every attribute value of a resource that has `count`: a list of zero or one element. */
export const splat = (resource: { terraformResourceType: string; friendlyUniqueId: string }, attr: string) =>
  Token.asList(ref(`${resource.terraformResourceType}.${resource.friendlyUniqueId}[*].${attr}`));

/** A path next to the repository root, from the synthesized stack's directory (infra/cdktf.out/stacks/<name>). */
export const repoPath = (rel: string): string => `${ref('path.module')}/../../../../${rel}`;

const UUID_RE = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** The variables both stacks share, declared in the order `terraform.tfvars.example` lists them. */
export function commonVariables(scope: Construct, defaults: { schedule: string; prefixPattern: string }) {
  const jiraCloudId = new TerraformVariable(scope, 'jira_cloud_id', {
    type: 'string',
    description: 'The Jira Cloud site id (a UUID) the proxy may reach; the only site it will call.',
    nullable: false,
  });
  jiraCloudId.addValidation({
    condition: Fn.can(Fn.regex(UUID_RE, jiraCloudId.stringValue)),
    errorMessage:
      'jira_cloud_id must be the site cloud id, a UUID such as 0a1b2c3d-1234-4abc-8def-0123456789ab.',
  });

  const environment = new TerraformVariable(scope, 'environment', {
    type: 'string',
    default: 'prod',
    description: 'Short name of this deployment, used in every resource name.',
    nullable: false,
  });
  environment.addValidation({
    condition: Fn.can(Fn.regex('^[a-z][a-z0-9-]{0,14}[a-z0-9]$', environment.stringValue)),
    errorMessage: 'environment must be 2-16 lower-case letters, digits or -, starting with a letter.',
  });

  const secretPrefix = new TerraformVariable(scope, 'secret_prefix', {
    type: 'string',
    default: 'PSOXY_JIRA_CLOUD_',
    description:
      'Prefix of every secret name (the default gives the names a Psoxy Jira Cloud deployment uses).',
    nullable: false,
  });
  secretPrefix.addValidation({
    condition: Fn.can(Fn.regex(defaults.prefixPattern, secretPrefix.stringValue)),
    errorMessage: `secret_prefix must match ${defaults.prefixPattern}.`,
  });

  const memoryMb = new TerraformVariable(scope, 'memory_mb', {
    type: 'number',
    default: 256,
    description: 'Memory of the function in MB.',
    nullable: false,
  });
  memoryMb.addValidation({
    condition: `\${var.memory_mb >= 128 && var.memory_mb <= 4096 && floor(var.memory_mb) == var.memory_mb}`,
    errorMessage: 'memory_mb must be a whole number from 128 to 4096.',
  });

  const refreshSchedule = new TerraformVariable(scope, 'refresh_schedule', {
    type: 'string',
    default: defaults.schedule,
    description: 'When the scheduled refresh runs (it keeps the token family alive with no traffic).',
    nullable: false,
  });

  const alarmEmail = new TerraformVariable(scope, 'alarm_email', {
    type: 'string',
    default: '',
    description: 'Address that receives alarms (refresh failures, token family near expiry); empty for none.',
    nullable: false,
  });
  alarmEmail.addValidation({
    condition: `\${var.alarm_email == "" || can(regex("^[^@\\\\s]+@[^@\\\\s]+$", var.alarm_email))}`,
    errorMessage: 'alarm_email must be an e-mail address or empty.',
  });

  const ruleSet = new TerraformVariable(scope, 'rule_set', {
    type: 'string',
    default: 'jira-cloud',
    description: `Comma list of built-in rule sets: ${RULE_SETS.join(', ')}.`,
    nullable: false,
  });
  ruleSet.addValidation({
    condition: `\${alltrue([for s in split(",", var.rule_set) : contains(${JSON.stringify(RULE_SETS)}, trimspace(s))])}`,
    errorMessage: `rule_set must be a comma list of ${RULE_SETS.join(', ')}.`,
  });

  const rulesFile = new TerraformVariable(scope, 'rules_file', {
    type: 'string',
    default: '',
    description:
      'Path of a YAML or JSON rules file replacing the built-in rules (passed inline as RULES); empty for none.',
    nullable: false,
  });

  const logLevel = new TerraformVariable(scope, 'log_level', {
    type: 'string',
    default: 'info',
    description: 'debug, info, warn or error.',
    nullable: false,
  });
  logLevel.addValidation({
    condition: Fn.contains(['debug', 'info', 'warn', 'error'], logLevel.stringValue),
    errorMessage: 'log_level must be debug, info, warn or error.',
  });

  return {
    jiraCloudId,
    environment,
    secretPrefix,
    memoryMb,
    refreshSchedule,
    alarmEmail,
    ruleSet,
    rulesFile,
    logLevel,
  };
}

export type CommonVariables = ReturnType<typeof commonVariables>;

/** The function's environment, the same on both clouds apart from the store. */
export function functionEnvironment(
  v: CommonVariables,
  store: Record<string, string>,
): Record<string, string> {
  return {
    JIRA_CLOUD_ID: v.jiraCloudId.stringValue,
    SECRET_PREFIX: v.secretPrefix.stringValue,
    ...store,
    RULE_SET: v.ruleSet.stringValue,
    // Blank means "built-in rules" to the proxy; file() is only evaluated when a path is given.
    RULES: Fn.conditional(
      Op.eq(v.rulesFile.stringValue, Fn.rawString('')),
      Fn.rawString(''),
      Fn.file(v.rulesFile.stringValue),
    ) as string,
    LOG_LEVEL: v.logLevel.stringValue,
    UPSTREAM_TIMEOUT_SECONDS: String(UPSTREAM_TIMEOUT_SECONDS),
  };
}
