import { projectNames } from './jira-cloud-directory-schemas';
import { issueSchema } from './jira-cloud-schemas';
import type { ResponseSchema } from './schema-filter';
import { array, flag, integer, object, servicePage, text } from './schema-parts';

// The allow-lists for Jira Service Management. Every answer of its REST API wraps its lists in the
// same page (`servicePage`) and its people in the same user; `_links` (site URLs, and for a person
// URLs holding the raw account id), `_expands`, names, free text, file names and avatars go.
// Service desk project names and keys, and request issue keys (which start with the project key),
// stay only with `keepProjectNames`. Organization names always go: they name customers, and a
// customer organization of one is named for its person.

/** A customer or agent: the account id and address (pseudonymized), `active` and `timeZone`. */
const USER = object({ accountId: text, active: flag, emailAddress: text, timeZone: text });

/** Service Management's date: `friendly` ("Today 10:30 AM") goes, being a rendering. */
const DATE = object({ epochMillis: integer, iso8601: text, jira: text });

const serviceDesk = (keepNames: boolean) =>
  object({ id: text, projectId: text, ...projectNames(keepNames, 'projectKey', 'projectName') });

/** A request type's name is the service desk's own configuration, like an issue type's. */
const REQUEST_TYPE = object({
  groupIds: array(text),
  id: text,
  issueTypeId: text,
  name: text,
  portalId: text,
  serviceDeskId: text,
});

const STATUS = object({ status: text, statusCategory: text, statusDate: DATE });

const DURATION = object({ millis: integer });
const SLA = object({
  completedCycles: array(
    object({
      breachTime: DATE,
      breached: flag,
      elapsedTime: DURATION,
      goalDuration: DURATION,
      remainingTime: DURATION,
      startTime: DATE,
      stopTime: DATE,
    }),
  ),
  id: text,
  name: text,
  ongoingCycle: object({
    breachTime: DATE,
    breached: flag,
    elapsedTime: DURATION,
    goalDuration: DURATION,
    paused: flag,
    remainingTime: DURATION,
    startTime: DATE,
    withinCalendarHours: flag,
  }),
});

/** An attachment: who added it, when, its size and type; its file name and links go. */
const ATTACHMENT = object({ author: USER, created: DATE, mimeType: text, size: integer });

/** A comment: who wrote it, when, whether customers see it, its attachments; its body goes. */
const COMMENT = object({
  attachments: servicePage(ATTACHMENT),
  author: USER,
  created: DATE,
  id: text,
  public: flag,
});

/** A customer request with whatever `expand` embedded; each field value goes, its id and label stay. */
const request = (keepNames: boolean) =>
  object({
    actions: object({
      addAttachment: object({ allowed: flag }),
      addComment: object({ allowed: flag }),
      addParticipant: object({ allowed: flag }),
      removeParticipant: object({ allowed: flag }),
    }),
    attachments: servicePage(ATTACHMENT),
    comments: servicePage(COMMENT),
    createdDate: DATE,
    currentStatus: STATUS,
    issueId: text,
    participants: servicePage(USER),
    reporter: USER,
    requestFieldValues: array(object({ fieldId: text, label: text })),
    requestType: REQUEST_TYPE,
    requestTypeId: text,
    serviceDesk: serviceDesk(keepNames),
    serviceDeskId: text,
    sla: servicePage(SLA),
    status: servicePage(STATUS),
    ...projectNames(keepNames, 'issueKey'),
  });

export const serviceDesksSchema = (keepNames: boolean) => servicePage(serviceDesk(keepNames));
export const serviceDeskSchema = serviceDesk;
export const REQUEST_TYPES_SCHEMA = servicePage(REQUEST_TYPE);
export const requestsSchema = (keepNames: boolean) => servicePage(request(keepNames));
export const requestSchema = request;
export const COMMENTS_SCHEMA = servicePage(COMMENT);
export const USERS_SCHEMA = servicePage(USER);
export const SLA_SCHEMA = servicePage(SLA);
export const STATUS_SCHEMA = servicePage(STATUS);
/** A queue keeps its name, its column field ids and its count; its JQL (which may name people) goes. */
export const QUEUES_SCHEMA = servicePage(
  object({ fields: array(text), id: text, issueCount: integer, name: text }),
);
/**
 * A queue's issues are Jira issue beans whose fields are the queue's columns, which site admins
 * choose: they pass the Jira issue allow-list, so any column it does not name (custom fields,
 * summaries, labels, comments) goes.
 */
export const QUEUE_ISSUES_SCHEMA: ResponseSchema = servicePage(issueSchema());
export const ORGANIZATIONS_SCHEMA = servicePage(
  object({ created: DATE, id: text, scimManaged: flag, uuid: text }),
);
