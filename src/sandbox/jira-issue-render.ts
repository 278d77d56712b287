import type { Issue } from './jira-model';
import {
  commentJson,
  jiraTime,
  memo,
  projectRef,
  richText,
  statusJson,
  userJson,
  type View,
  worklogJson,
} from './jira-render';

/**
 * An issue as Jira Cloud shows it: the fields a `fields` parameter selects, each rendered by
 * jira-render.ts's shapes (users, statuses, projects, comments, worklogs).
 */

const FIELD_NAMES = [
  'statuscategorychangedate',
  'issuetype',
  'timespent',
  'project',
  'created',
  'priority',
  'labels',
  'assignee',
  'updated',
  'status',
  'description',
  'summary',
  'creator',
  'reporter',
  'resolution',
  'resolutiondate',
  'watches',
  'comment',
  'worklog',
] as const;
/** Fields `*navigable` leaves out, as Jira does. */
const NOT_NAVIGABLE = new Set(['comment', 'worklog']);

/** Jira's `fields` parameter: names, `*all`, `*navigable`, `-name` to leave one out. */
export function selectFields(param: string): Set<string> {
  const out = new Set<string>();
  const parts = param
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of parts) {
    if (p === '*all') for (const f of FIELD_NAMES) out.add(f);
    else if (p === '*navigable') for (const f of FIELD_NAMES) if (!NOT_NAVIGABLE.has(f)) out.add(f);
  }
  for (const p of parts) {
    if (p.startsWith('-')) out.delete(p.slice(1));
    else if (!p.startsWith('*')) out.add(p);
  }
  return out;
}

/** The embedded comment/worklog pages of an issue view: Jira caps them at 20 in the issue itself. */
const EMBEDDED = 20;

function fieldValue(name: string, i: Issue, v: View): unknown {
  const spent = i.worklogs.reduce((n, w) => n + w.timeSpentSeconds, 0);
  switch (name) {
    case 'summary':
      return i.summary;
    case 'description':
      return richText(i.description, v);
    case 'issuetype':
      return {
        self: `${v.base}/issuetype/${i.issueType.id}`,
        ...i.issueType,
        subtask: false,
        hierarchyLevel: 0,
      };
    case 'project':
      return projectRef(i.project, v);
    case 'status':
      return statusJson(i.status, v);
    case 'priority':
      return { self: `${v.base}/priority/${i.priority.id}`, ...i.priority };
    case 'reporter':
      return userJson(i.reporter, v);
    case 'creator':
      return userJson(i.creator, v);
    case 'assignee':
      return i.assignee ? userJson(i.assignee, v) : null;
    case 'created':
      return jiraTime(i.created);
    case 'updated':
    case 'statuscategorychangedate':
      return jiraTime(i.updated);
    case 'labels':
      return i.labels;
    case 'resolution':
      return i.status.category === 'done'
        ? {
            self: `${v.base}/resolution/10000`,
            id: '10000',
            description: 'Work has been done.',
            name: 'Done',
          }
        : null;
    case 'resolutiondate':
      return i.status.category === 'done' ? jiraTime(i.updated) : null;
    case 'timespent':
      return spent || null;
    case 'watches':
      return { self: `${v.base}/issue/${i.key}/watchers`, watchCount: 1, isWatching: false };
    case 'comment':
      return {
        comments: i.comments.slice(0, EMBEDDED).map((c) => commentJson(c, i, v)),
        self: `${v.base}/issue/${i.id}/comment`,
        maxResults: EMBEDDED,
        total: i.comments.length,
        startAt: 0,
      };
    case 'worklog':
      return {
        startAt: 0,
        maxResults: EMBEDDED,
        total: i.worklogs.length,
        worklogs: i.worklogs.slice(0, EMBEDDED).map((w) => worklogJson(w, i, v)),
      };
    default:
      return undefined;
  }
}

const issues = new WeakMap<Issue, Map<string, Record<string, unknown>>>();

export function issueJson(i: Issue, v: View, fields: Set<string>): Record<string, unknown> {
  return memo(issues, i, `${v.base} ${[...fields].sort().join(',')}`, () => buildIssue(i, v, fields));
}

function buildIssue(i: Issue, v: View, fields: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) if (fields.has(name)) out[name] = fieldValue(name, i, v);
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: i.id,
    self: `${v.base}/issue/${i.id}`,
    key: i.key,
    fields: out,
  };
}
