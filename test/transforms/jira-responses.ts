import type { EndpointKey } from '../../src/transforms/jira-cloud';

// Small, realistic Jira Cloud responses written for these tests (invented people and site), one per
// endpoint the built-in transforms cover. The sandbox's generated data will replace them later.

const API = 'https://api.atlassian.com/ex/jira/3b9a6f0e-51c2-4d7a-8e1f-2c4b6d8a0e13/rest/api/3';

export const PEOPLE = {
  ana: {
    accountId: '5d8e1f2a3b4c5d6e7f8a9b0c',
    displayName: 'Ana Ruiz',
    emailAddress: 'Ana.Ruiz@Acme.Example',
  },
  bo: {
    accountId: '712020:0f6e2d4c-1b3a-4c5d-9e8f-7a6b5c4d3e2f',
    displayName: 'Bo Chen',
    emailAddress: 'bo.chen+jira@acme.example',
  },
  kim: {
    accountId: '63a1b2c3d4e5f60718293a4b',
    displayName: 'Kim Okafor',
    emailAddress: 'kim@subsidiary.example',
  },
};

/** Words that must never leave the proxy: names, addresses, raw ids, free text. */
export const SENSITIVE = [
  ...Object.values(PEOPLE).flatMap((p) => [p.accountId, p.displayName, p.emailAddress]),
  'Ana',
  'Bo Chen',
  'Kim',
  'ana.ruiz',
  'bo.chen',
  'kim@',
  'Payroll export fails',
  'Customer data leaks into the CSV',
  'please check the export',
  'Spent the afternoon',
  'Old summary text',
  'gravatar',
];

type Person = (typeof PEOPLE)[keyof typeof PEOPLE];

function avatars(p: Person) {
  const base = `https://secure.gravatar.com/avatar/${p.accountId.slice(-8)}`;
  return {
    '48x48': `${base}?s=48`,
    '24x24': `${base}?s=24`,
    '16x16': `${base}?s=16`,
    '32x32': `${base}?s=32`,
  };
}

function user(p: Person, withEmail = true) {
  return {
    self: `${API}/user?accountId=${encodeURIComponent(p.accountId)}`,
    accountId: p.accountId,
    ...(withEmail ? { emailAddress: p.emailAddress } : {}),
    avatarUrls: avatars(p),
    displayName: p.displayName,
    active: true,
    timeZone: 'Europe/Madrid',
    accountType: 'atlassian',
  };
}

function adf(...content: unknown[]) {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content }] };
}

const text = (t: string) => ({ type: 'text', text: t });
const mention = (p: Person) => ({
  type: 'mention',
  attrs: { id: p.accountId, text: `@${p.displayName}`, accessLevel: '' },
});

function comment(id: string, author: Person) {
  return {
    self: `${API}/issue/10231/comment/${id}`,
    id,
    author: user(author),
    body: adf(
      text('Customer data leaks into the CSV, '),
      mention(PEOPLE.ana),
      text(' please check the export'),
    ),
    updateAuthor: user(author),
    created: '2025-03-04T10:12:44.120+0100',
    updated: '2025-03-04T10:15:02.871+0100',
    jsdPublic: true,
  };
}

function worklog(id: string, author: Person) {
  return {
    self: `${API}/issue/10231/worklog/${id}`,
    author: user(author),
    updateAuthor: user(author),
    comment: adf(text('Spent the afternoon with '), mention(PEOPLE.kim)),
    created: '2025-03-05T17:01:09.000+0100',
    updated: '2025-03-05T17:01:09.000+0100',
    started: '2025-03-05T13:00:00.000+0100',
    timeSpent: '4h',
    timeSpentSeconds: 14400,
    id,
    issueId: '10231',
  };
}

function issue() {
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: '10231',
    self: `${API}/issue/10231`,
    key: 'PAY-42',
    fields: {
      summary: 'Payroll export fails',
      description: adf(text('Customer data leaks into the CSV, see '), mention(PEOPLE.bo)),
      issuetype: {
        self: `${API}/issuetype/10004`,
        id: '10004',
        name: 'Bug',
        subtask: false,
        hierarchyLevel: 0,
      },
      project: {
        self: `${API}/project/10010`,
        id: '10010',
        key: 'PAY',
        name: 'Payments',
        projectTypeKey: 'software',
        simplified: true,
        avatarUrls: avatars(PEOPLE.kim),
      },
      status: {
        self: `${API}/status/3`,
        name: 'In Progress',
        id: '3',
        statusCategory: { self: `${API}/statuscategory/4`, id: 4, key: 'indeterminate', colorName: 'yellow' },
      },
      assignee: user(PEOPLE.ana),
      reporter: user(PEOPLE.bo),
      creator: user(PEOPLE.bo),
      watches: { self: `${API}/issue/PAY-42/watchers`, watchCount: 2, isWatching: false },
      comment: { comments: [comment('30001', PEOPLE.kim)], maxResults: 1, total: 1, startAt: 0 },
      worklog: { startAt: 0, maxResults: 20, total: 1, worklogs: [worklog('40001', PEOPLE.ana)] },
      attachment: [
        {
          self: `${API}/attachment/50001`,
          id: '50001',
          filename: 'Ana Ruiz payroll.csv',
          author: user(PEOPLE.ana),
          created: '2025-03-04T09:00:00.000+0100',
          size: 2048,
          content: `${API}/attachment/content/50001`,
        },
      ],
      labels: ['ana.ruiz'],
      customfield_10020: 'Bo Chen',
      created: '2025-03-03T08:30:00.000+0100',
      updated: '2025-03-05T17:01:09.000+0100',
      timespent: 14400,
    },
    changelog: {
      histories: [
        {
          id: '60001',
          author: user(PEOPLE.bo),
          created: '2025-03-04T08:00:00.000+0100',
          items: [
            {
              field: 'summary',
              fieldtype: 'jira',
              fromString: 'Old summary text',
              toString: 'Payroll export fails',
            },
          ],
        },
      ],
    },
  };
}

export const RESPONSES: Partial<Record<EndpointKey, unknown>> = {
  users: [user(PEOPLE.ana), user(PEOPLE.bo, false), { ...user(PEOPLE.kim), accountType: 'app' }],
  'group-bulk': {
    self: `${API}/group/bulk?maxResults=50&startAt=0`,
    maxResults: 50,
    startAt: 0,
    total: 2,
    isLast: true,
    values: [
      { name: 'payments-team', groupId: '276f955c-63d7-42c8-9520-92d01dca0625' },
      { name: 'Ana Ruiz private group', groupId: '6e87dc72-4f1f-421f-9382-2fee8b652487' },
    ],
  },
  'group-member': {
    self: `${API}/group/member?groupId=276f955c-63d7-42c8-9520-92d01dca0625&maxResults=50&startAt=0`,
    maxResults: 50,
    startAt: 0,
    total: 2,
    isLast: true,
    values: [
      { ...user(PEOPLE.ana), name: '' },
      { ...user(PEOPLE.kim), name: '' },
    ],
  },
  'search-jql': {
    issues: [issue()],
    nextPageToken: 'CAEaAggD',
    isLast: false,
  },
  issue: issue(),
  'issue-changelog': {
    self: `${API}/issue/PAY-42/changelog?maxResults=100&startAt=0`,
    maxResults: 100,
    startAt: 0,
    total: 2,
    isLast: true,
    values: [
      {
        id: '60001',
        author: user(PEOPLE.bo),
        created: '2025-03-04T08:00:00.000+0100',
        items: [
          {
            field: 'summary',
            fieldtype: 'jira',
            fieldId: 'summary',
            from: null,
            fromString: 'Old summary text',
            to: null,
            toString: 'Payroll export fails',
          },
        ],
      },
      {
        id: '60002',
        author: user(PEOPLE.ana),
        created: '2025-03-04T09:30:00.000+0100',
        items: [
          {
            field: 'assignee',
            fieldtype: 'jira',
            fieldId: 'assignee',
            from: PEOPLE.kim.accountId,
            fromString: PEOPLE.kim.displayName,
            to: PEOPLE.ana.accountId,
            toString: PEOPLE.ana.displayName,
            tmpFromAccountId: PEOPLE.kim.accountId,
            tmpToAccountId: PEOPLE.ana.accountId,
          },
        ],
      },
    ],
  },
  'issue-comment': {
    startAt: 0,
    maxResults: 5000,
    total: 2,
    comments: [comment('30001', PEOPLE.kim), comment('30002', PEOPLE.bo)],
  },
  'issue-worklog': {
    startAt: 0,
    maxResults: 5000,
    total: 1,
    worklogs: [worklog('40001', PEOPLE.ana)],
  },
  'project-search': {
    self: `${API}/project/search?maxResults=50&startAt=0`,
    maxResults: 50,
    startAt: 0,
    total: 1,
    isLast: true,
    values: [
      {
        self: `${API}/project/10010`,
        id: '10010',
        key: 'PAY',
        name: 'Payments',
        description: 'Payroll export fails here, ask Ana',
        lead: user(PEOPLE.kim),
        email: 'kim@subsidiary.example',
        avatarUrls: avatars(PEOPLE.kim),
        projectTypeKey: 'software',
        simplified: true,
        style: 'next-gen',
        isPrivate: false,
      },
    ],
  },
  myself: {
    ...user(PEOPLE.ana),
    locale: 'es_ES',
    groups: {
      size: 1,
      items: [
        {
          name: 'Ana Ruiz private group',
          groupId: '6e87dc72-4f1f-421f-9382-2fee8b652487',
          self: `${API}/group`,
        },
      ],
    },
    applicationRoles: { size: 1, items: [] },
  },
  'accessible-resources': [
    {
      id: '3b9a6f0e-51c2-4d7a-8e1f-2c4b6d8a0e13',
      url: 'https://acme-example.atlassian.net',
      name: 'Kim private site',
      scopes: ['read:jira-work', 'read:jira-user', 'offline_access'],
      avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/gravatar.png',
    },
  ],
};
