import type { TransformSpec } from './index';
import { ISSUE_SCHEMA, SEARCH_PAGE_SCHEMA } from './jira-cloud-schemas';

// Psoxy's Jira Cloud sanitization, endpoint by endpoint, so its users can switch to this proxy
// without their pipelines noticing: account ids and email addresses pseudonymized; display names,
// avatars, `self` links, descriptions, comment and worklog text and changelog values redacted.
// Comments, worklogs, single issues and search pages are the v3 shapes (ADF bodies): a v2 body is
// a plain string that these paths do not remove, so the rules must only allow `/rest/api/3` there.

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
  'issue-comment': {
    redact: [
      '$.comments[*]..avatarUrls',
      '$.comments[*].author..self',
      '$.comments[*].updateAuthor..self',
      '$.comments[*]..displayName',
      // the words of an ADF body (text nodes, and a mention's "@Name") go; its structure stays
      '$.comments[*]..text',
      '$.comments[*]..renderedBody',
    ],
    pseudonymize: ['$.comments[*]..accountId', '$.comments[*].body..id', '$.comments[*]..emailAddress'],
  },
  'issue-worklog': {
    redact: [
      '$.worklogs[*]..avatarUrls',
      '$.worklogs[*].author..self',
      '$.worklogs[*].updateAuthor..self',
      '$.worklogs[*]..displayName',
      '$.worklogs[*]..text',
      '$.worklogs[*]..summary',
    ],
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
