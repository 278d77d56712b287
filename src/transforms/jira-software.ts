import type { TransformSpec } from './index';
import { issuePeople } from './jira-cloud';
import {
  boardPageSchema,
  softwareSprintIssuePageSchema,
  sprintIssuePageSchema,
  sprintPageSchema,
  sprintSchema,
} from './jira-software-schemas';
import { DEFAULT_PSEUDONYMIZATION, type PseudonymizationOptions } from './options';

// Jira Software sanitization: boards, sprints and the issues of a sprint, through allow-lists, with
// the people in them pseudonymized as in the Jira Cloud set (one person, one token).

export type EndpointKey = 'board' | 'board-sprint' | 'sprint' | 'sprint-issue' | 'software-sprint-issue';

const sprintIssuePeople = issuePeople('$.issues[*]');

/** The transforms of `jira-software-pseudonymized`, by endpoint id, for the operator's `options`. */
export function jiraSoftwareTransforms(options: PseudonymizationOptions): Record<EndpointKey, TransformSpec> {
  const keep = options.keepProjectNames;
  return {
    board: { responseSchema: boardPageSchema(keep), pseudonymize: ['$.values[*].location.userAccountId'] },
    'board-sprint': { responseSchema: sprintPageSchema(keep) },
    sprint: { responseSchema: sprintSchema(keep) },
    'sprint-issue': { responseSchema: sprintIssuePageSchema(keep), pseudonymize: sprintIssuePeople },
    'software-sprint-issue': {
      responseSchema: softwareSprintIssuePageSchema(keep),
      pseudonymize: sprintIssuePeople,
    },
  };
}

/** The transforms with the default options (board and sprint names removed). */
export const JIRA_SOFTWARE_TRANSFORMS = jiraSoftwareTransforms(DEFAULT_PSEUDONYMIZATION);
