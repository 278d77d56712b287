import {
  type ApiAnswer,
  type ApiRequest,
  countParam,
  isAnswer,
  jsonBody,
  type Product,
  type Route,
  tokenPage,
} from './api-route';
import { issueJson, selectFields } from './jira-issue-render';
import {
  fieldsJson,
  issueTypesJson,
  prioritiesJson,
  resolutionsJson,
  serverInfoJson,
  statusesJson,
} from './jira-metadata-render';
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
import { changedWorklogsPage, worklogChanges } from './jira-worklogs';
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
const USER = [['read:jira-user'], ['read:user:jira']];
const WORKLOG_IDS = [['read:jira-work'], ['read:issue-worklog:jira', 'read:issue-worklog.property:jira']];
const ROUTES: Route<RouteContext>[] = [
  // Gone for every caller, whatever its scopes.
  { pattern: /^search$/, methods: ['GET', 'POST'], scopes: [[]], handle: () => REMOVED },
  { pattern: /^myself$/, scopes: [['read:jira-user'], ['read:user:jira']], handle: myself },
  { pattern: /^users$/, scopes: USER, handle: users },
  {
    pattern: /^users\/search$/,
    scopes: [
      ['read:jira-user'],
      ['read:user:jira', 'read:application-role:jira', 'read:avatar:jira', 'read:group:jira'],
    ],
    handle: usersSearch,
  },
  {
    // Atlassian: "Any Scope"
    pattern: /^serverInfo$/,
    scopes: [[]],
    handle: (_m, r) => ({ status: 200, body: serverInfoJson(r.site.url) }),
  },
  { pattern: /^field$/, scopes: WORK, handle: () => ({ status: 200, body: fieldsJson() }) },
  { pattern: /^status$/, scopes: WORK, handle: (_m, r) => ({ status: 200, body: statusesJson(r.view) }) },
  { pattern: /^priority$/, scopes: WORK, handle: (_m, r) => ({ status: 200, body: prioritiesJson(r.view) }) },
  {
    pattern: /^resolution$/,
    scopes: WORK,
    handle: (_m, r) => ({ status: 200, body: resolutionsJson(r.view) }),
  },
  {
    pattern: /^issuetype$/,
    scopes: WORK,
    handle: (_m, r) => ({ status: 200, body: issueTypesJson(r.view) }),
  },
  { pattern: /^search\/approximate-count$/, methods: ['POST'], scopes: WORK, handle: approximateCount },
  { pattern: /^changelog\/bulkfetch$/, methods: ['POST'], scopes: WORK, handle: bulkChangelogs },
  { pattern: /^worklog\/updated$/, scopes: WORKLOG_IDS, handle: worklogsUpdated },
  { pattern: /^worklog\/deleted$/, scopes: WORKLOG_IDS, handle: worklogsDeleted },
  { pattern: /^worklog\/list$/, methods: ['POST'], scopes: WORK, handle: worklogList },
  { pattern: /^group\/bulk$/, scopes: [['read:jira-user'], ['read:group:jira']], handle: groupBulk },
  {
    pattern: /^group\/member$/,
    scopes: [['manage:jira-configuration'], ['read:group:jira', 'read:user:jira', 'read:avatar:jira']],
    handle: groupMember,
  },
  { pattern: /^search\/jql$/, methods: ['GET', 'POST'], scopes: WORK, handle: searchJql },
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

/** The path jira.js getAllUsers calls: `/users` with Jira's larger page. */
function usersSearch(m: RegExpExecArray, r: RouteContext): ApiAnswer {
  return users(m, r);
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

/** The search parameters of a GET's query or a POST's body, as Jira reads them. */
interface SearchParams {
  jql: string;
  fields: string | undefined;
  nextPageToken: string | undefined;
  maxResults: string | undefined;
}

function searchParams(r: RouteContext): SearchParams | ApiAnswer {
  const q = r.query;
  if (r.method !== 'POST') {
    return {
      jql: q.get('jql') ?? '',
      fields: q.getAll('fields').join(',') || undefined,
      nextPageToken: q.get('nextPageToken') ?? undefined,
      maxResults: q.get('maxResults') ?? undefined,
    };
  }
  const b = jsonBody(r);
  if (isAnswer(b)) return b;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    jql: text(b.jql) ?? '',
    fields: Array.isArray(b.fields) ? b.fields.join(',') : undefined,
    nextPageToken: text(b.nextPageToken),
    maxResults: typeof b.maxResults === 'number' ? String(b.maxResults) : undefined,
  };
}

function matching(jql: string, r: RouteContext): Issue[] | ApiAnswer {
  try {
    const query = parseJql(jql, r.api.now());
    return r.api.data.issues.filter(query.matches).sort(query.compare);
  } catch (err) {
    if (err instanceof JqlError) return jiraError(400, err.message);
    throw err;
  }
}

/**
 * The enhanced search, by GET or POST: `nextPageToken`/`isLast` only (no total, no startAt), ids
 * unless `fields` is given. Page tokens are bound to their query: reusing one with another JQL is a 400.
 */
function searchJql(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const params = searchParams(r);
  if (isAnswer(params)) return params;
  const matched = matching(params.jql, r);
  if (isAnswer(matched)) return matched;
  const fields = params.fields ? selectFields(params.fields) : undefined;
  const p = paging(
    new URLSearchParams(params.maxResults ? { maxResults: params.maxResults } : {}),
    50,
    fields ? 100 : 5000,
  );
  if (isAnswer(p)) return p;
  const page = tokenPage(matched, params.jql, params.nextPageToken, p.maxResults);
  if (isAnswer(page)) return page;
  return {
    status: 200,
    body: {
      issues: page.items.map((i) => (fields ? issueJson(i, r.view, fields) : { id: i.id })),
      ...(page.next ? { nextPageToken: page.next } : {}),
      isLast: page.next === undefined,
    },
  };
}

function approximateCount(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const b = jsonBody(r);
  if (isAnswer(b)) return b;
  const matched = matching(typeof b.jql === 'string' ? b.jql : '', r);
  return isAnswer(matched) ? matched : { status: 200, body: { count: matched.length } };
}

/**
 * Changelogs of many issues: histories in the order of the issues asked for, filtered to `fieldIds`
 * (a history with no item left is left out), paged across issues by `maxResults` histories.
 */
function bulkChangelogs(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const b = jsonBody(r);
  if (isAnswer(b)) return b;
  const wanted = Array.isArray(b.issueIdsOrKeys) ? b.issueIdsOrKeys.map(String) : [];
  if (wanted.length === 0) return jiraError(400, 'issueIdsOrKeys must not be empty.');
  const fieldIds = Array.isArray(b.fieldIds) ? new Set(b.fieldIds.map(String)) : undefined;
  const maxResults = typeof b.maxResults === 'number' ? Math.min(Math.max(1, b.maxResults), 10_000) : 1000;
  const seen = new Set<Issue>();
  const all: { issueId: string; history: Record<string, unknown> }[] = [];
  for (const idOrKey of wanted) {
    const found = findIssue(r, idOrKey);
    if (!found || seen.has(found)) continue;
    seen.add(found);
    for (const h of found.changelog) {
      const history = historyJson(h, r.view) as { items: { fieldId: string }[] };
      const items = fieldIds ? history.items.filter((i) => fieldIds.has(i.fieldId)) : history.items;
      if (items.length > 0) all.push({ issueId: found.id, history: { ...history, items } });
    }
  }
  const page = tokenPage(
    all,
    JSON.stringify([wanted, [...(fieldIds ?? [])]]),
    typeof b.nextPageToken === 'string' ? b.nextPageToken : undefined,
    maxResults,
  );
  if (isAnswer(page)) return page;
  const grouped: { issueId: string; changeHistories: Record<string, unknown>[] }[] = [];
  for (const { issueId, history } of page.items) {
    const last = grouped.at(-1);
    if (last?.issueId === issueId) last.changeHistories.push(history);
    else grouped.push({ issueId, changeHistories: [history] });
  }
  return {
    status: 200,
    body: { issueChangeLogs: grouped, ...(page.next ? { nextPageToken: page.next } : {}) },
  };
}

const BAD_SINCE = jiraError(400, "The value of 'since' must be a number.");

function worklogsUpdated(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const since = countParam(r.query, 'since', 0);
  if (Number.isNaN(since)) return BAD_SINCE;
  const { updated } = worklogChanges(r.api.data);
  const value = (u: (typeof updated)[number]) => ({
    worklogId: Number(u.worklog.id),
    updatedTime: u.at,
    properties: [],
  });
  return { status: 200, body: changedWorklogsPage(updated, since, `${r.view.base}/worklog/updated`, value) };
}

function worklogsDeleted(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const since = countParam(r.query, 'since', 0);
  if (Number.isNaN(since)) return BAD_SINCE;
  const { deleted } = worklogChanges(r.api.data);
  const value = (d: (typeof deleted)[number]) => ({
    worklogId: Number(d.id),
    updatedTime: d.at,
    properties: [],
  });
  return { status: 200, body: changedWorklogsPage(deleted, since, `${r.view.base}/worklog/deleted`, value) };
}

/** Worklogs by id, in the order asked; ids that name no worklog the user can see are left out. */
function worklogList(_m: RegExpExecArray, r: RouteContext): ApiAnswer {
  const b = jsonBody(r);
  if (isAnswer(b)) return b;
  const ids = Array.isArray(b.ids) ? b.ids : [];
  if (ids.length > 1000) return jiraError(400, 'The number of worklog IDs exceeds the limit of 1000.');
  const { byId } = worklogChanges(r.api.data);
  const found = ids.flatMap((id) => {
    const hit = byId.get(String(id));
    return hit ? [worklogJson(hit.worklog, hit.issue, r.view)] : [];
  });
  return { status: 200, body: found };
}
