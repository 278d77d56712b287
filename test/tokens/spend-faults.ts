import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../src/adapters/lambda';
import { functionUrlEvent, lambdaContext } from '../functions/events';
import { ClockTimers } from '../helpers/clock-timers';
import { CuttableStore } from '../helpers/interleave';
import { crashAt } from './crash-points';
import { expectFamilyAlive, HOUR, interleavingWorld, MIN, type StoreKind } from './interleavings';

/**
 * The spend's other faults, through `serve` instances (and the Lambda handler) on one store, with
 * Atlassian's leeway and grace and a moved clock: answers that come after the timeout, a lease
 * that expires mid-call and the late writer it makes, a store outage longer than the lease.
 */

const tokenCalls = (w: { sandbox: { requests: { rawPath: string }[] } }) =>
  w.sandbox.requests.filter((r) => r.rawPath === '/oauth/token').length;

/** Waits (real time, bounded by the test's timeout) for a background timer's effect. */
export async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await sleep(10);
}

export function describeSpendFaults(kind: StoreKind): void {
  describe(`${kind}: faults during a spend`, () => {
    const w = interleavingWorld(kind);

    it('answers that arrive after the timeout, three times and more: serve finishes the spend itself, no caller, no schedule', async () => {
      const gate = await w.gate();
      const a = await w.instance({
        authUrl: gate.url,
        tokenTimings: { callTimeoutMs: 100, finishAfterMs: 20 },
      });
      expect((await w.get(a)).status).toBe(200);
      const before = await w.storedRefresh();
      gate.mode = 'swallow';
      w.clock.advance(HOUR - 4 * MIN);
      const res = await w.get(a);
      // Every attempt was carried out by Atlassian and answered too late: ambiguous, still served.
      expect(res.status).toBe(200);
      expect(gate.swallowed).toBeGreaterThanOrEqual(3);
      expect(await w.storedRefresh()).toBe(before);
      gate.mode = 'pass';
      // No request and no scheduled run: the instance's own timer finishes inside the leeway.
      await eventually(async () => (await w.storedRefresh()) !== before);
      expect(w.sandbox.stats().reuseWithinLeeway).toBeGreaterThanOrEqual(1);
      await expectFamilyAlive(w);
    });

    it('the lease expires mid-call (a freeze): another instance finishes the intent; the late writer cannot put its token back', async () => {
      const gate = await w.gate();
      const a = await w.instance({ authUrl: gate.url });
      expect((await w.get(a)).status).toBe(200);
      gate.mode = 'late';
      w.clock.advance(HOUR - 4 * MIN);
      const late = w.get(a);
      await gate.settled(); // Atlassian rotated; A's answer is held
      w.clock.advance(MIN + 1000); // A's lease is over: nobody heartbeats a frozen process
      const b = await w.instance();
      expect((await w.get(b)).status).toBe(200);
      expect(w.sandbox.stats().reuseWithinLeeway).toBe(1);
      const finished = await w.storedRefresh();
      gate.release(); // A thaws: its answer arrives, its write-back is fenced out
      expect((await late).status).toBe(200);
      expect(await w.storedRefresh()).toBe(finished);
      await expectFamilyAlive(w);
    });

    it('a store outage longer than the lease: the holder keeps its token, a finisher inside the leeway wins, the late write is dropped', async () => {
      const store = new CuttableStore(w.openStore());
      const a = await w.instance({ store });
      expect((await w.get(a)).status).toBe(200);
      store.downAtWriteOf = w.names.REFRESH_TOKEN;
      w.clock.advance(HOUR - 4 * MIN);
      const res = await w.get(a);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
      expect((await a.app.fetch(new Request('http://x/_health'))).status).toBe(503);
      w.clock.advance(3 * MIN); // the outage outlasts A's 60 s lease
      const b = await w.instance();
      expect((await w.get(b)).status).toBe(200); // B's own store client never failed
      const finished = await w.storedRefresh();
      store.downAtWriteOf = undefined;
      store.down(false);
      expect((await w.get(a)).status).toBe(200);
      expect(await w.storedRefresh()).toBe(finished);
      await expectFamilyAlive(w);
    });

    it('the same outage with the holder first: its held token lands once the store is back, nobody re-spends', async () => {
      const store = new CuttableStore(w.openStore());
      const a = await w.instance({ store });
      expect((await w.get(a)).status).toBe(200);
      store.downAtWriteOf = w.names.REFRESH_TOKEN;
      w.clock.advance(HOUR - 4 * MIN);
      expect((await w.get(a)).status).toBe(503);
      w.clock.advance(3 * MIN);
      store.downAtWriteOf = undefined;
      store.down(false);
      expect((await w.get(a)).status).toBe(200);
      expect((await w.scheduledRun()).refreshed).toBe(false);
      expect(w.sandbox.stats().reuseWithinLeeway).toBe(0);
      await expectFamilyAlive(w);
    });

    it('an interrupted spend first seen after the leeway is not re-spent at once, and /_health says so', async () => {
      await crashAt(w, 'after Atlassian rotated', '401-driven');
      w.clock.advance(11 * MIN); // nothing read the store: no request due, no schedule
      const calls = tokenCalls(w);
      const i = await w.instance();
      const res = await w.get(i, '/_health');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { problems: string[]; tokens: { unfinishedSpend?: unknown } };
      expect(body.tokens.unfinishedSpend).toBeDefined();
      expect(body.problems.join('\n')).toMatch(/too late to finish inside Atlassian's 10-minute leeway/);
      expect((await w.scheduledRun()).refreshed).toBe(false);
      expect(tokenCalls(w)).toBe(calls);
    });

    // An ambiguous attempt, then Atlassian's 429: the intent is this instance's to finish, paced by
    // Retry-After only while the leeway allows. Its finisher runs on timers that follow the clock.
    for (const [retryAfterS, quietS] of [
      [120, 119], // honoured: the finisher (every 20 s) spends at its round when the 120 s are over
      [900, 19], // past the leeway: the first finisher round (20 s) spends, inside the leeway
    ] as const)
      it(`an ambiguous spend, then 429 Retry-After: ${retryAfterS}: serve finishes it itself after ${quietS + 1} s, one token call`, async () => {
        const timers = new ClockTimers(w.clock);
        const gate = await w.gate();
        const a = await w.instance({ authUrl: gate.url, tokenTimings: { callTimeoutMs: 200, timers } });
        expect((await w.get(a)).status).toBe(200);
        const before = await w.storedRefresh();
        gate.mode = 'swallow'; // the first attempt rotates and times out
        w.clock.advance(HOUR - 4 * MIN);
        const res = w.get(a);
        await gate.settled();
        gate.mode = 'pass';
        w.sandbox.failNext('token', [{ status: 429, retryAfterSeconds: retryAfterS }]); // the retry's answer
        expect((await res).status).toBe(200); // the stored token has minutes left
        expect(gate.arrived).toBe(2);
        await timers.advance(quietS * 1000);
        expect(gate.arrived).toBe(2); // Retry-After honoured: no call, the spent token still stored
        expect(await w.storedRefresh()).toBe(before);
        await timers.advance(20_000);
        expect(gate.arrived).toBe(3);
        expect(await w.storedRefresh()).not.toBe(before);
        expect(w.sandbox.stats().reuseWithinLeeway).toBe(1);
        await expectFamilyAlive(w);
      });

    it('on Lambda, no token call starts without the invocation time to finish it', async () => {
      const i = await w.instance();
      const handler = lambdaHandler(async () => i.app);
      w.clock.advance(2 * HOUR);
      const calls = tokenCalls(w);
      const short = (await handler(functionUrlEvent(), lambdaContext(5_000))) as { statusCode: number };
      expect(short.statusCode).toBe(503);
      expect(tokenCalls(w)).toBe(calls);
      const enough = (await handler(functionUrlEvent(), lambdaContext(30_000))) as { statusCode: number };
      expect(enough.statusCode).toBe(200);
      expect(tokenCalls(w)).toBe(calls + 1);
    });
  });
}
