import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JIRA_SOFTWARE_SCOPES, PSOXY_SCOPES, SANDBOX_SITE, type Sandbox } from '../../src/sandbox';
import { bootstrap, jiraJson, sandboxAt } from './helpers';

/**
 * The sandbox's read surface of an incremental sync: metadata, search by POST, bulk changelogs,
 * worklogs changed since, and Jira Software. Each answer is checked against another view of the
 * same data (the GET search, an issue's own changelog, its worklogs), so the data is coherent.
 */

type Json = Record<string, unknown>;
type Issue = { id: string; key: string; fields: Json };

let sb: Sandbox;
let token: string;
beforeAll(async () => {
  sb = await sandboxAt();
  token = (await bootstrap(sb, [...PSOXY_SCOPES, ...JIRA_SOFTWARE_SCOPES])).access;
});
afterAll(() => sb.close());

const site = () => `${sb.url}/ex/jira/${SANDBOX_SITE.id}/rest`;
const get = <T = Json>(path: string, version = 3) => jiraJson<T>(sb, token, path, version);
async function call<T = Json>(method: string, path: string, body?: unknown, t = token): Promise<[number, T]> {
  const res = await fetch(`${site()}${path}`, {
    method,
    headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return [res.status, (await res.json().catch(() => undefined)) as T];
}
const post = async <T = Json>(path: string, body: unknown): Promise<T> => {
  const [status, json] = await call<T>('POST', path, body);
  expect(status, path).toBe(200);
  return json;
};

describe('metadata', () => {
  it('server info says Cloud, in v2 and v3', async () => {
    for (const v of [2, 3]) {
      expect(await get('/serverInfo', v)).toMatchObject({
        baseUrl: 'https://sandbox.atlassian.net',
        deploymentType: 'Cloud',
        versionNumbers: [1001, 0, 0],
      });
    }
  });

  it('fields, statuses, priorities, resolutions and issue types cover what issues use', async () => {
    const fields = await get<{ id: string; custom: boolean }[]>('/field');
    expect(fields.map((f) => f.id)).toEqual(
      expect.arrayContaining(['summary', 'status', 'customfield_10020']),
    );
    const issues = (
      await post<{ issues: Issue[] }>('/api/3/search/jql', {
        jql: '',
        fields: ['status', 'priority', 'issuetype'],
        maxResults: 100,
      })
    ).issues;
    const ids = (path: string) => get<{ id: string }[]>(path).then((xs) => new Set(xs.map((x) => x.id)));
    const [statuses, priorities, types] = await Promise.all([
      ids('/status'),
      ids('/priority'),
      ids('/issuetype'),
    ]);
    for (const i of issues) {
      expect(statuses.has((i.fields.status as Json).id as string)).toBe(true);
      expect(priorities.has((i.fields.priority as Json).id as string)).toBe(true);
      expect(types.has((i.fields.issuetype as Json).id as string)).toBe(true);
    }
    expect((await get<unknown[]>('/resolution')).length).toBeGreaterThan(0);
  });

  it('users/search pages the same users as /users', async () => {
    expect(await get('/users/search?startAt=3&maxResults=7')).toEqual(
      await get('/users?startAt=3&maxResults=7'),
    );
  });
});

describe('search by POST', () => {
  it('pages to the end with the same issues as the GET search, and the approximate count agrees', async () => {
    const seen: string[] = [];
    let nextPageToken: string | undefined;
    do {
      const page = await post<{ issues: Issue[]; nextPageToken?: string; isLast: boolean }>(
        '/api/3/search/jql',
        {
          jql: 'project = ENG ORDER BY created ASC',
          fields: ['summary'],
          maxResults: 7,
          ...(nextPageToken ? { nextPageToken } : {}),
        },
      );
      seen.push(...page.issues.map((i) => i.key));
      nextPageToken = page.nextPageToken;
      expect(page.isLast).toBe(nextPageToken === undefined);
    } while (nextPageToken);
    const viaGet = await get<{ issues: Issue[] }>(
      '/search/jql?jql=project%20%3D%20ENG%20ORDER%20BY%20created%20ASC&fields=summary&maxResults=100',
      2,
    );
    expect(seen).toEqual(viaGet.issues.map((i) => i.key));
    expect(await post('/api/3/search/approximate-count', { jql: 'project = ENG' })).toEqual({
      count: seen.length,
    });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const res = await fetch(`${site()}/api/3/search/jql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"jql":',
    });
    expect(res.status).toBe(400);
  });
});

describe('bulk changelogs', () => {
  it('pages through every history of the issues asked for, as their own changelogs hold them', async () => {
    const keys = ['ENG-1', 'OPS-2', '10003', 'DES-4'];
    const got: { issueId: string; changeHistories: Json[] }[] = [];
    let nextPageToken: string | undefined;
    do {
      const page = await post<{ issueChangeLogs: typeof got; nextPageToken?: string }>(
        '/api/3/changelog/bulkfetch',
        {
          issueIdsOrKeys: keys,
          maxResults: 3,
          ...(nextPageToken ? { nextPageToken } : {}),
        },
      );
      expect(page.issueChangeLogs.flatMap((l) => l.changeHistories).length).toBeLessThanOrEqual(3);
      got.push(...page.issueChangeLogs);
      nextPageToken = page.nextPageToken;
    } while (nextPageToken);
    const expected: Json[] = [];
    for (const key of keys)
      expected.push(...(await get<{ values: Json[] }>(`/issue/${key}/changelog?maxResults=100`)).values);
    expect(got.flatMap((l) => l.changeHistories)).toEqual(expected);
  });

  it('keeps only the items of fieldIds, dropping histories left empty', async () => {
    const page = await post<{ issueChangeLogs: { changeHistories: { items: { fieldId: string }[] }[] }[] }>(
      '/api/3/changelog/bulkfetch',
      { issueIdsOrKeys: ['ENG-1'], fieldIds: ['status'] },
    );
    const items = page.issueChangeLogs.flatMap((l) => l.changeHistories.flatMap((h) => h.items));
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i.fieldId))).toEqual(new Set(['status']));
  });
});

describe('worklogs changed since', () => {
  type Changed = {
    values: { worklogId: number; updatedTime: number }[];
    lastPage: boolean;
    nextPage?: string;
    until: number;
  };

  async function follow(path: string): Promise<number[]> {
    const ids: number[] = [];
    let url: string | undefined = `${site()}/api/3${path}`;
    while (url) {
      const res = await fetch(url.replace('https://sandbox.atlassian.net/rest', site()), {
        headers: { authorization: `Bearer ${token}` },
      });
      const page = (await res.json()) as Changed;
      ids.push(...page.values.map((v) => v.worklogId));
      url = page.lastPage ? undefined : page.nextPage;
    }
    return ids;
  }

  it('updated: every worklog once, paging by nextPage; list returns them by id', async () => {
    const ids = await follow('/worklog/updated?since=0');
    expect(ids.length).toBeGreaterThan(100);
    expect(new Set(ids).size).toBe(ids.length);
    const listed = await post<{ id: string; issueId: string }[]>('/api/3/worklog/list', {
      ids: ids.slice(0, 1000),
    });
    expect(listed.map((w) => Number(w.id))).toEqual(ids);
    const first = listed[0] as { id: string; issueId: string };
    const own = await get<{ worklogs: { id: string }[] }>(`/issue/${first.issueId}/worklog`);
    expect(own.worklogs.map((w) => w.id)).toContain(first.id);
  });

  it('since is exclusive; deleted ids are not worklogs any more', async () => {
    const all = await get<Changed>('/worklog/updated?since=0');
    const later = await get<Changed>(`/worklog/updated?since=${all.values[4]?.updatedTime}`);
    expect(later.values[0]).toEqual(all.values[5]);
    const deleted = await follow('/worklog/deleted?since=0');
    expect(deleted.length).toBeGreaterThan(0);
    expect(await post('/api/3/worklog/list', { ids: deleted })).toEqual([]);
  });
});

describe('Jira Software', () => {
  type Sprint = { id: number; state: string; originBoardId: number };

  it('boards, their sprints, and each sprint the same issues in the agile and the token-paged form', async () => {
    const [, list] = await call<{ values: { id: number; type: string }[]; total: number }>(
      'GET',
      '/agile/1.0/board',
    );
    expect(list.values.map((b) => b.type)).toEqual(['scrum', 'scrum', 'scrum', 'kanban']);
    const [, sprints] = await call<{ values: Sprint[] }>('GET', '/agile/1.0/board/1/sprint');
    expect(sprints.values.map((s) => s.state)).toEqual(['closed', 'closed', 'closed', 'active', 'future']);
    for (const s of sprints.values) {
      expect((await call<Sprint>('GET', `/agile/1.0/sprint/${s.id}`))[1]).toEqual(s);
      const agile: string[] = [];
      for (let startAt = 0, total = 1; startAt < total; startAt += 10) {
        const [, page] = await call<{ issues: Issue[]; total: number }>(
          'GET',
          `/agile/1.0/sprint/${s.id}/issue?startAt=${startAt}&maxResults=10`,
        );
        total = page.total;
        agile.push(...page.issues.map((i) => i.key));
      }
      const software: string[] = [];
      let nextPageToken = '';
      do {
        const [, page] = await call<{ issues: Issue[]; nextPageToken?: string; isLast: boolean }>(
          'GET',
          `/software/1.0/sprint/${s.id}/issue?maxResults=10${nextPageToken ? `&nextPageToken=${nextPageToken}` : ''}`,
        );
        software.push(...page.issues.map((i) => i.key));
        nextPageToken = page.nextPageToken ?? '';
      } while (nextPageToken);
      expect(software).toEqual(agile);
      if (s.state !== 'future') expect(agile.length).toBeGreaterThan(0);
    }
  });

  it('an issue carries its sprint and the closed sprints it moved on from', async () => {
    const [, page] = await call<{ issues: Issue[] }>('GET', '/agile/1.0/sprint/4/issue?maxResults=50');
    const moved = page.issues.find((i) => (i.fields.closedSprints as unknown[]).length > 0);
    expect(moved?.fields.sprint).toMatchObject({ id: 4, state: 'active' });
    expect((moved?.fields.closedSprints as Sprint[] | undefined)?.every((s) => s.state === 'closed')).toBe(
      true,
    );
    const [, only] = await call<{ issues: Issue[] }>('GET', '/agile/1.0/sprint/4/issue?fields=summary');
    expect(Object.keys(only.issues[0]?.fields ?? {})).toEqual(['summary']);
  });

  it("needs Jira Software's scopes: the classic ones answer Atlassian's scope mismatch", async () => {
    const classic = (await bootstrap(sb)).access;
    const [status, body] = await call('GET', '/agile/1.0/board', undefined, classic);
    expect(status).toBe(401);
    expect(body).toEqual({ code: 401, message: 'Unauthorized; scope does not match' });
  });
});
