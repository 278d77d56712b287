import { jiraServiceManagementTransforms } from '../../transforms/jira-service-management';
import type { PseudonymizationOptions } from '../../transforms/options';
import type { RulesDocument } from '../schema';
import { JIRA_SERVICE_MANAGEMENT } from './jira-service-management';
import { pseudonymizedTwin } from './pseudonymized';

/** Built-in `jira-service-management-pseudonymized`: the same endpoints, each through its allow-list. */
export const jiraServiceManagementPseudonymized = (options: PseudonymizationOptions): RulesDocument =>
  pseudonymizedTwin(JIRA_SERVICE_MANAGEMENT, jiraServiceManagementTransforms(options), 'Service Management');
