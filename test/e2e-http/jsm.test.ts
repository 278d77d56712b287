import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules';
import { PSOXY_SCOPES, SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { startProxy, type TestProxy } from '../helpers/proxy';

/**
 * Issue 11 through `serve`: every endpoint of `jira-service-management` against the sandbox, the
 * writes and the paths outside the set refused before anything leaves the proxy, and the
 * pseudonymized variant leaving no person's address, name or raw account id in its answers.
 */

const JSM_SCOPES = ['read:servicedesk-request', 'manage:servicedesk-customer'];
const SALT = 'jsm-e2e-salt';
const SITE = `/ex/jira/${SANDBOX_SITE.id}`;

/** Each endpoint once: what the caller sends, and the canonical target the sandbox must receive. */
const CASES: [id: string, target: string, upstream: string][] = [
  ['jsm-servicedesks', '/rest/servicedeskapi/servicedesk?start=0&limit=1', ''],
  ['jsm-servicedesk', `${SITE}/rest/servicedeskapi/servicedesk/SUP`, ''],
  ['jsm-request-types', '/rest/servicedeskapi/servicedesk/1/requesttype?searchQuery=help', ''],
  [
    'jsm-requests',
    '/rest/servicedeskapi/request?requestOwnership=OWNED_REQUESTS&requestOwnership=PARTICIPATED_REQUESTS' +
      '&requestStatus=OPEN_REQUESTS&serviceDeskId=1&searchTerm=login+page&expand=participant,comment&limit=5',
    `${SITE}/rest/servicedeskapi/request?requestOwnership=OWNED_REQUESTS&requestOwnership=PARTICIPATED_REQUESTS` +
      '&requestStatus=OPEN_REQUESTS&serviceDeskId=1&searchTerm=login%20page&expand=participant,comment&limit=5',
  ],
  ['jsm-request', `${SITE}/rest/servicedeskapi/request/SUP-4?expand=comment,participant,sla,status`, ''],
  [
    'jsm-request-comments',
    '/rest/servicedeskapi/request/SUP-4/comment?internal=false&expand=renderedBody',
    '',
  ],
  ['jsm-request-participants', '/rest/servicedeskapi/request/SUP-4/participant', ''],
  ['jsm-request-sla', `${SITE}/rest/servicedeskapi/request/SUP-4/sla`, ''],
  ['jsm-request-status', '/rest/servicedeskapi/request/SUP-4/status?start=0&limit=10', ''],
  ['jsm-queues', '/rest/servicedeskapi/servicedesk/1/queue?includeCount=true', ''],
  ['jsm-queue-issues', '/rest/servicedeskapi/servicedesk/1/queue/1/issue?start=0&limit=20', ''],
  ['jsm-organizations', '/rest/servicedeskapi/organization', ''],
  ['jsm-organization-users', `${SITE}/rest/servicedeskapi/organization/1/user?limit=50`, ''],
];
const upstreamOf = ([, target, upstream]: (typeof CASES)[number]) =>
  upstream || (target.startsWith(SITE) ? target : `${SITE}${target}`);

let sandbox: Sandbox;
let plain: TestProxy;
let pseudonymizing: TestProxy;
beforeAll(async () => {
  sandbox = await startSandbox();
  const scopes = [...PSOXY_SCOPES, ...JSM_SCOPES];
  [plain, pseudonymizing] = await Promise.all([
    startProxy({ existingSandbox: sandbox, scopes, env: { RULE_SET: 'jira-cloud,jira-service-management' } }),
    startProxy({
      existingSandbox: sandbox,
      scopes,
      env: { RULE_SET: 'jira-service-management-pseudonymized' },
    }),
  ]);
  await pseudonymizing.store.write(secretNames(pseudonymizing.config.secretPrefix).SALT, SALT);
});
afterAll(async () => {
  await Promise.all([plain?.close(), pseudonymizing?.close()]);
  await sandbox?.close();
});

const tokenOf = (text: string) =>
  `t~${createHash('sha256')
    .update(text + SALT, 'utf8')
    .digest('base64url')}`;

/** API calls the sandbox has received so far (token calls aside). */
const apiCalls = () => sandbox.requests.filter((r) => r.rawPath.startsWith('/ex/'));

async function call(proxy: TestProxy, target: string, method = 'GET') {
  const res = await fetch(`${proxy.url}${target}`, { method });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('jira-service-management through serve', () => {
  it('covers every endpoint of the set', async () => {
    const set = await loadRules({ ruleSets: ['jira-service-management'] }, SANDBOX_SITE.id);
    expect(CASES.map(([id]) => id)).toEqual(set.endpoints.map((e) => e.id));
  });

  it.each(CASES)('%s reaches the sandbox at the canonical path and comes back', async (...c) => {
    const before = apiCalls().length;
    const res = await call(plain, c[1]);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const calls = apiCalls().slice(before);
    expect(calls.map((r) => `${r.method} ${r.rawPath}`)).toEqual([`GET ${upstreamOf(c)}`]);
    expect(calls[0]?.headers.authorization).toMatch(/^Bearer /);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    if ('values' in body) {
      expect(Object.keys(body)).toEqual(
        expect.arrayContaining(['size', 'start', 'limit', 'isLastPage', 'values', '_links']),
      );
    }
  });

  it('the Jira Cloud set still answers next to it', async () => {
    expect((await call(plain, '/rest/api/3/myself')).status).toBe(200);
  });

  it.each(CASES)('%s: POST, PUT and DELETE are refused and nothing reaches the sandbox', async (...c) => {
    const before = apiCalls().length;
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await call(plain, c[1], method);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'blocked_by_rules' } });
    }
    expect(apiCalls().length).toBe(before);
  });

  it('paths and parameters outside the set are refused and nothing reaches the sandbox', async () => {
    const before = apiCalls().length;
    for (const target of [
      '/rest/servicedeskapi/customer',
      '/rest/servicedeskapi/servicedesk/1/customer',
      '/rest/servicedeskapi/servicedesk/1/organization',
      '/rest/servicedeskapi/request/SUP-4/transition',
      '/rest/servicedeskapi/request/SUP-4/approval',
      '/rest/servicedeskapi/request/SUP-4/attachment',
      '/rest/servicedeskapi/request/SUP-4/notification',
      '/rest/servicedeskapi/knowledgebase/article?query=vpn',
      '/rest/servicedeskapi/request?requestOwnership=EVERYONE',
      '/rest/servicedeskapi/request?jql=project%3DSUP',
      `/ex/jira/00000000-0000-4000-8000-000000000000/rest/servicedeskapi/request`,
    ]) {
      const res = await call(plain, target);
      expect(res.status, target).toBe(403);
    }
    expect(apiCalls().length).toBe(before);
  });

  it('a grant without the Service Management scopes is refused by the proxy, naming them', async () => {
    const jiraOnly = await startProxy({
      existingSandbox: sandbox,
      env: { RULE_SET: 'jira-cloud,jira-service-management' },
    });
    try {
      const before = apiCalls().length;
      const res = await call(jiraOnly, '/rest/servicedeskapi/request');
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({
        error: { message: expect.stringContaining('needs scopes read:servicedesk-request') },
      });
      expect(apiCalls().length).toBe(before);
    } finally {
      await jiraOnly.close();
    }
  });
});

describe('jira-service-management-pseudonymized through serve', () => {
  type Person = { accountId: string; emailAddress?: string; displayName: string };
  /** Every person of the site: accountIds, addresses (and their local parts) and names. */
  let people: Person[];
  beforeAll(async () => {
    people = JSON.parse((await call(plain, '/rest/api/3/users?maxResults=1000')).text) as Person[];
  });

  it.each(CASES)(
    '%s: the same request upstream, no address, name or raw account id in the answer',
    async (...c) => {
      const before = apiCalls().length;
      const res = await call(pseudonymizing, c[1]);
      expect(res.status, res.text.slice(0, 200)).toBe(200);
      expect(
        apiCalls()
          .slice(before)
          .map((r) => r.rawPath),
      ).toEqual([upstreamOf(c)]);
      const lower = res.text.toLowerCase();
      const leaked = people.flatMap((p) =>
        [p.accountId, encodeURIComponent(p.accountId), p.displayName, p.emailAddress?.split('@')[0] ?? '']
          .filter((s) => s !== '' && lower.includes(s.toLowerCase()))
          .map((s) => `${s.slice(0, 8)}...`),
      );
      expect(leaked).toEqual([]);
    },
  );

  it("people keep joinable pseudonyms: a request's reporter and an organization member get Psoxy's token", async () => {
    type Paged<T> = { values: T[] };
    const original = JSON.parse((await call(plain, '/rest/servicedeskapi/request/SUP-4')).text) as {
      reporter: Person;
    };
    const request = JSON.parse((await call(pseudonymizing, '/rest/servicedeskapi/request/SUP-4')).text) as {
      reporter: Record<string, unknown>;
      issueKey: string;
    };
    // the issue key starts with the project key: kept only with KEEP_PROJECT_NAMES=true
    expect(request).not.toHaveProperty('issueKey');
    expect(request.reporter.accountId).toBe(tokenOf(original.reporter.accountId));
    expect(Object.keys(request.reporter).sort()).toEqual(
      ['accountId', 'active', 'timeZone', ...(original.reporter.emailAddress ? ['emailAddress'] : [])].sort(),
    );

    const members = JSON.parse(
      (await call(plain, '/rest/servicedeskapi/organization/1/user?limit=50')).text,
    ) as Paged<Person>;
    const hidden = JSON.parse(
      (await call(pseudonymizing, '/rest/servicedeskapi/organization/1/user?limit=50')).text,
    ) as Paged<Person>;
    expect(hidden.values.map((u) => u.accountId)).toEqual(members.values.map((u) => tokenOf(u.accountId)));
    for (const [i, u] of hidden.values.entries()) {
      const email = members.values[i]?.emailAddress;
      if (!email) continue;
      const [local = '', domain = ''] = email.split('@');
      expect(u.emailAddress).toBe(
        `${tokenOf(`${local.toLowerCase().split('+')[0]}@${domain.toLowerCase()}`)}@${domain}`,
      );
    }
  });

  it('what holds nobody keeps its ids, dates and configuration names; links and customer names go', async () => {
    const status = JSON.parse((await call(plain, '/rest/servicedeskapi/request/SUP-4/status')).text) as {
      values: { status: string; statusDate: { iso8601: string } }[];
    };
    const hidden = JSON.parse(
      (await call(pseudonymizing, '/rest/servicedeskapi/request/SUP-4/status')).text,
    ) as {
      values: { status: string; statusDate: { iso8601: string } }[];
      _links?: unknown;
    };
    expect(hidden.values.map((v) => [v.status, v.statusDate.iso8601])).toEqual(
      status.values.map((v) => [v.status, v.statusDate.iso8601]),
    );
    expect(hidden._links).toBeUndefined();
    const organizations = (await call(pseudonymizing, '/rest/servicedeskapi/organization')).text;
    const named = JSON.parse((await call(plain, '/rest/servicedeskapi/organization')).text) as {
      values: { id: string; name: string }[];
    };
    expect(named.values.length).toBeGreaterThan(0);
    for (const { id, name } of named.values) {
      expect(organizations).toContain(`"id":"${id}"`);
      expect(organizations).not.toContain(name);
    }
  });
});

describe('jira-service-management-pseudonymized: people without an account id', () => {
  // Jira as a loopback server answering what the test sets; tokens still come from the sandbox
  let fake: Server;
  let answer: unknown;
  let proxy: TestProxy;
  beforeAll(async () => {
    fake = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    proxy = await startProxy({
      existingSandbox: sandbox,
      scopes: [...PSOXY_SCOPES, ...JSM_SCOPES],
      env: {
        RULE_SET: 'jira-service-management-pseudonymized',
        ATLASSIAN_API_URL: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
      },
    });
    await proxy.store.write(secretNames(proxy.config.secretPrefix).SALT, SALT);
  });
  afterAll(async () => {
    await proxy?.close();
    fake?.closeAllConnections();
    await new Promise((r) => fake?.close(r));
  });

  const customer = (accountId?: string | null) => ({
    ...(accountId === undefined ? {} : { accountId }),
    emailAddress: 'Probe.Customer@Corp.Example',
    displayName: 'Probe Customer Name',
    active: true,
    timeZone: 'Europe/Oslo',
    _links: {
      jiraRest: 'https://probe.atlassian.net/rest/api/2/user?accountId=probe-raw-id',
      avatarUrls: { '48x48': 'https://probe-avatar.example/c.png' },
      self: 'https://probe.atlassian.net/rest/api/2/user?accountId=probe-raw-id',
    },
  });
  const PROBES = ['Probe Customer', 'Probe.Customer@', 'probe-raw-id', 'probe-avatar', 'probe.atlassian.net'];
  const page = (values: unknown[]) => ({
    size: values.length,
    start: 0,
    limit: 50,
    isLastPage: true,
    values,
  });

  it.each([
    ['jsm-request-participants', '/rest/servicedeskapi/request/SUP-4/participant'],
    ['jsm-organization-users', '/rest/servicedeskapi/organization/1/user'],
  ])(
    '%s: accountId "", null and missing lose name, address and links like anyone else',
    async (_id, target) => {
      const { displayName: _name, ...nameless } = customer(null);
      answer = page([
        customer(''),
        customer(null),
        customer(),
        nameless,
        customer('5b10ac8d82e05b22cc7d4ef5'),
      ]);
      expect(PROBES.every((p) => JSON.stringify(answer).includes(p))).toBe(true);
      const res = await call(proxy, target);
      expect(res.status, res.text.slice(0, 200)).toBe(200);
      expect(PROBES.filter((p) => res.text.includes(p))).toEqual([]);
      const { values } = JSON.parse(res.text) as { values: Record<string, unknown>[] };
      const address = `${tokenOf('probe.customer@corp.example')}@Corp.Example`;
      expect(values).toEqual([
        { accountId: null, emailAddress: address, active: true, timeZone: 'Europe/Oslo' },
        { accountId: null, emailAddress: address, active: true, timeZone: 'Europe/Oslo' },
        { emailAddress: address, active: true, timeZone: 'Europe/Oslo' },
        { accountId: null, emailAddress: address, active: true, timeZone: 'Europe/Oslo' },
        {
          accountId: tokenOf('5b10ac8d82e05b22cc7d4ef5'),
          emailAddress: address,
          active: true,
          timeZone: 'Europe/Oslo',
        },
      ]);
    },
  );

  it('a request whose reporter has no account id', async () => {
    answer = {
      issueId: '10004',
      issueKey: 'SUP-4',
      reporter: customer(),
      _links: { self: 'https://site/req/10004' },
    };
    const res = await call(proxy, '/rest/servicedeskapi/request/SUP-4');
    expect(PROBES.filter((p) => res.text.includes(p))).toEqual([]);
    expect(JSON.parse(res.text)).toEqual({
      issueId: '10004',
      reporter: {
        emailAddress: `${tokenOf('probe.customer@corp.example')}@Corp.Example`,
        active: true,
        timeZone: 'Europe/Oslo',
      },
    });
  });
});
