import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules';
import { DEFAULT_SCOPES } from '../../src/tokens/scopes';
import { CLOUD_ID, fill, LEGITIMATE } from './corpus';

const rules = await loadRules({ ruleSets: ['jira-cloud'] }, CLOUD_ID);
const software = await loadRules({ ruleSets: ['jira-software'] }, CLOUD_ID);
const granted = (...scopes: string[]) => new Set(scopes);

describe('scope-limited endpoints', () => {
  it('names the missing scopes of a single-alternative endpoint', () => {
    expect(rules.decide('GET', '/rest/api/3/group/member?groupName=devs', granted('read:jira-user'))).toEqual(
      {
        ok: false,
        status: 403,
        code: 'blocked_by_rules',
        message:
          'GET /rest/api/3/group/member needs scopes read:group:jira read:user:jira read:avatar:jira (not granted)',
      },
    );
    expect(
      rules.decide('GET', '/rest/api/2/group/member', granted('read:group:jira', 'read:user:jira')),
    ).toMatchObject({
      ok: false,
      message:
        'GET /rest/api/2/group/member needs scopes read:group:jira read:user:jira read:avatar:jira (not granted: read:avatar:jira)',
    });
  });

  it('accepts any one alternative fully granted: classic or granular', () => {
    expect(rules.decide('GET', '/rest/api/3/users', granted('read:jira-user')).ok).toBe(true);
    expect(rules.decide('GET', '/rest/api/3/users', granted('read:user:jira')).ok).toBe(true);
    expect(rules.decide('GET', '/rest/api/3/issue/A-1/changelog', granted('read:jira-work')).ok).toBe(true);
    expect(
      rules.decide(
        'GET',
        '/rest/api/3/issue/A-1/changelog',
        granted('read:issue-meta:jira', 'read:avatar:jira', 'read:issue.changelog:jira'),
      ).ok,
    ).toBe(true);
    expect(
      rules.decide('GET', '/rest/api/3/issue/A-1/changelog', granted('read:issue.changelog:jira')),
    ).toEqual({
      ok: false,
      status: 403,
      code: 'blocked_by_rules',
      message:
        'GET /rest/api/3/issue/A-1/changelog needs scopes read:jira-work, or read:issue-meta:jira read:avatar:jira ' +
        'read:issue.changelog:jira (not granted: read:jira-work; or read:issue-meta:jira read:avatar:jira)',
    });
  });

  it('says "not granted" when no alternative is even partly granted', () => {
    expect(rules.decide('GET', '/rest/api/3/myself', granted('offline_access'))).toMatchObject({
      ok: false,
      message:
        'GET /rest/api/3/myself needs scopes read:jira-user, or read:application-role:jira read:group:jira ' +
        'read:user:jira read:avatar:jira (not granted)',
    });
  });

  it('never blocks on scopes when they are unknown, nor an endpoint that needs none', () => {
    expect(rules.decide('GET', '/rest/api/3/group/member', undefined).ok).toBe(true);
    expect(rules.decide('GET', '/oauth/token/accessible-resources', granted()).ok).toBe(true);
  });

  it('checks the path, method and query before scopes', () => {
    const none = granted();
    expect(rules.decide('POST', '/rest/api/3/users', none)).toMatchObject({
      message: expect.stringContaining('POST'),
    });
    expect(rules.decide('GET', '/rest/api/3/users?x=1', none)).toMatchObject({
      message: expect.stringContaining('query parameter x'),
    });
  });

  it('lets the scopes bootstrap asks for by default reach every built-in endpoint', () => {
    const defaults = new Set<string>(DEFAULT_SCOPES);
    for (const l of LEGITIMATE) {
      expect(rules.decide(l.method, fill(l.target), defaults), l.target).toMatchObject({ ok: true });
    }
  });
});

describe("the pipeline endpoints' scopes, as Atlassian's REST reference lists them", () => {
  const JSW_ISSUES = ['read:sprint:jira-software', 'read:issue-details:jira', 'read:jql:jira'];
  const SEARCH_GET = [
    'read:issue-details:jira',
    'read:audit-log:jira',
    'read:avatar:jira',
    'read:field-configuration:jira',
    'read:issue-meta:jira',
  ];
  const SEARCH_POST = [
    'read:issue-details:jira',
    'read:field.default-value:jira',
    'read:field.option:jira',
    'read:field:jira',
    'read:group:jira',
  ];
  // [method, target, classic alternative (none for Jira Software), granular alternative]
  const CASES: [string, string, string[] | null, string[]][] = [
    [
      'GET',
      '/rest/api/3/users/search',
      ['read:jira-user'],
      ['read:user:jira', 'read:application-role:jira', 'read:avatar:jira', 'read:group:jira'],
    ],
    [
      'GET',
      '/rest/api/3/field',
      ['read:jira-work'],
      [
        'read:field:jira',
        'read:avatar:jira',
        'read:project-category:jira',
        'read:project:jira',
        'read:field-configuration:jira',
      ],
    ],
    ['GET', '/rest/api/3/status', ['read:jira-work'], ['read:status:jira']],
    ['GET', '/rest/api/3/priority', ['read:jira-work'], ['read:priority:jira']],
    ['GET', '/rest/api/3/resolution', ['read:jira-work'], ['read:resolution:jira']],
    [
      'GET',
      '/rest/api/3/issuetype',
      ['read:jira-work'],
      ['read:issue-type:jira', 'read:avatar:jira', 'read:project-category:jira', 'read:project:jira'],
    ],
    ['GET', '/rest/api/3/search/jql?jql=a', ['read:jira-work'], SEARCH_GET],
    ['POST', '/rest/api/2/search/jql', ['read:jira-work'], SEARCH_POST],
    ['POST', '/rest/api/3/search/approximate-count', ['read:jira-work'], SEARCH_POST],
    [
      'POST',
      '/rest/api/3/changelog/bulkfetch',
      ['read:jira-work'],
      ['read:issue-meta:jira', 'read:avatar:jira', 'read:issue.changelog:jira'],
    ],
    [
      'GET',
      '/rest/api/3/worklog/updated',
      ['read:jira-work'],
      ['read:issue-worklog:jira', 'read:issue-worklog.property:jira'],
    ],
    [
      'GET',
      '/rest/api/2/worklog/deleted',
      ['read:jira-work'],
      ['read:issue-worklog:jira', 'read:issue-worklog.property:jira'],
    ],
    [
      'POST',
      '/rest/api/3/worklog/list',
      ['read:jira-work'],
      [
        'read:comment:jira',
        'read:group:jira',
        'read:issue-worklog:jira',
        'read:issue-worklog.property:jira',
        'read:project-role:jira',
        'read:user:jira',
        'read:avatar:jira',
      ],
    ],
    ['GET', '/rest/agile/1.0/board', null, ['read:board-scope:jira-software', 'read:project:jira']],
    ['GET', '/rest/agile/1.0/board/1/sprint', null, ['read:sprint:jira-software']],
    ['GET', '/rest/agile/1.0/sprint/1', null, ['read:sprint:jira-software']],
    ['GET', '/rest/agile/1.0/sprint/1/issue', null, JSW_ISSUES],
    ['GET', '/rest/software/1.0/sprint/1/issue', null, JSW_ISSUES],
  ];

  it.each(CASES)('%s %s', (method, target, classic, granular) => {
    const set = target.startsWith('/rest/api/') ? rules : software;
    const decide = (scopes: string[]) => set.decide(method, target, granted(...scopes));
    expect(decide(['offline_access'])).toMatchObject({
      ok: false,
      status: 403,
      message: expect.stringContaining('needs scopes'),
    });
    expect(decide(granular)).toMatchObject({ ok: true });
    // every scope of the alternative is needed
    expect(decide(granular.slice(1))).toMatchObject({ ok: false });
    if (classic) expect(decide(classic)).toMatchObject({ ok: true });
    else
      expect(
        decide(['read:jira-work', 'read:jira-user']),
        'Jira Software has no classic scopes',
      ).toMatchObject({ ok: false });
  });

  it('opens serverInfo to any grant, as Atlassian requires "Any Scope"', () => {
    for (const scopes of [['offline_access'], ['read:jira-work'], ['read:board-scope:jira-software']]) {
      expect(rules.decide('GET', '/rest/api/2/serverInfo', granted(...scopes)), scopes[0]).toMatchObject({
        ok: true,
      });
    }
  });

  it("opens /search/jql's GET and POST with either method's granular set (one rule, one scope list)", () => {
    for (const set of [SEARCH_GET, SEARCH_POST]) {
      expect(rules.decide('GET', '/rest/api/3/search/jql?jql=a', granted(...set)).ok).toBe(true);
      expect(rules.decide('POST', '/rest/api/3/search/jql', granted(...set)).ok).toBe(true);
    }
    expect(
      rules.decide(
        'GET',
        '/rest/api/3/search/jql?jql=a',
        granted('read:issue-details:jira', 'read:field:jira'),
      ),
    ).toMatchObject({ ok: false, message: expect.stringContaining('needs scopes read:jira-work, or') });
  });

  it('every new Jira Cloud endpoint opens with the default bootstrap scopes; Jira Software needs its own', () => {
    const defaults = new Set<string>(DEFAULT_SCOPES);
    for (const [method, target] of CASES) {
      const set = target.startsWith('/rest/api/') ? rules : software;
      expect(set.decide(method, target, defaults).ok, target).toBe(target.startsWith('/rest/api/'));
    }
  });
});
