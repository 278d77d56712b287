/**
 * The names of the built-in rule sets (`RULE_SETS`), apart from the sets themselves so that the
 * configuration schema and the infra variables can list them without loading any rules.
 */
export const RULE_SETS = [
  'jira-cloud',
  'jira-cloud-pseudonymized',
  'jira-service-management',
  'jira-service-management-pseudonymized',
  'jira-software',
  'jira-software-pseudonymized',
] as const;
export type RuleSetName = (typeof RULE_SETS)[number];
