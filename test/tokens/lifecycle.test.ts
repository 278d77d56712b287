import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules';
import { buildRuntime } from '../../src/runtime';
import { SANDBOX_SITE } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { parseAccessToken } from '../../src/tokens/values';
import { metricLines } from '../helpers/metric-lines';
import { proxiesClosedAfterEach, seedFamily, type TestProxy, testClock } from '../helpers/proxy';

const HOUR = 3_600_000;
const proxy = proxiesClosedAfterEach();

const get = (p: TestProxy, path = '/rest/api/3/myself') => fetch(`${p.url}${path}`);

function resetCounts(p: TestProxy) {
  p.store.calls = { read: 0, write: 0, tryLock: 0, unlock: 0 };
}

describe('token lifecycle', () => {
  it('warm requests touch neither the store nor the token endpoint', async () => {
    const p = await proxy();
    expect((await get(p)).status).toBe(200);
    resetCounts(p);
    const refreshesBefore = p.sandbox.stats().refreshes;
    for (let i = 0; i < 200; i++) expect((await get(p)).status).toBe(200);
    expect(p.store.total).toBe(0);
    expect(p.sandbox.stats().refreshes).toBe(refreshesBefore);
  });

  it('a burst of 100 requests with an expired token causes exactly one refresh', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    clock.advance(HOUR + 1000);
    const answers = await Promise.all(Array.from({ length: 100 }, () => get(p)));
    expect(answers.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(p.sandbox.stats().refreshes).toBe(1);
  });

  it('refreshes inside the margin, capped at half the token lifetime', async () => {
    const clock = testClock();
    const p = await proxy({
      sandbox: { now: clock.now, accessTokenLifetimeSeconds: 600 },
      now: clock.now,
      env: { REFRESH_MARGIN_SECONDS: '3000' },
    });
    expect((await get(p)).status).toBe(200);
    clock.advance(200_000); // 400 s left of 600: above half, not due despite the 3000 s margin
    expect((await get(p)).status).toBe(200);
    expect(p.sandbox.stats().refreshes).toBe(0);
    clock.advance(120_000); // 280 s left: under half
    expect((await get(p)).status).toBe(200);
    expect(p.sandbox.stats().refreshes).toBe(1);
  });

  it('writes the rotated refresh token durably, and a refresh without one keeps the old', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    const n = secretNames(p.config.secretPrefix);
    const before = (await p.store.read([n.REFRESH_TOKEN])).get(n.REFRESH_TOKEN)?.value;
    clock.advance(HOUR);
    expect((await get(p)).status).toBe(200);
    const after = await p.store.read([n.REFRESH_TOKEN, n.ACCESS_TOKEN]);
    expect(after.get(n.REFRESH_TOKEN)?.value).not.toBe(before);
    expect(parseAccessToken(after.get(n.ACCESS_TOKEN)?.value ?? '')?.expiresAt).toBeGreaterThan(clock.now());

    p.sandbox.omitRefreshTokenNext();
    clock.advance(HOUR);
    expect((await get(p)).status).toBe(200);
    expect((await p.store.read([n.REFRESH_TOKEN])).get(n.REFRESH_TOKEN)?.value).toBe(
      after.get(n.REFRESH_TOKEN)?.value,
    );
    clock.advance(HOUR);
    expect((await get(p)).status).toBe(200);
    const s = p.sandbox.stats();
    expect(s.refreshes).toBe(3);
    expect(s.reuseAfterLeeway + s.reuseWithinLeeway).toBe(0);
  });

  it('two instances on one store: the second uses the first one’s refresh (fleet lock + double-check)', async () => {
    const clock = testClock();
    const a = await proxy({
      sandbox: { now: clock.now, leewaySeconds: 0, accessTokenGraceSeconds: 0 },
      now: clock.now,
    });
    const b = await proxy({ existingSandbox: a.sandbox, dir: a.dir, seed: false, now: clock.now });
    expect((await get(a)).status).toBe(200);
    expect((await get(b)).status).toBe(200);
    clock.advance(HOUR);
    const answers = await Promise.all([...Array(20)].flatMap(() => [get(a), get(b)]));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const s = a.sandbox.stats();
    expect(s.refreshes).toBe(1);
    expect(s.reuseAfterLeeway + s.reuseWithinLeeway).toBe(0);
  });

  it('an upstream 401 after another instance refreshed: re-read the store, retry once, no refresh', async () => {
    const clock = testClock();
    const a = await proxy({
      sandbox: { now: clock.now, leewaySeconds: 0, accessTokenGraceSeconds: 0 },
      now: clock.now,
    });
    // b refreshes earlier than a (a wider margin), so a still caches the token b's refresh revoked.
    const b = await proxy({
      existingSandbox: a.sandbox,
      dir: a.dir,
      seed: false,
      now: clock.now,
      env: { REFRESH_MARGIN_SECONDS: '1500' },
    });
    expect((await get(a)).status).toBe(200);
    expect((await get(b)).status).toBe(200);
    clock.advance(HOUR - 1_000_000);
    expect((await b.app.refresh()).refreshed).toBe(true);
    const api401 = a.sandbox.stats().api401;
    expect((await get(a)).status).toBe(200);
    const s = a.sandbox.stats();
    expect(s.api401).toBe(api401 + 1);
    expect(s.refreshes).toBe(1);
  });

  it('an upstream 401 with no newer token: one refresh and one retry, never a loop', async () => {
    const p = await proxy();
    expect((await get(p)).status).toBe(200);
    p.sandbox.failNext('api', [{ status: 401 }, { status: 401 }]);
    const res = await get(p);
    // The retry's fresh token was rejected too: a clear error rather than Jira's bare 401.
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_rejected_token');
    expect(p.sandbox.stats().refreshes).toBe(1);
  });

  it("Jira's 401 for a missing scope is passed back without refreshing (no token endpoint hammering)", async () => {
    const rules =
      'endpoints:\n  - id: members\n    path: /rest/api/3/group/member\n    query: { groupName: null }\n';
    const p = await proxy({
      env: { RULES: rules },
      scopes: ['read:jira-user', 'read:jira-work', 'offline_access'],
    });
    for (let i = 0; i < 3; i++) {
      const res = await get(p, '/rest/api/3/group/member?groupName=x');
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('scope does not match');
    }
    expect(p.sandbox.stats().refreshes).toBe(0);
  });

  it('invalid_grant: 503 token_family_expired naming bootstrap, no hammering, recovers after a bootstrap', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    const n = secretNames(p.config.secretPrefix);
    const rt = (await p.store.read([n.REFRESH_TOKEN])).get(n.REFRESH_TOKEN)?.value as string;
    p.sandbox.revokeFamily(rt);
    clock.advance(HOUR);
    const res = await get(p);
    expect(res.status).toBe(503);
    expect(res.headers.get('x-psoxy-error')).toBe('CONNECTION_SETUP');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('token_family_expired');
    expect(body.error.message).toContain('jira-token-proxy bootstrap');
    const grants = p.sandbox.stats().invalidGrants;
    for (let i = 0; i < 20; i++) expect((await get(p)).status).toBe(503);
    clock.advance(6000);
    expect((await get(p)).status).toBe(503);
    expect(p.sandbox.stats().invalidGrants).toBe(grants);

    await seedFamily(p.sandbox, p.store, p.config);
    clock.advance(6000);
    expect((await get(p)).status).toBe(200);
    expect((await get(p, '/_health')).status).toBe(200);
  });

  it('token endpoint 503 and 429: retried with backoff, honouring Retry-After, then succeeds', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    p.sandbox.failNext('token', [{ status: 503 }, { status: 429, retryAfterSeconds: 0 }]);
    clock.advance(HOUR);
    expect((await get(p)).status).toBe(200);
    expect(p.sandbox.stats().refreshes).toBe(1);
  });

  it('token endpoint down: 503 with Retry-After, family intact, the first request after the backoff refreshes', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    p.sandbox.failNext('token', [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }]);
    clock.advance(HOUR);
    const res = await get(p);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('token_endpoint_unavailable');
    // Paced: no token call until the backoff (5 s at most after one failure) has passed.
    expect((await get(p)).status).toBe(503);
    clock.advance(5_000);
    expect((await get(p)).status).toBe(200);
    const s = p.sandbox.stats();
    expect(s.refreshes).toBe(1);
    expect(s.reuseAfterLeeway + s.reuseWithinLeeway).toBe(0);
  });

  it('a write-back the store refuses: store_unavailable, token kept in memory and persisted later', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now, leewaySeconds: 0 }, now: clock.now });
    const n = secretNames(p.config.secretPrefix);
    // One refusal stands for the store's own retries (the SDK's) all failing.
    p.store.failWrites.set(n.REFRESH_TOKEN, 1);
    clock.advance(HOUR);
    const res = await get(p);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
    // The next request retries the pending write first, then serves with the new token.
    expect((await get(p)).status).toBe(200);
    const s = p.sandbox.stats();
    expect(s.refreshes).toBe(1);
    expect(s.reuseAfterLeeway + s.reuseWithinLeeway).toBe(0);
    // The stored refresh token is the live one: a later refresh with it succeeds.
    clock.advance(HOUR);
    expect((await get(p)).status).toBe(200);
    expect(p.sandbox.stats().refreshes).toBe(2);
  });

  it('the scheduled refresh reports family days left and refreshes only when due', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    const first = await p.app.refresh();
    expect(first.refreshed).toBe(false);
    expect(first.familyDaysLeft).toBe(365);
    clock.advance(24 * HOUR);
    const second = await p.app.refresh();
    expect(second.refreshed).toBe(true);
    expect(second.familyDaysLeft).toBe(364);
  });

  it('a refresh after a successful one writes no outcome record (ACCESS_TOKEN says when)', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    const n = secretNames(p.config.secretPrefix);
    const recorded = async () => (await p.store.read([n.REFRESH_OUTCOME])).get(n.REFRESH_OUTCOME)?.version;
    clock.advance(HOUR);
    expect((await get(p)).status).toBe(200);
    const first = await recorded();
    expect(first).toBeDefined();
    clock.advance(HOUR);
    expect((await get(p)).status).toBe(200);
    expect(p.sandbox.stats().refreshes).toBe(2);
    expect(await recorded()).toBe(first);
  });

  it('the scheduled run emits the family days left also when its refresh fails', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    clock.advance(2 * HOUR);
    // A Retry-After longer than the spend's deadline: one call, no retry, the refresh fails.
    p.sandbox.failNext('token', [{ status: 429, retryAfterSeconds: 120 }]);
    let failed: unknown;
    const lines = await metricLines(() => p.app.refresh().catch((err: unknown) => (failed = err)));
    expect(failed).toBeInstanceOf(Error);
    // Bootstrapped two hours ago: 364 whole days left.
    expect(lines.filter((l) => l.metric === 'tokenFamilyDaysLeft').map((l) => l.value)).toEqual([364]);
  });

  it('store and rules are built once; a new app on the same store reads the family on its first request', async () => {
    const p = await proxy();
    const { app } = buildRuntime({
      config: p.config,
      store: p.store,
      rules: await loadRules({ ruleSets: ['jira-cloud'] }, SANDBOX_SITE.id),
    });
    try {
      resetCounts(p);
      const res = await app.fetch(new Request('http://proxy/'), { rawTarget: '/rest/api/3/myself' });
      expect(res.status).toBe(200);
      expect(p.store.calls.read).toBe(1);
      expect(p.store.calls.write).toBe(0);
    } finally {
      await app.close();
    }
  });
});
