import { issue, user as jiraUser } from './jira';
import { PEOPLE, type Person, projectName, SITE, secret, secretUrl, wiki } from './probes';

// Jira Service Management responses in the shapes its REST reference documents, every `expand`
// applied, with the admin-chosen columns of a queue's issues.

const SD = `${SITE}/rest/servicedeskapi`;
const { ana, bo, kim, lee } = PEOPLE;

/** A customer or agent (UserDTO). */
const user = (p: Person) => ({
  accountId: p.accountId,
  name: secret('legacy name'),
  key: secret('legacy key'),
  emailAddress: p.emailAddress,
  displayName: p.name,
  active: true,
  timeZone: 'Europe/Madrid',
  _links: {
    jiraRest: `${SITE}/rest/api/2/user?accountId=${p.accountId}`,
    avatarUrls: { '48x48': secretUrl('customer avatar') },
    self: `${SITE}/rest/api/2/user?accountId=${p.accountId}`,
  },
});

const date = (iso: string) => ({
  iso8601: iso,
  jira: iso,
  friendly: secret('Today 10:30 AM'),
  epochMillis: 1741082400000,
});

const page = (values: unknown[]) => ({
  size: values.length,
  start: 0,
  limit: 50,
  isLastPage: true,
  _links: { base: SD, context: secret('context'), next: secretUrl('next'), prev: secretUrl('prev') },
  values,
});

const serviceDesk = {
  id: '1',
  projectId: '10020',
  projectName: projectName('Customer support'),
  projectKey: projectName('SUP'),
  _links: { self: `${SD}/servicedesk/1` },
};

const requestType = {
  id: '11',
  _links: { self: `${SD}/servicedesk/1/requesttype/11` },
  name: 'Get IT help',
  description: secret('request type description'),
  helpText: secret('help text'),
  issueTypeId: '10010',
  serviceDeskId: '1',
  portalId: '1',
  groupIds: ['12'],
  icon: { id: '10300', _links: { iconUrls: { '48x48': secretUrl('icon') } } },
  practice: 'incident',
};

const attachment = (author: Person) => ({
  filename: secret('rita-reporter-passport-scan.pdf'),
  author: user(author),
  created: date('2025-03-04T10:00:00+0100'),
  size: 23123,
  mimeType: 'application/pdf',
  _links: {
    self: secretUrl('attachment self'),
    jiraRest: secretUrl('attachment rest'),
    content: secretUrl('rita-reporter-passport-scan.pdf content'),
    thumbnail: secretUrl('rita-reporter-passport-scan.pdf thumbnail'),
  },
});

const comment = (id: string, author: Person, mentioned: Person) => ({
  id,
  body: wiki(mentioned),
  renderedBody: { html: secret('<p>rendered</p>') },
  author: user(author),
  created: date('2025-03-04T11:00:00+0100'),
  attachments: page([attachment(author)]),
  public: true,
  _links: { self: `${SD}/request/10231/comment/${id}` },
});

const duration = { millis: 14400000, friendly: secret('4h') };
const sla = {
  id: '1',
  name: 'Time to resolution',
  completedCycles: [
    {
      startTime: date('2025-03-01T09:00:00+0100'),
      stopTime: date('2025-03-01T12:00:00+0100'),
      breachTime: date('2025-03-01T13:00:00+0100'),
      breached: false,
      goalDuration: duration,
      elapsedTime: duration,
      remainingTime: duration,
    },
  ],
  ongoingCycle: {
    startTime: date('2025-03-04T09:00:00+0100'),
    breachTime: date('2025-03-04T13:00:00+0100'),
    breached: false,
    paused: false,
    withinCalendarHours: true,
    goalDuration: duration,
    elapsedTime: duration,
    remainingTime: duration,
  },
  _links: { self: `${SD}/request/10231/sla/1` },
};

const status = {
  status: 'Waiting for support',
  statusCategory: 'NEW',
  statusDate: date('2025-03-04T09:00:00+0100'),
};

const request = {
  _expands: ['participant', 'status', 'sla', 'requestType', 'serviceDesk', 'attachment', 'action', 'comment'],
  issueId: '10231',
  issueKey: projectName('SUP-1'),
  requestTypeId: '11',
  requestType,
  serviceDeskId: '1',
  serviceDesk,
  createdDate: date('2025-03-04T09:00:00+0100'),
  reporter: user(lee),
  requestFieldValues: [
    { fieldId: 'summary', label: 'Summary', value: secret('VPN for Lee') },
    {
      fieldId: 'customfield_10050',
      label: 'Customer phone',
      value: secret('+1 555 0100'),
      renderedValue: { html: secret('phone') },
    },
  ],
  currentStatus: status,
  status: page([status]),
  participants: page([user(ana), user(bo)]),
  sla: page([sla]),
  attachments: page([attachment(lee)]),
  comments: page([comment('30001', kim, lee)]),
  actions: {
    addAttachment: { allowed: true },
    addComment: { allowed: true },
    addParticipant: { allowed: false },
    removeParticipant: { allowed: false },
  },
  _links: {
    jiraRest: `${SITE}/rest/api/2/issue/10231`,
    web: secretUrl('portal link'),
    self: `${SD}/request/10231`,
    agent: secretUrl('agent view'),
  },
};

/** A queue issue: a Jira issue bean whose fields are the columns an admin chose (v2: wiki-markup text). */
const queueIssue = () => {
  const base = issue('10231');
  return { ...base, fields: { ...base.fields, description: wiki(ana), customfield_10060: jiraUser(kim) } };
};

export const JIRA_SERVICE_MANAGEMENT_BODIES: Record<string, unknown> = {
  'jsm-servicedesks': page([serviceDesk]),
  'jsm-servicedesk': serviceDesk,
  'jsm-request-types': page([requestType]),
  'jsm-requests': page([request]),
  'jsm-request': request,
  'jsm-request-comments': page([comment('30001', kim, lee), comment('30002', ana, bo)]),
  'jsm-request-participants': page([user(ana), { ...user(bo), accountId: '' }]),
  'jsm-request-sla': page([sla]),
  'jsm-request-status': page([status]),
  'jsm-queues': page([
    {
      id: '20',
      name: 'Assigned to me',
      jql: `assignee = ${kim.accountId} AND summary ~ "SECRET"`,
      fields: ['issuetype', 'issuekey', 'summary', 'customfield_10050'],
      issueCount: 10,
      _links: { self: `${SD}/servicedesk/1/queue/20` },
    },
  ]),
  'jsm-queue-issues': page([queueIssue()]),
  'jsm-organizations': page([
    {
      id: '1',
      name: secret('organization: Lee Park consulting'),
      uuid: 'b1a2c3d4-e5f6-4789-8abc-def012345678',
      created: date('2025-01-01T00:00:00+0000'),
      scimManaged: false,
      _links: { self: `${SD}/organization/1` },
    },
  ]),
  'jsm-organization-users': page([user(lee), user(kim)]),
};
