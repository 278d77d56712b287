import { jiraSoftwareTransforms } from '../../transforms/jira-software';
import type { PseudonymizationOptions } from '../../transforms/options';
import type { RulesDocument } from '../schema';
import { JIRA_SOFTWARE } from './jira-software';
import { pseudonymizedTwin } from './pseudonymized';

/** Built-in `jira-software-pseudonymized`: the `jira-software` endpoints, each answering through its allow-list. */
export const jiraSoftwarePseudonymized = (options: PseudonymizationOptions): RulesDocument =>
  pseudonymizedTwin(JIRA_SOFTWARE, jiraSoftwareTransforms(options), 'Jira Software');
