import type { Issue, JiraData, Worklog } from './jira-model';

/**
 * The site's worklog changes for `/worklog/updated`, `/worklog/deleted` and `/worklog/list`: every
 * worklog by its update time (the sandbox never edits one, so that is when it was logged), and a
 * few deleted ones, derived from the data so that nothing else changes.
 */

export interface WorklogChanges {
  updated: { worklog: Worklog; issue: Issue; at: number }[];
  deleted: { id: string; at: number }[];
  byId: Map<string, { worklog: Worklog; issue: Issue }>;
}

/** Jira pages these by up to 1,000; the sandbox by 100, so that clients' paging is exercised. */
export const WORKLOG_PAGE = 100;
const HOUR = 3_600_000;

const cache = new WeakMap<JiraData, WorklogChanges>();

export function worklogChanges(data: JiraData): WorklogChanges {
  let out = cache.get(data);
  if (out) return out;
  const updated = data.issues
    .flatMap((issue) => issue.worklogs.map((worklog) => ({ worklog, issue, at: worklog.started })))
    .sort((a, b) => a.at - b.at || Number(a.worklog.id) - Number(b.worklog.id));
  const deleted = data.issues
    .filter((_, i) => i % 10 === 3)
    .map((issue, i) => ({ id: String(90_000 + i), at: issue.updated + 2 * HOUR }))
    .sort((a, b) => a.at - b.at);
  out = { updated, deleted, byId: new Map(updated.map((u) => [u.worklog.id, u])) };
  cache.set(data, out);
  return out;
}

/** One page of changes after `since` (Jira's `since` is exclusive), in Jira's ChangedWorklogs shape. */
export function changedWorklogsPage<T extends { at: number }>(
  all: T[],
  since: number,
  self: string,
  value: (t: T) => Record<string, unknown>,
) {
  const after = all.filter((t) => t.at > since);
  const page = after.slice(0, WORKLOG_PAGE);
  const lastPage = after.length <= WORKLOG_PAGE;
  const until = page.at(-1)?.at ?? since;
  return {
    values: page.map(value),
    since,
    until,
    self: `${self}?since=${since}`,
    lastPage,
    ...(lastPage ? {} : { nextPage: `${self}?since=${until}` }),
  };
}
