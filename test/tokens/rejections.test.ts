import { describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { parseOutcome } from '../../src/tokens/outcome';
import { proxiesClosedAfterEach, seedFamily, type TestProxy, testClock } from '../helpers/proxy';

/**
 * What the proxy does when refreshing cannot help, through the app on node:http against a
 * strict sandbox (no reuse leeway, an old access token dies at once) with a controlled clock:
 * a permanently rejecting upstream, both answers Atlassian gives for a dead refresh token, a
 * refused client secret, and the recovery after a bootstrap, on one instance and across two.
 */

const HOUR = 3_600_000;
const STRICT = { leewaySeconds: 0, accessTokenGraceSeconds: 0 };
const proxy = proxiesClosedAfterEach();

/** A second instance on the same store and sandbox. */
const twin = (a: TestProxy, now: () => number) =>
  proxy({ existingSandbox: a.sandbox, dir: a.dir, seed: false, now });

const get = (p: TestProxy, path = '/rest/api/3/myself') => fetch(`${p.url}${path}`);

async function errorOf(res: Response) {
  return {
    status: res.status,
    ...((await res.json()) as { error: { code: string; message: string } }).error,
  };
}

const tokenCalls = (p: TestProxy) => p.sandbox.requests.filter((r) => r.rawPath === '/oauth/token').length;

async function health(p: TestProxy) {
  const res = await get(p, '/_health');
  return {
    status: res.status,
    body: (await res.json()) as { problems: string[]; tokens: { state: string } },
  };
}

async function storedOutcome(p: TestProxy) {
  const n = secretNames(p.config.secretPrefix);
  return parseOutcome((await p.store.read([n.REFRESH_OUTCOME])).get(n.REFRESH_OUTCOME)?.value);
}

describe('an upstream that keeps rejecting fresh tokens', () => {
  it('50 requests cause at most 2 refreshes, each answered with a clear error; the first accepted request succeeds', async () => {
    const clock = testClock();
    const a = await proxy({ sandbox: { ...STRICT, now: clock.now }, now: clock.now });
    expect((await get(a)).status).toBe(200);
    // Every API call is refused until these are used up: 2 per request that refreshes, else 1.
    a.sandbox.failNext(
      'api',
      Array.from({ length: 52 }, () => ({ status: 401 as const })),
    );
    const answers = [];
    for (let i = 0; i < 25; i++) answers.push(await errorOf(await get(a)));
    // The hold lasts 5 minutes; after it, one more refresh is allowed (still rejected).
    clock.advance(6 * 60_000);
    for (let i = 0; i < 25; i++) answers.push(await errorOf(await get(a)));
    expect(a.sandbox.stats().refreshes).toBeLessThanOrEqual(2);
    for (const e of answers) {
      expect(e.status).toBe(502);
      expect(e.code).toBe('upstream_rejected_token');
    }
    expect(answers[0]?.message).toMatch(/access to the site/);
    expect(answers[0]?.message).toMatch(/scopes/);
    expect((await health(a)).body.tokens.state).toBe('upstream_rejected');
    expect((await storedOutcome(a))?.result).toBe('upstream_rejected');

    // The queue is used up: Jira accepts the held token again, at once, with no refresh.
    const refreshes = a.sandbox.stats().refreshes;
    expect((await get(a)).status).toBe(200);
    expect(a.sandbox.stats().refreshes).toBe(refreshes);
    const h = await health(a);
    expect(h.status).toBe(200);
    expect(h.body.tokens.state).toBe('ok');
  });

  it('a second instance learns the hold from the recorded outcome and does not refresh', async () => {
    const clock = testClock();
    const a = await proxy({ sandbox: { ...STRICT, now: clock.now }, now: clock.now });
    const b = await twin(a, clock.now);
    expect((await get(a)).status).toBe(200);
    expect((await get(b)).status).toBe(200);
    a.sandbox.failNext(
      'api',
      Array.from({ length: 2 }, () => ({ status: 401 as const })),
    );
    expect((await errorOf(await get(a))).code).toBe('upstream_rejected_token');
    expect(a.sandbox.stats().refreshes).toBe(1);
    // b's token was revoked by a's refresh (strict sandbox); a's fresh token is rejected too.
    a.sandbox.failNext(
      'api',
      Array.from({ length: 20 }, () => ({ status: 401 as const })),
    );
    for (let i = 0; i < 10; i++) expect((await errorOf(await get(b))).code).toBe('upstream_rejected_token');
    expect(a.sandbox.stats().refreshes).toBe(1);
  });
});

describe.each(['invalid_grant', 'unauthorized_client'] as const)(
  'a dead refresh token answered with %s',
  (shape) => {
    it('gives token_family_expired naming the bootstrap, with one token-endpoint call for the whole fleet', async () => {
      const clock = testClock();
      const a = await proxy({
        sandbox: { ...STRICT, now: clock.now, deadRefreshTokenError: shape },
        now: clock.now,
      });
      const b = await twin(a, clock.now);
      const n = secretNames(a.config.secretPrefix);
      a.sandbox.revokeFamily((await a.store.read([n.REFRESH_TOKEN])).get(n.REFRESH_TOKEN)?.value as string);
      clock.advance(HOUR);
      const calls = tokenCalls(a);
      for (let i = 0; i < 20; i++) {
        for (const p of [a, b]) {
          const e = await errorOf(await get(p));
          expect(e.status).toBe(503);
          expect(e.code).toBe('token_family_expired');
          expect(e.message).toContain('npx jira-token-proxy bootstrap');
        }
        clock.advance(1_000); // past the 5 s re-check several times: each re-reads the store, not Atlassian
      }
      expect(tokenCalls(a) - calls).toBe(1);
      expect((await storedOutcome(a))?.result).toBe('rejected');
      for (const p of [a, b]) {
        const h = await health(p);
        expect(h.status).toBe(503);
        expect(h.body.tokens.state).toBe('family_expired');
        expect(h.body.problems.join('\n')).toContain('npx jira-token-proxy bootstrap');
      }
    });
  },
);

describe('recovery', () => {
  it('/_health is 200 again as soon as an instance uses the new family, on every instance', async () => {
    const clock = testClock();
    const a = await proxy({ sandbox: { ...STRICT, now: clock.now }, now: clock.now });
    const b = await twin(a, clock.now);
    expect((await get(b)).status).toBe(200);
    const n = secretNames(a.config.secretPrefix);
    a.sandbox.revokeFamily((await a.store.read([n.REFRESH_TOKEN])).get(n.REFRESH_TOKEN)?.value as string);
    clock.advance(HOUR);
    expect((await errorOf(await get(a))).code).toBe('token_family_expired');
    // b never called the token endpoint: it knows from the recorded outcome.
    expect((await health(b)).body.tokens.state).toBe('family_expired');

    await seedFamily(a.sandbox, a.store, a.config);
    clock.advance(6_000);
    expect((await get(a)).status).toBe(200);
    expect((await health(a)).status).toBe(200);
    expect((await health(b)).status).toBe(200);
    expect((await get(b)).status).toBe(200);
    expect(a.sandbox.stats().invalidGrants).toBe(1);
  });
});

describe('refused client credentials', () => {
  it('back off like a rejection: one call per 5 minutes, and new credentials in the store are used at once', async () => {
    const clock = testClock();
    const a = await proxy({ sandbox: { ...STRICT, now: clock.now }, now: clock.now });
    const n = secretNames(a.config.secretPrefix);
    await a.store.write(n.CLIENT_SECRET, 'a-secret-that-was-rotated-away');
    clock.advance(HOUR);
    const calls = tokenCalls(a);
    for (let i = 0; i < 20; i++) {
      const e = await errorOf(await get(a));
      expect(e.status).toBe(503);
      expect(e.code).toBe('not_configured');
      expect(e.message).toMatch(/client/);
      expect(e.message).toContain('--client-secret');
      clock.advance(1_000);
    }
    expect(tokenCalls(a) - calls).toBe(1);
    expect((await health(a)).body.tokens.state).toBe('client_refused');
    clock.advance(5 * 60_000);
    expect((await get(a)).status).toBe(503);
    expect(tokenCalls(a) - calls).toBe(2);

    await a.store.write(n.CLIENT_SECRET, SANDBOX_CLIENT.clientSecret);
    clock.advance(6_000);
    expect((await get(a)).status).toBe(200);
    expect((await health(a)).status).toBe(200);
  });
});

describe('JIRA_CLOUD_ID and the stored family disagree', () => {
  it('/_health says so with both ids (503)', async () => {
    const other = '0a1b2c3d-1234-4abc-8def-0123456789ab';
    const p = await proxy({ env: { JIRA_CLOUD_ID: other } });
    const h = await health(p);
    expect(h.status).toBe(503);
    const text = h.body.problems.join('\n');
    expect(text).toContain(`JIRA_CLOUD_ID is ${other}`);
    expect(text).toMatch(/stored token family is for site [0-9a-f-]{36}/);
  });
});
