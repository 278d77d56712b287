import { describe, expect, it } from 'vitest';
import { parseIntent } from '../../src/tokens/intent';
import { ClockTimers } from '../helpers/clock-timers';
import { CuttableStore } from '../helpers/interleave';
import { expectFamilyAlive, HOUR, interleavingWorld, MIN, type StoreKind, type World } from './interleavings';
import { eventually } from './spend-faults';

/**
 * The lease around a spend, through `serve` instances on one store with a moved clock: the
 * heartbeat (run by timers that follow the test's clock, so it fires as a real one would over the
 * same minutes) keeps a slow spend's lease, a heartbeat the store refuses lets the lease go and the
 * fence decide, and a holder whose lease ran out before it sent spends nothing.
 */

const LEASE_MS = 60_000; // LOCK_TTL_SECONDS' default: a third of it between heartbeats

/** The spend intent the stored lease carries now, with its owner. */
async function storedIntent(w: World) {
  const lease = await w.storedLease();
  return { owner: lease?.owner, intent: parseIntent(lease?.note) };
}

export function describeLeaseKeeping(kind: StoreKind): void {
  describe(`${kind}: the lease around a spend`, () => {
    const w = interleavingWorld(kind);

    it('a token call longer than the lease: heartbeats keep it, nobody else spends, the write-back lands', async () => {
      const timers = new ClockTimers(w.clock);
      const gate = await w.gate();
      const a = await w.instance({ authUrl: gate.url, tokenTimings: { timers } });
      const other = await w.instance();
      expect((await w.get(a)).status).toBe(200);
      expect((await w.get(other)).status).toBe(200);
      const spent = await w.storedRefresh();
      gate.mode = 'late';
      w.clock.advance(HOUR - 4 * MIN); // due on both instances
      const slow = w.get(a);
      await gate.settled(); // Atlassian rotated; A's answer takes three leases' time
      const holder = (await w.storedLease())?.owner;
      for (let step = 1; step <= 6; step++) {
        await timers.advance(LEASE_MS / 2);
        const lease = await w.storedLease();
        expect(lease?.owner).toBe(holder);
        expect(lease?.expiresAt).toBeGreaterThan(w.clock.now());
        // Readers of the store meanwhile: a live lease is no orphaned intent; the stored token serves.
        expect((await w.get(other)).status).toBe(200);
        if (step % 2 === 0) expect((await w.scheduledRun()).refreshed).toBe(false);
      }
      expect(w.sandbox.stats().refreshes).toBe(1);
      gate.release();
      expect((await slow).status).toBe(200);
      expect(await w.storedRefresh()).not.toBe(spent);
      expect(await w.storedLease()).toBeUndefined(); // released once the write-back landed
      expect(timers.scheduled).toBe(0); // and the heartbeat stopped with it
      expect(w.sandbox.stats().reuseWithinLeeway).toBe(0);
      await expectFamilyAlive(w);
    });

    it('a heartbeat the store refuses for longer than the lease: another instance finishes the intent, the late writer is fenced out', async () => {
      const timers = new ClockTimers(w.clock);
      const gate = await w.gate();
      const store = new CuttableStore(w.openStore());
      const a = await w.instance({ store, authUrl: gate.url, tokenTimings: { timers } });
      expect((await w.get(a)).status).toBe(200);
      gate.mode = 'late';
      w.clock.advance(HOUR - 4 * MIN);
      const slow = w.get(a);
      await gate.settled();
      const holder = (await w.storedLease())?.owner;
      store.down(true);
      await timers.advance(2 * LEASE_MS);
      expect(timers.fired).toBeGreaterThanOrEqual(5); // every heartbeat ran, and failed
      const lapsed = await w.storedLease();
      expect(lapsed?.owner).toBe(holder);
      expect(lapsed?.expiresAt).toBeLessThanOrEqual(w.clock.now());
      const b = await w.instance();
      expect((await w.get(b)).status).toBe(200);
      expect(w.sandbox.stats().reuseWithinLeeway).toBe(1); // B re-spent A's token inside the leeway
      const finished = await w.storedRefresh();
      store.down(false);
      gate.release(); // A's answer arrives: its pair is older than B's
      expect((await slow).status).toBe(200);
      expect(await w.storedRefresh()).toBe(finished);
      expect(await w.storedLease()).toBeUndefined(); // its re-take for the fenced write was released
      await expectFamilyAlive(w);
    });

    it('a held write-back whose heartbeat the store refuses past the lease: the loop, not a request, drops it for the newer token', async () => {
      const timers = new ClockTimers(w.clock);
      const store = new CuttableStore(w.openStore());
      const a = await w.instance({ store, tokenTimings: { timers } });
      expect((await w.get(a)).status).toBe(200);
      store.downAtWriteOf = w.names.REFRESH_TOKEN;
      w.clock.advance(HOUR - 4 * MIN);
      expect((await w.get(a)).status).toBe(503); // store_unavailable: A holds the only copy
      await timers.advance(2 * LEASE_MS); // heartbeats and write-back rounds, all refused
      const b = await w.instance();
      expect((await w.get(b)).status).toBe(200);
      expect(w.sandbox.stats().reuseWithinLeeway).toBe(1);
      const finished = await w.storedRefresh();
      store.downAtWriteOf = undefined;
      store.down(false);
      await timers.advance(30_000); // the loop's next round (at most every 30 s)
      expect(timers.scheduled).toBe(0); // settled: nothing held, no heartbeat
      expect(await w.storedRefresh()).toBe(finished);
      expect(await w.storedLease()).toBeUndefined();
      await expectFamilyAlive(w);
    });

    it('LOCK_TTL_SECONDS=5: the lease still covers the double-check, one call and its write-back (20 s)', async () => {
      const gate = await w.gate();
      const a = await w.instance({ authUrl: gate.url, config: { lockTtlMs: 5_000 } });
      expect((await w.get(a)).status).toBe(200);
      gate.mode = 'late';
      w.clock.advance(HOUR - 4 * MIN);
      const slow = w.get(a);
      await gate.settled(); // sent: what is left of the lease now must cover the call and the write
      expect(((await w.storedLease())?.expiresAt ?? 0) - w.clock.now()).toBeGreaterThanOrEqual(20_000);
      gate.release();
      expect((await slow).status).toBe(200);
      await expectFamilyAlive(w);
    });

    it("finishing an orphaned intent keeps its first-send time: the leeway counts from the first holder's send", async () => {
      const gate = await w.gate();
      const a = await w.instance({ authUrl: gate.url });
      expect((await w.get(a)).status).toBe(200);
      gate.mode = 'late'; // A is frozen with its answer held: nothing heartbeats it
      w.clock.advance(HOUR - 4 * MIN);
      void w.get(a).catch(() => undefined);
      await gate.settled();
      const first = await storedIntent(w);
      w.clock.advance(2 * MIN);
      const finisherGate = await w.gate();
      finisherGate.mode = 'hold'; // the finisher is caught under its own lease, before Atlassian answers
      const b = await w.instance({ authUrl: finisherGate.url });
      void w.get(b).catch(() => undefined);
      await finisherGate.settled();
      const carried = await storedIntent(w);
      expect(carried.owner).not.toBe(first.owner);
      expect(carried.intent).toEqual({ ...first.intent, owner: carried.owner });
    });

    it('a waiter that takes over a lease expiring while it waits keeps the intent time it saw there', async () => {
      const gate = await w.gate();
      const a = await w.instance({ authUrl: gate.url });
      expect((await w.get(a)).status).toBe(200);
      gate.mode = 'late';
      w.clock.advance(HOUR + MIN); // expired: a waiter has no token to serve meanwhile
      void w.get(a).catch(() => undefined);
      await gate.settled();
      const first = await storedIntent(w);
      w.clock.advance(LEASE_MS - 5_000); // A's lease ends inside the waiter's 10 s wait
      const waiterGate = await w.gate();
      waiterGate.mode = 'hold';
      const store = new CuttableStore(w.openStore());
      const b = await w.instance({ store, authUrl: waiterGate.url });
      void w.get(b).catch(() => undefined);
      await eventually(() => store.calls.read >= 2); // it read the lease again while waiting
      w.clock.advance(6_000);
      await waiterGate.settled();
      const taken = await storedIntent(w);
      expect(taken.owner).not.toBe(first.owner);
      expect(taken.intent).toEqual({ ...first.intent, owner: taken.owner });
    });

    it('a holder whose lease ran out before it sent (frozen under it) does not spend', async () => {
      const gate = await w.gate();
      const store = new CuttableStore(w.openStore());
      const a = await w.instance({ store, authUrl: gate.url });
      expect((await w.get(a)).status).toBe(200);
      w.clock.advance(HOUR - 4 * MIN);
      store.freezeAfterLock = true;
      const res = w.get(a);
      await store.frozen; // lease and intent taken, nothing sent yet
      w.clock.advance(LEASE_MS + 1);
      store.thaw();
      expect((await res).status).toBe(200); // the stored token still has minutes left
      expect(gate.arrived).toBe(0);
      expect(w.sandbox.stats().refreshes).toBe(0);
      // Nothing was spent: the next due refresh is an ordinary one.
      w.clock.advance(5 * MIN);
      expect((await w.scheduledRun()).refreshed).toBe(true);
      expect(w.sandbox.stats().reuseWithinLeeway).toBe(0);
      await expectFamilyAlive(w);
    });

    it('a holder frozen under its lease while another instance finishes its intent: thawed, it uses the new token and spends nothing', async () => {
      const gate = await w.gate();
      const store = new CuttableStore(w.openStore());
      const a = await w.instance({ store, authUrl: gate.url });
      expect((await w.get(a)).status).toBe(200);
      w.clock.advance(HOUR - 4 * MIN);
      store.freezeAfterLock = true;
      const res = w.get(a);
      await store.frozen;
      w.clock.advance(LEASE_MS + 1);
      const b = await w.instance();
      expect((await w.get(b)).status).toBe(200);
      expect(w.sandbox.stats().refreshes).toBe(1); // B finished the intent (an unspent token)
      store.thaw();
      expect((await res).status).toBe(200);
      expect(gate.arrived).toBe(0);
      expect(w.sandbox.stats().refreshes).toBe(1);
      await expectFamilyAlive(w);
    });
  });
}
