import { createHash } from 'node:crypto';
import { type ApiAnswer, type ApiRequest, countParam, isAnswer, type Product, type Route } from './api-route';
import { issueJson, selectFields } from './jira-issue-render';
import type { Issue, User } from './jira-model';
import {
  commentJson,
  groupJson,
  historyJson,
  myselfJson,
  projectJson,
  userJson,
  type View,
  worklogJson,
} from './jira-render';
import { JqlError, parseJql } from './jql';

/** Jira's REST API under `/ex/jira/{cloudId}/rest/api/{2,3,latest}`, read only; api.ts routes to it. */

interface RouteContext extends ApiRequest {
  view: View;
}

const jiraError = (status: number, message: string): ApiAnswer => ({
  status,
  body: { errorMessages: [message], errors: {} },
});
const NO_ISSUE = jiraError(404, 'Issue does not exist or you do not have permission to see it.');
const REMOVED = jiraError(
  410,
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
);

const WORK = [['read:jira-work']];
const ROUTES: Route<RouteContext>[] = [
  // Gone for every caller, whatever its scopes.
  { pattern: /^search$/, methods: ['GET', 'POST'], scopes: [[]], handle: () => REMOVED },
  { pattern: /^myself$/, scopes: [['read:jira-user'], ['read:user:jira']], handle: myself },
  { pattern: /^users$/, scopes: [['read:jira-user'], ['read:user:jira']], handle: users },
  { pattern: /^group\/bulk$/, scopes: [['read:jira-user'], ['read:group:jira']], handle: groupBulk },
  {
    pattern: /^group\/member$/,
    scopes: [['manage:jira-configuration'], ['read:group:jira', 'read:user:jira', 'read:avatar:jira']],
    handle: groupMember,
  },
  { pattern: /^search\/jql$/, scopes: WORK, handle: searchJql },
  { pattern: /^project\/search$/, scopes: WORK, handle: projectSearch },
  { pattern: /^issue\/([^/]+)$/, scopes: WORK, handle: issue },
  { pattern: /^issue\/([^/]+)\/changelog$/, scopes: WORK, handle: changelog },
  { pattern: /^issue\/([^/]+)\/comment$/, scopes: WORK, handle: comments },
  { pattern: /^issue\/([^/]+)\/worklog$/, scopes: WORK, handle: worklogs },
];

export const JIRA: Product<RouteContext> = {
  routes: ROUTES,
  context: (r) => {
    const version = r.version === '2' ? 2 : 3;
    return { ...r, view: { base: `${r.site.url}/rest/api/${version}`, version } };
  },
  notFound: (r, rest) => jiraError(404, `null for uri: ${r.site.url}/rest/api/${r.version}/${rest}`),
};

/** `startAt`/`maxResults` as Jira reads them: integers, maxResults capped at the endpoint's limit. */
function paging(
  q: URLSearchParams,
  defaultMax: number,
  cap: number,
): { startAt: number; maxResults: number } | ApiAnswer {
  const startAt = countParam(q, 'startAt', 0);
  const maxResults = countParam(q, 'maxResults', defaultMax);
  if (Number.isNaN(startAt)) return jiraError(400, "The value of 'startAt' must be a non-negative integer.");
  if (Number.isNaN(maxResults))
    return jiraError(400, "The value of 'maxResults' must be a non-negative integer.");
  return { startAt, maxResults: Math.min(maxResults, cap) };
}

/** Jira's PageBean envelope (`/group/bulk`, `/group/member`, `/project/search`, changelog). */
function pageBean<T>(all: T[], p: { startAt: number; maxResults: number }, self: string, nextPage: boolean) {
  const values = all.slice(p.startAt, p.startAt + p.maxResults);
  const isLast = p.startAt + values.length >= all.length;
  const link = (startAt: number) =>
    `${self}${self.includes('?') ? '&' : '?'}maxResults=${p.maxResults}&startAt=${startAt}`;
  return {
    self: link(p.startAt),
    ...(nextPage && !isLast ? { nextPage: link(p.startAt + p.maxResults) } : {}),
    maxResults: p.maxResults,
    startAt: p.startAt,
    total: all.length,
    isLast,
    values,
  };
}

function myself(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const me = r.api.data.users.find((u) => u.accountId === r.grant.accountId) as User;
  return { status: 200, body: myselfJson(me, r.view) };
}

function users(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const p = paging(r.query, 50, 1000);
  if (isAnswer(p)) return p;
  const page = r.api.data.users.slice(p.startAt, p.startAt + p.maxResults);
  return { status: 200, body: page.map((u) => userJson(u, r.view)) };
}

function groupBulk(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const p = paging(r.query, 50, 50);
  if (isAnswer(p)) return p;
  const all = r.api.data.groups.map(groupJson);
  return { status: 200, body: pageBean(all, p, `${r.view.base}/group/bulk`, false) };
}

function groupMember(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const q = r.query;
  const groupId = q.get('groupId');
  const groupName = q.get('groupname') ?? q.get('groupName');
  if (!groupId && !groupName) return jiraError(400, 'You must provide either a group name or a group ID.');
  const group = r.api.data.groups.find((g) => (groupId ? g.groupId === groupId : g.name === groupName));
  if (!group) return jiraError(404, 'Group does not exist.');
  const p = paging(q, 50, 50);
  if (isAnswer(p)) return p;
  const inactive = q.get('includeInactiveUsers') === 'true';
  const members = group.members.filter((u) => inactive || u.active).map((u) => userJson(u, r.view));
  const self = `${r.view.base}/group/member?groupId=${group.groupId}&includeInactiveUsers=${inactive}`;
  return { status: 200, body: pageBean(members, p, self, true) };
}

function projectSearch(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const p = paging(r.query, 50, 50);
  if (isAnswer(p)) return p;
  const all = r.api.data.projects.map((pr) => projectJson(pr, r.view));
  return { status: 200, body: pageBean(all, p, `${r.view.base}/project/search`, true) };
}

function findIssue(r: RouteContext, idOrKey: string): Issue | undefined {
  let wanted: string;
  try {
    wanted = decodeURIComponent(idOrKey).toUpperCase();
  } catch {
    return undefined;
  }
  return r.api.data.issues.find((i) => i.id === wanted || i.key === wanted);
}

function issue(m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const found = findIssue(r, m[1] ?? '');
  if (!found) return NO_ISSUE;
  return { status: 200, body: issueJson(found, r.view, selectFields(r.query.get('fields') || '*all')) };
}

function changelog(m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const found = findIssue(r, m[1] ?? '');
  if (!found) return NO_ISSUE;
  const p = paging(r.query, 100, 100);
  if (isAnswer(p)) return p;
  const all = found.changelog.map((h) => historyJson(h, r.view));
  return { status: 200, body: pageBean(all, p, `${r.view.base}/issue/${found.key}/changelog`, false) };
}

function comments(m: RegExpExecArray, r: RouteContext): ApiAnswer {
  return issueList(m, r, 'comments', (issue) => issue.comments.map((c) => commentJson(c, issue, r.view)));
}

function worklogs(m: RegExpExecArray, r: RouteContext): ApiAnswer {
  return issueList(m, r, 'worklogs', (issue) => issue.worklogs.map((w) => worklogJson(w, issue, r.view)));
}

/** An issue's comments or worklogs as Jira pages them: `startAt`, `maxResults`, `total`, the page. */
function issueList(
  m: RegExpExecArray,
  r: RouteContext,
  key: 'comments' | 'worklogs',
  all: (issue: Issue) => unknown[],
): ApiAnswer {
  const found = findIssue(r, m[1] ?? '');
  if (!found) return NO_ISSUE;
  const p = paging(r.query, 5000, 5000);
  if (isAnswer(p)) return p;
  const items = all(found);
  return {
    status: 200,
    body: {
      startAt: p.startAt,
      maxResults: p.maxResults,
      total: items.length,
      [key]: items.slice(p.startAt, p.startAt + p.maxResults),
    },
  };
}

/**
 * The enhanced search: `nextPageToken`/`isLast` only (no total, no startAt), ids unless `fields`
 * is given. Page tokens are bound to their query: reusing one with another JQL is a 400.
 */
function searchJql(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const q = r.query;
  const jql = q.get('jql') ?? '';
  let query: ReturnType<typeof parseJql>;
  try {
    query = parseJql(jql, r.api.now());
  } catch (err) {
    if (err instanceof JqlError) return jiraError(400, err.message);
    throw err;
  }
  const fieldsParam = q.get('fields');
  const fields = fieldsParam ? selectFields(fieldsParam) : undefined;
  const p = paging(q, 50, fields ? 100 : 5000);
  if (isAnswer(p)) return p;
  const bound = createHash('sha256').update(jql).digest('base64url').slice(0, 12);
  let offset = 0;
  const token = q.get('nextPageToken');
  if (token) {
    const [b, o] = Buffer.from(token, 'base64url').toString().split(':');
    if (b !== bound || !/^\d+$/.test(o ?? ''))
      return jiraError(400, 'The provided next page token is invalid.');
    offset = Number(o);
  }
  const matched = r.api.data.issues.filter(query.matches).sort(query.compare);
  const page = matched.slice(offset, offset + p.maxResults);
  const isLast = offset + page.length >= matched.length;
  return {
    status: 200,
    body: {
      issues: page.map((i) => (fields ? issueJson(i, r.view, fields) : { id: i.id })),
      ...(isLast
        ? {}
        : { nextPageToken: Buffer.from(`${bound}:${offset + page.length}`).toString('base64url') }),
      isLast,
    },
  };
}
