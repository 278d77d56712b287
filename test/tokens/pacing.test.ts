import { describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../src/adapters/lambda';
import type { RefreshReport } from '../../src/tokens/lifecycle';
import { parseOutcome } from '../../src/tokens/outcome';
import { TokenStore } from '../../src/tokens/token-store';
import { lambdaContext } from '../functions/events';
import { CuttableStore } from '../helpers/interleave';
import { HOUR, interleavingWorld, MIN, type World } from './interleavings';

/**
 * What the fleet remembers across requests, through `serve` instances on one file store with a
 * moved clock: the token endpoint's Retry-After and backoff (token calls counted under caller
 * load), a rejected family re-checked at a slow pace, health that tells the truth, store reads of
 * /_health and /_refresh bounded, outcome records that never go back in time, and a 403 on a
 * token another instance replaced.
 */

const tokenCalls = (w: World) => w.sandbox.requests.filter((r) => r.rawPath === '/oauth/token').length;
const burst = (i: { url: string }, n = 20) =>
  Promise.all(Array.from({ length: n }, () => fetch(`${i.url}/rest/api/3/myself`)));
const INVALID_GRANT = JSON.stringify({
  error: 'invalid_grant',
  error_description: 'Unknown or invalid refresh token.',
});

describe('the token endpoint failing under caller load', () => {
  const w = interleavingWorld('file');

  it('429 Retry-After: 120 with a token still valid: 20 requests answered with it, 1 token call', async () => {
    const a = await w.instance();
    expect((await w.get(a)).status).toBe(200);
    w.clock.advance(HOUR - 4 * MIN);
    w.sandbox.failNext(
      'token',
      Array.from({ length: 40 }, () => ({ status: 429 as const, retryAfterSeconds: 120 })),
    );
    const calls = tokenCalls(w);
    const answers = await burst(a);
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    for (const r of await burst(a)) expect(r.status).toBe(200);
    expect(tokenCalls(w)).toBe(calls + 1);
  });

  it('429 Retry-After: 120 with the token expired: 503 Retry-After to all, 1 token call for the fleet, then the refresh', async () => {
    const a = await w.instance();
    const b = await w.instance();
    w.clock.advance(2 * HOUR);
    w.sandbox.failNext('token', [{ status: 429, retryAfterSeconds: 120 }]);
    const calls = tokenCalls(w);
    for (const r of [...(await burst(a)), ...(await burst(b))]) {
      expect(r.status).toBe(503);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(119);
    }
    expect(tokenCalls(w)).toBe(calls + 1);
    w.clock.advance(121_000);
    expect((await w.get(b)).status).toBe(200);
    expect(tokenCalls(w)).toBe(calls + 2);
  });

  it('503 without Retry-After: a bounded number of calls, backing off exponentially', async () => {
    const a = await w.instance();
    w.clock.advance(2 * HOUR);
    w.sandbox.failNext(
      'token',
      Array.from({ length: 100 }, () => ({ status: 503 as const })),
    );
    const calls = tokenCalls(w);
    const first = await burst(a);
    for (const r of [...first, ...(await burst(a))]) expect(r.status).toBe(503);
    const afterBurst = tokenCalls(w) - calls;
    // One flight's attempts (4), shared by 40 callers.
    expect(afterBurst).toBeLessThanOrEqual(4);
    // The pause grows: 5 s after the first failure is enough, after the second it is not.
    w.clock.advance(5_000);
    await burst(a);
    const second = tokenCalls(w) - calls;
    expect(second).toBeGreaterThan(afterBurst);
    w.clock.advance(5_000);
    await burst(a);
    expect(tokenCalls(w) - calls).toBe(second);
  });
});

describe('a rejected family', () => {
  const w = interleavingWorld('file');

  it('is re-checked once per 20 minutes for the fleet, and a spurious rejection does not stop a live family', async () => {
    const a = await w.instance();
    const b = await w.instance();
    w.clock.advance(2 * HOUR);
    w.sandbox.failNext('token', [{ status: 403, body: INVALID_GRANT }]);
    expect((await w.get(a)).status).toBe(503);
    const calls = tokenCalls(w);
    for (let minute = 0; minute < 19; minute++) {
      w.clock.advance(MIN);
      for (const i of [a, b]) expect((await w.get(i)).status).toBe(503);
      await w.scheduledRun().catch(() => undefined);
    }
    expect(tokenCalls(w)).toBe(calls);
    w.clock.advance(2 * MIN);
    const answers = await Promise.all([w.get(a), w.get(b), w.get(a), w.get(b)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(tokenCalls(w)).toBe(calls + 1);
    expect(w.sandbox.stats().familiesRevoked).toBe(0);
  });
});

describe('health, /_refresh and the store', () => {
  const w = interleavingWorld('file');

  it('/_health is not "ok" on a token that expired an hour ago while refreshes fail', async () => {
    const a = await w.instance();
    expect((await w.get(a)).status).toBe(200);
    w.clock.advance(2 * HOUR);
    w.sandbox.failNext(
      'token',
      Array.from({ length: 8 }, () => ({ status: 500 as const })),
    );
    const res = await w.get(a, '/_health');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { tokens: { state: string; lastRefreshOutcome: { result: string } } };
    expect(body.tokens.state).toBe('refresh_failing');
    expect(body.tokens.lastRefreshOutcome.result).toBe('failed');
  });

  it('/_health and POST /_refresh read the store at most every few seconds per instance', async () => {
    const store = new CuttableStore(w.openStore());
    const a = await w.instance({ store });
    expect((await w.get(a)).status).toBe(200);
    const reads = store.calls.read;
    for (let i = 0; i < 20; i++) {
      expect((await w.get(a, '/_health')).status).toBe(200);
      expect((await fetch(`${a.url}/_refresh`, { method: 'POST' })).status).toBe(200);
    }
    expect(store.calls.read - reads).toBeLessThanOrEqual(1);
    w.clock.advance(6_000);
    expect((await w.get(a, '/_health')).status).toBe(200);
    expect(store.calls.read - reads).toBeLessThanOrEqual(2);
    expect(store.calls.write).toBe(0);
  });

  it('the scheduled run, when all is well, reads the store and does nothing else', async () => {
    const store = new CuttableStore(w.openStore());
    const a = await w.instance({ store });
    const handler = lambdaHandler(async () => a.app);
    const calls = tokenCalls(w);
    for (let run = 0; run < 3; run++) {
      w.clock.advance(5 * MIN);
      expect(((await handler({ action: 'refresh' }, lambdaContext())) as RefreshReport).refreshed).toBe(
        false,
      );
    }
    expect(store.calls).toEqual({ read: 3, write: 0, lock: 0 });
    expect(tokenCalls(w)).toBe(calls);
  });

  it('a 403 on a token another instance replaced re-reads the store once and retries with the new one', async () => {
    const a = await w.instance();
    const b = await w.instance();
    expect((await w.get(a)).status).toBe(200);
    expect((await w.get(b)).status).toBe(200);
    // Jira rejects b's token: b refreshes; a still holds the old token, which Jira answers with 403.
    w.sandbox.failNext('api', [{ status: 401 }]);
    expect((await w.get(b)).status).toBe(200);
    expect(w.sandbox.stats().refreshes).toBe(1);
    w.sandbox.failNext('api', [{ status: 403 }]);
    expect((await w.get(a)).status).toBe(200);
    // A 404 on the new token (a missing issue) is Jira's answer: one store read at most, no loop.
    w.sandbox.failNext('api', [{ status: 404 }, { status: 404 }]);
    expect((await w.get(a)).status).toBe(404);
    expect((await w.get(a)).status).toBe(404);
  });

  it('outcome records never go back in time: a delayed "refreshed" leaves a newer "rejected"', async () => {
    const s = w.openStore();
    const tokens = new TokenStore(s, w.names);
    const base = { cause: 'test', refreshTokenVersion: 'v1' };
    const now = w.clock.now();
    await tokens.writeOutcome({ ...base, at: now, result: 'rejected' }, {});
    const stored = (await tokens.read()).outcome;
    await tokens.writeOutcome({ ...base, at: now - 1000, result: 'refreshed' }, { stored });
    // One that read the store before the rejection was written: the compare-and-swap makes it look again.
    await tokens.writeOutcome({ ...base, at: now - 500, result: 'refreshed' }, { version: 'before' });
    const read = await s.read([w.names.REFRESH_OUTCOME]);
    expect(parseOutcome(read.get(w.names.REFRESH_OUTCOME)?.value)?.result).toBe('rejected');
    await s.close?.();
  });
});
