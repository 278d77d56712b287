import { jiraCloudTransforms } from '../../transforms/jira-cloud';
import type { PseudonymizationOptions } from '../../transforms/options';
import type { RulesDocument } from '../schema';
import { JIRA_CLOUD } from './jira-cloud';
import { pseudonymizedTwin } from './pseudonymized';

/** Built-in `jira-cloud-pseudonymized`: the `jira-cloud` endpoints, each answering through its allow-list. */
export const jiraCloudPseudonymized = (options: PseudonymizationOptions): RulesDocument =>
  pseudonymizedTwin(JIRA_CLOUD, jiraCloudTransforms(options), 'Jira Cloud');
