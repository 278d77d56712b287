import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SANDBOX_SITE, type Sandbox } from '../../src/sandbox';
import { bootstrap, client, jira, refresh, sandboxAt, T0 } from './helpers';

let sb: Sandbox;
afterEach(() => sb?.close());

const RATE_HEADERS = [
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-nearlimit',
  'beta-ratelimit-policy',
  'beta-ratelimit',
];

/** A request with the target exactly as given: fetch would resolve `%2e%2e` segments first. */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('rate limits and gateway headers', () => {
  it('an injected 429 carries Retry-After and every rate-limit header; the next call is normal', async () => {
    sb = await sandboxAt();
    const { access } = await bootstrap(sb);
    sb.failNext('api', [{ status: 429, retryAfterSeconds: 2 }]);
    const limited = await jira(sb, access, '/myself');
    expect(limited.status).toBe(429);
    const h = limited.headers;
    expect(h.get('retry-after')).toBe('2');
    expect(h.get('x-ratelimit-remaining')).toBe('0');
    expect(h.get('x-ratelimit-reset')).toBe(`${new Date(T0 + 2000).toISOString().slice(0, 16)}Z`);
    expect(h.get('x-ratelimit-nearlimit')).toBe('true');
    expect(h.get('ratelimit-reason')).toBeTruthy();
    expect(h.get('beta-ratelimit-policy')).toMatch(/^"[\w-]+";q=\d+;w=\d+$/);
    expect(h.get('beta-ratelimit')).toMatch(/^"[\w-]+";r=\d+;t=\d+$/);
    expect(Number(h.get('x-ratelimit-limit'))).toBeGreaterThan(0);

    const ok = await jira(sb, access, '/myself');
    expect(ok.status).toBe(200);
    for (const name of RATE_HEADERS) expect(ok.headers.get(name)).toBeTruthy();
    expect(ok.headers.get('retry-after')).toBeNull();
    expect(ok.headers.get('ratelimit-reason')).toBeNull();
  });

  it('API answers set the gateway cookie, whatever their status; the token endpoint does not', async () => {
    sb = await sandboxAt();
    const { access } = await bootstrap(sb);
    for (const [token, path] of [
      [access, '/myself'],
      ['bad', '/myself'],
      [access, '/nope'],
    ] as const) {
      const res = await jira(sb, token, path);
      expect(res.headers.get('set-cookie')).toMatch(/^atlassian\.xsrf\.token=/);
    }
    const tokenAnswer = await refresh(sb, 'unknown');
    expect(tokenAnswer.status).toBe(403);
    const res = await fetch(`${sb.url}/oauth/token`, { method: 'POST' });
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('failures are queued per target and consumed in order; 5xx keep their body and Retry-After', async () => {
    sb = await sandboxAt();
    const { access } = await bootstrap(sb);
    sb.failNext('api', [{ status: 503, retryAfterSeconds: 7, body: 'maintenance' }, { status: 502 }]);
    const first = await jira(sb, access, '/myself');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(await first.text()).toBe('maintenance');
    const second = await jira(sb, access, '/myself');
    expect(second.status).toBe(502);
    expect(second.headers.get('retry-after')).toBeNull();
    await second.arrayBuffer();
    expect((await jira(sb, access, '/myself')).status).toBe(200);
    expect(sb.stats().apiCalls).toBe(3);
  });
  it('injected 401/403/404 answer like a dead token would, and leave the token alive', async () => {
    sb = await sandboxAt();
    const { access } = await bootstrap(sb);
    sb.failNext('api', [{ status: 401 }, { status: 403 }, { status: 404 }]);
    const unauthorized = await jira(sb, access, '/myself');
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toEqual({ code: 401, message: 'Unauthorized' });
    expect((await jira(sb, access, '/myself')).status).toBe(403);
    expect((await jira(sb, access, '/myself')).status).toBe(404);
    expect((await jira(sb, access, '/myself')).status).toBe(200);
    expect(sb.stats().api401).toBe(1);
  });
});

describe('token endpoint failures', () => {
  it('a 5xx or 429 processes nothing: the refresh token stays unspent', async () => {
    sb = await sandboxAt({ leewaySeconds: 0 });
    const pair = await bootstrap(sb);
    sb.failNext('token', [{ status: 500 }, { status: 429, retryAfterSeconds: 0 }]);
    const post = () =>
      fetch(`${sb.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', ...client, refresh_token: pair.refresh }),
      });
    const failed = await post();
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain('<html>');
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('0');
    await limited.arrayBuffer();
    expect((await refresh(sb, pair.refresh)).status).toBe(200);
    expect(sb.stats()).toMatchObject({ refreshes: 1, reuseAfterLeeway: 0, familiesRevoked: 0 });
  });

  it('drop: the socket is destroyed unanswered and nothing is processed', async () => {
    sb = await sandboxAt({ leewaySeconds: 0 });
    const pair = await bootstrap(sb);
    sb.failNext('token', [{ drop: true }]);
    await expect(refresh(sb, pair.refresh)).rejects.toThrow();
    expect((await refresh(sb, pair.refresh)).status).toBe(200);
    expect(sb.stats()).toMatchObject({ refreshes: 1, reuseAfterLeeway: 0 });
  });

  it('delay: the answer is held, then processed anyway, like a client timeout after Atlassian rotated', async () => {
    sb = await sandboxAt();
    const pair = await bootstrap(sb);
    sb.failNext('token', [{ delayMs: 1000 }]);
    const body = JSON.stringify({ grant_type: 'refresh_token', ...client, refresh_token: pair.refresh });
    const giveUp = new AbortController();
    const timedOut = fetch(`${sb.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: giveUp.signal,
    });
    // The client gives up once the sandbox holds the whole request (not on a wall-clock timer,
    // which a slow machine can fire before the request even arrived).
    await vi.waitFor(() => expect(sb.requests.some((r) => r.body === body)).toBe(true), {
      timeout: 5000,
      interval: 5,
    });
    giveUp.abort();
    await expect(timedOut).rejects.toThrow();
    await vi.waitFor(() => expect(sb.stats().refreshes).toBe(1), { timeout: 5000 });
    // The client retries with the token it still has: a reuse inside the leeway.
    expect((await refresh(sb, pair.refresh)).status).toBe(200);
    expect(sb.stats()).toMatchObject({ refreshes: 2, reuseWithinLeeway: 1 });
  });

  it('a delayed API answer comes after a later undelayed one', async () => {
    sb = await sandboxAt();
    const { access } = await bootstrap(sb);
    sb.failNext('api', [{ delayMs: 400 }]);
    const order: string[] = [];
    const slow = jira(sb, access, '/myself').then((r) => order.push(`slow ${r.status}`));
    const fast = jira(sb, access, '/myself').then((r) => order.push(`fast ${r.status}`));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['fast 200', 'slow 200']);
  });

  it('latencyMs delays API answers only, and close() does not wait for pending delays', async () => {
    sb = await sandboxAt({ latencyMs: 60_000 });
    const { access } = await bootstrap(sb); // token endpoint: not delayed
    const pending = jira(sb, access, '/myself').catch((e: Error) => e);
    await vi.waitFor(() => expect(sb.requests.at(-1)?.rawPath).toContain('/myself'));
    await sb.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('request recording', () => {
  it('keeps every request in order with the raw target, headers, body and sandbox time', async () => {
    sb = await sandboxAt();
    const { access } = await bootstrap(sb);
    sb.advance(5000);
    const raw = `/ex/jira/${SANDBOX_SITE.id}/rest/api/3/%2e%2e/%2E%2E/./admin?x=a%20b&y=%2F`;
    expect(await rawGet(sb.url, raw, { authorization: `Bearer ${access}`, 'x-probe': '1' })).toBe(404);
    const [exchange, last] = sb.requests;
    expect(sb.requests.map((r) => `${r.method} ${r.rawPath.split('?')[0]}`)).toEqual([
      'POST /oauth/token',
      `GET ${raw.split('?')[0]}`,
    ]);
    expect(exchange?.body).toContain('"grant_type":"authorization_code"');
    expect(exchange?.at).toBe(T0);
    expect(last).toMatchObject({ method: 'GET', rawPath: raw, body: '', at: T0 + 5000 });
    expect(last?.headers['x-probe']).toBe('1');
  });
});
