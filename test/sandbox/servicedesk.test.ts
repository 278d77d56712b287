import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PSOXY_SCOPES, SANDBOX_SITE, type Sandbox } from '../../src/sandbox';
import { bootstrap, jiraJson, sandboxAt, T0 } from './helpers';

type Json = Record<string, unknown>;
interface Page<T = Json> {
  _expands: string[];
  size: number;
  start: number;
  limit: number;
  isLastPage: boolean;
  _links: { self: string; base: string; context: string; next?: string; prev?: string };
  values: T[];
}
interface User {
  accountId: string;
  emailAddress?: string;
  displayName: string;
  _links: { jiraRest: string; self: string };
}
interface DateDto {
  iso8601: string;
  epochMillis: number;
}
interface CustomerRequest {
  issueId: string;
  issueKey: string;
  serviceDeskId: string;
  requestTypeId: string;
  reporter: User;
  requestFieldValues: { fieldId: string; value: string }[];
  currentStatus: { status: string; statusCategory: string; statusDate: DateDto };
  participants?: Page<User>;
  status?: Page;
  sla?: Page;
  comments?: Page;
}
interface Cycle {
  startTime: DateDto;
  stopTime?: DateDto;
  breached: boolean;
  goalDuration: { millis: number };
  elapsedTime: { millis: number };
  remainingTime: { millis: number };
}
interface Sla {
  id: string;
  name: string;
  completedCycles: Cycle[];
  ongoingCycle?: Cycle;
}

const JSM_SCOPES = ['read:servicedesk-request', 'manage:servicedesk-customer'];
const BASE = 'https://sandbox.atlassian.net/rest/servicedeskapi';

let sb: Sandbox;
let token: string;
let me: string;
beforeAll(async () => {
  sb = await sandboxAt();
  token = (await bootstrap(sb, [...PSOXY_SCOPES, ...JSM_SCOPES])).access;
  me = (await jiraJson<{ accountId: string }>(sb, token, '/myself')).accountId;
});
afterAll(() => sb.close());

function jsm(path: string, t = token, method = 'GET'): Promise<Response> {
  return fetch(`${sb.url}/ex/jira/${SANDBOX_SITE.id}/rest/servicedeskapi${path}`, {
    method,
    headers: { authorization: `Bearer ${t}` },
  });
}
async function get<T = Page>(path: string, t = token): Promise<T> {
  const res = await jsm(path, t);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return (await res.json()) as T;
}
async function statusOf(path: string, t = token, method = 'GET') {
  const res = await jsm(path, t, method);
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Json | undefined };
}
/** Every value of a paged list, following `_links.next` the way a client does. */
async function all<T>(path: string, limit: number): Promise<T[]> {
  const out: T[] = [];
  let next: string | undefined = `${BASE}${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
  while (next) {
    const p: Page<T> = await get<Page<T>>(next.slice(BASE.length));
    expect(p.size).toBe(p.values.length);
    expect(p.size).toBeLessThanOrEqual(limit);
    out.push(...p.values);
    expect(p.isLastPage).toBe(p._links.next === undefined);
    next = p._links.next;
    expect(out.length).toBeLessThan(500);
  }
  return out;
}

describe('the paging envelope', () => {
  it('size, start, limit, isLastPage, values and _links (self, base, context, next, prev)', async () => {
    const p = await get<Page<CustomerRequest>>('/request?start=5&limit=10&requestStatus=OPEN_REQUESTS');
    expect(Object.keys(p)).toEqual(['_expands', 'size', 'start', 'limit', 'isLastPage', '_links', 'values']);
    expect(p).toMatchObject({ size: 10, start: 5, limit: 10, isLastPage: false });
    expect(p._links).toEqual({
      self: `${BASE}/request?start=5&limit=10&requestStatus=OPEN_REQUESTS`,
      base: BASE,
      context: '',
      next: `${BASE}/request?start=15&limit=10&requestStatus=OPEN_REQUESTS`,
      prev: `${BASE}/request?start=0&limit=10&requestStatus=OPEN_REQUESTS`,
    });
  });

  it('following next visits every request once; limit is capped at 50', async () => {
    const requests = await all<CustomerRequest>('/request', 7);
    expect(requests).toHaveLength(60);
    expect(new Set(requests.map((r) => r.issueKey)).size).toBe(60);
    expect((await get('/request?limit=500')).limit).toBe(50);
  });

  it('bad paging values are a 400 with Service Management error shape', async () => {
    const { status, body } = await statusOf('/servicedesk?start=-1');
    expect(status).toBe(400);
    expect(body).toHaveProperty('errorMessage');
    expect(body).toHaveProperty('i18nErrorMessage.i18nKey');
  });
});

describe('service desks and request types', () => {
  it('two desks built from the SUP and OPS projects, found by id, project id or key', async () => {
    const desks = await get<Page<Json>>('/servicedesk');
    expect(desks.values.map((d) => d.projectKey)).toEqual(['SUP', 'OPS']);
    const byId = await get<Json>('/servicedesk/1');
    expect(byId).toEqual(desks.values[0]);
    expect(await get<Json>('/servicedesk/SUP')).toEqual(byId);
    expect(await get<Json>(`/servicedesk/${String(byId.projectId)}`)).toEqual(byId);
    expect((await statusOf('/servicedesk/99')).status).toBe(404);
  });

  it('request types per desk, filtered by searchQuery and groupId', async () => {
    const types = await get<Page<{ id: string; name: string; serviceDeskId: string }>>(
      '/servicedesk/2/requesttype',
    );
    expect(types.values.map((t) => t.name).sort()).toEqual([
      'Ask a question',
      'Report an incident',
      'Request access',
    ]);
    expect(types.values.every((t) => t.serviceDeskId === '2')).toBe(true);
    const found = await get<Page<{ name: string }>>('/servicedesk/2/requesttype?searchQuery=INCIDENT');
    expect(found.values.map((t) => t.name)).toEqual(['Report an incident']);
    expect((await get('/servicedesk/2/requesttype?groupId=1')).size).toBe(0);
  });
});

describe('customer requests', () => {
  it('each request belongs to a desk, has a type of that desk and a reporter with a Jira link', async () => {
    const requests = await all<CustomerRequest>('/request', 50);
    const typesOf = new Map<string, Set<string>>();
    for (const desk of ['1', '2']) {
      const types = await get<Page<{ id: string }>>(`/servicedesk/${desk}/requesttype`);
      typesOf.set(desk, new Set(types.values.map((t) => t.id)));
    }
    for (const r of requests) {
      expect(r.issueKey).toMatch(/^(SUP|OPS)-\d+$/);
      expect(typesOf.get(r.serviceDeskId)?.has(r.requestTypeId)).toBe(true);
      expect(r.reporter._links.jiraRest).toContain(encodeURIComponent(r.reporter.accountId));
      expect(r.requestFieldValues.map((f) => f.fieldId)).toEqual(['summary', 'description']);
    }
  });

  it('filters: serviceDeskId, requestTypeId, searchTerm, requestStatus, requestOwnership', async () => {
    const sup = await all<CustomerRequest>('/request?serviceDeskId=1', 50);
    expect(sup).toHaveLength(30);
    expect(sup.every((r) => r.issueKey.startsWith('SUP-'))).toBe(true);
    const bugs = await all<CustomerRequest>('/request?serviceDeskId=1&requestTypeId=2', 50);
    expect(bugs.length).toBeGreaterThan(0);
    expect(bugs.every((r) => r.requestTypeId === '2')).toBe(true);

    const term = await all<CustomerRequest>('/request?searchTerm=login', 50);
    expect(term.length).toBeGreaterThan(0);
    expect(term.every((r) => r.requestFieldValues[0]?.value.toLowerCase().includes('login'))).toBe(true);

    // no issue of the sandbox's Jira data is done: every request is open
    expect((await get('/request?requestStatus=CLOSED_REQUESTS')).size).toBe(0);
    expect((await all('/request?requestStatus=OPEN_REQUESTS', 50)).length).toBe(60);

    const owned = await all<CustomerRequest>('/request?requestOwnership=OWNED_REQUESTS', 50);
    expect(owned.length).toBeGreaterThan(0);
    expect(owned.every((r) => r.reporter.accountId === me)).toBe(true);
    const both = await all<CustomerRequest>(
      '/request?requestOwnership=OWNED_REQUESTS&requestOwnership=PARTICIPATED_REQUESTS&expand=participant',
      50,
    );
    expect(both.length).toBeGreaterThan(owned.length);
    for (const r of both) {
      const inIt = r.reporter.accountId === me || r.participants?.values.some((u) => u.accountId === me);
      expect(inIt).toBe(true);
    }
    expect((await statusOf('/request?requestOwnership=EVERYTHING')).status).toBe(400);
    expect((await statusOf('/request?requestOwnership=ORGANIZATION')).status).toBe(400);
    const org = await all<CustomerRequest>('/request?requestOwnership=ORGANIZATION&organizationId=2', 50);
    const members = await get<Page<User>>('/organization/2/user');
    const ids = new Set(members.values.map((u) => u.accountId));
    expect(org.every((r) => ids.has(r.reporter.accountId))).toBe(true);
  });

  it('one request by key or id, with expansions embedding the sub-resources', async () => {
    const byKey = await get<CustomerRequest>('/request/SUP-4');
    expect(await get<CustomerRequest>(`/request/${byKey.issueId}`)).toEqual(byKey);
    expect(byKey.participants).toBeUndefined();
    const expanded = await get<CustomerRequest>(
      '/request/sup-4?expand=participant,status&expand=sla,comment',
    );
    expect(expanded.participants?.values).toEqual((await get<Page>('/request/SUP-4/participant')).values);
    expect(expanded.status?.values).toEqual((await get<Page>('/request/SUP-4/status')).values);
    expect(expanded.sla?.values).toEqual((await get<Page>('/request/SUP-4/sla')).values);
    expect(expanded.comments?.size).toBe(3);
    expect((await statusOf('/request/SUP-999')).status).toBe(404);
  });
});

describe("a request's comments, participants, SLA and status", () => {
  it('comments: public and internal, each filter leaving the other kind out', async () => {
    type C = { public: boolean; body: string; author: User; renderedBody?: { html: string } };
    const every = await get<Page<C>>('/request/SUP-4/comment?expand=renderedBody');
    expect(every.size).toBe(3);
    expect(
      every.values.every((c) => typeof c.body === 'string' && c.renderedBody?.html.startsWith('<p>')),
    ).toBe(true);
    const pub = await get<Page<C>>('/request/SUP-4/comment?internal=false');
    const internal = await get<Page<C>>('/request/SUP-4/comment?public=false');
    expect(pub.values.every((c) => c.public)).toBe(true);
    expect(internal.values.every((c) => !c.public)).toBe(true);
    expect(pub.size + internal.size).toBe(every.size);
    expect(internal.size).toBeGreaterThan(0);
  });

  it('participants: comment authors other than the reporter', async () => {
    const r = await get<CustomerRequest>('/request/SUP-4');
    const participants = await get<Page<User>>('/request/SUP-4/participant');
    expect(participants.size).toBeGreaterThan(0);
    expect(participants.values.some((u) => u.accountId === r.reporter.accountId)).toBe(false);
  });

  it('SLA: first response completed at the first agent reply, resolution still running on the clock', async () => {
    const sla = await get<Page<Sla>>('/request/SUP-4/sla');
    expect(sla.values.map((s) => s.name)).toEqual(['Time to first response', 'Time to resolution']);
    const [response, resolution] = sla.values as [Sla, Sla];
    const done = response.completedCycles[0] as Cycle;
    expect(done.elapsedTime.millis).toBe((done.stopTime as DateDto).epochMillis - done.startTime.epochMillis);
    expect(done.breached).toBe(done.elapsedTime.millis > done.goalDuration.millis);
    const running = resolution.ongoingCycle as Cycle;
    expect(running.elapsedTime.millis).toBe(T0 - running.startTime.epochMillis);
    expect(running.remainingTime.millis).toBe(running.goalDuration.millis - running.elapsedTime.millis);
  });

  it('status history: To Do at creation, ending at the current status', async () => {
    const r = await get<CustomerRequest>('/request/SUP-4');
    const history = await get<Page<{ status: string; statusDate: DateDto }>>('/request/SUP-4/status');
    expect(history.size).toBeGreaterThan(1);
    expect(history.values[0]?.status).toBe('To Do');
    expect(history.values.at(-1)?.status).toBe(r.currentStatus.status);
    expect(history.values.at(-1)?.statusDate).toEqual(r.currentStatus.statusDate);
  });
});

describe('queues and organizations', () => {
  it('queues with counts that match their issue lists; issues are Jira issue beans', async () => {
    type Q = { id: string; name: string; issueCount?: number; fields: string[] };
    const queues = await get<Page<Q>>('/servicedesk/SUP/queue?includeCount=true');
    expect(queues.values.map((q) => q.name)).toEqual([
      'All open',
      'Assigned to me',
      'Unassigned requests',
      'In review',
    ]);
    for (const q of queues.values) {
      const issues = await all<{ key: string; fields: Json }>(`/servicedesk/1/queue/${q.id}/issue`, 50);
      expect(issues).toHaveLength(q.issueCount as number);
      for (const issue of issues) {
        expect(issue.key).toMatch(/^SUP-/);
        expect(Object.keys(issue.fields).sort()).toEqual(q.fields.filter((f) => f !== 'issuekey').sort());
      }
    }
    expect((await get<Page<Q>>('/servicedesk/1/queue')).values[0]).not.toHaveProperty('issueCount');
    expect((await statusOf('/servicedesk/1/queue/99/issue')).status).toBe(404);
  });

  it('organizations group customers; accountId finds the ones a person belongs to', async () => {
    const orgs = await get<Page<{ id: string; name: string }>>('/organization');
    expect(orgs.size).toBe(3);
    const acme = await all<User>('/organization/1/user', 5);
    expect(acme.length).toBeGreaterThan(5);
    expect(acme.every((u) => u.emailAddress?.toLowerCase().endsWith('@acme.example'))).toBe(true);
    const mine = await get<Page<{ id: string }>>(`/organization?accountId=${encodeURIComponent(me)}`);
    for (const o of mine.values) {
      const members = await all<User>(`/organization/${o.id}/user`, 50);
      expect(members.some((u) => u.accountId === me)).toBe(true);
    }
    expect((await statusOf('/organization/99/user')).status).toBe(404);
  });
});

describe('access', () => {
  it("Atlassian's scope answer without the scope; granular scopes are an alternative", async () => {
    const jiraOnly = (await bootstrap(sb)).access;
    expect(await statusOf('/request', jiraOnly)).toEqual({
      status: 401,
      body: { code: 401, message: 'Unauthorized; scope does not match' },
    });
    const classic = (await bootstrap(sb, ['read:servicedesk-request'])).access;
    expect((await statusOf('/request', classic)).status).toBe(200);
    // organizations need manage:servicedesk-customer, not read:servicedesk-request
    expect((await statusOf('/organization', classic)).status).toBe(401);
    const granular = (
      await bootstrap(sb, [
        'read:request:jira-service-management',
        'read:user:jira',
        'read:organization.user:jira-service-management',
      ])
    ).access;
    expect((await statusOf('/request/SUP-4', granular)).status).toBe(200);
    expect((await statusOf('/organization/1/user', granular)).status).toBe(200);
    expect((await statusOf('/request/SUP-4/sla', granular)).status).toBe(401);
  });

  it('read only; no token or a dead one is a 401; unknown paths are a 404', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect((await statusOf('/request/SUP-4/participant', token, method)).status).toBe(405);
    }
    expect((await statusOf('/request', 'not-a-token')).status).toBe(401);
    expect((await statusOf('/customer')).status).toBe(404);
  });

  it('the same content on every run', async () => {
    const other = await sandboxAt();
    try {
      const t = (await bootstrap(other, [...PSOXY_SCOPES, ...JSM_SCOPES])).access;
      const path = '/request?expand=participant,sla,status,comment&limit=50';
      const res = await fetch(`${other.url}/ex/jira/${SANDBOX_SITE.id}/rest/servicedeskapi${path}`, {
        headers: { authorization: `Bearer ${t}` },
      });
      expect(await res.json()).toEqual(await get(path));
    } finally {
      await other.close();
    }
  });
});
