import type { SandboxSite } from './constants';
import type { JiraData, User } from './jira-data';
import { adfText, avatarUrls, issueJson, selectFields, type View } from './jira-render';
import type { ApiAnswer, ApiContext } from './jira-routes';
import type { Grant } from './oauth';
import {
  type CustomerRequest,
  generateServiceDeskData,
  type Queue,
  type RequestType,
  type ServiceDesk,
  type ServiceDeskData,
  type SlaMetric,
} from './servicedesk-data';

/**
 * Jira Service Management's REST API under `/ex/jira/{cloudId}/rest/servicedeskapi`, read only.
 * Lists come in Service Management's own page envelope (`size`, `start`, `limit`, `isLastPage`,
 * `values`, `_links`), not Jira's PageBean. The caller is treated as an agent of every desk.
 */

interface Ctx {
  data: ServiceDeskData;
  site: SandboxSite;
  grant: Grant;
  /** `https://<site>/rest/servicedeskapi` */
  base: string;
  now: number;
  query: URLSearchParams;
}

interface Route {
  pattern: RegExp;
  /** Alternatives: the grant must hold every scope of at least one. */
  scopes: string[][];
  handle(m: RegExpExecArray, c: Ctx): ApiAnswer;
}

const SCOPE_MISMATCH: ApiAnswer = {
  status: 401,
  body: { code: 401, message: 'Unauthorized; scope does not match' },
};
const jsmError = (status: number, message: string, key: string): ApiAnswer => ({
  status,
  body: { errorMessage: message, i18nErrorMessage: { i18nKey: key, parameters: [] } },
});
const NO_REQUEST = jsmError(
  404,
  'The request could not be found or you do not have permission to view it.',
  'sd.customer.request.error.not.found',
);
const NO_DESK = jsmError(404, 'The service project could not be found.', 'sd.project.error.not.found');

const classicOr = (...granular: string[]) => [['read:servicedesk-request'], granular];
const REQUEST_SCOPES = classicOr('read:request:jira-service-management', 'read:user:jira');
const QUEUE_SCOPES = classicOr('read:queue:jira-service-management');
const DESK_SCOPES = classicOr('read:servicedesk:jira-service-management');

const ROUTES: Route[] = [
  { pattern: /^servicedesk$/, scopes: DESK_SCOPES, handle: serviceDesks },
  { pattern: /^servicedesk\/([^/]+)$/, scopes: DESK_SCOPES, handle: serviceDesk },
  {
    pattern: /^servicedesk\/([^/]+)\/requesttype$/,
    scopes: classicOr('read:requesttype:jira-service-management'),
    handle: requestTypes,
  },
  { pattern: /^servicedesk\/([^/]+)\/queue$/, scopes: QUEUE_SCOPES, handle: queues },
  { pattern: /^servicedesk\/([^/]+)\/queue\/([^/]+)\/issue$/, scopes: QUEUE_SCOPES, handle: queueIssues },
  { pattern: /^request$/, scopes: REQUEST_SCOPES, handle: requests },
  { pattern: /^request\/([^/]+)$/, scopes: REQUEST_SCOPES, handle: request },
  {
    pattern: /^request\/([^/]+)\/comment$/,
    scopes: classicOr('read:request.comment:jira-service-management'),
    handle: comments,
  },
  {
    pattern: /^request\/([^/]+)\/participant$/,
    scopes: classicOr('read:request.participant:jira-service-management'),
    handle: participants,
  },
  {
    pattern: /^request\/([^/]+)\/sla$/,
    scopes: classicOr('read:request.sla:jira-service-management'),
    handle: slas,
  },
  {
    pattern: /^request\/([^/]+)\/status$/,
    scopes: classicOr('read:request.status:jira-service-management'),
    handle: statuses,
  },
  {
    pattern: /^organization$/,
    scopes: [['manage:servicedesk-customer'], ['read:organization:jira-service-management']],
    handle: organizations,
  },
  {
    pattern: /^organization\/([^/]+)\/user$/,
    scopes: [['manage:servicedesk-customer'], ['read:organization.user:jira-service-management']],
    handle: organizationUsers,
  },
];

/** Derived once per generated Jira data set, like the rest of the sandbox's content. */
const derived = new WeakMap<JiraData, ServiceDeskData>();

/** `rest` is the path after `/rest/servicedeskapi/`; site and grant are already checked by the caller. */
export function handleServiceDesk(
  method: string,
  rest: string,
  query: URLSearchParams,
  api: ApiContext,
  site: SandboxSite,
  grant: Grant,
): ApiAnswer {
  for (const route of ROUTES) {
    const m = route.pattern.exec(rest);
    if (!m) continue;
    if (method !== 'GET') return { status: 405 };
    if (!route.scopes.some((set) => set.every((s) => grant.scopes.includes(s)))) return SCOPE_MISMATCH;
    let data = derived.get(api.data);
    if (!data) {
      data = generateServiceDeskData(api.data);
      derived.set(api.data, data);
    }
    const base = `${site.url}/rest/servicedeskapi`;
    return route.handle(m, { data, site, grant, base, now: api.now(), query });
  }
  return jsmError(404, `No resource found for servicedeskapi/${rest}`, 'sd.rest.error.not.found');
}

// ---- paging -------------------------------------------------------------------------------------

interface Paging {
  start: number;
  limit: number;
}
const isAnswer = (x: object): x is ApiAnswer => 'status' in x;

/** `start`/`limit` as Service Management reads them: integers, `limit` capped at 50. */
function paging(q: URLSearchParams): Paging | ApiAnswer {
  const read = (name: string, dflt: number) => {
    const raw = q.get(name);
    if (raw === null || raw === '') return dflt;
    return /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  };
  const start = read('start', 0);
  const limit = read('limit', 50);
  if (Number.isNaN(start) || Number.isNaN(limit)) {
    return jsmError(
      400,
      'The start and limit parameters must be non-negative integers.',
      'sd.paging.invalid',
    );
  }
  return { start, limit: Math.min(Math.max(limit, 1), 50) };
}

/** The page envelope; `next`/`prev` repeat the caller's other parameters, as Atlassian's do. */
function page<T>(all: readonly T[], p: Paging, self: string, c: Ctx, query = c.query) {
  const values = all.slice(p.start, p.start + p.limit);
  const isLastPage = p.start + values.length >= all.length;
  const link = (start: number) => {
    const params = new URLSearchParams(query);
    params.set('start', String(start));
    params.set('limit', String(p.limit));
    return `${self}?${params}`;
  };
  return {
    _expands: [],
    size: values.length,
    start: p.start,
    limit: p.limit,
    isLastPage,
    _links: {
      self: link(p.start),
      base: c.base,
      context: '',
      ...(isLastPage ? {} : { next: link(p.start + p.limit) }),
      ...(p.start > 0 ? { prev: link(Math.max(0, p.start - p.limit)) } : {}),
    },
    values,
  };
}

/** An embedded collection (an `expand` of a request): its first page, its own links. */
const embedded = <T>(all: readonly T[], self: string, c: Ctx) =>
  page(all, { start: 0, limit: 50 }, self, c, new URLSearchParams());

function paged<T>(all: readonly T[], self: string, c: Ctx): ApiAnswer {
  const p = paging(c.query);
  if (isAnswer(p)) return p;
  return { status: 200, body: page(all, p, self, c) };
}

// ---- JSON shapes --------------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Service Management's DateDTO; `friendly` in the site's absolute format (the site runs on UTC). */
function dateJson(ms: number) {
  const d = new Date(ms);
  const iso = d.toISOString();
  const h = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  const friendly = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${two(d.getUTCFullYear() % 100)} ${h % 12 || 12}:${two(d.getUTCMinutes())} ${h < 12 ? 'AM' : 'PM'}`;
  return { iso8601: `${iso.slice(0, 19)}+0000`, jira: `${iso.slice(0, 23)}+0000`, friendly, epochMillis: ms };
}

function durationJson(ms: number) {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const text = `${Math.floor(minutes / 60)}h ${minutes % 60}m`.replace(/^0h /, '').replace(/ 0m$/, '');
  return { millis: ms, friendly: ms < 0 ? `-${text}` : text };
}

function userJson(u: User, c: Ctx) {
  const rest = `${c.site.url}/rest/api/2/user?accountId=${encodeURIComponent(u.accountId)}`;
  return {
    accountId: u.accountId,
    ...(u.emailAddress ? { emailAddress: u.emailAddress } : {}),
    displayName: u.displayName,
    active: u.active,
    timeZone: u.timeZone,
    _links: { jiraRest: rest, avatarUrls: avatarUrls(u), self: rest },
  };
}

function deskJson(sd: ServiceDesk, c: Ctx) {
  return {
    id: sd.id,
    projectId: sd.project.id,
    projectName: sd.project.name,
    projectKey: sd.project.key,
    _links: { self: `${c.base}/servicedesk/${sd.id}` },
  };
}

function requestTypeJson(t: RequestType, sd: ServiceDesk, c: Ctx) {
  const icon = `${c.site.url}/rest/api/2/universal_avatar/view/type/SD_REQTYPE/avatar/${10530 + Number(t.id)}`;
  return {
    _expands: ['field'],
    id: t.id,
    _links: { self: `${c.base}/servicedesk/${sd.id}/requesttype/${t.id}` },
    name: t.name,
    description: t.description,
    helpText: '',
    issueTypeId: t.issueTypeId,
    serviceDeskId: sd.id,
    portalId: sd.id,
    groupIds: t.groupIds,
    icon: {
      id: String(10530 + Number(t.id)),
      _links: {
        iconUrls: {
          '48x48': `${icon}?size=large`,
          '24x24': `${icon}?size=small`,
          '16x16': `${icon}?size=xsmall`,
          '32x32': `${icon}?size=medium`,
        },
      },
    },
  };
}

const CATEGORY = { new: 'NEW', indeterminate: 'INDETERMINATE', done: 'DONE' } as const;

function statusJson(r: CustomerRequest) {
  return r.statusHistory.map((s) => ({
    status: s.status.name,
    statusCategory: CATEGORY[s.status.category],
    statusDate: dateJson(s.at),
  }));
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function commentJson(
  r: CustomerRequest,
  entry: CustomerRequest['comments'][number],
  c: Ctx,
  expand: Set<string>,
) {
  const text = adfText(entry.comment.body);
  return {
    _expands: ['attachment', 'renderedBody'],
    id: entry.comment.id,
    body: text,
    ...(expand.has('renderedBody') ? { renderedBody: { html: `<p>${escapeHtml(text)}</p>` } } : {}),
    public: entry.public,
    author: userJson(entry.comment.author, c),
    created: dateJson(entry.comment.created),
    ...(expand.has('attachment')
      ? {
          attachments: embedded(
            [],
            `${c.base}/request/${r.issue.id}/comment/${entry.comment.id}/attachment`,
            c,
          ),
        }
      : {}),
    _links: { self: `${c.base}/request/${r.issue.id}/comment/${entry.comment.id}` },
  };
}

function slaJson(r: CustomerRequest, m: SlaMetric, c: Ctx) {
  const cycle = (stop: number) => ({
    startTime: dateJson(m.start),
    breachTime: dateJson(m.start + m.goalMs),
    breached: stop - m.start > m.goalMs,
    goalDuration: durationJson(m.goalMs),
    elapsedTime: durationJson(stop - m.start),
    remainingTime: durationJson(m.goalMs - (stop - m.start)),
  });
  return {
    id: m.id,
    name: m.name,
    _links: { self: `${c.base}/request/${r.issue.id}/sla/${m.id}` },
    completedCycles: m.stop === undefined ? [] : [{ ...cycle(m.stop), stopTime: dateJson(m.stop) }],
    // a running clock is measured against the sandbox's clock, as Atlassian measures it against now
    ...(m.stop === undefined
      ? { ongoingCycle: { ...cycle(Math.max(c.now, m.start)), paused: false, withinCalendarHours: true } }
      : {}),
  };
}

/** What `expand` asks for: comma lists, repeatable. */
function expansions(q: URLSearchParams): Set<string> {
  return new Set(q.getAll('expand').flatMap((e) => e.split(',').map((s) => s.trim())));
}

function requestJson(r: CustomerRequest, c: Ctx, expand: Set<string>) {
  const { issue, serviceDesk: sd } = r;
  const self = `${c.base}/request/${issue.id}`;
  const description = adfText(issue.description);
  const current = r.statusHistory.at(-1) ?? { status: issue.status, at: issue.created };
  return {
    _expands: [
      'participant',
      'status',
      'sla',
      'requestType',
      'serviceDesk',
      'attachment',
      'action',
      'comment',
    ],
    issueId: issue.id,
    issueKey: issue.key,
    requestTypeId: r.requestType.id,
    serviceDeskId: sd.id,
    createdDate: dateJson(issue.created),
    reporter: userJson(issue.reporter, c),
    requestFieldValues: [
      { fieldId: 'summary', label: 'Summary', value: issue.summary },
      {
        fieldId: 'description',
        label: 'Description',
        value: description,
        renderedValue: { html: `<p>${escapeHtml(description)}</p>` },
      },
    ],
    currentStatus: {
      status: current.status.name,
      statusCategory: CATEGORY[current.status.category],
      statusDate: dateJson(current.at),
    },
    ...(expand.has('participant')
      ? {
          participants: embedded(
            r.participants.map((u) => userJson(u, c)),
            `${self}/participant`,
            c,
          ),
        }
      : {}),
    ...(expand.has('status') ? { status: embedded(statusJson(r), `${self}/status`, c) } : {}),
    ...(expand.has('sla')
      ? {
          sla: embedded(
            r.sla.map((m) => slaJson(r, m, c)),
            `${self}/sla`,
            c,
          ),
        }
      : {}),
    ...(expand.has('requestType') ? { requestType: requestTypeJson(r.requestType, sd, c) } : {}),
    ...(expand.has('serviceDesk') ? { serviceDesk: deskJson(sd, c) } : {}),
    ...(expand.has('attachment') ? { attachments: embedded([], `${self}/attachment`, c) } : {}),
    ...(expand.has('action')
      ? {
          actions: {
            addAttachment: { allowed: true },
            addComment: { allowed: true },
            addParticipant: { allowed: true },
            removeParticipant: { allowed: true },
          },
        }
      : {}),
    ...(expand.has('comment')
      ? {
          comments: embedded(
            r.comments.map((e) => commentJson(r, e, c, new Set())),
            `${self}/comment`,
            c,
          ),
        }
      : {}),
    _links: {
      jiraRest: `${c.site.url}/rest/api/2/issue/${issue.id}`,
      web: `${c.site.url}/servicedesk/customer/portal/${sd.id}/${issue.key}`,
      agent: `${c.site.url}/browse/${issue.key}`,
      self,
    },
  };
}

// ---- lookups ------------------------------------------------------------------------------------

/** By desk id, or by its project's id or key, as Atlassian allows. */
function findDesk(c: Ctx, idOrKey: string): ServiceDesk | undefined {
  const key = idOrKey.toUpperCase();
  return c.data.serviceDesks.find(
    (sd) => sd.id === idOrKey || sd.project.id === idOrKey || sd.project.key === key,
  );
}

function findRequest(c: Ctx, idOrKey: string): CustomerRequest | undefined {
  const key = idOrKey.toUpperCase();
  return c.data.requests.find((r) => r.issue.id === idOrKey || r.issue.key === key);
}

const newestActivityFirst = (a: CustomerRequest, b: CustomerRequest) => b.issue.updated - a.issue.updated;
const newestFirst = (a: CustomerRequest, b: CustomerRequest) => b.issue.created - a.issue.created;

// ---- handlers -----------------------------------------------------------------------------------

function serviceDesks(_m: RegExpExecArray, c: Ctx): ApiAnswer {
  return paged(
    c.data.serviceDesks.map((sd) => deskJson(sd, c)),
    `${c.base}/servicedesk`,
    c,
  );
}

function serviceDesk(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const sd = findDesk(c, m[1] ?? '');
  return sd ? { status: 200, body: deskJson(sd, c) } : NO_DESK;
}

function requestTypes(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const sd = findDesk(c, m[1] ?? '');
  if (!sd) return NO_DESK;
  const search = c.query.get('searchQuery')?.toLowerCase();
  const group = c.query.get('groupId');
  const types = sd.requestTypes.filter(
    (t) => (!search || t.name.toLowerCase().includes(search)) && (!group || t.groupIds.includes(group)),
  );
  return paged(
    types.map((t) => requestTypeJson(t, sd, c)),
    `${c.base}/servicedesk/${sd.id}/requesttype`,
    c,
  );
}

function queues(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const sd = findDesk(c, m[1] ?? '');
  if (!sd) return NO_DESK;
  const count = c.query.get('includeCount') === 'true';
  const inDesk = c.data.requests.filter((r) => r.serviceDesk === sd);
  const json = sd.queues.map((queue) => ({
    id: queue.id,
    name: queue.name,
    jql: queue.jql,
    fields: queue.fields,
    ...(count ? { issueCount: inDesk.filter((r) => queue.matches(r, c.grant.accountId)).length } : {}),
    _links: { self: `${c.base}/servicedesk/${sd.id}/queue/${queue.id}` },
  }));
  return paged(json, `${c.base}/servicedesk/${sd.id}/queue`, c);
}

function queueIssues(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const sd = findDesk(c, m[1] ?? '');
  if (!sd) return NO_DESK;
  const queue: Queue | undefined = sd.queues.find((q) => q.id === m[2]);
  if (!queue) return jsmError(404, 'The queue could not be found.', 'sd.queue.error.not.found');
  const view: View = { base: `${c.site.url}/rest/api/2`, version: 2 };
  const fields = selectFields(queue.fields.join(','));
  const issues = c.data.requests
    .filter((r) => r.serviceDesk === sd && queue.matches(r, c.grant.accountId))
    .sort(newestFirst)
    .map((r) => issueJson(r.issue, view, fields));
  return paged(issues, `${c.base}/servicedesk/${sd.id}/queue/${queue.id}/issue`, c);
}

const OWNERSHIP = new Set([
  'OWNED_REQUESTS',
  'PARTICIPATED_REQUESTS',
  'APPROVER',
  'ORGANIZATION',
  'ALL_ORGANIZATIONS',
  'ALL_REQUESTS',
]);
const STATUS_FILTER = new Set(['OPEN_REQUESTS', 'CLOSED_REQUESTS', 'ALL_REQUESTS']);

function requests(_m: RegExpExecArray, c: Ctx): ApiAnswer {
  const q = c.query;
  const me = c.grant.accountId;
  const ownership = q.getAll('requestOwnership');
  const status = q.get('requestStatus') ?? 'ALL_REQUESTS';
  if (ownership.some((o) => !OWNERSHIP.has(o)) || !STATUS_FILTER.has(status)) {
    return jsmError(400, 'The request filter is not valid.', 'sd.customer.request.filter.invalid');
  }
  const orgId = q.get('organizationId');
  const org = orgId === null ? undefined : c.data.organizations.find((o) => o.id === orgId);
  if (ownership.includes('ORGANIZATION') && !org) {
    return jsmError(
      400,
      'An existing organizationId is needed to filter by ORGANIZATION.',
      'sd.organization.invalid',
    );
  }
  const myOrgs = c.data.organizations.filter((o) => o.members.some((u) => u.accountId === me));
  const owns = (r: CustomerRequest, o: string) => {
    switch (o) {
      case 'OWNED_REQUESTS':
        return r.issue.reporter.accountId === me;
      case 'PARTICIPATED_REQUESTS':
        return r.participants.some((u) => u.accountId === me);
      case 'ORGANIZATION':
        return org?.members.includes(r.issue.reporter) ?? false;
      case 'ALL_ORGANIZATIONS':
        return myOrgs.some((x) => x.members.includes(r.issue.reporter));
      case 'ALL_REQUESTS':
        return true;
      default:
        // the sandbox's requests have no approvals
        return false;
    }
  };
  const term = q.get('searchTerm')?.replaceAll('*', '').toLowerCase();
  const desk = q.get('serviceDeskId');
  const type = q.get('requestTypeId');
  const done = (r: CustomerRequest) => r.issue.status.category === 'done';
  const matched = c.data.requests
    .filter(
      (r) =>
        (ownership.length === 0 || ownership.some((o) => owns(r, o))) &&
        (status === 'ALL_REQUESTS' || done(r) === (status === 'CLOSED_REQUESTS')) &&
        (!term || r.issue.summary.toLowerCase().includes(term)) &&
        (!desk || r.serviceDesk.id === desk) &&
        (!type || r.requestType.id === type),
    )
    .sort(newestActivityFirst);
  const expand = expansions(q);
  return paged(
    matched.map((r) => requestJson(r, c, expand)),
    `${c.base}/request`,
    c,
  );
}

function request(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const r = findRequest(c, m[1] ?? '');
  return r ? { status: 200, body: requestJson(r, c, expansions(c.query)) } : NO_REQUEST;
}

function comments(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const r = findRequest(c, m[1] ?? '');
  if (!r) return NO_REQUEST;
  const showPublic = c.query.get('public') !== 'false';
  const showInternal = c.query.get('internal') !== 'false';
  const expand = expansions(c.query);
  const visible = r.comments.filter((e) => (e.public ? showPublic : showInternal));
  return paged(
    visible.map((e) => commentJson(r, e, c, expand)),
    `${c.base}/request/${r.issue.id}/comment`,
    c,
  );
}

function participants(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const r = findRequest(c, m[1] ?? '');
  if (!r) return NO_REQUEST;
  return paged(
    r.participants.map((u) => userJson(u, c)),
    `${c.base}/request/${r.issue.id}/participant`,
    c,
  );
}

function slas(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const r = findRequest(c, m[1] ?? '');
  if (!r) return NO_REQUEST;
  return paged(
    r.sla.map((metric) => slaJson(r, metric, c)),
    `${c.base}/request/${r.issue.id}/sla`,
    c,
  );
}

function statuses(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const r = findRequest(c, m[1] ?? '');
  if (!r) return NO_REQUEST;
  return paged(statusJson(r), `${c.base}/request/${r.issue.id}/status`, c);
}

function organizations(_m: RegExpExecArray, c: Ctx): ApiAnswer {
  const accountId = c.query.get('accountId');
  const orgs = c.data.organizations.filter(
    (o) => accountId === null || o.members.some((u) => u.accountId === accountId),
  );
  const json = orgs.map((o) => ({
    id: o.id,
    name: o.name,
    _links: { self: `${c.base}/organization/${o.id}` },
  }));
  return paged(json, `${c.base}/organization`, c);
}

function organizationUsers(m: RegExpExecArray, c: Ctx): ApiAnswer {
  const org = c.data.organizations.find((o) => o.id === m[1]);
  if (!org) return jsmError(404, 'The organization could not be found.', 'sd.organization.error.not.found');
  return paged(
    org.members.map((u) => userJson(u, c)),
    `${c.base}/organization/${org.id}/user`,
    c,
  );
}
