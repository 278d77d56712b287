import type { ResponseSchema } from './schema-filter';
import {
  array,
  flag,
  idOnly,
  integer,
  object,
  offsetPage,
  pageBean,
  richText,
  text,
  withRichText,
} from './schema-parts';

// The allow-lists the pseudonymized Jira Cloud set puts on the work it reads: issues, their
// changelogs, comments and worklogs. What survives is ids, types, statuses, dates, counts and the
// people involved (to be pseudonymized). Summaries, descriptions, environments, labels, custom
// fields, issue keys, names and every rich-text body's words do not. The issue schema is Psoxy's,
// less what Psoxy's redactions then remove (every `name`, and `fields.comment`), so its output is
// Psoxy's byte for byte.

/** A person inside an issue, as Psoxy's issue schema keeps one. */
export const USER = object({
  accountId: text,
  accountType: text,
  active: flag,
  emailAddress: text,
  timeZone: text,
});

/** A person as the user and member endpoints show one, less name, avatar and link. */
export const PERSON = object({
  accountId: text,
  accountType: text,
  active: flag,
  emailAddress: text,
  locale: text,
  timeZone: text,
});

/** Who may see a comment or worklog: the group's or role's id; its `value` (a group or role name) goes. */
const visibility = object({ identifier: text, type: text });
const progress = object({ progress: integer, total: integer });
const issueType = object({ hierarchyLevel: integer, id: text, subtask: flag });
const statusCategory = object({ colorName: text, id: integer, key: text });
const status = object({ id: text, statusCategory });
const link = object({
  id: text,
  inwardIssue: idOnly,
  outwardIssue: idOnly,
  type: object({ id: text, inward: text, outward: text }),
});

/** Who or what made a change through Jira's edit API: only the id (pseudonymized) and its kind. */
const participant = object({ id: text, type: text });

/**
 * One change history entry, wherever it appears (a changelog page, a bulk fetch, an issue's
 * `changelog`). Items keep which field changed, never its values: `from`, `to`, `fromString` and
 * `toString` go (as in Psoxy); for a user field Jira names the people in `tmpFromAccountId` and
 * `tmpToAccountId`, which stay as pseudonyms. `historyMetadata`, which any user who may edit the
 * issue can set, keeps its `type` and the ids of its actor, cause and generator (pseudonymized);
 * its descriptions, names, URLs, avatars and `extraData` go.
 */
const HISTORY = object({
  author: PERSON,
  created: text,
  historyMetadata: object({ actor: participant, cause: participant, generator: participant, type: text }),
  id: text,
  items: array(
    object({ field: text, fieldId: text, fieldtype: text, tmpFromAccountId: text, tmpToAccountId: text }),
  ),
});

const worklogInIssue = object({
  author: USER,
  created: text,
  id: text,
  issueId: text,
  started: text,
  timeSpent: text,
  timeSpentSeconds: integer,
  updateAuthor: USER,
  updated: text,
  visibility,
});

const ISSUE_FIELDS: Record<string, ResponseSchema> = {
  aggregateprogress: progress,
  assignee: USER,
  attachment: array(object({ author: USER, created: text, id: text, size: integer })),
  created: text,
  creator: USER,
  duedate: text,
  issuelinks: array(link),
  issuetype: issueType,
  lastViewed: text,
  parent: object({ fields: object({ issuetype: issueType, priority: idOnly, status }), id: text }),
  progress,
  project: object({
    id: text,
    insight: object({ lastIssueUpdateTime: text, totalIssueCount: integer }),
    projectCategory: idOnly,
    projectTypeKey: text,
    simplified: flag,
    style: text,
  }),
  reporter: USER,
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
  watches: object({ isWatching: flag, watchCount: integer, watchers: array(USER) }),
  worklog: object({ worklogs: array(worklogInIssue) }),
};

/** One issue with `extraFields` beside the allow-listed ones (Jira Software's agile fields). */
export const issueSchema = (extraFields: Record<string, ResponseSchema> = {}): ResponseSchema =>
  object({
    changelog: object({ histories: array(HISTORY) }),
    fields: object({ ...ISSUE_FIELDS, ...extraFields }),
    id: text,
    self: text,
  });

/** One issue, as `GET /issue/{id}` returns it and as each element of a search page. */
export const ISSUE_SCHEMA: ResponseSchema = issueSchema();

/** A `search/jql` page (GET or POST, v2 or v3): token paging (it has no counters). */
export const SEARCH_PAGE_SCHEMA: ResponseSchema = object({
  issues: array(ISSUE_SCHEMA),
  isLast: flag,
  nextPageToken: text,
});

/** `GET /issue/{id}/changelog`: its page `self` and `nextPage` link stay, as in Psoxy. */
export const CHANGELOG_PAGE_SCHEMA: ResponseSchema = object({
  self: text,
  nextPage: text,
  ...pageBean(HISTORY),
});

/** `POST /changelog/bulkfetch`. */
export const BULK_CHANGELOG_SCHEMA: ResponseSchema = object({
  issueChangeLogs: array(object({ changeHistories: array(HISTORY), issueId: text })),
  nextPageToken: text,
});

const COMMENT = object({
  author: PERSON,
  body: richText,
  created: text,
  id: text,
  jsdAuthorCanSeeRequest: flag,
  jsdPublic: flag,
  self: text,
  updateAuthor: PERSON,
  updated: text,
  visibility,
});

const WORKLOG = object({
  author: PERSON,
  comment: richText,
  created: text,
  id: text,
  issueId: text,
  self: text,
  started: text,
  timeSpent: text,
  timeSpentSeconds: integer,
  updateAuthor: PERSON,
  updated: text,
  visibility,
});

/** A `GET /issue/{id}/comment` page (v3). */
export const COMMENT_PAGE_SCHEMA: ResponseSchema = withRichText(object(offsetPage('comments', COMMENT)));

/** A `GET /issue/{id}/worklog` page (v3). */
export const WORKLOG_PAGE_SCHEMA: ResponseSchema = withRichText(object(offsetPage('worklogs', WORKLOG)));

/** `POST /worklog/list`: the worklogs themselves (a v2 `comment` is a string, and so becomes null). */
export const WORKLOG_LIST_SCHEMA: ResponseSchema = withRichText(array(WORKLOG));

/**
 * `GET /worklog/updated` and `/worklog/deleted`: ids and times. A worklog's `properties` are
 * app-set key/value pairs: their keys stay, their values go. `nextPage` is a link to the site's
 * own API with only `since` in its query, which a pipeline follows.
 */
export const WORKLOG_CHANGES_SCHEMA: ResponseSchema = object({
  lastPage: flag,
  nextPage: text,
  self: text,
  since: integer,
  until: integer,
  values: array(
    object({ properties: array(object({ key: text })), updatedTime: integer, worklogId: integer }),
  ),
});
