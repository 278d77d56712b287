import type { RulesDocument } from '../schema';
import { JIRA_CLOUD } from './jira-cloud';
import { JIRA_CLOUD_PSEUDONYMIZED } from './jira-cloud-pseudonymized';
import { JIRA_SERVICE_MANAGEMENT } from './jira-service-management';
import { JIRA_SERVICE_MANAGEMENT_PSEUDONYMIZED } from './jira-service-management-pseudonymized';
import type { RuleSetName } from './names';

/**
 * The built-in rule sets, bundled into the code (no file is read at run time). Adding a set is one
 * file in this folder and one line here.
 */
export const BUILT_IN_SETS: Partial<Record<RuleSetName, RulesDocument>> = {
  'jira-cloud': JIRA_CLOUD,
  'jira-cloud-pseudonymized': JIRA_CLOUD_PSEUDONYMIZED,
  'jira-service-management': JIRA_SERVICE_MANAGEMENT,
  'jira-service-management-pseudonymized': JIRA_SERVICE_MANAGEMENT_PSEUDONYMIZED,
};
