import type { PseudonymizationOptions } from '../../transforms/options';
import type { RulesDocument } from '../schema';
import type { RuleSetName } from './names';

/**
 * The built-in rule sets, bundled into the code (no file is read at run time). Each is loaded when
 * RULE_SET names it: in the function bundles each set is its own chunk, so a cold start compiles
 * only the sets it serves (and the transforms only when a pseudonymized set is among them).
 * Adding a set is one file in this folder and one line here. The pseudonymized sets are built for
 * the operator's PseudonymizationOptions (KEEP_PROJECT_NAMES).
 */
export const BUILT_IN_SETS: Record<
  RuleSetName,
  (options: PseudonymizationOptions) => Promise<RulesDocument>
> = {
  'jira-cloud': async () => (await import('./jira-cloud')).JIRA_CLOUD,
  'jira-cloud-pseudonymized': async (options) =>
    (await import('./jira-cloud-pseudonymized')).jiraCloudPseudonymized(options),
  'jira-service-management': async () => (await import('./jira-service-management')).JIRA_SERVICE_MANAGEMENT,
  'jira-service-management-pseudonymized': async (options) =>
    (await import('./jira-service-management-pseudonymized')).jiraServiceManagementPseudonymized(options),
  'jira-software': async () => (await import('./jira-software')).JIRA_SOFTWARE,
  'jira-software-pseudonymized': async (options) =>
    (await import('./jira-software-pseudonymized')).jiraSoftwarePseudonymized(options),
};
