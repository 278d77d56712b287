import type { RulesDocument } from '../schema';

/**
 * Built-in `jira-software`: boards and sprints (`/rest/agile/1.0`) and a sprint's issues in both the
 * start-paged Agile form and the token-paged `/rest/software/1.0` form that jira.js 6 calls, read
 * only. Composable with `jira-cloud`: its ids do not collide. Jira Software has no classic scopes
 * (Atlassian's REST reference lists granular ones only), so each endpoint has one alternative.
 */

const NUMBER = '[0-9]{1,18}';
const PAGING = { startAt: '[0-9]{1,9}', maxResults: '[0-9]{1,4}' };
const FIELDS = { pattern: '[A-Za-z0-9_,.*:-]{1,2000}', multiple: true };
const SPRINT_ISSUES = [['read:sprint:jira-software', 'read:issue-details:jira', 'read:jql:jira']];
const ISSUE_QUERY = {
  jql: '.{1,8192}',
  validateQuery: 'true|false',
  fields: FIELDS,
  expand: '[A-Za-z,]{1,255}',
};

export const JIRA_SOFTWARE: RulesDocument = {
  endpoints: [
    {
      id: 'board',
      description: 'Boards, paged',
      path: '/rest/agile/1.0/board',
      query: {
        ...PAGING,
        type: '(scrum|kanban|simple)(,(scrum|kanban|simple)){0,2}',
        name: '.{1,255}',
        projectKeyOrId: '[0-9]{1,18}|[A-Za-z][A-Za-z0-9_]{0,254}',
        includePrivate: 'true|false',
      },
      scopes: [['read:board-scope:jira-software', 'read:project:jira']],
    },
    {
      id: 'board-sprint',
      description: "A board's sprints, paged",
      path: '/rest/agile/1.0/board/{boardId}/sprint',
      params: { boardId: NUMBER },
      query: { ...PAGING, state: '(future|active|closed)(,(future|active|closed)){0,2}' },
      scopes: [['read:sprint:jira-software']],
    },
    {
      id: 'sprint',
      description: 'One sprint',
      path: '/rest/agile/1.0/sprint/{sprintId}',
      params: { sprintId: NUMBER },
      scopes: [['read:sprint:jira-software']],
    },
    {
      id: 'sprint-issue',
      description: "A sprint's issues, paged by startAt",
      path: '/rest/agile/1.0/sprint/{sprintId}/issue',
      params: { sprintId: NUMBER },
      query: { ...PAGING, ...ISSUE_QUERY },
      scopes: SPRINT_ISSUES,
    },
    {
      id: 'software-sprint-issue',
      description: "A sprint's issues, paged by nextPageToken",
      path: '/rest/software/1.0/sprint/{sprintId}/issue',
      params: { sprintId: NUMBER },
      query: {
        nextPageToken: '[A-Za-z0-9._~+/=-]{1,2048}',
        maxResults: '[0-9]{1,4}',
        reconcileIssues: { pattern: '[0-9]{1,18}(,[0-9]{1,18}){0,49}', multiple: true },
        ...ISSUE_QUERY,
      },
      scopes: SPRINT_ISSUES,
    },
  ],
};
