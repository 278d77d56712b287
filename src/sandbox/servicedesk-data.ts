import {
  type Comment,
  type Issue,
  type JiraData,
  type Project,
  STATUSES,
  type Status,
  type User,
} from './jira-model';

/**
 * The sandbox's Jira Service Management content, derived from the Jira data (no randomness of its
 * own): two of the projects are service desks, their issues are the customer requests, reporters
 * are the customers, comment authors the participants, and organizations group people by the
 * domain of their address. Raw model only; `servicedesk-routes.ts` shapes the JSON.
 */

export interface RequestType {
  id: string;
  name: string;
  description: string;
  issueTypeId: string;
  groupIds: string[];
}

export interface Queue {
  id: string;
  name: string;
  jql: string;
  fields: string[];
  /** `me`: the account the query runs as (`assignee = currentUser()`). */
  matches(request: CustomerRequest, me: string): boolean;
}

export interface ServiceDesk {
  id: string;
  project: Project;
  requestTypes: RequestType[];
  queues: Queue[];
}

export interface StatusChange {
  status: Status;
  at: number;
}

export interface SlaMetric {
  id: string;
  name: string;
  goalMs: number;
  start: number;
  /** When the clock stopped; undefined while the cycle is still running. */
  stop: number | undefined;
}

export interface CustomerRequest {
  issue: Issue;
  serviceDesk: ServiceDesk;
  requestType: RequestType;
  participants: User[];
  comments: { comment: Comment; public: boolean }[];
  /** Oldest first; the last entry is the current status. */
  statusHistory: StatusChange[];
  sla: SlaMetric[];
}

export interface Organization {
  id: string;
  name: string;
  members: User[];
}

export interface ServiceDeskData {
  serviceDesks: ServiceDesk[];
  requests: CustomerRequest[];
  organizations: Organization[];
}

const HOUR = 3_600_000;
/** Which projects run as service desks, with their request types keyed by Jira issue type. */
const DESKS: { key: string; types: Record<'10001' | '10003' | '10004', [string, string]> }[] = [
  {
    key: 'SUP',
    types: {
      '10003': ['Get IT help', 'Get help with anything IT related.'],
      '10004': ['Report a bug', 'Something in our product is not working as it should.'],
      '10001': ['Request a new account', 'Accounts for new starters and contractors.'],
    },
  },
  {
    key: 'OPS',
    types: {
      '10003': ['Ask a question', 'Questions about our infrastructure and processes.'],
      '10004': ['Report an incident', 'A service is down or degraded.'],
      '10001': ['Request access', 'Access to a system, a repository or a shared drive.'],
    },
  },
];
const QUEUE_FIELDS = ['issuetype', 'issuekey', 'summary', 'reporter', 'assignee', 'status', 'created'];
const isDone = (r: CustomerRequest) => r.issue.status.category === 'done';

export function generateServiceDeskData(jira: JiraData): ServiceDeskData {
  const serviceDesks: ServiceDesk[] = [];
  const requests: CustomerRequest[] = [];
  let nextType = 1;
  let nextQueue = 1;
  for (const [i, desk] of DESKS.entries()) {
    const project = jira.projects.find((p) => p.key === desk.key);
    if (!project) continue;
    const requestTypes = Object.entries(desk.types).map(([issueTypeId, [name, description]]) => ({
      id: String(nextType++),
      name,
      description,
      issueTypeId,
      groupIds: [String(i + 1)],
    }));
    const key = project.key;
    const queue = (name: string, jql: string, matches: Queue['matches']): Queue => ({
      id: String(nextQueue++),
      name,
      jql,
      fields: QUEUE_FIELDS,
      matches,
    });
    const sd: ServiceDesk = {
      id: String(i + 1),
      project,
      requestTypes,
      queues: [
        queue('All open', `project = ${key} AND resolution = EMPTY ORDER BY created DESC`, (r) => !isDone(r)),
        queue(
          'Assigned to me',
          `project = ${key} AND assignee = currentUser() AND resolution = EMPTY ORDER BY created DESC`,
          (r, me) => !isDone(r) && r.issue.assignee?.accountId === me,
        ),
        queue(
          'Unassigned requests',
          `project = ${key} AND assignee is EMPTY AND resolution = EMPTY ORDER BY created DESC`,
          (r) => !isDone(r) && r.issue.assignee === undefined,
        ),
        queue(
          'In review',
          `project = ${key} AND status = "In Review" ORDER BY created DESC`,
          (r) => r.issue.status.name === 'In Review',
        ),
      ],
    };
    serviceDesks.push(sd);
    for (const issue of jira.issues.filter((x) => x.project === project)) {
      requests.push(customerRequest(issue, sd));
    }
  }
  return { serviceDesks, requests, organizations: organizations(jira.users) };
}

function customerRequest(issue: Issue, serviceDesk: ServiceDesk): CustomerRequest {
  const requestType = serviceDesk.requestTypes.find((t) => t.issueTypeId === issue.issueType.id);
  const participants: User[] = [];
  const add = (u: User | undefined) => {
    if (u && u !== issue.reporter && !participants.includes(u)) participants.push(u);
  };
  for (const c of issue.comments) add(c.author);
  if (Number(issue.id) % 4 === 0) add(issue.assignee);

  const statusHistory: StatusChange[] = [{ status: STATUSES[0] as Status, at: issue.created }];
  for (const h of issue.changelog) {
    for (const item of h.items) {
      const to = STATUSES.find((s) => item.field === 'status' && s.id === item.to);
      if (to) statusHistory.push({ status: to, at: h.created });
    }
  }
  const resolvedAt =
    issue.status.category === 'done' ? (statusHistory.at(-1)?.at ?? issue.updated) : undefined;
  const firstReply = issue.comments.find((c) => c.author !== issue.reporter)?.created;
  return {
    issue,
    serviceDesk,
    requestType: requestType ?? (serviceDesk.requestTypes[0] as RequestType),
    participants,
    // the reporter's own comments are public; agents' alternate, as internal notes do in practice
    comments: issue.comments.map((comment, i) => ({
      comment,
      public: comment.author === issue.reporter || i % 2 === 0,
    })),
    statusHistory,
    sla: [
      {
        id: '1',
        name: 'Time to first response',
        goalMs: 4 * HOUR,
        start: issue.created,
        stop: firstReply ?? resolvedAt,
      },
      { id: '2', name: 'Time to resolution', goalMs: 72 * HOUR, start: issue.created, stop: resolvedAt },
    ],
  };
}

/** Customers grouped by the domain of their address, plus a hand-picked key-account list. */
function organizations(users: User[]): Organization[] {
  const people = users.filter((u) => u.accountType === 'atlassian');
  const byDomain = (domain: string) =>
    people.filter((u) => u.emailAddress?.toLowerCase().endsWith(`@${domain}`) ?? false);
  return [
    { id: '1', name: 'Acme Corporation', members: byDomain('acme.example') },
    { id: '2', name: 'Acme Subsidiary Ltd', members: byDomain('subsidiary.example') },
    { id: '3', name: 'Key Accounts', members: people.filter((_, i) => i % 3 === 0) },
  ];
}
