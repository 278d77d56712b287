import type { RulesDocument } from '../schema';

/**
 * Built-in `jira-cloud`: the endpoints an analytics pipeline needs (Psoxy's Jira Cloud set), read
 * only. Rows Jira serves in v2 and v3 allow both; search/jql, issue, comment and worklog are v3
 * only, as Psoxy calls them (their v3 bodies are ADF, which the pseudonymized set relies on).
 * Scopes: the classic alternative first, then the granular one Jira's REST reference lists.
 */

const VERSION = { version: '[23]' };
const ISSUE_ID = { issueIdOrKey: '[0-9]{1,18}|[A-Za-z][A-Za-z0-9_]{0,254}-[0-9]{1,18}' };
const PAGING = { startAt: '[0-9]{1,9}', maxResults: '[0-9]{1,4}' };
const FIELDS = { pattern: '[A-Za-z0-9_,.*:-]{1,2000}', multiple: true };

export const JIRA_CLOUD: RulesDocument = {
  endpoints: [
    {
      id: 'users',
      description: 'All users, paged',
      path: '/rest/api/{version}/users',
      params: VERSION,
      query: PAGING,
      scopes: [['read:jira-user'], ['read:user:jira']],
    },
    {
      id: 'group-bulk',
      description: 'All groups, paged',
      path: '/rest/api/{version}/group/bulk',
      params: VERSION,
      query: PAGING,
      scopes: [['read:jira-user'], ['read:group:jira']],
    },
    {
      id: 'group-member',
      description: "A group's members, paged",
      path: '/rest/api/{version}/group/member',
      params: VERSION,
      query: {
        groupId: '[0-9A-Fa-f-]{1,64}',
        groupName: '.{1,255}',
        includeInactiveUsers: 'true|false',
        ...PAGING,
      },
      // the classic alternative would be the admin scope manage:jira-configuration
      scopes: [['read:group:jira', 'read:user:jira', 'read:avatar:jira']],
    },
    {
      id: 'search-jql',
      description: 'Issues matching a JQL query, paged by nextPageToken',
      path: '/rest/api/3/search/jql',
      query: {
        jql: '.{1,8192}',
        fields: FIELDS,
        nextPageToken: '[A-Za-z0-9._~+/=-]{1,2048}',
        maxResults: '[0-9]{1,4}',
      },
      scopes: [
        ['read:jira-work'],
        [
          'read:issue-details:jira',
          'read:audit-log:jira',
          'read:avatar:jira',
          'read:field-configuration:jira',
          'read:issue-meta:jira',
        ],
      ],
    },
    {
      id: 'issue',
      description: 'One issue',
      path: '/rest/api/3/issue/{issueIdOrKey}',
      params: ISSUE_ID,
      query: { fields: FIELDS },
      scopes: [
        ['read:jira-work'],
        [
          'read:issue-meta:jira',
          'read:issue-security-level:jira',
          'read:issue.vote:jira',
          'read:issue.changelog:jira',
          'read:avatar:jira',
          'read:issue:jira',
          'read:status:jira',
          'read:user:jira',
          'read:field-configuration:jira',
        ],
      ],
    },
    {
      id: 'issue-changelog',
      description: "An issue's changelog, paged",
      path: '/rest/api/{version}/issue/{issueIdOrKey}/changelog',
      params: { ...VERSION, ...ISSUE_ID },
      query: PAGING,
      scopes: [['read:jira-work'], ['read:issue-meta:jira', 'read:avatar:jira', 'read:issue.changelog:jira']],
    },
    {
      id: 'issue-comment',
      description: "An issue's comments, paged",
      path: '/rest/api/3/issue/{issueIdOrKey}/comment',
      params: ISSUE_ID,
      query: PAGING,
      scopes: [
        ['read:jira-work'],
        [
          'read:comment:jira',
          'read:comment.property:jira',
          'read:group:jira',
          'read:project:jira',
          'read:project-role:jira',
          'read:user:jira',
          'read:avatar:jira',
        ],
      ],
    },
    {
      id: 'issue-worklog',
      description: "An issue's worklogs, paged",
      path: '/rest/api/3/issue/{issueIdOrKey}/worklog',
      params: ISSUE_ID,
      query: PAGING,
      scopes: [
        ['read:jira-work'],
        [
          'read:comment:jira',
          'read:group:jira',
          'read:issue-worklog:jira',
          'read:issue-worklog.property:jira',
          'read:project-role:jira',
          'read:user:jira',
          'read:avatar:jira',
        ],
      ],
    },
    {
      id: 'project-search',
      description: 'Projects, paged',
      path: '/rest/api/{version}/project/search',
      params: VERSION,
      query: PAGING,
      scopes: [
        ['read:jira-work'],
        [
          'read:issue-type:jira',
          'read:project:jira',
          'read:project.property:jira',
          'read:user:jira',
          'read:application-role:jira',
          'read:avatar:jira',
          'read:group:jira',
          'read:issue-type-hierarchy:jira',
          'read:project-category:jira',
          'read:project-version:jira',
          'read:project.component:jira',
        ],
      ],
    },
    {
      id: 'myself',
      description: 'The user the token acts for (health checks)',
      path: '/rest/api/{version}/myself',
      params: VERSION,
      query: { expand: '(groups|applicationRoles)(,(groups|applicationRoles))?' },
      scopes: [
        ['read:jira-user'],
        ['read:application-role:jira', 'read:group:jira', 'read:user:jira', 'read:avatar:jira'],
      ],
    },
    {
      id: 'accessible-resources',
      description: 'The sites the grant reaches (gateway root; no scope needed)',
      path: '/oauth/token/accessible-resources',
    },
  ],
};
