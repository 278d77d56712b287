import type { ApiAnswer, Product, Route } from './api-route';
import { issueJson, selectFields } from './jira-issue-render';
import type { JiraData } from './jira-model';
import type { View } from './jira-render';
import {
  type CustomerRequest,
  generateServiceDeskData,
  type Queue,
  type ServiceDesk,
  type ServiceDeskData,
} from './servicedesk-data';
import { jsmError, paged } from './servicedesk-envelope';
import {
  type ServiceDeskContext as Ctx,
  commentJson,
  deskJson,
  expansions,
  requestJson,
  requestTypeJson,
  slaJson,
  statusJson,
  userJson,
} from './servicedesk-render';

/**
 * Jira Service Management's REST API under `/ex/jira/{cloudId}/rest/servicedeskapi`, read only;
 * api.ts routes to it, servicedesk-render.ts shapes its answers. The caller is treated as an
 * agent of every desk.
 */

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

const ROUTES: Route<Ctx>[] = [
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

export const SERVICE_DESK: Product<Ctx> = {
  routes: ROUTES,
  context: (r) => {
    let data = derived.get(r.api.data);
    if (!data) {
      data = generateServiceDeskData(r.api.data);
      derived.set(r.api.data, data);
    }
    const base = `${r.site.url}/rest/servicedeskapi`;
    return { data, site: r.site, grant: r.grant, base, now: r.api.now(), query: r.query };
  },
  notFound: (_r, rest) =>
    jsmError(404, `No resource found for servicedeskapi/${rest}`, 'sd.rest.error.not.found'),
};

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
