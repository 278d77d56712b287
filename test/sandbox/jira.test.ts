import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SITE, type Sandbox } from '../../src/sandbox';
import { bootstrap, jira, jiraJson, sandboxAt } from './helpers';

type Json = Record<string, unknown>;
type User = { accountId: string; accountType: string; emailAddress?: string; active: boolean; self: string };
type PageBean<T = Json> = {
  values: T[];
  total: number;
  startAt: number;
  maxResults: number;
  isLast: boolean;
  nextPage?: string;
};

let sb: Sandbox;
let token: string;
beforeAll(async () => {
  sb = await sandboxAt();
  token = (await bootstrap(sb)).access;
});
afterAll(() => sb.close());

const get = <T = Json>(path: string, version = 3) => jiraJson<T>(sb, token, path, version);
const statusOf = async (path: string, t = token, version = 3) => {
  const res = await jira(sb, t, path, version);
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Json | undefined };
};

/** Every page of a startAt/maxResults endpoint, via `extract`. */
async function allPages<T>(
  path: string,
  size: number,
  extract: (page: never) => { items: T[]; last: boolean },
) {
  const out: T[] = [];
  for (let startAt = 0; ; startAt += size) {
    const sep = path.includes('?') ? '&' : '?';
    const { items, last } = extract(await get<never>(`${path}${sep}startAt=${startAt}&maxResults=${size}`));
    expect(items.length).toBeLessThanOrEqual(size);
    out.push(...items);
    if (last) return out;
    expect(startAt).toBeLessThan(500);
  }
}

describe('generated data', () => {
  it('about 30 users in both account id forms, real-world addresses, apps and inactive people', async () => {
    const users = await get<User[]>('/users?maxResults=1000');
    expect(users).toHaveLength(30);
    expect(users.some((u) => /^[0-9a-f]{24}$/.test(u.accountId))).toBe(true);
    expect(users.some((u) => /^712020:[0-9a-f-]{36}$/.test(u.accountId))).toBe(true);
    const emails = users.flatMap((u) => (u.emailAddress ? [u.emailAddress] : []));
    expect(emails.some((e) => e.includes('+'))).toBe(true);
    expect(emails.some((e) => e !== e.toLowerCase())).toBe(true);
    const apps = users.filter((u) => u.accountType === 'app');
    expect(apps.length).toBeGreaterThan(0);
    expect(apps.every((u) => u.emailAddress === undefined)).toBe(true);
    expect(users.some((u) => !u.active)).toBe(true);
    expect(users[0]?.self).toBe(
      `https://sandbox.atlassian.net/rest/api/3/user?accountId=${encodeURIComponent(users[0]?.accountId ?? '')}`,
    );
    expect(Object.keys(users[0] ?? {})).toEqual(
      expect.arrayContaining(['displayName', 'avatarUrls', 'accountType', 'active', 'timeZone']),
    );
  });

  it('is the same in every sandbox (fixed seed)', async () => {
    const other = await sandboxAt();
    try {
      const t = (await bootstrap(other)).access;
      for (const path of ['/users', '/issue/ENG-1', '/group/bulk']) {
        expect(await jiraJson(other, t, path)).toEqual(await get(path));
      }
    } finally {
      await other.close();
    }
  });

  it('/myself is the consenting person, the access token subject', async () => {
    const me = await get<User>('/myself');
    const sub = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).sub;
    expect(me.accountId).toBe(sub);
    expect(me.emailAddress).toBeTruthy();
  });
});

describe('paging', () => {
  it('/users: bare arrays, startAt/maxResults', async () => {
    const all = await get<User[]>('/users');
    expect(all).toHaveLength(30); // default page of 50 holds them all
    const paged = await allPages('/users', 7, (p: User[]) => ({ items: p, last: p.length < 7 }));
    expect(paged.map((u) => u.accountId)).toEqual(all.map((u) => u.accountId));
    expect(await get<User[]>('/users?startAt=28&maxResults=10')).toHaveLength(2);
  });

  it('/group/bulk: PageBean of {name, groupId}', async () => {
    const first = await get<PageBean>('/group/bulk?maxResults=3');
    expect(first).toMatchObject({ startAt: 0, maxResults: 3, total: 8, isLast: false });
    expect(Object.keys(first.values[0] ?? {}).sort()).toEqual(['groupId', 'name']);
    const all = await allPages('/group/bulk', 3, (p: PageBean) => ({ items: p.values, last: p.isLast }));
    expect(all).toHaveLength(8);
    expect(new Set(all.map((g) => g.name)).size).toBe(8);
  });

  it('/group/member: by groupId or groupname, inactive users only on request, nextPage links', async () => {
    const groups = (await get<PageBean<{ name: string; groupId: string }>>('/group/bulk')).values;
    const everyone = groups[0] as { name: string; groupId: string };
    const withInactive = await get<PageBean<User>>(
      `/group/member?groupId=${everyone.groupId}&includeInactiveUsers=true&maxResults=50`,
    );
    const activeOnly = await get<PageBean<User>>(`/group/member?groupname=${everyone.name}`);
    expect(withInactive.values.some((u) => !u.active)).toBe(true);
    expect(activeOnly.values.every((u) => u.active)).toBe(true);
    expect(activeOnly.total).toBeLessThan(withInactive.total);
    const page = await get<PageBean<User>>(`/group/member?groupId=${everyone.groupId}&maxResults=5`);
    expect(page.isLast).toBe(false);
    expect(page.nextPage).toContain('startAt=5');
    const all = await allPages(`/group/member?groupId=${everyone.groupId}`, 5, (p: PageBean<User>) => ({
      items: p.values,
      last: p.isLast,
    }));
    expect(all.map((u) => u.accountId)).toEqual(activeOnly.values.map((u) => u.accountId));
    expect((await statusOf('/group/member')).status).toBe(400);
    expect((await statusOf('/group/member?groupId=nope')).status).toBe(404);
  });

  it('/project/search: PageBean with nextPage', async () => {
    const first = await get<PageBean>('/project/search?maxResults=3');
    expect(first).toMatchObject({ total: 4, isLast: false, maxResults: 3 });
    expect(first.nextPage).toContain('startAt=3');
    const all = await allPages('/project/search', 3, (p: PageBean) => ({ items: p.values, last: p.isLast }));
    expect(all.map((p) => p.key)).toEqual(['ENG', 'OPS', 'DES', 'SUP']);
  });

  it('/issue/{id}/changelog: PageBean of histories with from/to items', async () => {
    const all = await allPages('/issue/ENG-1/changelog', 2, (p: PageBean) => ({
      items: p.values,
      last: p.isLast,
    }));
    expect(all.length).toBeGreaterThan(4);
    const items = all.flatMap((h) => h.items as Json[]);
    const assignee = items.find((i) => i.field === 'assignee') as Json;
    expect(assignee.to).toMatch(/^(712020:)?[0-9a-f-]+$/);
    expect(typeof assignee.toString).toBe('string');
    expect(items.some((i) => i.field === 'status')).toBe(true);
    expect((all[0] as Json).author).toMatchObject({ accountId: expect.any(String) });
  });

  it('/issue/{id}/comment: {startAt,maxResults,total,comments} with ADF bodies and mentions', async () => {
    type Page = { comments: Json[]; total: number; startAt: number; maxResults: number };
    const first = await get<Page>('/issue/ENG-1/comment?maxResults=2');
    expect(first).toMatchObject({ startAt: 0, maxResults: 2, total: 6 });
    const all = await allPages('/issue/ENG-1/comment', 2, (p: Page) => ({
      items: p.comments,
      last: p.startAt + p.comments.length >= p.total,
    }));
    expect(all).toHaveLength(6);
    expect(JSON.stringify(all.map((c) => c.body))).toMatch(/"type":"mention","attrs":\{"id":"[^"]+"/);
    const v2 = await get<Page>('/issue/ENG-1/comment', 2);
    expect(typeof v2.comments[0]?.body).toBe('string');
  });

  it('/issue/{id}/worklog: {startAt,maxResults,total,worklogs}', async () => {
    type Page = { worklogs: Json[]; total: number; startAt: number };
    const all = await allPages('/issue/10001/worklog', 2, (p: Page) => ({
      items: p.worklogs,
      last: p.startAt + p.worklogs.length >= p.total,
    }));
    expect(all).toHaveLength(5);
    expect(all[0]).toMatchObject({ issueId: '10001', timeSpentSeconds: expect.any(Number) });
    expect((all[0] as Json).author).toMatchObject({ accountId: expect.any(String) });
    expect((all[0] as Json).comment).toMatchObject({ type: 'doc' });
  });

  it('bad paging parameters are 400s', async () => {
    expect((await statusOf('/users?startAt=-1')).status).toBe(400);
    expect((await statusOf('/project/search?maxResults=ten')).status).toBe(400);
  });
});

describe('search', () => {
  type Page = { issues: Json[]; nextPageToken?: string; isLast: boolean };

  it('/search/jql pages with nextPageToken and isLast only, ids unless fields is given', async () => {
    const ids: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ jql: 'order by created DESC', maxResults: '50' });
      if (next) q.set('nextPageToken', next);
      const page = await get<Page>(`/search/jql?${q}`);
      expect(Object.keys(page).sort()).toEqual(
        page.isLast ? ['isLast', 'issues'] : ['isLast', 'issues', 'nextPageToken'],
      );
      for (const issue of page.issues) expect(Object.keys(issue)).toEqual(['id']);
      ids.push(...page.issues.map((i) => i.id as string));
      next = page.nextPageToken;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
  });

  it('fields selects what comes back; JQL filters and orders', async () => {
    const page = await get<Page>(
      `/search/jql?${new URLSearchParams({ jql: 'project = ENG ORDER BY key ASC', fields: 'summary,assignee', maxResults: '100' })}`,
    );
    expect(page.issues).toHaveLength(30);
    expect(page.isLast).toBe(true);
    const first = page.issues[0] as { key: string; self: string; fields: Json };
    expect(first.key).toBe('ENG-1');
    expect(first.self).toMatch(/^https:\/\/sandbox\.atlassian\.net\/rest\/api\/3\/issue\/\d+$/);
    expect(Object.keys(first.fields).sort()).toEqual(['assignee', 'summary']);
    const keys = page.issues.map((i) => Number((i.key as string).split('-')[1]));
    expect(keys).toEqual([...keys].sort((a, b) => a - b));

    const recent = await get<Page>(
      `/search/jql?${new URLSearchParams({ jql: 'updated >= "2025-02-01" AND project in (OPS, DES)', fields: 'updated,project', maxResults: '100' })}`,
    );
    expect(recent.issues.length).toBeGreaterThan(0);
    for (const i of recent.issues as { fields: { updated: string; project: { key: string } } }[]) {
      expect(i.fields.updated >= '2025-02-01').toBe(true);
      expect(['OPS', 'DES']).toContain(i.fields.project.key);
    }
  });

  it('unparseable JQL, unknown fields and foreign page tokens are 400s; PUT is 405', async () => {
    expect((await statusOf('/search/jql?jql=summary%20~%20foo')).status).toBe(400);
    expect((await statusOf('/search/jql?jql=project%20%3D%20ENG%20ORDER%20BY%20summary')).status).toBe(400);
    const page = await get<Page>('/search/jql?jql=project%20%3D%20ENG&maxResults=5');
    const foreign = await statusOf(`/search/jql?jql=project%20%3D%20OPS&nextPageToken=${page.nextPageToken}`);
    expect(foreign.status).toBe(400);
    const put = await fetch(`${sb.url}/ex/jira/${SANDBOX_SITE.id}/rest/api/3/search/jql`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(put.status).toBe(405);
  });

  it.each([2, 3])('removed /rest/api/%i/search answers 410 pointing to /search/jql', async (v) => {
    const { status, body } = await statusOf('/search?jql=project%20%3D%20ENG', token, v);
    expect(status).toBe(410);
    expect(JSON.stringify(body)).toContain('Please migrate to the /rest/api/3/search/jql API');
  });
});

describe('issues', () => {
  it('/issue/{key} gives every field by default: ADF description, people, status, embedded comments', async () => {
    const issue = await get<{ id: string; key: string; self: string; fields: Json }>('/issue/ENG-1');
    expect(issue).toMatchObject({
      id: '10001',
      key: 'ENG-1',
      self: 'https://sandbox.atlassian.net/rest/api/3/issue/10001',
    });
    const f = issue.fields;
    expect((f.description as Json).type).toBe('doc');
    for (const who of ['reporter', 'creator']) expect((f[who] as User).accountId).toBeTruthy();
    expect((f.status as Json).statusCategory).toBeTruthy();
    expect(f.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect((f.comment as { total: number }).total).toBe(6);
    expect((f.worklog as { total: number }).total).toBe(5);
    expect(await get('/issue/10001')).toEqual(issue);
  });

  it('fields narrows the issue; v2 carries rich text as strings', async () => {
    const narrow = await get<{ fields: Json }>('/issue/ENG-1?fields=summary,status');
    expect(Object.keys(narrow.fields).sort()).toEqual(['status', 'summary']);
    const v2 = await get<{ self: string; fields: Json }>('/issue/ENG-1?fields=description', 2);
    expect(typeof v2.fields.description).toBe('string');
    expect(v2.self).toContain('/rest/api/2/');
  });

  it('an unknown issue is 404 with Jira’s message', async () => {
    const { status, body } = await statusOf('/issue/NOPE-1');
    expect(status).toBe(404);
    expect(body?.errorMessages).toEqual(['Issue does not exist or you do not have permission to see it.']);
    expect((await statusOf('/issue/%E0%A4%A/comment')).status).toBe(404);
  });
});

describe('routing and scopes', () => {
  it('unknown paths are 404, other methods 405', async () => {
    expect((await statusOf('/dashboard')).status).toBe(404);
    expect((await fetch(`${sb.url}/elsewhere`)).status).toBe(404);
    const del = await fetch(`${sb.url}/ex/jira/${SANDBOX_SITE.id}/rest/api/3/myself`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(405);
  });

  it('no token or an unknown token: 401 Unauthorized', async () => {
    for (const t of [undefined, 'garbage']) {
      const res = await jira(sb, t, '/myself');
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ code: 401, message: 'Unauthorized' });
    }
  });

  it.each([
    ['/myself', ['read:jira-user'], 200],
    ['/myself', ['read:user:jira', 'read:avatar:jira'], 200],
    ['/users', ['read:user:jira'], 200],
    ['/users', ['read:jira-work'], 401],
    ['/group/bulk', ['read:jira-user'], 200],
    ['/group/bulk', ['read:group:jira'], 200],
    ['/group/bulk', ['read:user:jira'], 401],
    ['/search/jql?jql=', ['read:jira-work'], 200],
    ['/search/jql?jql=', ['read:jira-user'], 401],
    ['/issue/ENG-1', ['read:jira-user', 'read:user:jira'], 401],
    ['/issue/ENG-1/changelog', ['read:jira-work'], 200],
    ['/issue/ENG-1/comment', ['read:jira-user'], 401],
    ['/issue/ENG-1/worklog', ['read:jira-user'], 401],
    ['/project/search', ['read:jira-user'], 401],
    // Atlassian lists "Any Scope" for serverInfo
    ['/serverInfo', ['read:board-scope:jira-software'], 200],
    [
      '/users/search',
      ['read:user:jira', 'read:application-role:jira', 'read:avatar:jira', 'read:group:jira'],
      200,
    ],
    ['/users/search', ['read:user:jira'], 401],
  ] as const)('%s with %j: %i', async (path, scopes, expected) => {
    const t = (await bootstrap(sb, [...scopes, 'offline_access'])).access;
    const { status, body } = await statusOf(path, t);
    expect(status).toBe(expected);
    if (expected === 401) expect(body).toEqual({ code: 401, message: 'Unauthorized; scope does not match' });
  });

  it('/group/member needs the granular trio (or manage:jira-configuration)', async () => {
    const group = (await get<PageBean<{ groupId: string }>>('/group/bulk')).values[0]?.groupId;
    const path = `/group/member?groupId=${group}`;
    const withScopes = async (scopes: string[]) =>
      (await statusOf(path, (await bootstrap(sb, scopes)).access)).status;
    expect(await withScopes(['read:group:jira', 'read:user:jira', 'read:avatar:jira'])).toBe(200);
    expect(await withScopes(['manage:jira-configuration'])).toBe(200);
    expect(await withScopes(['read:jira-user', 'read:group:jira', 'read:user:jira'])).toBe(401);
  });
});
