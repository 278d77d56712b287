import { type ApiAnswer, type ApiRequest, countParam, isAnswer, type Product, tokenPage } from './api-route';
import { issueJson, selectFields } from './jira-issue-render';
import type { Issue } from './jira-model';
import type { View } from './jira-render';
import { type Board, type SoftwareData, type Sprint, softwareData } from './jira-software-data';
import { JqlError, parseJql } from './jql';

/**
 * Jira Software's REST API under `/ex/jira/{cloudId}/rest/agile/1.0` (boards, a board's sprints, a
 * sprint, a sprint's issues paged by startAt) and `/rest/software/1.0` (a sprint's issues paged by
 * token, as jira.js 6 calls it), read only; api.ts routes to it. Jira Software has granular scopes
 * only. Its issues are the platform's (v2 shapes, as the Agile API answers) plus the agile fields.
 */

interface SoftwareContext extends ApiRequest {
  sw: SoftwareData;
  /** `https://<site>/rest/agile/1.0`: the Agile API's own links. */
  agile: string;
  view: View;
}

const error = (status: number, message: string): ApiAnswer => ({
  status,
  body: { errorMessages: [message], errors: {} },
});
const NO_SPRINT = error(404, 'Sprint does not exist or you do not have permission to see it.');
const SPRINT_ISSUES = [['read:sprint:jira-software', 'read:issue-details:jira', 'read:jql:jira']];
const SPRINT = [['read:sprint:jira-software']];

/** Both APIs in one table: api.ts puts the API's name (`agile`, `software`) before the path. */
export const JIRA_SOFTWARE: Product<SoftwareContext> = {
  routes: [
    {
      pattern: /^agile\/board$/,
      scopes: [['read:board-scope:jira-software', 'read:project:jira']],
      handle: boards,
    },
    { pattern: /^agile\/board\/(\d+)\/sprint$/, scopes: SPRINT, handle: boardSprints },
    { pattern: /^agile\/sprint\/(\d+)$/, scopes: SPRINT, handle: sprint },
    { pattern: /^agile\/sprint\/(\d+)\/issue$/, scopes: SPRINT_ISSUES, handle: sprintIssues },
    { pattern: /^software\/sprint\/(\d+)\/issue$/, scopes: SPRINT_ISSUES, handle: softwareSprintIssues },
  ],
  context: (r) => ({
    ...r,
    sw: softwareData(r.api.data),
    agile: `${r.site.url}/rest/agile/1.0`,
    view: { base: `${r.site.url}/rest/api/2`, version: 2 },
  }),
  notFound: () => error(404, 'The requested resource could not be found.'),
};

/** `startAt`/`maxResults` as the Agile API reads them: integers, maxResults capped at 50. */
function paging(q: URLSearchParams): { startAt: number; maxResults: number } | ApiAnswer {
  const startAt = countParam(q, 'startAt', 0);
  const maxResults = countParam(q, 'maxResults', 50);
  if (Number.isNaN(startAt) || Number.isNaN(maxResults))
    return error(400, 'startAt and maxResults must be numbers.');
  return { startAt, maxResults: Math.min(maxResults, 50) };
}

const iso = (ms: number) => new Date(ms).toISOString();

function boardJson(b: Board, c: SoftwareContext) {
  const p = b.project;
  return {
    id: b.id,
    self: `${c.agile}/board/${b.id}`,
    name: b.name,
    type: b.type,
    location: {
      projectId: Number(p.id),
      displayName: `${p.name} (${p.key})`,
      projectName: p.name,
      projectKey: p.key,
      projectTypeKey: 'software',
      avatarURI: `${c.site.url}/rest/api/2/universal_avatar/view/type/project/avatar/${10400 + Number(p.id.slice(-1))}?size=small`,
      name: p.name,
    },
    isPrivate: false,
  };
}

function sprintJson(s: Sprint, c: SoftwareContext) {
  return {
    id: s.id,
    self: `${c.agile}/sprint/${s.id}`,
    state: s.state,
    name: s.name,
    ...(s.state === 'future' ? {} : { startDate: iso(s.start), endDate: iso(s.end) }),
    ...(s.state === 'closed' ? { completeDate: iso(s.end) } : {}),
    createdDate: iso(s.start - 86_400_000),
    originBoardId: s.board.id,
    goal: s.goal,
  };
}

function listPage<T>(all: T[], p: { startAt: number; maxResults: number }, withTotal: boolean) {
  const values = all.slice(p.startAt, p.startAt + p.maxResults);
  return {
    maxResults: p.maxResults,
    startAt: p.startAt,
    ...(withTotal ? { total: all.length } : {}),
    isLast: p.startAt + values.length >= all.length,
    values,
  };
}

function boards(_m: RegExpExecArray, c: SoftwareContext): ApiAnswer {
  const p = paging(c.query);
  if (isAnswer(p)) return p;
  const types = c.query.get('type')?.split(',');
  const name = c.query.get('name')?.toLowerCase();
  const project = c.query.get('projectKeyOrId')?.toUpperCase();
  const all = c.sw.boards.filter(
    (b) =>
      (!types || types.includes(b.type)) &&
      (!name || b.name.toLowerCase().includes(name)) &&
      (!project || b.project.key === project || b.project.id === project),
  );
  return {
    status: 200,
    body: listPage(
      all.map((b) => boardJson(b, c)),
      p,
      true,
    ),
  };
}

function boardSprints(m: RegExpExecArray, c: SoftwareContext): ApiAnswer {
  const board = c.sw.boards.find((b) => b.id === Number(m[1]));
  if (!board) return error(404, 'Board does not exist or you do not have permission to see it.');
  if (board.type !== 'scrum') return error(400, 'The board does not support sprints');
  const p = paging(c.query);
  if (isAnswer(p)) return p;
  const states = c.query.get('state')?.split(',');
  const all = c.sw.sprints.filter((s) => s.board === board && (!states || states.includes(s.state)));
  return {
    status: 200,
    body: listPage(
      all.map((s) => sprintJson(s, c)),
      p,
      false,
    ),
  };
}

function findSprint(m: RegExpExecArray, c: SoftwareContext): Sprint | undefined {
  return c.sw.sprints.find((s) => s.id === Number(m[1]));
}

function sprint(m: RegExpExecArray, c: SoftwareContext): ApiAnswer {
  const found = findSprint(m, c);
  return found ? { status: 200, body: sprintJson(found, c) } : NO_SPRINT;
}

const AGILE_FIELDS = ['sprint', 'closedSprints', 'flagged', 'epic'] as const;

/** A sprint's issues matching the optional JQL, in data order (the sandbox's stand-in for rank). */
function sprintMembers(m: RegExpExecArray, c: SoftwareContext): Issue[] | ApiAnswer {
  const found = findSprint(m, c);
  if (!found) return NO_SPRINT;
  const jql = c.query.get('jql');
  if (!jql) return c.sw.issuesOf(found);
  try {
    const query = parseJql(jql, c.api.now());
    return c.sw.issuesOf(found).filter(query.matches);
  } catch (err) {
    if (err instanceof JqlError) return error(400, err.message);
    throw err;
  }
}

/** An issue as the Agile API shows it: the platform's fields and, unless left out, the agile ones. */
function agileIssue(i: Issue, c: SoftwareContext): Record<string, unknown> {
  const param = c.query.getAll('fields').join(',');
  const all = param === '' || /(^|,)\*(all|navigable)(,|$)/.test(param);
  const selected = selectFields(param || '*navigable');
  const base = issueJson(i, c.view, selected) as { fields: Record<string, unknown> };
  const membership = c.sw.membership.get(i);
  const agile: Record<(typeof AGILE_FIELDS)[number], unknown> = {
    sprint: membership?.current ? sprintJson(membership.current, c) : null,
    closedSprints: (membership?.closed ?? []).map((s) => sprintJson(s, c)),
    flagged: c.sw.flagged(i),
    epic: null,
  };
  const fields = { ...base.fields };
  for (const name of AGILE_FIELDS) if (all || selected.has(name)) fields[name] = agile[name];
  return { ...base, self: `${c.agile}/issue/${i.id}`, fields };
}

function sprintIssues(m: RegExpExecArray, c: SoftwareContext): ApiAnswer {
  const members = sprintMembers(m, c);
  if (isAnswer(members)) return members;
  const p = paging(c.query);
  if (isAnswer(p)) return p;
  return {
    status: 200,
    body: {
      expand: 'schema,names',
      startAt: p.startAt,
      maxResults: p.maxResults,
      total: members.length,
      issues: members.slice(p.startAt, p.startAt + p.maxResults).map((i) => agileIssue(i, c)),
    },
  };
}

function softwareSprintIssues(m: RegExpExecArray, c: SoftwareContext): ApiAnswer {
  const members = sprintMembers(m, c);
  if (isAnswer(members)) return members;
  const maxResults = countParam(c.query, 'maxResults', 50);
  if (Number.isNaN(maxResults)) return error(400, 'maxResults must be a number.');
  const bound = `${m[1]} ${c.query.get('jql') ?? ''}`;
  const page = tokenPage(
    members,
    bound,
    c.query.get('nextPageToken') ?? undefined,
    Math.min(maxResults, 100),
  );
  if (isAnswer(page)) return page;
  return {
    status: 200,
    body: {
      issues: page.items.map((i) => agileIssue(i, c)),
      ...(page.next ? { nextPageToken: page.next } : {}),
      isLast: page.next === undefined,
    },
  };
}
