import { afterEach, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../src/log';
import { QuotaHold } from '../../src/quota-hold';
import { quotaResetAt } from '../../src/rate-limit-headers';
import { metricLines } from '../helpers/metric-lines';
import { proxiesClosedAfterEach, type TestProxy, testClock } from '../helpers/proxy';

const proxy = proxiesClosedAfterEach();
const T0 = Date.parse('2026-12-07T10:20:00Z');
const QUOTA = 'jira-quota-tenant-based';

const get = (p: TestProxy, path = '/rest/api/3/myself') => fetch(`${p.url}${path}`);
const jiraCalls = (p: TestProxy) => p.sandbox.requests.filter((r) => r.rawPath.startsWith('/ex/')).length;
const RATE =
  /^(retry-after|beta-retry-after|ratelimit-reason|x-ratelimit-.+|beta-ratelimit.*|x-beta-ratelimit-.+)$/;
const rateHeaders = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([name]) => RATE.test(name)));

afterEach(() => setLogLevel('silent'));

describe('quota hold', () => {
  it('after a quota 429, N caller requests make no upstream call until the reset, then traffic resumes by itself', async () => {
    const clock = testClock(T0);
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    expect((await get(p)).status).toBe(200);
    p.sandbox.failNext('api', [{ status: 429, retryAfterSeconds: 2400, reason: QUOTA }]);
    const calls = jiraCalls(p);

    // Atlassian's 429 goes back as it came, with its headers.
    const limited = await get(p);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ code: 429, message: 'Rate limit exceeded' });
    const seen = rateHeaders(limited);
    expect(seen).toMatchObject({
      'retry-after': '2400',
      'ratelimit-reason': QUOTA,
      'x-ratelimit-remaining': '0',
    });
    expect(jiraCalls(p)).toBe(calls + 1);

    // Held: the proxy answers, Retry-After counts down, the other rate-limit headers are Atlassian's.
    for (let i = 0; i < 25; i++) {
      const held = await get(p, i % 2 ? '/rest/api/3/myself' : '/rest/api/3/project/search');
      expect(held.status).toBe(429);
      expect(held.headers.get('x-psoxy-error')).toBe('API_ERROR');
      expect((await held.json()).error.code).toBe('quota_exhausted');
      expect(rateHeaders(held)).toEqual({ ...seen, 'retry-after': String(2400 - i * 60) });
      clock.advance(60_000);
    }
    expect(jiraCalls(p)).toBe(calls + 1);
    const health = await (await get(p, '/_health')).json();
    expect(health.status).toBe('healthy');
    expect(health.quota).toEqual({
      holding: true,
      lastQuotaLimited: {
        at: new Date(T0).toISOString(),
        reason: QUOTA,
        until: new Date(T0 + 2_400_000).toISOString(),
      },
    });

    clock.advance(2_400_000 - 25 * 60_000); // the reset
    expect((await get(p)).status).toBe(200);
    expect((await get(p)).status).toBe(200);
    expect(jiraCalls(p)).toBe(calls + 3);
    const after = await (await get(p, '/_health')).json();
    expect(after.quota.holding).toBe(false);
    expect(after.quota.lastQuotaLimited.reason).toBe(QUOTA);
  });

  it('a burst or per-issue 429 holds nothing: the next request goes to Jira', async () => {
    const p = await proxy();
    for (const reason of ['jira-burst-based', 'jira-per-issue-on-write', undefined]) {
      p.sandbox.failNext('api', [{ status: 429, retryAfterSeconds: 30, reason }]);
      const limited = await get(p);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-psoxy-error')).toBeNull();
      expect(limited.headers.get('retry-after')).toBe('30');
      const calls = jiraCalls(p);
      expect((await get(p)).status).toBe(200);
      expect(jiraCalls(p)).toBe(calls + 1);
    }
    expect((await (await get(p, '/_health')).json()).quota).toEqual({
      holding: false,
      lastQuotaLimited: null,
    });
  });

  it('lets the scheduled refresh through while it holds (the token endpoint is another service)', async () => {
    const clock = testClock(T0);
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    expect((await get(p)).status).toBe(200);
    p.sandbox.failNext('api', [{ status: 429, retryAfterSeconds: 3600, reason: 'jira-quota-global-based' }]);
    expect((await get(p)).status).toBe(429);
    const calls = jiraCalls(p);
    clock.advance(3_400_000); // still held, and the access token is due
    const refreshes = p.sandbox.stats().refreshes;
    const report = await (await fetch(`${p.url}/_refresh`, { method: 'POST' })).json();
    expect(report).toMatchObject({ refreshed: true });
    expect(p.sandbox.stats().refreshes).toBe(refreshes + 1);
    expect((await get(p)).headers.get('x-psoxy-error')).toBe('API_ERROR');
    expect(jiraCalls(p)).toBe(calls);
  });

  it('counts 429s by reason (the beta reason too), held answers, near-limit flags (once a minute) and how long the quota has held', async () => {
    const clock = testClock(T0);
    const hold = new QuotaHold(clock.now);
    const quota429 = (retryAfter: number) => ({
      status: 429,
      headers: {
        'retry-after': String(retryAfter),
        'x-beta-ratelimit-reason': QUOTA,
        'x-beta-ratelimit-nearlimit': 'true',
      },
    });
    const lines = await metricLines(async () => {
      hold.observe({ status: 200, headers: { 'x-ratelimit-nearlimit': 'true' } });
      hold.observe({ status: 200, headers: { 'x-ratelimit-nearlimit': 'true' } }); // same minute: not counted
      hold.observe({ status: 429, headers: { 'ratelimit-reason': 'jira-burst-based', 'retry-after': '1' } });
      hold.observe(quota429(2400));
      expect(() => hold.check()).toThrow(/quota is spent/);
      clock.advance(2_400_000);
      hold.check();
      hold.observe(quota429(3600)); // spent again at the reset: an unbroken run of 100 minutes
    });
    expect(lines.map(({ metric, value, reason, header }) => [metric, value, reason ?? header])).toEqual([
      ['upstreamNearLimit', 1, 'x-ratelimit-nearlimit'],
      ['upstreamRateLimited', 1, 'jira-burst-based'],
      ['upstreamNearLimit', 1, 'x-beta-ratelimit-nearlimit'],
      ['upstreamRateLimited', 1, QUOTA],
      ['quotaLimitedMinutes', 40, undefined],
      ['quotaHeldAnswer', 1, QUOTA],
      ['upstreamNearLimit', 1, 'x-beta-ratelimit-nearlimit'],
      ['upstreamRateLimited', 1, QUOTA],
      ['quotaLimitedMinutes', 100, undefined],
    ]);
    // Any other answer ends the run: the next quota 429 starts counting again.
    hold.observe({ status: 200, headers: {} });
    clock.advance(3_600_000);
    const next = await metricLines(async () => {
      hold.observe(quota429(1200));
    });
    expect(next.find((l) => l.metric === 'quotaLimitedMinutes')?.value).toBe(20);
  });
});

describe('the reset a quota 429 gives', () => {
  const now = T0;
  it('takes Retry-After first, then Beta-Retry-After, then a reset time ahead, else the top of the hour', () => {
    const reset = '2026-12-07T10:50Z';
    expect(
      quotaResetAt({ 'retry-after': '120', 'beta-retry-after': '900', 'x-ratelimit-reset': reset }, now),
    ).toBe(now + 120_000);
    expect(quotaResetAt({ 'beta-retry-after': '900', 'x-ratelimit-reset': reset }, now)).toBe(now + 900_000);
    expect(quotaResetAt({ 'x-ratelimit-reset': reset }, now)).toBe(Date.parse(reset));
    // A reset time in the past (seen in the wild: the window's start) is no reset.
    expect(quotaResetAt({ 'x-beta-ratelimit-reset': '2026-12-07T10:00Z' }, now)).toBe(
      Date.parse('2026-12-07T11:00:00Z'),
    );
    expect(quotaResetAt({ 'retry-after': 'soon' }, now)).toBe(Date.parse('2026-12-07T11:00:00Z'));
    expect(quotaResetAt({ 'retry-after': 'Mon, 07 Dec 2026 10:30:00 GMT' }, now)).toBe(now + 600_000);
    // Never more than one quota window ahead.
    expect(quotaResetAt({ 'retry-after': '86400' }, now)).toBe(now + 3_600_000);
  });
});
