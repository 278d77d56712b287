import type { TransformSpec } from './index';
import {
  COMMENT_PAGE_SCHEMA,
  ISSUE_SCHEMA,
  SEARCH_PAGE_SCHEMA,
  WORKLOG_PAGE_SCHEMA,
} from './jira-cloud-schemas';

// Psoxy's Jira Cloud sanitization, endpoint by endpoint, so its users can switch to this proxy
// without their pipelines noticing: account ids and email addresses pseudonymized; display names,
// avatars, `self` links, descriptions and changelog values redacted; comment and worklog bodies
// reduced to their structure. Comments, worklogs, single issues and search pages are the v3 shapes
// (ADF bodies), and the rules only allow `/rest/api/3` there.

export type EndpointKey =
  | 'users'
  | 'group-bulk'
  | 'group-member'
  | 'search-jql'
  | 'issue'
  | 'issue-changelog'
  | 'issue-comment'
  | 'issue-worklog'
  | 'project-search'
  | 'myself'
  | 'accessible-resources';

const PEOPLE = ['$..accountId', '$..emailAddress'];

export const JIRA_CLOUD_TRANSFORMS: Record<EndpointKey, TransformSpec> = {
  users: {
    redact: ['$..self', '$..avatarUrls', '$..displayName'],
    pseudonymize: PEOPLE,
  },
  'group-bulk': {
    redact: ['$..name'],
  },
  'group-member': {
    redact: ['$.values[*].self', '$.values[*].avatarUrls', '$.values[*].displayName', '$.values[*].name'],
    pseudonymize: ['$.values[*].accountId', '$.values[*].emailAddress'],
  },
  'search-jql': {
    responseSchema: SEARCH_PAGE_SCHEMA,
    redact: [
      '$.issues[*]..description',
      '$.issues[*]..iconUrl',
      '$.issues[*]..name',
      '$.issues[*]..avatarUrls',
      '$.issues[*].fields..self',
      '$.issues[*]..displayName',
      '$.issues[*]..comment',
      '$..displayName',
    ],
    // `body..id` reaches the account id in an ADF mention node, giving it the author's token
    pseudonymize: ['$.issues[*]..accountId', '$.issues[*]..emailAddress', '$.issues[*]..body..id'],
  },
  issue: {
    responseSchema: ISSUE_SCHEMA,
    redact: [
      '$..description',
      '$..iconUrl',
      '$..name',
      '$..avatarUrls',
      '$.fields..self',
      '$..displayName',
      '$..comment',
      '$..attachment[*]..filename',
      '$..attachment[*]..content',
      '$..summary',
    ],
    pseudonymize: [...PEOPLE, '$..body..id'],
  },
  'issue-changelog': {
    redact: [
      '$.values[*]..avatarUrls',
      '$.values[*]..self',
      '$.values[*]..displayName',
      '$.values[*].items[*].from',
      '$.values[*].items[*].to',
      '$.values[*].items[*].fromString',
      '$.values[*].items[*].toString',
    ],
    pseudonymize: [
      '$.values[*]..accountId',
      '$.values[*]..emailAddress',
      '$.values[*]..tmpFromAccountId',
      '$.values[*]..tmpToAccountId',
    ],
  },
  // allow-lists: a rich-text body keeps its node tree and its mentions' account ids, nothing else
  'issue-comment': {
    responseSchema: COMMENT_PAGE_SCHEMA,
    // `body..id` is, after the schema, only a mention's account id
    pseudonymize: ['$.comments[*]..accountId', '$.comments[*].body..id', '$.comments[*]..emailAddress'],
  },
  'issue-worklog': {
    responseSchema: WORKLOG_PAGE_SCHEMA,
    pseudonymize: ['$.worklogs[*]..accountId', '$.worklogs[*]..emailAddress', '$.worklogs[*]..comment..id'],
  },
  'project-search': {
    redact: [
      '$.values[*]..avatarUrls',
      '$.values[*]..self',
      '$.values[*]..displayName',
      '$.values[*]..leadUserName',
      '$.values[*]..description',
    ],
    pseudonymize: [
      '$.values[*]..accountId',
      '$.values[*]..emailAddress',
      // a project's contact address
      '$.values[*]..email',
      '$.values[*]..leadAccountId',
    ],
  },
  // Psoxy has no rule for it (the proxy uses it for health checks): treated as one user, and group
  // and role names from `expand=groups,applicationRoles` go as they do for group/bulk
  myself: {
    redact: ['$..self', '$..avatarUrls', '$..displayName', '$..name'],
    pseudonymize: PEOPLE,
  },
  'accessible-resources': {
    redact: ['$..name', '$..scopes', '$..avatarUrl'],
  },
};
