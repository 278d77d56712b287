import type { ResponseSchema } from './schema-filter';

// The allow-lists the pseudonymized Jira Cloud set puts on responses. Issue responses (`search/jql`
// pages and single issues) follow Psoxy's: what survives is ids, types, statuses, dates, counts and
// the people involved (to be pseudonymized). Summaries, descriptions, environments, labels, custom
// fields, issue keys and every rich-text body do not. Comment and worklog pages keep their bodies'
// structure only (see RICH_TEXT).

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

/**
 * What an Atlassian Document Format body keeps: each node's `type` and `content`, and the account id
 * a `mention` names in `attrs.id` (pseudonymized like any account id). Every other attribute (link
 * and card URLs, media ids and alt text, emoji names, status text, dates), every mark and every
 * `text` is dropped, as is the document's `version`: the node tree is all that remains.
 */
const RICH_TEXT_DEFINITIONS: Record<string, ResponseSchema> = {
  adfNode: {
    type: 'object',
    properties: { type: text, content: array({ $ref: '#/definitions/adfNode' }) },
    discriminator: { propertyName: 'type', mapping: { mention: '#/definitions/adfMention' } },
  },
  adfMention: object({ type: text, attrs: object({ id: text }) }),
};
const richText: ResponseSchema = { $ref: '#/definitions/adfNode' };

/** A comment's or worklog's author, as the unfiltered endpoints showed it less name, avatar and link. */
const author = object({
  accountId: text,
  accountType: text,
  active: flag,
  emailAddress: text,
  locale: text,
  timeZone: text,
});

/** A `GET /issue/{id}/comment` page (v3). */
export const COMMENT_PAGE_SCHEMA: ResponseSchema = {
  ...object({
    comments: array(
      object({
        author,
        body: richText,
        created: text,
        id: text,
        jsdAuthorCanSeeRequest: flag,
        jsdPublic: flag,
        self: text,
        updateAuthor: author,
        updated: text,
        visibility,
      }),
    ),
    maxResults: integer,
    startAt: integer,
    total: integer,
  }),
  definitions: RICH_TEXT_DEFINITIONS,
};

/** A `GET /issue/{id}/worklog` page (v3). */
export const WORKLOG_PAGE_SCHEMA: ResponseSchema = {
  ...object({
    maxResults: integer,
    startAt: integer,
    total: integer,
    worklogs: array(
      object({
        author,
        comment: richText,
        created: text,
        id: text,
        issueId: text,
        self: text,
        started: text,
        timeSpent: text,
        timeSpentSeconds: integer,
        updateAuthor: author,
        updated: text,
        visibility,
      }),
    ),
  }),
  definitions: RICH_TEXT_DEFINITIONS,
};
