import type { RulesDocument } from '../schema';

/**
 * Built-in `jira-cloud`: the endpoints an analytics pipeline needs (Psoxy's Jira Cloud set, and the
 * read surface of an incremental sync: metadata, search by POST, bulk changelogs, worklogs changed
 * since), read only. Rows Jira serves in v2 and v3 allow both; issue, comment and worklog are v3
 * only, as Psoxy calls them (their v3 bodies are ADF, which the pseudonymized set relies on).
 * The POSTs are reads that take their parameters in a JSON body, each key bounded (body.ts).
 * Scopes: the classic alternative first, then the granular one Jira's REST reference lists.
 */

const VERSION = { version: '[23]' };
const ISSUE = '[0-9]{1,18}|[A-Za-z][A-Za-z0-9_]{0,254}-[0-9]{1,18}';
const ISSUE_ID = { issueIdOrKey: ISSUE };
const PAGING = { startAt: '[0-9]{1,9}', maxResults: '[0-9]{1,4}' };
const FIELDS = { pattern: '[A-Za-z0-9_,.*:-]{1,2000}', multiple: true };
const PAGE_TOKEN = '[A-Za-z0-9._~+/=-]{1,2048}';
const SEARCH_EXPAND =
  '(renderedFields|names|schema|transitions|operations|editmeta|changelog|versionedRepresentations)(,(renderedFields|names|schema|transitions|operations|editmeta|changelog|versionedRepresentations)){0,7}';
/** An issue property key, or a comma list of them (`properties`). */
const PROPERTY = '[A-Za-z0-9_.,*-]{1,255}';
/** JQL in a body: long queries are why pipelines POST. */
const BODY_JQL = { type: 'string', maxLength: 32_768 } as const;
const BODY_TOKEN = { type: 'string', pattern: PAGE_TOKEN } as const;
const WORK = ['read:jira-work'];
/** Granular scopes of `GET /search/jql`. */
const SEARCH_GET = [
  'read:issue-details:jira',
  'read:audit-log:jira',
  'read:avatar:jira',
  'read:field-configuration:jira',
  'read:issue-meta:jira',
];
/** Granular scopes of `POST /search/jql`, and of `POST /search/approximate-count`. */
const SEARCH_POST = [
  'read:issue-details:jira',
  'read:field.default-value:jira',
  'read:field.option:jira',
  'read:field:jira',
  'read:group:jira',
];
const WORKLOG_IDS_SCOPES = [WORK, ['read:issue-worklog:jira', 'read:issue-worklog.property:jira']];
/** Worklogs with their comments and authors: an issue's worklogs, and worklogs by id. */
const WORKLOG_SCOPES = [
  WORK,
  [
    'read:comment:jira',
    'read:group:jira',
    'read:issue-worklog:jira',
    'read:issue-worklog.property:jira',
    'read:project-role:jira',
    'read:user:jira',
    'read:avatar:jira',
  ],
];

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
      description: 'Issues matching a JQL query, paged by nextPageToken; by GET or, for long queries, POST',
      path: '/rest/api/{version}/search/jql',
      params: VERSION,
      methods: ['GET', 'POST'],
      query: {
        jql: '.{1,8192}',
        fields: FIELDS,
        nextPageToken: PAGE_TOKEN,
        maxResults: '[0-9]{1,4}',
        expand: SEARCH_EXPAND,
        properties: { pattern: PROPERTY, multiple: true },
        fieldsByKeys: 'true|false',
        failFast: 'true|false',
        reconcileIssues: { pattern: '[0-9]{1,18}(,[0-9]{1,18}){0,49}', multiple: true },
      },
      body: {
        keys: {
          jql: BODY_JQL,
          nextPageToken: BODY_TOKEN,
          maxResults: { type: 'integer', minimum: 0, maximum: 5000 },
          fields: {
            type: 'array',
            items: { type: 'string', pattern: '[A-Za-z0-9_.*:-]{1,255}' },
            maxItems: 1000,
          },
          expand: { type: 'string', pattern: SEARCH_EXPAND },
          properties: { type: 'array', items: { type: 'string', pattern: PROPERTY }, maxItems: 5 },
          fieldsByKeys: { type: 'boolean' },
          failFast: { type: 'boolean' },
          reconcileIssues: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 50 },
        },
      },
      // Atlassian lists different granular scopes for the GET and the POST; one rule has one list,
      // so either set opens both methods (Jira still checks the method's own).
      scopes: [WORK, SEARCH_GET, SEARCH_POST],
    },
    {
      id: 'search-approximate-count',
      description: 'How many issues a JQL query matches, roughly (sizing a sync)',
      path: '/rest/api/3/search/approximate-count',
      methods: ['POST'],
      body: { keys: { jql: BODY_JQL }, required: ['jql'] },
      scopes: [WORK, SEARCH_POST],
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
      id: 'changelog-bulkfetch',
      description: 'The changelogs of up to 1,000 issues per call, paged by nextPageToken',
      path: '/rest/api/3/changelog/bulkfetch',
      methods: ['POST'],
      body: {
        keys: {
          issueIdsOrKeys: {
            type: 'array',
            items: { type: 'string', pattern: ISSUE },
            minItems: 1,
            maxItems: 1000,
          },
          fieldIds: {
            type: 'array',
            items: { type: 'string', pattern: '[A-Za-z0-9_.:-]{1,255}' },
            maxItems: 10,
          },
          maxResults: { type: 'integer', minimum: 1, maximum: 10_000 },
          nextPageToken: BODY_TOKEN,
        },
        required: ['issueIdsOrKeys'],
        // 1,000 keys of up to 274 characters, quoted
        maxBytes: 524_288,
      },
      scopes: [WORK, ['read:issue-meta:jira', 'read:avatar:jira', 'read:issue.changelog:jira']],
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
      scopes: WORKLOG_SCOPES,
    },
    {
      id: 'worklog-updated',
      description: 'Ids of the worklogs updated since a time (epoch ms), paged by since',
      path: '/rest/api/{version}/worklog/updated',
      params: VERSION,
      query: { since: '[0-9]{1,19}', expand: 'properties' },
      scopes: WORKLOG_IDS_SCOPES,
    },
    {
      id: 'worklog-deleted',
      description: 'Ids of the worklogs deleted since a time (epoch ms), paged by since',
      path: '/rest/api/{version}/worklog/deleted',
      params: VERSION,
      query: { since: '[0-9]{1,19}' },
      scopes: WORKLOG_IDS_SCOPES,
    },
    {
      id: 'worklog-list',
      description: 'Up to 1,000 worklogs by id',
      path: '/rest/api/{version}/worklog/list',
      params: VERSION,
      methods: ['POST'],
      body: {
        keys: { ids: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 1000 } },
        required: ['ids'],
        query: { expand: 'properties' },
      },
      scopes: WORKLOG_SCOPES,
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
      id: 'server-info',
      description: "The site's base URL, version and deployment type (clients call it first)",
      path: '/rest/api/{version}/serverInfo',
      params: VERSION,
      // no scopes: Atlassian's reference requires "Any Scope", which every grant has
    },
    {
      id: 'users-search',
      description: 'All users, paged (the path jira.js getAllUsers calls)',
      path: '/rest/api/{version}/users/search',
      params: VERSION,
      query: PAGING,
      scopes: [
        ['read:jira-user'],
        ['read:user:jira', 'read:application-role:jira', 'read:avatar:jira', 'read:group:jira'],
      ],
    },
    {
      id: 'field',
      description: 'System and custom fields (maps custom field ids to names)',
      path: '/rest/api/{version}/field',
      params: VERSION,
      scopes: [
        WORK,
        [
          'read:field:jira',
          'read:avatar:jira',
          'read:project-category:jira',
          'read:project:jira',
          'read:field-configuration:jira',
        ],
      ],
    },
    {
      id: 'status',
      description: 'Statuses with their categories',
      path: '/rest/api/{version}/status',
      params: VERSION,
      scopes: [WORK, ['read:status:jira']],
    },
    {
      id: 'priority',
      description: 'Priorities',
      path: '/rest/api/{version}/priority',
      params: VERSION,
      scopes: [WORK, ['read:priority:jira']],
    },
    {
      id: 'resolution',
      description: 'Resolutions',
      path: '/rest/api/{version}/resolution',
      params: VERSION,
      scopes: [WORK, ['read:resolution:jira']],
    },
    {
      id: 'issuetype',
      description: 'Issue types',
      path: '/rest/api/{version}/issuetype',
      params: VERSION,
      scopes: [
        WORK,
        ['read:issue-type:jira', 'read:avatar:jira', 'read:project-category:jira', 'read:project:jira'],
      ],
    },
    {
      id: 'accessible-resources',
      description: 'The sites the grant reaches (gateway root; no scope needed)',
      path: '/oauth/token/accessible-resources',
    },
  ],
};
