import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, sandboxRateLimits } from '../../src/config';
import { parseRateLimits, type Sandbox } from '../../src/sandbox';
import { bootstrap, jira, sandboxAt, T0 } from './helpers';

let sb: Sandbox;
afterEach(() => sb?.close());

describe('enforced rate limits (SANDBOX_RATE_LIMIT)', () => {
  it('answers a spent tenant quota 429 with Atlassian headers until its window turns', async () => {
    // T0 is on the hour: a 60-second window starts there too.
    sb = await sandboxAt({ rateLimits: parseRateLimits('quota-tenant:3/60') });
    const { access } = await bootstrap(sb);
    for (const expected of [200, 200, 200, 429])
      expect((await jira(sb, access, '/myself')).status).toBe(expected);
    sb.advance(20_000);
    const limited = await jira(sb, access, '/myself');
    expect(limited.status).toBe(429);
    expect(Object.fromEntries(limited.headers)).toMatchObject({
      'retry-after': '40',
      'beta-retry-after': '40',
      'ratelimit-reason': 'jira-quota-tenant-based',
      'x-beta-ratelimit-reason': 'jira-quota-tenant-based',
      'x-ratelimit-reset': `${new Date(T0 + 60_000).toISOString().slice(0, 16)}Z`,
      'beta-ratelimit-policy': '"tenant-app-quota";q=3;w=60',
      'beta-ratelimit': '"tenant-app-quota";r=0;t=40',
      'x-beta-ratelimit-nearlimit': 'true',
    });
    sb.advance(40_000);
    const ok = await jira(sb, access, '/myself');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('beta-ratelimit')).toBe('"tenant-app-quota";r=2;t=60');
  });

  it('names the global quota, and answers an exceeded burst with jira-burst-based for the rest of the second', async () => {
    sb = await sandboxAt({ rateLimits: parseRateLimits('quota-global:100, burst:2') });
    const { access } = await bootstrap(sb);
    const first = await jira(sb, access, '/myself');
    expect(first.headers.get('beta-ratelimit-policy')).toBe('"global-app-quota";q=100;w=3600');
    expect((await jira(sb, access, '/myself')).status).toBe(200);
    const burst = await jira(sb, access, '/myself');
    expect(burst.status).toBe(429);
    expect(burst.headers.get('ratelimit-reason')).toBe('jira-burst-based');
    expect(burst.headers.get('retry-after')).toBe('1');
    sb.advance(1000);
    expect((await jira(sb, access, '/myself')).status).toBe(200);
  });

  it('refuses a spec it cannot read, saying what it allows', () => {
    for (const bad of ['quota:5', 'burst:2/60', 'quota-tenant:0', 'quota-tenant:5,quota-global:5', 'burst'])
      expect(() => parseRateLimits(bad), bad).toThrow(/quota-tenant:N|at most one/);
    expect(parseRateLimits('burst:5')).toEqual([{ kind: 'burst', limit: 5, windowSeconds: 3600 }]);
    // As a variable, the error names it (and `serve` stops with that one line).
    expect(() => sandboxRateLimits(parseRateLimits, { SANDBOX_RATE_LIMIT: 'quota:5' })).toThrow(
      new ConfigError(
        'SANDBOX_RATE_LIMIT: "quota:5" is not a limit: use quota-tenant:N[/SECONDS], quota-global:N[/SECONDS] or burst:N',
      ),
    );
    expect(sandboxRateLimits(parseRateLimits, {})).toBeUndefined();
  });
});
