import {
  type Adf,
  type ChangeItem,
  type Comment,
  type Group,
  type History,
  type Issue,
  type JiraData,
  type Project,
  STATUSES,
  type Status,
  type User,
  type Worklog,
} from './jira-model';

/**
 * The sandbox's Jira site content, generated from a fixed seed: the same people, groups, projects
 * and issues every run (the model is in jira-model.ts).
 */

export const ISSUE_TYPES = [
  { id: '10001', name: 'Story' },
  { id: '10003', name: 'Task' },
  { id: '10004', name: 'Bug' },
];
export const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'].map((name, i) => ({
  id: String(i + 1),
  name,
}));
const FIRST = [
  'Ana',
  'Bo',
  'Kim',
  'Lena',
  'Omar',
  'Priya',
  'Jonas',
  'Mei',
  'Tomás',
  'Zoe',
  'Ravi',
  'Ines',
  'Yuki',
];
const LAST = [
  'Ruiz',
  'Chen',
  'Okafor',
  'Novak',
  'Haddad',
  'Iyer',
  'Berg',
  'Tanaka',
  'Silva',
  'Moreau',
  'Kowalski',
];
const APPS = ['Automation for Jira', 'Slack', 'Jira Service Management Widget', 'Trello'];
const ZONES = ['Europe/Madrid', 'America/New_York', 'Asia/Tokyo', 'Europe/Berlin', 'America/Sao_Paulo'];
const GROUPS = [
  'jira-software-users',
  'jira-admins-sandbox',
  'site-admins',
  'engineering',
  'design',
  'support',
  'product',
  'contractors',
];
const PROJECTS = [
  ['ENG', 'Engineering Platform'],
  ['OPS', 'Operations'],
  ['DES', 'Design System'],
  ['SUP', 'Customer Support'],
];
const VERBS = ['Fix', 'Add', 'Remove', 'Refactor', 'Document', 'Speed up', 'Migrate', 'Audit'];
const THINGS = ['payroll export', 'login page', 'CSV import', 'search index', 'billing report', 'audit log'];
const SENTENCES = [
  'Steps to reproduce are in the attached notes.',
  'This blocks the quarterly report for finance.',
  'Customers see a spinner that never ends.',
  'We agreed on the approach in the planning meeting.',
  'The fix needs a migration of existing rows.',
];
const REMARKS = ['please have a look', 'can you confirm this works', 'thanks for the quick turnaround'];
const WORK = [
  'Investigated the failing job',
  'Paired on the review',
  'Wrote the migration',
  'Tested on staging',
];

/** Data timestamps start here (2025-01-06T09:00Z), so every run sees the same dates. */
export const EPOCH = Date.UTC(2025, 0, 6, 9, 0, 0);
const HOUR = 3_600_000;

export function generateJiraData(seed = 0x5eed_2025): JiraData {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;

  const users: User[] = APPS.map((displayName) => ({
    accountId: `557058:${uuid()}`,
    accountType: 'app',
    displayName,
    emailAddress: undefined,
    active: true,
    timeZone: 'Etc/UTC',
    locale: 'en_US',
  }));
  for (let i = 0; users.length < 30; i++) {
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[(i * 5) % LAST.length] as string;
    users.push({
      // Both account id forms Jira Cloud hands out: legacy 24-hex and the newer `712020:<uuid>`.
      accountId: i % 3 === 1 ? `712020:${uuid()}` : hex(24),
      accountType: 'atlassian',
      displayName: `${first} ${last}`,
      emailAddress: email(first, last, i),
      active: i % 9 !== 8,
      timeZone: pick(ZONES),
      locale: pick(['en_US', 'en_GB', 'es_ES', 'de_DE']),
    });
  }
  const people = users.filter((u) => u.accountType === 'atlassian');
  const activePeople = people.filter((u) => u.active);
  const me = activePeople.find((u) => u.emailAddress) as User;

  const groups: Group[] = GROUPS.map((name, i) => ({
    name,
    groupId: uuid(),
    members: i === 0 ? people : people.filter(() => r() < 0.3),
  }));

  const projects: Project[] = PROJECTS.map(([key, name], i) => ({
    id: String(10000 + i),
    key: key as string,
    name: name as string,
    lead: pick(activePeople),
  }));

  const counters = new Map<Project, number>();
  let nextChild = 20000;
  const adf = (text: string, mentioned?: User): Adf => ({
    type: 'doc',
    version: 1,
    content: [
      {
        type: 'paragraph',
        content: mentioned
          ? [
              {
                type: 'mention',
                attrs: { id: mentioned.accountId, text: `@${mentioned.displayName}`, accessLevel: '' },
              },
              { type: 'text', text: ` ${text}` },
            ]
          : [{ type: 'text', text }],
      },
    ],
  });

  const issues: Issue[] = [];
  for (let i = 0; i < 120; i++) {
    const project = projects[i % projects.length] as Project;
    const n = (counters.get(project) ?? 0) + 1;
    counters.set(project, n);
    const created = EPOCH + i * 6 * HOUR + int(0, 3_599) * 1000 + int(0, 999);
    const reporter = pick(activePeople);
    const rich = i === 0; // one issue with enough of everything to page through
    const summary = `${pick(VERBS)} ${pick(THINGS)}`;
    let t = created;
    const later = () => {
      t += int(1, 48) * HOUR + int(0, 3_599_999);
      return t;
    };

    const changelog: History[] = [];
    let status = STATUSES[0] as Status;
    let assignee: User | undefined;
    const historyCount = rich ? 7 : int(0, 4);
    for (let h = 0; h < historyCount; h++) {
      const author = pick(activePeople);
      let item: ChangeItem;
      if (h % 3 === 0) {
        const to = pick(activePeople);
        item = {
          field: 'assignee',
          fieldId: 'assignee',
          from: assignee?.accountId ?? null,
          fromString: assignee?.displayName ?? null,
          to: to.accountId,
          toString: to.displayName,
        };
        assignee = to;
      } else if (h % 3 === 1 && status !== STATUSES[3]) {
        const to = STATUSES[STATUSES.indexOf(status) + 1] as Status;
        item = {
          field: 'status',
          fieldId: 'status',
          from: status.id,
          fromString: status.name,
          to: to.id,
          toString: to.name,
        };
        status = to;
      } else {
        item = {
          field: 'summary',
          fieldId: 'summary',
          from: null,
          fromString: `${pick(VERBS)} ${pick(THINGS)} (draft)`,
          to: null,
          toString: summary,
        };
      }
      changelog.push({ id: String(nextChild++), author, created: later(), items: [item] });
    }
    const comments: Comment[] = Array.from({ length: rich ? 6 : int(0, 3) }, () => {
      const author = pick(activePeople);
      const mentioned = r() < 0.6 ? pick(people) : undefined;
      return { id: String(nextChild++), author, body: adf(`${pick(REMARKS)}.`, mentioned), created: later() };
    });
    const worklogs: Worklog[] = Array.from({ length: rich ? 5 : int(0, 2) }, () => ({
      id: String(nextChild++),
      author: pick(activePeople),
      comment: adf(pick(WORK)),
      started: later(),
      timeSpentSeconds: int(1, 16) * 1800,
    }));

    issues.push({
      id: String(10001 + i),
      key: `${project.key}-${n}`,
      project,
      issueType: pick(ISSUE_TYPES),
      priority: pick(PRIORITIES),
      summary,
      description: adf(`${pick(SENTENCES)} ${pick(SENTENCES)}`, r() < 0.3 ? pick(people) : undefined),
      reporter,
      creator: reporter,
      assignee,
      status,
      labels: r() < 0.4 ? [pick(['backend', 'frontend', 'customer', 'tech-debt'])] : [],
      created,
      updated: t,
      comments,
      worklogs,
      changelog,
    });
  }
  return { users, groups, projects, issues, me };
}

/** Addresses as people really type them: mixed case, `+tags`, a second domain, some hidden. */
function email(first: string, last: string, i: number): string | undefined {
  if (i % 7 === 6) return undefined;
  const local = `${first}.${last}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  if (i % 5 === 0) return `${local}@Acme.Example`;
  if (i % 4 === 1) return `${local.toLowerCase()}+jira@acme.example`;
  if (i % 6 === 3) return `${local.toLowerCase()}@subsidiary.example`;
  return `${local.toLowerCase()}@acme.example`;
}

/** mulberry32: small, fast and stable across Node versions. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
