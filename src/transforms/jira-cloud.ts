import type { TransformSpec } from './index';
import {
  ACCESSIBLE_RESOURCES_SCHEMA,
  APPROXIMATE_COUNT_SCHEMA,
  FIELDS_SCHEMA,
  GROUP_MEMBER_PAGE_SCHEMA,
  GROUP_PAGE_SCHEMA,
  ISSUE_TYPES_SCHEMA,
  MYSELF_SCHEMA,
  PRIORITIES_SCHEMA,
  projectPageSchema,
  RESOLUTIONS_SCHEMA,
  SERVER_INFO_SCHEMA,
  STATUSES_SCHEMA,
  USERS_SCHEMA,
} from './jira-cloud-directory-schemas';
import {
  BULK_CHANGELOG_SCHEMA,
  CHANGELOG_PAGE_SCHEMA,
  COMMENT_PAGE_SCHEMA,
  ISSUE_SCHEMA,
  SEARCH_PAGE_SCHEMA,
  WORKLOG_CHANGES_SCHEMA,
  WORKLOG_LIST_SCHEMA,
  WORKLOG_PAGE_SCHEMA,
} from './jira-cloud-schemas';
import { DEFAULT_PSEUDONYMIZATION, type PseudonymizationOptions } from './options';

// Jira Cloud sanitization, endpoint by endpoint: every answer goes through an allow-list (its
// response schema), then the account ids and email addresses it kept become Psoxy's pseudonyms.
// Where Psoxy has a rule for an endpoint, the output is what Psoxy's rule gives for the documented
// fields, so its users can switch to this proxy without their pipelines noticing.

export type EndpointKey =
  | 'users'
  | 'users-search'
  | 'group-bulk'
  | 'group-member'
  | 'search-jql'
  | 'search-approximate-count'
  | 'issue'
  | 'issue-changelog'
  | 'changelog-bulkfetch'
  | 'issue-comment'
  | 'issue-worklog'
  | 'worklog-updated'
  | 'worklog-deleted'
  | 'worklog-list'
  | 'project-search'
  | 'myself'
  | 'server-info'
  | 'field'
  | 'status'
  | 'priority'
  | 'resolution'
  | 'issuetype'
  | 'accessible-resources';

/** A person's keys: what the schemas keep of them is pseudonymized wherever it is. */
const PERSON_KEYS = "['accountId','emailAddress']";
/** A change history's people: its author and, for a user field, the item's old and new person. */
const HISTORY_KEYS = "['accountId','emailAddress','tmpFromAccountId','tmpToAccountId']";
/** The ids in a change history's metadata (set through Jira's edit API: any of them may be a person). */
const METADATA_IDS = "historyMetadata['actor','cause','generator'].id";

/** The people of issues under `at` (`$` for one issue, `$.issues[*]` for a page). */
export const issuePeople = (at: string) => [
  `${at}..${HISTORY_KEYS}`,
  `${at}.changelog.histories[*].${METADATA_IDS}`,
];

/** The transforms of `jira-cloud-pseudonymized`, by endpoint id, for the operator's `options`. */
export function jiraCloudTransforms(options: PseudonymizationOptions): Record<EndpointKey, TransformSpec> {
  const searchPage: TransformSpec = {
    responseSchema: SEARCH_PAGE_SCHEMA,
    pseudonymize: issuePeople('$.issues[*]'),
  };
  const users: TransformSpec = { responseSchema: USERS_SCHEMA, pseudonymize: [`$[*]${PERSON_KEYS}`] };
  const worklogChanges: TransformSpec = { responseSchema: WORKLOG_CHANGES_SCHEMA };
  return {
    users,
    'users-search': users,
    'group-bulk': { responseSchema: GROUP_PAGE_SCHEMA },
    'group-member': { responseSchema: GROUP_MEMBER_PAGE_SCHEMA, pseudonymize: [`$.values[*]${PERSON_KEYS}`] },
    issue: { responseSchema: ISSUE_SCHEMA, pseudonymize: issuePeople('$') },
    'search-jql': searchPage,
    'search-approximate-count': { responseSchema: APPROXIMATE_COUNT_SCHEMA },
    'issue-changelog': {
      responseSchema: CHANGELOG_PAGE_SCHEMA,
      pseudonymize: [`$.values[*]..${HISTORY_KEYS}`, `$.values[*].${METADATA_IDS}`],
    },
    'changelog-bulkfetch': {
      responseSchema: BULK_CHANGELOG_SCHEMA,
      pseudonymize: [
        `$.issueChangeLogs[*].changeHistories[*]..${HISTORY_KEYS}`,
        `$.issueChangeLogs[*].changeHistories[*].${METADATA_IDS}`,
      ],
    },
    // a rich-text body keeps, after the schema, only its mentions' `id`: the person mentioned
    'issue-comment': {
      responseSchema: COMMENT_PAGE_SCHEMA,
      pseudonymize: [`$.comments[*]..${PERSON_KEYS}`, '$.comments[*].body..id'],
    },
    'issue-worklog': {
      responseSchema: WORKLOG_PAGE_SCHEMA,
      pseudonymize: [`$.worklogs[*]..${PERSON_KEYS}`, '$.worklogs[*].comment..id'],
    },
    'worklog-updated': worklogChanges,
    'worklog-deleted': worklogChanges,
    'worklog-list': {
      responseSchema: WORKLOG_LIST_SCHEMA,
      pseudonymize: [`$[*]..${PERSON_KEYS}`, '$[*].comment..id'],
    },
    // a project's contact address is pseudonymized like a person's
    'project-search': {
      responseSchema: projectPageSchema(options.keepProjectNames),
      pseudonymize: [`$.values[*]..${PERSON_KEYS}`, '$.values[*].email'],
    },
    myself: { responseSchema: MYSELF_SCHEMA, pseudonymize: [`$${PERSON_KEYS}`] },
    'server-info': { responseSchema: SERVER_INFO_SCHEMA },
    field: { responseSchema: FIELDS_SCHEMA },
    status: { responseSchema: STATUSES_SCHEMA },
    priority: { responseSchema: PRIORITIES_SCHEMA },
    resolution: { responseSchema: RESOLUTIONS_SCHEMA },
    issuetype: { responseSchema: ISSUE_TYPES_SCHEMA },
    'accessible-resources': { responseSchema: ACCESSIBLE_RESOURCES_SCHEMA },
  };
}

/** The transforms with the default options (project names removed). */
export const JIRA_CLOUD_TRANSFORMS = jiraCloudTransforms(DEFAULT_PSEUDONYMIZATION);
