import type { SandboxSite } from './constants';
import type { User } from './jira-model';
import { adfText, avatarUrls } from './jira-render';
import type { Grant } from './oauth';
import type {
  CustomerRequest,
  RequestType,
  ServiceDesk,
  ServiceDeskData,
  SlaMetric,
} from './servicedesk-data';
import { embedded } from './servicedesk-envelope';

/**
 * Jira Service Management's JSON shapes for the generated data, beside jira-render.ts for Jira's:
 * DateDTO, UserDTO, desks, request types, comments, SLAs, and the request with its expansions.
 */

/** What Service Management's handlers and renderers read. */
export interface ServiceDeskContext {
  data: ServiceDeskData;
  site: SandboxSite;
  grant: Grant;
  /** `https://<site>/rest/servicedeskapi` */
  base: string;
  now: number;
  query: URLSearchParams;
}
type Ctx = ServiceDeskContext;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Service Management's DateDTO; `friendly` in the site's absolute format (the site runs on UTC). */
export function dateJson(ms: number) {
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

export function userJson(u: User, c: Ctx) {
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

export function deskJson(sd: ServiceDesk, c: Ctx) {
  return {
    id: sd.id,
    projectId: sd.project.id,
    projectName: sd.project.name,
    projectKey: sd.project.key,
    _links: { self: `${c.base}/servicedesk/${sd.id}` },
  };
}

export function requestTypeJson(t: RequestType, sd: ServiceDesk, c: Ctx) {
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

export function statusJson(r: CustomerRequest) {
  return r.statusHistory.map((s) => ({
    status: s.status.name,
    statusCategory: CATEGORY[s.status.category],
    statusDate: dateJson(s.at),
  }));
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function commentJson(
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

export function slaJson(r: CustomerRequest, m: SlaMetric, c: Ctx) {
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
export function expansions(q: URLSearchParams): Set<string> {
  return new Set(q.getAll('expand').flatMap((e) => e.split(',').map((s) => s.trim())));
}

export function requestJson(r: CustomerRequest, c: Ctx, expand: Set<string>) {
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
