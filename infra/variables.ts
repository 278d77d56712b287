// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions.
import { Fn, Op, TerraformVariable, type TerraformVariableValidationConfig, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { RULE_SETS } from '../src/rules/sets/names';
import { randomSalt, UPSTREAM_TIMEOUT_SECONDS } from './common';

interface VariableSpec {
  type: string;
  description: string;
  /** Omitted: the operator must set it. */
  default?: unknown;
  /** A Terraform condition and the message an operator sees when it is false. */
  validation?: (
    v: TerraformVariable,
  ) => [condition: TerraformVariableValidationConfig['condition'], message: string];
}

/** One operator variable, non-nullable, with at most one validation. */
export function variable(scope: Construct, name: string, spec: VariableSpec): TerraformVariable {
  const v = new TerraformVariable(scope, name, {
    type: spec.type,
    description: spec.description,
    default: spec.default,
    nullable: false,
  });
  if (spec.validation) {
    const [condition, errorMessage] = spec.validation(v);
    v.addValidation({ condition, errorMessage });
  }
  return v;
}

const UUID_RE = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** The variables both stacks share, declared in the order the tfvars examples list them. */
export function commonVariables(scope: Construct, prefixPattern: string) {
  const jiraCloudId = variable(scope, 'jira_cloud_id', {
    type: 'string',
    description: 'The Jira Cloud site id (a UUID) the proxy may reach; the only site it will call.',
    validation: (v) => [
      Fn.can(Fn.regex(UUID_RE, v.stringValue)),
      'jira_cloud_id must be the site cloud id, a UUID such as 0a1b2c3d-1234-4abc-8def-0123456789ab.',
    ],
  });
  const environment = variable(scope, 'environment', {
    type: 'string',
    default: 'prod',
    description: 'Short name of this deployment, used in every resource name.',
    validation: (v) => [
      Fn.can(Fn.regex('^[a-z][a-z0-9-]{0,14}[a-z0-9]$', v.stringValue)),
      'environment must be 2-16 lower-case letters, digits or -, starting with a letter.',
    ],
  });
  const secretPrefix = variable(scope, 'secret_prefix', {
    type: 'string',
    default: 'PSOXY_JIRA_CLOUD_',
    description:
      'Prefix of every secret name (the default gives the names a Psoxy Jira Cloud deployment uses).',
    validation: (v) => [
      Fn.can(Fn.regex(prefixPattern, v.stringValue)),
      `secret_prefix must match ${prefixPattern}.`,
    ],
  });
  const saltVersion = variable(scope, 'salt_version', {
    type: 'number',
    default: 1,
    description:
      'Raise it to draw a new pseudonymization salt (every pseudonym changes). 0 only when upgrading a ' +
      'deployment made before write-only arguments: its salt is left untouched.',
    validation: () => [
      '${var.salt_version >= 0 && floor(var.salt_version) == var.salt_version}',
      'salt_version must be a whole number, 0 or more.',
    ],
  });
  const memoryMb = variable(scope, 'memory_mb', {
    type: 'number',
    default: 256,
    description: 'Memory of the function in MB.',
    validation: () => [
      '${var.memory_mb >= 128 && var.memory_mb <= 4096 && floor(var.memory_mb) == var.memory_mb}',
      'memory_mb must be a whole number from 128 to 4096.',
    ],
  });
  const alarmEmail = variable(scope, 'alarm_email', {
    type: 'string',
    default: '',
    description: 'Address that receives every alarm; empty for none.',
    validation: () => [
      '${var.alarm_email == "" || can(regex("^[^@ ]+@[^@ ]+$", var.alarm_email))}',
      'alarm_email must be an e-mail address or empty.',
    ],
  });
  const ruleSet = variable(scope, 'rule_set', {
    type: 'string',
    default: 'jira-cloud',
    description: `Comma list of built-in rule sets: ${RULE_SETS.join(', ')}.`,
    validation: () => [
      `\${alltrue([for s in split(",", var.rule_set) : contains(${JSON.stringify(RULE_SETS)}, trimspace(s))])}`,
      `rule_set must be a comma list of ${RULE_SETS.join(', ')}.`,
    ],
  });
  const keepProjectNames = variable(scope, 'keep_project_names', {
    type: 'bool',
    default: false,
    description:
      'true: the pseudonymized rule sets keep project, board and sprint names (KEEP_PROJECT_NAMES).',
  });
  const rulesFile = variable(scope, 'rules_file', {
    type: 'string',
    default: '',
    description:
      'Path of a YAML or JSON rules file replacing the built-in rules (passed inline as RULES); empty for none.',
  });
  const logLevel = variable(scope, 'log_level', {
    type: 'string',
    default: 'info',
    description: 'debug, info, warn or error.',
    validation: (v) => [
      Fn.contains(['debug', 'info', 'warn', 'error'], v.stringValue),
      'log_level must be debug, info, warn or error.',
    ],
  });
  return {
    jiraCloudId,
    environment,
    secretPrefix,
    saltVersion,
    memoryMb,
    alarmEmail,
    ruleSet,
    keepProjectNames,
    rulesFile,
    logLevel,
  };
}

export type CommonVariables = ReturnType<typeof commonVariables>;

/**
 * The salt's write-only value and version. `salt_version = 0` gives neither, so the upgrade of
 * a deployment whose salt an older stack wrote (value in state, no version) leaves it alone; any
 * other number is the version, and raising it writes a new random salt.
 */
export function saltWrite(v: CommonVariables): { value: string; version: number } {
  const keep = Op.lt(v.saltVersion.numberValue, 1);
  return {
    value: Fn.conditional(keep, Token.nullValue(), randomSalt()) as string,
    version: Token.asNumber(Fn.conditional(keep, Token.nullValue(), v.saltVersion.numberValue)),
  };
}

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
    KEEP_PROJECT_NAMES: Fn.conditional(v.keepProjectNames.booleanValue, 'true', 'false') as string,
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
