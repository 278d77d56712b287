import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules';
import { DEFAULT_SCOPES } from '../../src/tokens/scopes';
import { CLOUD_ID, fill, LEGITIMATE } from './corpus';

const rules = await loadRules({ ruleSets: ['jira-cloud'] }, CLOUD_ID);
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
