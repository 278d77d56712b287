import { describe, expect, it } from 'vitest';
import { loadRules, RulesError } from '../../src/rules';
import { CLOUD_ID } from './corpus';

const jsm = await loadRules({ ruleSets: ['jira-service-management'] }, CLOUD_ID);
const pseudonymized = await loadRules({ ruleSets: ['jira-service-management-pseudonymized'] }, CLOUD_ID);
const granted = (...scopes: string[]) => new Set(scopes);
const CLASSIC = granted('read:servicedesk-request', 'manage:servicedesk-customer');

/** One request per endpoint of the set, with the parameters it takes. */
const ENDPOINTS: [id: string, target: string][] = [
  ['jsm-servicedesks', '/rest/servicedeskapi/servicedesk?start=0&limit=50'],
  ['jsm-servicedesk', '/rest/servicedeskapi/servicedesk/SUP'],
  [
    'jsm-request-types',
    '/rest/servicedeskapi/servicedesk/1/requesttype?searchQuery=help&groupId=1&start=0&limit=5',
  ],
  [
    'jsm-requests',
    '/rest/servicedeskapi/request?searchTerm=vpn+access&requestOwnership=OWNED_REQUESTS&requestOwnership=ORGANIZATION' +
      '&organizationId=3&requestStatus=OPEN_REQUESTS&approvalStatus=MY_PENDING_APPROVAL&serviceDeskId=1' +
      '&requestTypeId=2&expand=participant,sla&expand=status&start=0&limit=50',
  ],
  ['jsm-request', '/rest/servicedeskapi/request/SUP-12?expand=comment'],
  [
    'jsm-request-comments',
    '/rest/servicedeskapi/request/10004/comment?public=true&internal=false&expand=renderedBody',
  ],
  ['jsm-request-participants', '/rest/servicedeskapi/request/SUP-12/participant?start=0&limit=10'],
  ['jsm-request-sla', '/rest/servicedeskapi/request/SUP-12/sla?start=0&limit=10'],
  ['jsm-request-status', '/rest/servicedeskapi/request/SUP-12/status?start=0&limit=10'],
  ['jsm-queues', '/rest/servicedeskapi/servicedesk/1/queue?includeCount=true&start=0&limit=10'],
  ['jsm-queue-issues', '/rest/servicedeskapi/servicedesk/1/queue/3/issue?start=50&limit=50'],
  [
    'jsm-organizations',
    '/rest/servicedeskapi/organization?accountId=712020:0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b',
  ],
  ['jsm-organization-users', '/rest/servicedeskapi/organization/2/user?start=0&limit=50'],
];

describe('jira-service-management', () => {
  it('has exactly the documented endpoints, GET (and HEAD) only', () => {
    expect(jsm.endpoints.map((e) => e.id)).toEqual(ENDPOINTS.map(([id]) => id));
    expect(jsm.endpoints.every((e) => e.methods.join() === 'GET,HEAD')).toBe(true);
    expect(jsm.endpoints.every((e) => !e.transformed)).toBe(true);
  });

  it.each(ENDPOINTS)('%s: allowed in both caller forms, sent to the canonical path', (id, target) => {
    const path = target.split('?')[0];
    for (const form of [target, `/ex/jira/${CLOUD_ID}${target}`]) {
      const d = jsm.decide('GET', form, CLASSIC);
      expect(d).toMatchObject({ ok: true, endpointId: id, upstreamPath: `/ex/jira/${CLOUD_ID}${path}` });
    }
  });

  it.each(ENDPOINTS)('%s: writes are refused', (_id, target) => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(jsm.decide(method, target, CLASSIC)).toMatchObject({ ok: false, status: 403 });
    }
  });

  it('refuses the rest of the Service Management API', () => {
    for (const target of [
      '/rest/servicedeskapi/customer',
      '/rest/servicedeskapi/servicedesk/1/customer',
      '/rest/servicedeskapi/servicedesk/1/organization',
      '/rest/servicedeskapi/servicedesk/1/queue/3',
      '/rest/servicedeskapi/request/SUP-1/transition',
      '/rest/servicedeskapi/request/SUP-1/approval',
      '/rest/servicedeskapi/request/SUP-1/attachment',
      '/rest/servicedeskapi/request/SUP-1/sla/1',
      '/rest/servicedeskapi/request/SUP-1/comment/10',
      '/rest/servicedeskapi/organization/1',
      '/rest/servicedeskapi/knowledgebase/article',
      '/rest/servicedeskapi/info',
      '/rest/api/3/myself',
    ]) {
      expect(jsm.decide('GET', target, CLASSIC)).toMatchObject({ ok: false, code: 'blocked_by_rules' });
    }
  });

  it('checks parameter values', () => {
    for (const target of [
      '/rest/servicedeskapi/request?requestOwnership=EVERYTHING',
      '/rest/servicedeskapi/request?requestStatus=OPEN_REQUESTS&requestStatus=CLOSED_REQUESTS',
      '/rest/servicedeskapi/request?expand=participant,changelog',
      '/rest/servicedeskapi/request?serviceDeskId=SUP',
      '/rest/servicedeskapi/request?start=-1',
      '/rest/servicedeskapi/request?limit=12345',
      '/rest/servicedeskapi/request?jql=project%3DSUP',
      '/rest/servicedeskapi/request/SUP-1%2F..%2F..%2Fcustomer',
      '/rest/servicedeskapi/request/SUP/participant',
      '/rest/servicedeskapi/servicedesk/1/queue/all/issue',
      '/rest/servicedeskapi/request/SUP-1/comment?public=yes',
      '/rest/servicedeskapi/organization/acme/user',
    ]) {
      expect(jsm.decide('GET', target, CLASSIC).ok, target).toBe(false);
    }
  });

  it('classic or granular scopes; organizations need manage:servicedesk-customer', () => {
    const requestOnly = granted('read:servicedesk-request');
    expect(jsm.decide('GET', '/rest/servicedeskapi/request', requestOnly).ok).toBe(true);
    expect(jsm.decide('GET', '/rest/servicedeskapi/servicedesk/1/queue/1/issue', requestOnly).ok).toBe(true);
    expect(jsm.decide('GET', '/rest/servicedeskapi/organization', requestOnly)).toMatchObject({
      ok: false,
      message:
        'GET /rest/servicedeskapi/organization needs scopes manage:servicedesk-customer, or read:organization:jira-service-management (not granted)',
    });
    const granularRequests = granted('read:request:jira-service-management', 'read:user:jira');
    expect(jsm.decide('GET', '/rest/servicedeskapi/request/SUP-1', granularRequests).ok).toBe(true);
    expect(jsm.decide('GET', '/rest/servicedeskapi/request/SUP-1', granted('read:user:jira'))).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        '(not granted: read:servicedesk-request; or read:request:jira-service-management)',
      ),
    });
    expect(jsm.decide('GET', '/rest/servicedeskapi/request/SUP-1/sla', granularRequests).ok).toBe(false);
    expect(
      jsm.decide(
        'GET',
        '/rest/servicedeskapi/request/SUP-1/sla',
        granted('read:request.sla:jira-service-management'),
      ).ok,
    ).toBe(true);
    // the Jira Cloud scopes open none of it
    expect(
      jsm.decide('GET', '/rest/servicedeskapi/servicedesk', granted('read:jira-work', 'read:jira-user')).ok,
    ).toBe(false);
  });
});

describe('combining sets', () => {
  it('combines with either Jira Cloud set; the two Service Management sets exclude each other', async () => {
    const both = await loadRules(
      { ruleSets: ['jira-cloud', 'jira-service-management-pseudonymized'] },
      CLOUD_ID,
    );
    expect(both.decide('GET', '/rest/api/3/users', undefined).ok).toBe(true);
    expect(both.decide('GET', '/rest/servicedeskapi/request', undefined)).toMatchObject({ ok: true });
    expect(
      (await loadRules({ ruleSets: ['jira-cloud-pseudonymized', 'jira-service-management'] }, CLOUD_ID))
        .endpoints,
    ).toHaveLength(23 + 13);
    await expect(
      loadRules({ ruleSets: ['jira-service-management', 'jira-service-management-pseudonymized'] }, CLOUD_ID),
    ).rejects.toThrow(RulesError);
  });
});

describe('jira-service-management-pseudonymized', () => {
  const SALT = 'rules-test-salt';
  const transformOf = (target: string) => {
    const d = pseudonymized.decide('GET', target, undefined);
    if (!d.ok || !d.transform) throw new Error(`${target}: no transform`);
    return d.transform;
  };
  const person = (n: number) => ({
    accountId: `5b10a2844c20165700ede2${n}`,
    emailAddress: `Person.${n}+desk@Example.com`,
    displayName: `Person ${n}`,
    name: `5b10a2844c20165700ede2${n}`,
    key: `5b10a2844c20165700ede2${n}`,
    active: true,
    timeZone: 'Europe/Madrid',
    _links: {
      jiraRest: `https://x.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede2${n}`,
      avatarUrls: { '48x48': 'https://avatar.example/p.png' },
      self: `https://x.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede2${n}`,
    },
  });
  const page = (values: unknown[]) => ({
    size: values.length,
    start: 0,
    limit: 50,
    isLastPage: true,
    _links: { base: 'https://x.atlassian.net/rest/servicedeskapi', context: '' },
    values,
  });
  const leaks = (out: unknown, n: number) =>
    ['5b10a2844c20165700ede2', `Person ${n}`, `person.${n}`, `Person.${n}`].filter((s) =>
      JSON.stringify(out).includes(s),
    );

  it('every endpoint answers through its allow-list', () => {
    expect(pseudonymized.endpoints.every((e) => e.transformed)).toBe(true);
    expect(pseudonymized.endpoints.map((e) => [e.id, e.path, e.query])).toEqual(
      jsm.endpoints.map((e) => [e.id, e.path, e.query]),
    );
  });

  it('a request: reporter, embedded participants and comment authors pseudonymized, names and text gone', () => {
    const body = page([
      {
        issueKey: 'SUP-1',
        reporter: person(1),
        requestFieldValues: [
          { fieldId: 'summary', label: 'Summary', value: 'VPN for Person 1' },
          {
            fieldId: 'description',
            label: 'Description',
            value: '[~accountid:5b10a2844c20165700ede22] please',
          },
        ],
        participants: page([person(2)]),
        comments: page([
          { id: '1', body: 'Thanks Person 2', public: true, author: person(3), _links: { self: 's' } },
        ]),
        _links: { self: 'https://x.atlassian.net/rest/servicedeskapi/request/10001' },
      },
    ]);
    const out = transformOf('/rest/servicedeskapi/request?expand=participant,comment').apply(body, SALT) as {
      values: { reporter: Record<string, unknown>; requestFieldValues: unknown[]; _links: unknown }[];
    };
    for (const n of [1, 2, 3]) expect(leaks(out, n)).toEqual([]);
    const reporter = out.values[0]?.reporter;
    expect(reporter?.accountId).toMatch(/^t~[A-Za-z0-9_-]{43}$/);
    expect(reporter?.emailAddress).toMatch(/^t~[A-Za-z0-9_-]{43}@Example\.com$/);
    expect(reporter).toMatchObject({ active: true, timeZone: 'Europe/Madrid' });
    expect(out.values[0]?.requestFieldValues).toEqual([
      { fieldId: 'summary', label: 'Summary' },
      { fieldId: 'description', label: 'Description' },
    ]);
    // links and the issue key (it starts with the project key) are not in the allow-list
    expect(out.values[0]).not.toHaveProperty('_links');
    expect(out.values[0]).not.toHaveProperty('issueKey');
  });

  it('the same person gets the same token on every endpoint', () => {
    const participant = transformOf('/rest/servicedeskapi/request/SUP-1/participant').apply(
      page([person(4)]),
      SALT,
    );
    const member = transformOf('/rest/servicedeskapi/organization/1/user').apply(page([person(4)]), SALT);
    expect(participant).toEqual(member);
    expect(leaks(member, 4)).toEqual([]);
  });

  it('a person whose accountId is "", null or missing is still a person: name, links and key go', () => {
    const { accountId: _id, ...withoutId } = person(7);
    const people = [{ ...person(7), accountId: '' }, { ...person(7), accountId: null }, withoutId];
    const noAddress = people.map(({ emailAddress: _e, ...p }) => p);
    const noName = people.map(({ displayName: _d, ...p }) => p);
    for (const target of [
      '/rest/servicedeskapi/request/SUP-1/participant',
      '/rest/servicedeskapi/organization/1/user',
    ]) {
      const out = transformOf(target).apply(page([...people, ...noAddress, ...noName]), SALT) as {
        values: Record<string, unknown>[];
      };
      expect(leaks(out, 7), `${target}: ${JSON.stringify(out)}`).toEqual([]);
      for (const p of out.values) {
        expect(Object.keys(p).filter((k) => ['displayName', '_links', 'name', 'key'].includes(k))).toEqual(
          [],
        );
        expect(p.accountId ?? null).toBeNull();
      }
    }
    const request = transformOf('/rest/servicedeskapi/request/SUP-1').apply(
      { issueKey: 'SUP-1', reporter: { ...person(8), accountId: null }, _links: { self: 'r' } },
      SALT,
    );
    expect(leaks(request, 8)).toEqual([]);
    expect(request).toStrictEqual({
      reporter: {
        accountId: null,
        emailAddress: expect.stringMatching(/^t~[A-Za-z0-9_-]{43}@Example\.com$/),
        active: true,
        timeZone: 'Europe/Madrid',
      },
    });
  });

  it('queue JQL, and the summaries, keys and people of queue issues', () => {
    const queues = transformOf('/rest/servicedeskapi/servicedesk/1/queue').apply(
      page([{ id: '1', name: 'Mine', jql: 'assignee = 5b10a2844c20165700ede25', fields: ['summary'] }]),
      SALT,
    );
    expect(queues).toMatchObject({ values: [{ id: '1', name: 'Mine', fields: ['summary'] }] });
    expect(leaks(queues, 5)).toEqual([]);
    const { _links, ...user } = person(6);
    const issues = transformOf('/rest/servicedeskapi/servicedesk/1/queue/1/issue').apply(
      page([
        {
          id: '10001',
          key: 'SUP-1',
          fields: {
            summary: 'Person 6 locked out',
            environment: 'laptop of person.6@example.com',
            reporter: { ...user, self: _links.self },
          },
        },
      ]),
      SALT,
    );
    expect(leaks(issues, 6)).toEqual([]);
    expect(issues).toMatchObject({ values: [{ id: '10001', fields: { reporter: { active: true } } }] });
    expect(JSON.stringify(issues)).not.toContain('SUP-1');
  });
});
