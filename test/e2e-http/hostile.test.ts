import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isLoopbackAddress } from '../../src/adapters/host-check';
import { createHttpServer as createProxyServer, listen } from '../../src/adapters/node-http';
import { logger } from '../../src/log';
import { SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { rawHead } from '../functions/raw-http';
import { startProxy, type TestProxy } from '../helpers/proxy';
import { fill, HOSTILE, LEGITIMATE, OTHER_CLOUD_ID } from '../rules/corpus';
import { header, sendRaw, startTap, type Tap, type WireResponse } from './wire';

/**
 * Issue 5, end to end: the proxy as `serve` runs it (node:http over a file store) in front of the
 * Atlassian sandbox. Every request-target goes on the wire byte for byte, and the sandbox's own
 * log of raw request-targets is the judge of what left the proxy.
 */

const SITE = SANDBOX_SITE.id;

let sandbox: Sandbox;
let proxy: TestProxy;

beforeAll(async () => {
  sandbox = await startSandbox();
  proxy = await startProxy({ existingSandbox: sandbox });
});
afterAll(async () => {
  await proxy?.close();
  await sandbox?.close();
});

/** What reached the sandbox's API side since `from` (token-endpoint calls are the proxy's own). */
function apiRequestsSince(from: number) {
  return sandbox.requests.slice(from).filter((r) => r.rawPath !== '/oauth/token');
}

/** The contract's error: JSON `{"error":{"code","message"}}` and a Psoxy cause in X-Psoxy-Error. */
function expectError(res: WireResponse, status: number, code: string): string {
  expect(res.status, res.body).toBe(status);
  expect(header(res, 'content-type')).toMatch(/^application\/json/);
  expect(header(res, 'x-psoxy-error')).toMatch(/^[A-Z_]+$/);
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error.message;
}

describe('every HOSTILE corpus request, sent raw to the running proxy', () => {
  it.each(HOSTILE.map((row) => [`${row.method} ${row.why}`, row] as const))('%s', async (_, row) => {
    const target = fill(row.target, SITE);
    const before = sandbox.requests.length;
    const res = await sendRaw(proxy.url, row.method, target).catch((err: Error) => {
      throw new Error(`${err.message}: the server hung up or crashed on it (see any uncaught exception)`);
    });

    const leaked = sandbox.requests.slice(before).map((r) => `${r.method} ${r.rawPath}`);
    expect(
      leaked,
      row.why === 'raw CRLF'
        ? 'Node reads "GET /rest/api/3/users\\r\\n" as an HTTP/0.9 request line (the rest as headers) and the ' +
            'proxy forwards it: src/adapters/node-http.ts should refuse any httpVersion other than 1.0/1.1 with 400'
        : 'a hostile request reached the sandbox',
    ).toEqual([]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);

    if (header(res, 'x-psoxy-error') === undefined) {
      // Refused by Node's HTTP parser before the proxy saw it: a request line no valid request
      // holds (raw controls or spaces, non-ASCII, a lower-case method, authority-form for GET).
      expect(res.status, res.body).toBe(400);
      return;
    }
    const code =
      row.status === 403 ? 'blocked_by_rules' : row.status === 414 ? 'uri_too_long' : 'bad_request';
    const message = expectError(res, row.status, code);
    // Never echoes a query value: it may be JQL naming people.
    for (const pair of target.includes('?') ? target.slice(target.indexOf('?') + 1).split('&') : []) {
      const value = pair.slice(pair.indexOf('=') + 1);
      if (pair.includes('=') && value.length > 3) expect(message).not.toContain(value);
    }
  });
});

describe('every LEGITIMATE corpus request', () => {
  it.each(LEGITIMATE.map((row) => [`${row.method} ${row.target}`, row] as const))(
    'arrives at the canonical upstream target: %s',
    async (_, row) => {
      const before = sandbox.requests.length;
      const res = await sendRaw(proxy.url, row.method, fill(row.target, SITE));
      expect(header(res, 'x-psoxy-error'), res.body).toBeUndefined();
      const sent = apiRequestsSince(before).map((r) => `${r.method} ${r.rawPath}`);
      expect(sent).toEqual([`${row.method} ${fill(row.upstream, SITE)}`]);
    },
  );
});

describe('headers', () => {
  const CALLER: [string, string][] = [
    // A loopback name (a foreign one is refused at the door: see the DNS rebinding tests).
    ['Host', 'localhost'],
    ['Authorization', 'Bearer caller-own-token'],
    ['Proxy-Authorization', 'Basic Y2FsbGVyOnNlY3JldA=='],
    ['Cookie', 'session=caller-cookie; atlassian.xsrf.token=caller'],
    ['X-Forwarded-For', '203.0.113.7'],
    ['X-Forwarded-Host', 'evil.example'],
    ['X-Forwarded-Proto', 'http'],
    ['Forwarded', 'for=203.0.113.7;host=evil.example'],
    ['Via', '1.1 caller-proxy'],
    ['Connection', 'close, X-Hop-Secret'],
    ['X-Hop-Secret', 'hop-by-hop-value'],
    ['Keep-Alive', 'timeout=5'],
    ['TE', 'trailers'],
    ['Upgrade', 'h2c'],
    ['Origin', 'https://evil.example'],
    ['Referer', 'https://evil.example/page'],
    ['X-Atlassian-Token', 'no-check'],
    ['Accept', 'application/json'],
    ['Accept-Encoding', 'gzip'],
    ['User-Agent', 'caller-agent/1.0'],
    ['X-Request-Id', 'e2e-headers-1'],
  ];

  it("sends only Accept, Accept-Encoding, User-Agent, X-Request-Id and the proxy's own Authorization", async () => {
    const before = sandbox.requests.length;
    const res = await sendRaw(proxy.url, 'GET', '/rest/api/3/myself', CALLER);
    expect(res.status).toBe(200);
    const [got, ...more] = apiRequestsSince(before);
    expect(more).toEqual([]);
    const { authorization, ...rest } = got?.headers ?? {};
    const stored = await proxy.store.read([secretNames(proxy.config.secretPrefix).ACCESS_TOKEN]);
    const access = JSON.parse(stored.values().next().value?.value ?? '{}') as { token?: string };
    // compared as a boolean: a failure must not print the token
    expect(authorization === `Bearer ${access.token}`, "upstream Authorization is the proxy's bearer").toBe(
      true,
    );
    expect(rest).toEqual({
      host: new URL(sandbox.url).host,
      accept: 'application/json',
      'accept-encoding': 'gzip',
      'user-agent': expect.stringMatching(/^jira-token-proxy\//),
      'x-request-id': 'e2e-headers-1',
      // the proxy's own connection to Jira; nothing of the caller's Connection list
      ...(rest.connection === undefined ? {} : { connection: 'keep-alive' }),
    });
  });

  it('answers with no Set-Cookie and no gateway-internal header', async () => {
    const res = await sendRaw(proxy.url, 'GET', '/rest/api/3/users?maxResults=2');
    expect(res.status).toBe(200);
    expect(res.headers.has('set-cookie')).toBe(false);
    expect(res.headers.has('atl-traceid')).toBe(false);
    expect(header(res, 'content-type')).toMatch(/^application\/json/);
  });
});

describe('rate-limit headers, seen on both sides of the proxy', () => {
  let tapped: TestProxy;
  let tap: Tap;
  beforeAll(async () => {
    tap = await startTap(sandbox.url);
    tapped = await startProxy({ existingSandbox: sandbox, env: { ATLASSIAN_API_URL: tap.url } });
  });
  afterAll(async () => {
    await tapped?.close();
    await tap?.close();
  });

  const RATE = /^(x-ratelimit-.+|beta-ratelimit.*|x-beta-ratelimit-.+|ratelimit-reason|retry-after)$/;
  function rateHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(headers)
        .filter(([name]) => RATE.test(name))
        .map(([name, value]) => [name, String(value)]),
    );
  }
  const rateOf = (res: WireResponse) =>
    rateHeaders(Object.fromEntries([...res.headers].map(([n, v]) => [n, v.join(', ')])));

  it('come back untouched on a normal answer, and Set-Cookie does not', async () => {
    const res = await sendRaw(tapped.url, 'GET', '/rest/api/2/project/search');
    const upstream = tap.exchanges.at(-1);
    expect(upstream?.status).toBe(200);
    expect(upstream?.responseHeaders['set-cookie']).toBeDefined();
    expect(res.status).toBe(200);
    expect(Object.keys(rateOf(res)).length).toBeGreaterThanOrEqual(6);
    expect(rateOf(res)).toEqual(rateHeaders(upstream?.responseHeaders ?? {}));
    expect(res.headers.has('set-cookie')).toBe(false);
  });

  it('come back untouched on an injected 429 with Retry-After', async () => {
    sandbox.failNext('api', [{ status: 429, retryAfterSeconds: 2 }]);
    const res = await sendRaw(tapped.url, 'GET', '/rest/api/3/users');
    const upstream = tap.exchanges.at(-1);
    expect(upstream?.status).toBe(429);
    expect(res.status).toBe(429);
    expect(header(res, 'retry-after')).toBe('2');
    expect(header(res, 'x-ratelimit-reset')).toBeDefined();
    expect(header(res, 'ratelimit-reason')).toBe('jira-burst-based');
    expect(rateOf(res)).toEqual(rateHeaders(upstream?.responseHeaders ?? {}));
    expect(JSON.parse(res.body)).toEqual({ code: 429, message: 'Rate limit exceeded' });
  });
});

describe('granted scopes', () => {
  // classic scopes only: group/member has no classic alternative (it would be an admin scope)
  const FEWER = ['read:jira-user', 'read:jira-work', 'read:account', 'offline_access'];
  const MEMBER = '/rest/api/3/group/member?groupName=engineering';
  const NEEDED = 'read:group:jira read:user:jira read:avatar:jira';

  it('a missing scope is refused with 403 naming it, on a proxy that has already served a call', async () => {
    const p = await startProxy({ existingSandbox: sandbox, scopes: FEWER });
    try {
      expect((await sendRaw(p.url, 'GET', '/rest/api/3/myself')).status).toBe(200);
      const before = sandbox.requests.length;
      const message = expectError(await sendRaw(p.url, 'GET', MEMBER), 403, 'blocked_by_rules');
      expect(message).toContain(NEEDED);
      expect(sandbox.requests.slice(before).map((r) => r.rawPath)).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('a missing scope is refused without reaching the sandbox, even as the first call of a process', async () => {
    const p = await startProxy({ existingSandbox: sandbox, scopes: FEWER });
    try {
      const before = sandbox.requests.length;
      const res = await sendRaw(p.url, 'GET', MEMBER);
      const reached = sandbox.requests.slice(before).map((r) => `${r.method} ${r.rawPath}`);
      expect(
        reached,
        'cold start: the scopes are unknown until a token is read, so the first call is forwarded ' +
          '(and Jira\'s 401 "scope does not match" even triggers a refresh)',
      ).toEqual([]);
      expect(expectError(res, 403, 'blocked_by_rules')).toContain(NEEDED);
    } finally {
      await p.close();
    }
  });
});

describe('upstream failures', () => {
  it('an upstream that does not answer in UPSTREAM_TIMEOUT_SECONDS gives 504 upstream_timeout', async () => {
    const p = await startProxy({ existingSandbox: sandbox, env: { UPSTREAM_TIMEOUT_SECONDS: '1' } });
    try {
      sandbox.failNext('api', [{ delayMs: 1_600 }]);
      const res = await sendRaw(p.url, 'GET', '/rest/api/3/myself');
      expectError(res, 504, 'upstream_timeout');
      expect(header(res, 'x-psoxy-error')).toBe('API_ERROR');
    } finally {
      await p.close();
    }
  });

  it('a response over MAX_RESPONSE_BYTES gives 502 response_too_large', async () => {
    const p = await startProxy({ existingSandbox: sandbox, env: { MAX_RESPONSE_BYTES: '1024' } });
    try {
      const res = await sendRaw(p.url, 'GET', '/rest/api/3/users?maxResults=50');
      expectError(res, 502, 'response_too_large');
      expect(res.body).not.toContain('accountId');
    } finally {
      await p.close();
    }
  });

  it('an unreachable upstream gives 502 upstream_unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const p = await startProxy({
      existingSandbox: sandbox,
      env: { ATLASSIAN_API_URL: `http://127.0.0.1:${port}` },
    });
    try {
      const res = await sendRaw(p.url, 'GET', '/rest/api/3/myself');
      expectError(res, 502, 'upstream_unreachable');
      expect(header(res, 'x-psoxy-error')).toBe('API_ERROR');
    } finally {
      await p.close();
    }
  });
});

// An oracle written from docs/RULES.md, independent of the rules engine: what may reach the sandbox.
const API = `/ex/jira/${SITE}/rest/api`;
const ISSUE = '(?:[0-9]{1,18}|[A-Za-z][A-Za-z0-9_]{0,254}-[0-9]{1,18})';
const PAGING = ['startAt', 'maxResults'];
const ORACLE: [RegExp, string[]][] = [
  [new RegExp(`^${API}/[23]/users$`), PAGING],
  [new RegExp(`^${API}/[23]/group/bulk$`), PAGING],
  [new RegExp(`^${API}/[23]/group/member$`), ['groupId', 'groupName', 'includeInactiveUsers', ...PAGING]],
  [
    new RegExp(`^${API}/[23]/search/jql$`),
    [
      'jql',
      'fields',
      'nextPageToken',
      'maxResults',
      'expand',
      'properties',
      'fieldsByKeys',
      'failFast',
      'reconcileIssues',
    ],
  ],
  [new RegExp(`^${API}/[23]/users/search$`), PAGING],
  [new RegExp(`^${API}/[23]/(?:serverInfo|field|status|priority|resolution|issuetype)$`), []],
  [new RegExp(`^${API}/[23]/worklog/updated$`), ['since', 'expand']],
  [new RegExp(`^${API}/[23]/worklog/deleted$`), ['since']],
  [new RegExp(`^${API}/3/issue/${ISSUE}$`), ['fields']],
  [new RegExp(`^${API}/[23]/issue/${ISSUE}/changelog$`), PAGING],
  [new RegExp(`^${API}/3/issue/${ISSUE}/(?:comment|worklog)$`), PAGING],
  [new RegExp(`^${API}/[23]/project/search$`), PAGING],
  [new RegExp(`^${API}/[23]/myself$`), ['expand']],
  [/^\/oauth\/token\/accessible-resources$/, []],
];
const QUERY_PAIR = /^[A-Za-z]+=(?:[A-Za-z0-9\-._~,:@*]|%[0-9A-F]{2})*$/;

function withinRules(method: string, rawPath: string): string | undefined {
  // the fuzzer sends no body: a POST, even to a read that takes one, is refused before Jira
  if (method !== 'GET' && method !== 'HEAD') return `method ${method}`;
  const [path = '', query] = rawPath.split(/\?(.*)/s);
  const hit = ORACLE.find(([re]) => re.test(path));
  if (!hit) return `path ${path}`;
  const pairs = query === undefined ? [] : query.split('&');
  for (const pair of pairs) {
    if (!QUERY_PAIR.test(pair)) return `non-canonical query pair ${pair}`;
    const name = pair.slice(0, pair.indexOf('='));
    if (!hit[1].includes(name)) return `query parameter ${name}`;
  }
  return undefined;
}

const TRICKS = [
  ...['.', '..', '', '%2e', '%2E%2e', '.%2e', '%2f', '%5c', '\\', '%00', '%0d%0a', '%25', '%252e'],
  ...[';', ';x=1', '*', '%75', '%c3%a9', '#', '?', '%3f', '%23', '%20', '%ff', '//', '%u002e'],
  ...[OTHER_CLOUD_ID, SITE.toUpperCase(), 'http://evil', '&', '=', '+', '%26', '%3D', '%E2%80%AE', '%C0%AE'],
  ...['~', '@', ':', 'ex', 'jira', 'rest', 'api', '3', '2', ' ', '\t', '\u00e9'],
];
const WORDS = [
  ...['rest', 'api', '2', '3', 'users', 'group', 'bulk', 'member', 'search', 'jql', 'issue', 'ENG-1'],
  ...['10001', 'changelog', 'comment', 'worklog', 'project', 'myself', 'ex', 'jira', SITE, 'oauth'],
  ...['token', 'accessible-resources', 'user', 'attachments', 'serverInfo', 'field', 'status', 'updated'],
  ...['deleted', 'list', 'bulkfetch', 'approximate-count'],
];
const PARAMS = [
  'startAt',
  'maxResults',
  'jql',
  'fields',
  'groupName',
  'expand',
  'since',
  'x',
  'start%41t',
  '',
];
const segment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...WORDS) }, fc.constantFrom(...TRICKS));
const value = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TRICKS, 'a', '0', '5', '-'), maxLength: 5 }),
  fc.nat({ max: 100_000 }).map(String),
);
const query = fc
  .array(fc.tuple(fc.constantFrom(...PARAMS), value), { maxLength: 3 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([n, v]) => `${n}=${v}`).join('&')}` : ''));
const built = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 7 }), fc.boolean(), query)
  .map(([segments, site, q]) => `${site ? `/ex/jira/${SITE}` : ''}/${segments.join('/')}${q}`);
// legitimate targets with a trick spliced in somewhere: the near misses
const spliced = fc
  .tuple(fc.constantFrom(...LEGITIMATE), fc.nat(), fc.constantFrom(...TRICKS))
  .map(([row, at, trick]) => {
    const t = fill(row.target, SITE);
    const i = at % (t.length + 1);
    return t.slice(0, i) + trick + t.slice(i);
  });

// untouched legitimate targets with an extra parameter (allowed or not) or none
const legitimate = fc
  .tuple(fc.constantFrom(...LEGITIMATE), fc.option(fc.tuple(fc.constantFrom(...PARAMS), value)))
  .map(([row, extra]) => {
    const t = fill(row.target, SITE);
    return extra ? `${t}${t.includes('?') ? '&' : '?'}${extra[0]}=${extra[1]}` : t;
  });

describe('fuzzed raw targets through the server', () => {
  it('forward nothing outside the rules (sandbox log checked against the endpoint templates)', async () => {
    let forwarded = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'DELETE', 'get'),
        // legitimate targets weigh double: the corpus has grown, and most tricks are refused
        fc.oneof(built, spliced, { weight: 2, arbitrary: legitimate }),
        async (method, target) => {
          const before = sandbox.requests.length;
          const res = await sendRaw(proxy.url, method, target);
          expect(res.status).toBeLessThan(500);
          for (const r of apiRequestsSince(before)) {
            forwarded++;
            expect(withinRules(r.method, r.rawPath), `${method} ${target} -> ${r.rawPath}`).toBeUndefined();
          }
        },
      ),
      { numRuns: 300, seed: 20_905 },
    );
    // the generators must reach the allowed side too, or the property proves little
    expect(forwarded).toBeGreaterThan(10);
  });
});

describe('DNS rebinding: serve on loopback answers loopback names and ALLOWED_HOSTS only', () => {
  it('refuses a foreign Host with 421 before anything is sent upstream', async () => {
    const before = sandbox.requests.length;
    for (const host of ['rebind.attacker.example:8787', 'rebind.attacker.example', '127.0.0.1.nip.io:80']) {
      const res = await sendRaw(proxy.url, 'GET', '/rest/api/3/myself', [['Host', host]]);
      const message = expectError(res, 421, 'misdirected_request');
      expect(message).toContain('ALLOWED_HOSTS');
    }
    // The health check is answered by the proxy itself, and says which site it serves: refused too.
    const health = await sendRaw(proxy.url, 'GET', '/_health', [['Host', 'rebind.attacker.example']]);
    expect(health.status).toBe(421);
    expect(sandbox.requests.length).toBe(before);
  });

  it('answers loopback names in any case, with or without a port', async () => {
    const port = new URL(proxy.url).port;
    for (const host of [
      `localhost:${port}`,
      'LOCALHOST',
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'app.localhost',
    ]) {
      const res = await sendRaw(proxy.url, 'GET', '/rest/api/3/myself', [['Host', host]]);
      expect(res.status, host).toBe(200);
    }
  });

  it('answers the names in ALLOWED_HOSTS', async () => {
    const p = await startProxy({
      existingSandbox: sandbox,
      env: { ALLOWED_HOSTS: 'proxy.internal, Other.Example' },
    });
    try {
      for (const host of ['proxy.internal:8787', 'other.example']) {
        expect((await sendRaw(p.url, 'GET', '/rest/api/3/myself', [['Host', host]])).status, host).toBe(200);
      }
      expect((await sendRaw(p.url, 'GET', '/rest/api/3/myself', [['Host', 'evil.example']])).status).toBe(
        421,
      );
    } finally {
      await p.close();
    }
  });

  it('serve checks Host when bound to a loopback address, not on a public one without ALLOWED_HOSTS', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('localhost')).toBe(true);
    expect(isLoopbackAddress('0.0.0.0')).toBe(false);
    expect(isLoopbackAddress('10.0.0.5')).toBe(false);
  });
});

/** An upstream that streams a chunked body without Content-Length, one part when the test says. */
async function startStreamingUpstream(first: number) {
  let pending: ServerResponse | undefined;
  let answered: () => void = () => undefined;
  const answeredOnce = new Promise<void>((r) => {
    answered = r;
  });
  const server = createHttpServer((req, res) => {
    if (!req.url?.includes('/myself')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(Buffer.alloc(first, 0x61));
    pending = res;
    answered();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered: answeredOnce,
    more(bytes: number) {
      pending?.write(Buffer.alloc(bytes, 0x62));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Sends `GET /rest/api/3/myself` over `version`; calls `onBody` once the head and some body are in. */
function readCut(base: string, version: string, onBody: () => void) {
  const { hostname, port } = new URL(base);
  return new Promise<{ raw: string; error: string | undefined }>((resolve) => {
    let raw = '';
    let called = false;
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET /rest/api/3/myself ${version}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      const head = raw.indexOf('\r\n\r\n');
      if (!called && head > 0 && raw.length > head + 4) {
        called = true;
        onBody();
      }
    });
    let error: string | undefined;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code;
    });
    socket.on('close', () => resolve({ raw, error }));
  });
}

describe('a streamed body over MAX_RESPONSE_BYTES', () => {
  it.each([['HTTP/1.1'], ['HTTP/1.0']])(
    'aborts the connection once the status line is out, over %s, and logs it',
    async (version) => {
      const upstream = await startStreamingUpstream(600);
      const p = await startProxy({
        existingSandbox: sandbox,
        env: { MAX_RESPONSE_BYTES: '1024', ATLASSIAN_API_URL: upstream.url },
      });
      const warn = vi.spyOn(logger, 'warn');
      try {
        const { raw, error } = await readCut(p.url, version, () => upstream.more(2_000));
        // Node answers HTTP/1.1 to both; to a 1.0 client the body is close-delimited, not chunked.
        expect(raw).toMatch(/^HTTP\/1\.1 200 /);
        expect(/transfer-encoding: chunked/i.test(raw)).toBe(version === 'HTTP/1.1');
        // Not a clean end: a reset, so neither a chunked nor a close-delimited body looks complete.
        expect(error).toBe('ECONNRESET');
        expect(raw.endsWith('0\r\n\r\n')).toBe(false);
        expect(raw).not.toContain('b'.repeat(600));
        expect(warn.mock.calls.map(([m]) => m)).toContain('response aborted after its status line');
      } finally {
        warn.mockRestore();
        await p.close();
        await upstream.close();
      }
    },
  );

  it('answers 502 response_too_large when the limit is passed before anything was sent', async () => {
    const upstream = await startStreamingUpstream(4_000);
    const p = await startProxy({
      existingSandbox: sandbox,
      env: { MAX_RESPONSE_BYTES: '1024', ATLASSIAN_API_URL: upstream.url },
    });
    try {
      const res = await sendRaw(p.url, 'GET', '/rest/api/3/myself');
      expectError(res, 502, 'response_too_large');
      expect(res.body).not.toContain('aaaa');
    } finally {
      await p.close();
      await upstream.close();
    }
  });
});

describe('server timeouts', () => {
  it('closes a connection whose request head does not arrive in time, with 408', async () => {
    const server = createProxyServer(proxy.app, { headersTimeoutMs: 200 });
    const port = await listen(server, 0);
    try {
      // A head that never ends: no blank line.
      const status = await rawHead(
        `http://127.0.0.1:${port}`,
        'GET /rest/api/3/myself HTTP/1.1\r\nHost: 127.0.0.1\r\n',
      );
      expect(status).toBe(408);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('sets header and request timeouts on the server serve runs', () => {
    const server = createProxyServer(proxy.app);
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(30_000);
    server.close();
  });
});
