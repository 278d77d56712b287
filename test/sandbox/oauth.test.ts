import { afterEach, describe, expect, it } from 'vitest';
import { PSOXY_SCOPES, SANDBOX_CLIENT, SANDBOX_SITE, type Sandbox } from '../../src/sandbox';
import {
  bootstrap,
  CALLBACK,
  client,
  DAY,
  exchange,
  jira,
  MINUTE,
  postToken,
  refresh,
  rotate,
  sandboxAt,
  status,
  T0,
} from './helpers';

let sb: Sandbox;
afterEach(() => sb?.close());

const authorizeUrl = (params: Record<string, string>) => {
  const q = new URLSearchParams({
    audience: 'api.atlassian.com',
    client_id: SANDBOX_CLIENT.clientId,
    scope: PSOXY_SCOPES.join(' '),
    redirect_uri: CALLBACK,
    state: 'st-1',
    response_type: 'code',
    prompt: 'consent',
    ...params,
  });
  for (const [k, v] of Object.entries(params)) if (v === '') q.delete(k);
  return `${sb.url}/authorize?${q}`;
};
const authorize = (params: Record<string, string> = {}) =>
  fetch(authorizeUrl(params), { redirect: 'manual' });

function payload(jwt: string): Record<string, unknown> {
  const parts = jwt.split('.');
  expect(parts).toHaveLength(3);
  return JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString());
}

describe('authorize', () => {
  it('consents at once: 302 to the redirect URI with a code and the state, the code exchanges', async () => {
    sb = await sandboxAt();
    const res = await authorize();
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location') as string);
    expect(`${to.origin}${to.pathname}`).toBe(CALLBACK);
    expect(to.searchParams.get('state')).toBe('st-1');
    const code = to.searchParams.get('code') as string;
    expect(code).toBeTruthy();
    expect((await exchange(sb, code)).status).toBe(200);
  });

  it('sandbox_decision=deny comes back with error=access_denied and the state, no code', async () => {
    sb = await sandboxAt();
    const res = await authorize({ sandbox_decision: 'deny' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location') as string);
    expect(to.searchParams.get('error')).toBe('access_denied');
    expect(to.searchParams.get('error_description')).toBeTruthy();
    expect(to.searchParams.get('state')).toBe('st-1');
    expect(to.searchParams.has('code')).toBe(false);
  });

  it.each([
    ['an unknown client', { client_id: 'nope' }],
    ['a redirect URI the app does not have', { redirect_uri: 'https://evil.example/cb' }],
    ['an https loopback redirect', { redirect_uri: 'https://localhost/cb' }],
    ['a loopback redirect with a query', { redirect_uri: 'http://localhost:9000/cb?x=1' }],
    ['no response_type', { response_type: '' }],
    ['another response_type', { response_type: 'token' }],
    ['no audience', { audience: '' }],
    ['no scope', { scope: '' }],
  ])('%s: 400 page, no redirect', async (_name, params) => {
    sb = await sandboxAt();
    const res = await authorize(params);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('location')).toBeNull();
  });

  it('the default client takes any plain-http loopback callback; other clients need an exact match', async () => {
    const other = {
      clientId: 'other-app',
      clientSecret: 'other-secret',
      redirectUris: ['https://app.example/cb'],
    };
    sb = await sandboxAt({ clients: [SANDBOX_CLIENT, other] });
    for (const uri of ['http://localhost', 'http://localhost:53682/callback', 'http://127.0.0.1:9/x/y']) {
      expect((await authorize({ redirect_uri: uri })).status).toBe(302);
    }
    expect((await authorize({ client_id: 'other-app', redirect_uri: 'https://app.example/cb' })).status).toBe(
      302,
    );
    expect(
      (await authorize({ client_id: 'other-app', redirect_uri: 'http://localhost:8080/callback' })).status,
    ).toBe(400);
    expect(() => sb.mintCode({ clientId: 'other-app', redirectUri: 'http://localhost' })).toThrow(/redirect/);
    expect(() => sb.mintCode({ clientId: 'ghost' })).toThrow(/unknown client/);
  });
});

describe('authorization_code grant', () => {
  it.each(['json', 'form'] as const)(
    '%s body: Bearer pair, expires_in, scope, JWT-shaped access token',
    async (enc) => {
      sb = await sandboxAt();
      const r = await exchange(sb, sb.mintCode({ redirectUri: CALLBACK }), CALLBACK, enc);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: PSOXY_SCOPES.join(' ') });
      expect(typeof r.body.refresh_token).toBe('string');
      const claims = payload(r.body.access_token as string);
      expect(claims.exp).toBe(T0 / 1000 + 3600);
      expect(typeof claims.sub).toBe('string');
      expect(typeof claims.jti).toBe('string');
      expect(sb.stats().codeExchanges).toBe(1);
    },
  );

  it('a code is single use', async () => {
    sb = await sandboxAt();
    const code = sb.mintCode({ redirectUri: CALLBACK });
    expect((await exchange(sb, code)).status).toBe(200);
    const again = await exchange(sb, code);
    expect(again).toEqual({
      status: 403,
      body: { error: 'invalid_grant', error_description: 'Invalid authorization code' },
    });
    expect(sb.stats()).toMatchObject({ codeExchanges: 1, invalidGrants: 1 });
  });

  it('a code expires after 10 minutes of sandbox time', async () => {
    sb = await sandboxAt();
    const fresh = sb.mintCode({ redirectUri: CALLBACK });
    const stale = sb.mintCode({ redirectUri: CALLBACK });
    sb.advance(10 * MINUTE - 1);
    expect((await exchange(sb, fresh)).status).toBe(200);
    sb.advance(1);
    expect((await exchange(sb, stale)).status).toBe(403);
  });

  it('a code is bound to its redirect URI and its client', async () => {
    const other = { clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [CALLBACK] };
    sb = await sandboxAt({ clients: [SANDBOX_CLIENT, other] });
    const code = sb.mintCode({ redirectUri: 'http://localhost:9999/other' });
    expect((await exchange(sb, code, CALLBACK)).body.error).toBe('invalid_grant');
    const otherCode = sb.mintCode({ clientId: 'other-app', redirectUri: CALLBACK });
    expect((await exchange(sb, otherCode)).body.error).toBe('invalid_grant');
    // Neither failure spent the codes.
    expect((await exchange(sb, code, 'http://localhost:9999/other')).status).toBe(200);
  });

  it('client failures: wrong secret 401 access_denied, unknown client 401 invalid_client', async () => {
    sb = await sandboxAt();
    const code = sb.mintCode({ redirectUri: CALLBACK });
    const base = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK };
    expect(await postToken(sb, { ...base, client_id: client.client_id, client_secret: 'wrong' })).toEqual({
      status: 401,
      body: { error: 'access_denied', error_description: 'Unauthorized' },
    });
    const unknown = await postToken(sb, { ...base, client_id: 'ghost', client_secret: 'x' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
    expect((await exchange(sb, code)).status).toBe(200);
  });

  it('missing parameters, unknown grant types and other bodies are 400s', async () => {
    sb = await sandboxAt();
    const code = sb.mintCode({ redirectUri: CALLBACK });
    for (const missing of ['client_id', 'client_secret', 'code', 'redirect_uri']) {
      const params: Record<string, string> = {
        grant_type: 'authorization_code',
        ...client,
        code,
        redirect_uri: CALLBACK,
      };
      delete params[missing];
      const r = await postToken(sb, params, 'form');
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_request');
    }
    expect((await postToken(sb, { ...client })).body.error).toBe('invalid_request');
    expect((await postToken(sb, { grant_type: 'password', ...client })).body.error).toBe(
      'unsupported_grant_type',
    );
    const text = await fetch(`${sb.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(400);
    const broken = await fetch(`${sb.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":',
    });
    expect(broken.status).toBe(400);
    expect((await fetch(`${sb.url}/oauth/token`)).status).toBe(405);
  });

  it('without offline_access there is no refresh token', async () => {
    sb = await sandboxAt();
    const scopes = PSOXY_SCOPES.filter((s) => s !== 'offline_access');
    const r = await exchange(sb, sb.mintCode({ scopes, redirectUri: CALLBACK }));
    expect(r.status).toBe(200);
    expect('refresh_token' in r.body).toBe(false);
    expect(r.body.scope).toBe(scopes.join(' '));
    expect(await status(sb, r.body.access_token as string)).toBe(200);
  });
});

describe('refresh_token grant', () => {
  it.each(['json', 'form'] as const)('%s body: every refresh rotates, the new pair works', async (enc) => {
    sb = await sandboxAt();
    const first = await bootstrap(sb);
    const r = await refresh(sb, first.refresh, enc);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: PSOXY_SCOPES.join(' ') });
    expect(r.body.refresh_token === first.refresh).toBe(false);
    expect(r.body.access_token === first.access).toBe(false);
    expect(await status(sb, r.body.access_token as string)).toBe(200);
    expect(sb.stats().refreshes).toBe(1);
  });

  it('a spent token reused inside the leeway still works and continues the family', async () => {
    sb = await sandboxAt();
    const a = await bootstrap(sb);
    const b = await rotate(sb, a.refresh);
    sb.advance(9 * MINUTE);
    const c = await rotate(sb, a.refresh);
    expect(sb.stats()).toMatchObject({
      refreshes: 2,
      reuseWithinLeeway: 1,
      reuseAfterLeeway: 0,
      familiesRevoked: 0,
    });
    expect(await status(sb, c.access)).toBe(200);
    // The branch it replaced is spent as of the reuse: fine inside the leeway, fatal after it.
    sb.advance(5 * MINUTE);
    const d = await rotate(sb, b.refresh);
    expect(sb.stats().reuseWithinLeeway).toBe(2);
    sb.advance(11 * MINUTE);
    expect((await refresh(sb, c.refresh)).status).toBe(403);
    expect(await status(sb, d.access)).toBe(401);
  });

  it('a spent token reused after the leeway revokes the whole family, access tokens included', async () => {
    sb = await sandboxAt();
    const a = await bootstrap(sb);
    const b = await rotate(sb, a.refresh);
    sb.advance(10 * MINUTE);
    expect(await status(sb, b.access)).toBe(200);
    const reuse = await refresh(sb, a.refresh);
    expect(reuse).toEqual({
      status: 403,
      body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
    });
    expect(sb.stats()).toMatchObject({ reuseAfterLeeway: 1, familiesRevoked: 1, invalidGrants: 1 });
    expect((await refresh(sb, b.refresh)).status).toBe(403);
    expect(await status(sb, b.access)).toBe(401);
    const res = await jira(sb, b.access, '/myself');
    expect(await res.json()).toEqual({ code: 401, message: 'Unauthorized' });
  });

  it('leewaySeconds 0 is strict: any reuse revokes', async () => {
    sb = await sandboxAt({ leewaySeconds: 0 });
    const a = await bootstrap(sb);
    const b = await rotate(sb, a.refresh);
    expect((await refresh(sb, a.refresh)).status).toBe(403);
    expect(sb.stats()).toMatchObject({ reuseWithinLeeway: 0, reuseAfterLeeway: 1, familiesRevoked: 1 });
    expect((await refresh(sb, b.refresh)).status).toBe(403);
  });

  it('unknown refresh tokens and tokens of another client are invalid_grant', async () => {
    const other = { clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [CALLBACK] };
    sb = await sandboxAt({ clients: [SANDBOX_CLIENT, other] });
    const a = await bootstrap(sb);
    expect((await refresh(sb, 'not-a-token')).status).toBe(403);
    const stolen = await postToken(sb, {
      grant_type: 'refresh_token',
      client_id: 'other-app',
      client_secret: 'other-secret',
      refresh_token: a.refresh,
    });
    expect(stolen.body.error).toBe('invalid_grant');
    expect((await refresh(sb, a.refresh)).status).toBe(200);
  });

  it('inactivity: 90 days without a refresh kill the family; each rotation resets the count', async () => {
    sb = await sandboxAt();
    let pair = await bootstrap(sb);
    sb.advance(89 * DAY);
    pair = await rotate(sb, pair.refresh);
    sb.advance(89 * DAY);
    pair = await rotate(sb, pair.refresh);
    sb.advance(90 * DAY);
    const dead = await refresh(sb, pair.refresh);
    expect(dead.status).toBe(403);
    expect(dead.body.error_description).toBe('Unknown or invalid refresh token.');
  });

  it('absolute: the family dies 365 days after the code exchange however often it rotates', async () => {
    sb = await sandboxAt({ accessTokenLifetimeSeconds: 600 });
    let pair = await bootstrap(sb);
    for (let day = 0; day < 364; day += 28) {
      sb.advance(28 * DAY);
      pair = await rotate(sb, pair.refresh);
    }
    sb.advance(1 * DAY); // day 365
    expect((await refresh(sb, pair.refresh)).status).toBe(403);
    expect(sb.stats().refreshes).toBe(13);
  });

  it('custom inactivity and absolute limits', async () => {
    sb = await sandboxAt({ inactivityDays: 2, absoluteDays: 3 });
    let pair = await bootstrap(sb);
    sb.advance(2 * DAY - 1);
    pair = await rotate(sb, pair.refresh);
    sb.advance(1 * DAY);
    pair = await rotate(sb, pair.refresh);
    sb.advance(1 * DAY);
    expect((await refresh(sb, pair.refresh)).status).toBe(403);
  });

  it('linked revocation: an older access token dies at the end of the grace, even before its exp', async () => {
    sb = await sandboxAt();
    const a = await bootstrap(sb);
    sb.advance(30 * MINUTE);
    const b = await rotate(sb, a.refresh);
    sb.advance(10 * MINUTE - 1);
    expect(await status(sb, a.access)).toBe(200);
    sb.advance(1);
    expect(await status(sb, a.access)).toBe(401);
    expect(await status(sb, b.access)).toBe(200);
    expect(sb.stats().api401).toBe(1);
  });

  it('accessTokenGraceSeconds 0: the older access token dies as the new pair is issued', async () => {
    sb = await sandboxAt({ accessTokenGraceSeconds: 0 });
    const a = await bootstrap(sb);
    await rotate(sb, a.refresh);
    expect(await status(sb, a.access)).toBe(401);
  });

  it('access tokens expire at expires_in', async () => {
    sb = await sandboxAt({ accessTokenLifetimeSeconds: 120 });
    const a = await bootstrap(sb);
    sb.advance(119_999);
    expect(await status(sb, a.access)).toBe(200);
    sb.advance(1);
    expect(await status(sb, a.access)).toBe(401);
  });

  it('omitRefreshTokenNext: no refresh_token in the answer, the old one stays valid, the next refresh rotates', async () => {
    sb = await sandboxAt();
    const a = await bootstrap(sb);
    sb.omitRefreshTokenNext();
    const r = await refresh(sb, a.refresh);
    expect(r.status).toBe(200);
    expect('refresh_token' in r.body).toBe(false);
    sb.advance(60 * MINUTE);
    const next = await refresh(sb, a.refresh);
    expect(next.status).toBe(200);
    expect(typeof next.body.refresh_token).toBe('string');
    expect(sb.stats()).toMatchObject({ refreshes: 2, reuseWithinLeeway: 0, reuseAfterLeeway: 0 });
  });

  it('revokeFamily: an admin revocation kills refresh and access tokens', async () => {
    sb = await sandboxAt();
    const a = await bootstrap(sb);
    const b = await rotate(sb, a.refresh);
    sb.revokeFamily(a.refresh);
    expect(sb.stats().familiesRevoked).toBe(1);
    expect((await refresh(sb, b.refresh)).status).toBe(403);
    expect(await status(sb, b.access)).toBe(401);
    expect(() => sb.revokeFamily('never-issued')).toThrow();
    // Another family is untouched.
    const c = await bootstrap(sb);
    expect(await status(sb, c.access)).toBe(200);
  });
});

describe('accessible-resources and sites', () => {
  it('lists the sites the grant reaches with their Jira scopes', async () => {
    sb = await sandboxAt();
    const a = await bootstrap(sb);
    const res = await fetch(`${sb.url}/oauth/token/accessible-resources`, {
      headers: { authorization: `Bearer ${a.access}` },
    });
    expect(res.status).toBe(200);
    const sites = (await res.json()) as Record<string, unknown>[];
    expect(sites).toEqual([
      {
        id: SANDBOX_SITE.id,
        url: 'https://sandbox.atlassian.net',
        name: 'sandbox',
        scopes: PSOXY_SCOPES.filter((s) => s !== 'offline_access' && s !== 'read:account'),
        avatarUrl: expect.stringMatching(/^https:\/\//),
      },
    ]);
    const anonymous = await fetch(`${sb.url}/oauth/token/accessible-resources`);
    expect(anonymous.status).toBe(401);
  });

  it('one grant can reach several sites; a site outside the grant is 401, an unknown cloud id 404', async () => {
    const second = {
      id: '0b6f3c1e-2a7d-4c4b-9e51-8d2f7a6c3b90',
      url: 'https://second.atlassian.net',
      name: 'second',
    };
    sb = await sandboxAt({ sites: [SANDBOX_SITE, second] });
    const both = await bootstrap(sb);
    const list = (await (
      await fetch(`${sb.url}/oauth/token/accessible-resources`, {
        headers: { authorization: `Bearer ${both.access}` },
      })
    ).json()) as { id: string }[];
    expect(list.map((s) => s.id)).toEqual([SANDBOX_SITE.id, second.id]);

    const code = sb.mintCode({ redirectUri: CALLBACK, siteIds: [second.id] });
    const only = (await exchange(sb, code)).body.access_token as string;
    const on = (id: string) =>
      fetch(`${sb.url}/ex/jira/${id}/rest/api/3/myself`, { headers: { authorization: `Bearer ${only}` } });
    expect((await on(second.id)).status).toBe(200);
    expect((await on(SANDBOX_SITE.id)).status).toBe(401);
    expect((await on('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(() => sb.mintCode({ siteIds: ['nope'] })).toThrow(/unknown site/);
  });
});

describe('HTTP shortcuts', () => {
  it('/_sandbox/code mints a code, /_sandbox/stats reports the counters', async () => {
    sb = await sandboxAt();
    const res = await fetch(`${sb.url}/_sandbox/code`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirectUri: CALLBACK }),
    });
    expect(res.status).toBe(200);
    const { code } = (await res.json()) as { code: string };
    expect((await exchange(sb, code)).status).toBe(200);
    const bad = await fetch(`${sb.url}/_sandbox/code`, {
      method: 'POST',
      body: JSON.stringify({ clientId: 'ghost' }),
    });
    expect(bad.status).toBe(400);
    const stats = await (await fetch(`${sb.url}/_sandbox/stats`)).json();
    expect(stats).toEqual(sb.stats());
    expect(stats).toMatchObject({ codeExchanges: 1 });
  });
});
