import type { ResponseSchema } from './schema-filter';

// The allow-lists Psoxy's Jira Cloud rules put on issue responses (`search/jql` pages and single
// issues): what survives is ids, types, statuses, dates, counts and the people involved (to be
// pseudonymized). Summaries, descriptions, labels, custom fields and issue keys do not.

const text: ResponseSchema = { type: 'string' };
const integer: ResponseSchema = { type: 'integer' };
const flag: ResponseSchema = { type: 'boolean' };

const object = (properties: Record<string, ResponseSchema>): ResponseSchema => ({
  type: 'object',
  properties,
});
const array = (items: ResponseSchema): ResponseSchema => ({ type: 'array', items });
const idOnly = object({ id: text });

const user = object({ accountId: text, accountType: text, active: flag, emailAddress: text, timeZone: text });
const visibility = object({ identifier: text, type: text, value: text });
const progress = object({ progress: integer, total: integer });
const issueType = object({ hierarchyLevel: integer, id: text, subtask: flag });
const priority = object({ id: text, name: text });
const status = object({
  id: text,
  name: text,
  statusCategory: object({ colorName: text, id: integer, key: text, name: text }),
});
const link = object({
  id: text,
  inwardIssue: idOnly,
  outwardIssue: idOnly,
  type: object({ id: text, inward: text, outward: text }),
});

const comment = object({
  author: user,
  created: text,
  id: text,
  updateAuthor: user,
  updated: text,
  visibility,
});

const worklog = object({
  author: user,
  created: text,
  id: text,
  issueId: text,
  started: text,
  timeSpent: text,
  timeSpentSeconds: integer,
  updateAuthor: user,
  updated: text,
  visibility,
});

const history = object({
  author: user,
  created: text,
  id: text,
  items: array(object({ field: text, fieldtype: text })),
});

const fields = object({
  aggregateprogress: progress,
  assignee: user,
  attachment: array(object({ author: user, created: text, id: text, size: integer })),
  comment: array(comment),
  created: text,
  creator: user,
  duedate: text,
  issuelinks: array(link),
  issuetype: issueType,
  lastViewed: text,
  parent: object({ fields: object({ issuetype: issueType, priority, status }), id: text }),
  progress,
  project: object({
    id: text,
    insight: object({ lastIssueUpdateTime: text, totalIssueCount: integer }),
    projectCategory: idOnly,
    projectTypeKey: text,
    simplified: flag,
    style: text,
  }),
  reporter: user,
  resolutiondate: text,
  status,
  statuscategorychangedate: text,
  // Psoxy's spelling: Jira's responses say `subtasks`, so subtasks never pass (kept for parity)
  'sub-tasks': array(link),
  timeTracking: object({
    originalEstimate: text,
    originalEstimateSeconds: integer,
    remainingEstimate: text,
    remainingEstimateSeconds: integer,
    timeSpent: text,
    timeSpentSeconds: integer,
  }),
  timespent: integer,
  // Psoxy declares `updated` an integer, so Jira's timestamp string comes out as null; reproduced
  // deliberately, since pipelines built on Psoxy's output see exactly that
  updated: integer,
  votes: object({ hasVoted: flag, votes: integer }),
  watches: object({ isWatching: flag, watchCount: integer, watchers: array(user) }),
  worklog: object({ worklogs: array(worklog) }),
});

/** One issue, as `GET /issue/{id}` returns it and as each element of a search page. */
export const ISSUE_SCHEMA: ResponseSchema = object({
  changelog: object({ histories: array(history) }),
  fields,
  id: text,
  self: text,
});

/** A `GET /search/jql` page: token paging (`nextPageToken`, `isLast`) plus the older counters. */
export const SEARCH_PAGE_SCHEMA: ResponseSchema = object({
  issues: array(ISSUE_SCHEMA),
  isLast: flag,
  maxResults: integer,
  nextPageToken: text,
  startAt: integer,
  total: integer,
});
