import { describe, expect, it } from 'vitest';
import { isLive, type Lease, parseLease } from '../../src/stores/lease';
import { type SecretStore, StoreError } from '../../src/stores/store';

/** Opens a store on the backend a contract test was given; every store it opens shares that backend. */
export type OpenStore = (opts: { now: () => number }) => SecretStore;

/** A clock the test moves: stores judge leases by it, nobody sleeps. */
function testClock() {
  let t = Date.now();
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/**
 * The behaviour every SecretStore owes the token lifecycle, run against each implementation
 * over its real protocol. `backend` empties (or makes) a backend and returns how to open stores
 * on it: several stores on one backend are several instances of the fleet.
 */
export function describeStoreContract(label: string, backend: () => Promise<OpenStore>): void {
  async function setup() {
    const clock = testClock();
    const open = await backend();
    const store = open({ now: clock.now });
    const leaseOf = async (s: SecretStore = store): Promise<Lease | undefined> => {
      const got = (await s.read(['T_LOCK'])).get('T_LOCK');
      return got && parseLease(got.value);
    };
    return { clock, store, other: () => open({ now: clock.now }), leaseOf };
  }

  describe(`${label}: store contract`, () => {
    it('reads nothing for names never written', async () => {
      const { store } = await setup();
      expect((await store.read(['T_CLIENT_ID', 'T_REFRESH_TOKEN', 'T_LOCK'])).size).toBe(0);
    });

    it('writes durably and versions every write', async () => {
      const { store } = await setup();
      const v1 = await store.write('T_REFRESH_TOKEN', 'rt-one');
      const v2 = await store.write('T_REFRESH_TOKEN', 'rt-two');
      expect(v2).not.toBe(v1);
      const got = await store.read(['T_REFRESH_TOKEN', 'T_MISSING']);
      expect(got.get('T_REFRESH_TOKEN')).toEqual({ value: 'rt-two', version: v2 });
      expect(got.has('T_MISSING')).toBe(false);
    });

    it('keeps values byte for byte (JSON, unicode, long tokens)', async () => {
      const { store } = await setup();
      const json = JSON.stringify({ token: 'a'.repeat(3000), expirationDate: 1_700_000_000_000, note: 'é✓' });
      await store.write('T_ACCESS_TOKEN', json);
      expect((await store.read(['T_ACCESS_TOKEN'])).get('T_ACCESS_TOKEN')?.value).toBe(json);
    });

    it('treats Psoxy placeholders as missing', async () => {
      const { store } = await setup();
      await store.write('T_CLIENT_SECRET', 'TODO: fill me');
      expect((await store.read(['T_CLIENT_SECRET'])).has('T_CLIENT_SECRET')).toBe(false);
    });

    it('compare-and-swap: the expected version wins, a stale one is a conflict', async () => {
      const { store } = await setup();
      const v1 = await store.write('T_REFRESH_TOKEN', 'rt-one');
      const v2 = await store.write('T_REFRESH_TOKEN', 'rt-two', { expectedVersion: v1 });
      const stale = store.write('T_REFRESH_TOKEN', 'rt-stale', { expectedVersion: v1 });
      await expect(stale).rejects.toBeInstanceOf(StoreError);
      await expect(stale).rejects.toMatchObject({ kind: 'conflict' });
      expect((await store.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN')).toEqual({
        value: 'rt-two',
        version: v2,
      });
    });

    it('compare-and-swap: a late writer from an old version never puts its value over newer ones', async () => {
      const { store, other } = await setup();
      const late = other();
      const v1 = await store.write('T_REFRESH_TOKEN', 'rt-1');
      const v2 = await store.write('T_REFRESH_TOKEN', 'rt-2', { expectedVersion: v1 });
      const v3 = await store.write('T_REFRESH_TOKEN', 'rt-3', { expectedVersion: v2 });
      await expect(late.write('T_REFRESH_TOKEN', 'rt-late', { expectedVersion: v1 })).rejects.toMatchObject({
        kind: 'conflict',
      });
      await expect(late.write('T_REFRESH_TOKEN', 'rt-late', { expectedVersion: v2 })).rejects.toMatchObject({
        kind: 'conflict',
      });
      expect((await store.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN')).toEqual({
        value: 'rt-3',
        version: v3,
      });
    });

    it('compare-and-swap: of concurrent writers (separate instances) from one version, exactly one lands', async () => {
      const { store, other } = await setup();
      const v1 = await store.write('T_REFRESH_TOKEN', 'rt-base');
      const writers = [store, other(), other(), other(), other()];
      const results = await Promise.allSettled(
        writers.map((w, i) => w.write('T_REFRESH_TOKEN', `rt-${i}`, { expectedVersion: v1 })),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ kind: 'conflict' });
      const current = (await store.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN');
      expect(current?.value).toBe(`rt-${won[0]}`);
    });

    it('lock: one owner at a time, released only by its owner; a free lock reads as absent', async () => {
      const { store, leaseOf } = await setup();
      expect(await store.tryLock('T_LOCK', 'owner-a', 30_000)).toBe(true);
      expect(await store.tryLock('T_LOCK', 'owner-b', 30_000)).toBe(false);
      await store.unlock('T_LOCK', 'owner-b');
      expect(await store.tryLock('T_LOCK', 'owner-b', 30_000)).toBe(false);
      expect((await leaseOf())?.owner).toBe('owner-a');
      await store.unlock('T_LOCK', 'owner-a');
      expect(await leaseOf()).toBeUndefined();
      expect(await store.tryLock('T_LOCK', 'owner-b', 30_000)).toBe(true);
    });

    it('lock: two contenders on two instances, exactly one wins', async () => {
      const { store, other } = await setup();
      const contenders = [store, other()];
      const wins = await Promise.all(contenders.map((s, i) => s.tryLock('T_LOCK', `owner-${i}`, 30_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('lock: concurrent contenders for an expired lease, exactly one takes it; its old owner cannot extend it', async () => {
      const { clock, store, other, leaseOf } = await setup();
      expect(await store.tryLock('T_LOCK', 'crashed', 30_000)).toBe(true);
      clock.advance(31_000);
      const takers = [other(), other(), other()];
      const [extended, ...wins] = await Promise.all([
        store.extendLock('T_LOCK', 'crashed', 30_000),
        ...takers.map((s, i) => s.tryLock('T_LOCK', `taker-${i}`, 30_000)),
      ]);
      expect(extended).toBe(false);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await leaseOf())?.owner).toBe(`taker-${wins.indexOf(true)}`);
    });

    it('lock: a holder past its TTL is taken over, and cannot then release the new holder', async () => {
      const { clock, store, other } = await setup();
      const next = other();
      expect(await store.tryLock('T_LOCK', 'crashed', 30_000)).toBe(true);
      expect(await next.tryLock('T_LOCK', 'next', 30_000)).toBe(false);
      clock.advance(31_000);
      expect(await next.tryLock('T_LOCK', 'next', 30_000)).toBe(true);
      await store.unlock('T_LOCK', 'crashed');
      expect(await store.tryLock('T_LOCK', 'third', 30_000)).toBe(false);
    });

    it('lease: extend moves the expiry of a live lease and keeps its acquisition', async () => {
      const { clock, store, other, leaseOf } = await setup();
      expect(await store.tryLock('T_LOCK', 'holder', 30_000)).toBe(true);
      const taken = await leaseOf();
      clock.advance(20_000);
      expect(await store.extendLock('T_LOCK', 'holder', 30_000)).toBe(true);
      const extended = await leaseOf();
      expect(extended).toMatchObject({ owner: 'holder', nonce: taken?.nonce, acquiredAt: taken?.acquiredAt });
      expect(extended?.expiresAt).toBe(clock.now() + 30_000);
      // Past the first expiry, within the second: still held.
      clock.advance(20_000);
      expect(await other().tryLock('T_LOCK', 'rival', 30_000)).toBe(false);
      // Re-taking a live lease by its owner extends it too.
      expect(await store.tryLock('T_LOCK', 'holder', 30_000)).toBe(true);
      expect((await leaseOf())?.expiresAt).toBe(clock.now() + 30_000);
    });

    it('lease: extending an expired lease fails and changes nothing', async () => {
      const { clock, store, leaseOf } = await setup();
      expect(await store.tryLock('T_LOCK', 'holder', 30_000)).toBe(true);
      const before = await leaseOf();
      clock.advance(30_001);
      expect(await store.extendLock('T_LOCK', 'holder', 30_000)).toBe(false);
      expect(await leaseOf()).toEqual(before);
    });

    it('lease: extending someone else’s lease, a released or a missing one fails and changes nothing', async () => {
      const { store, other, leaseOf } = await setup();
      expect(await store.extendLock('T_LOCK', 'nobody', 30_000)).toBe(false);
      expect(await leaseOf()).toBeUndefined();
      expect(await store.tryLock('T_LOCK', 'holder', 30_000, 'mine')).toBe(true);
      const before = await leaseOf();
      expect(await other().extendLock('T_LOCK', 'intruder', 60_000, 'theirs')).toBe(false);
      expect(await leaseOf()).toEqual(before);
      await store.unlock('T_LOCK', 'holder');
      expect(await store.extendLock('T_LOCK', 'holder', 30_000)).toBe(false);
      expect(await leaseOf()).toBeUndefined();
    });

    it('lease: the note round-trips through read(), in the same read as other names; extend replaces or keeps it', async () => {
      const { store } = await setup();
      const intent = JSON.stringify({ spending: 'v7', at: 1_700_000_000_000 });
      await store.write('T_REFRESH_TOKEN', 'rt-one');
      expect(await store.tryLock('T_LOCK', 'holder', 30_000, intent)).toBe(true);
      const got = await store.read(['T_REFRESH_TOKEN', 'T_LOCK']);
      expect(got.get('T_REFRESH_TOKEN')?.value).toBe('rt-one');
      const lease = parseLease(got.get('T_LOCK')?.value ?? '');
      expect(lease).toMatchObject({ owner: 'holder', note: intent });
      expect(await store.extendLock('T_LOCK', 'holder', 30_000)).toBe(true);
      expect(parseLease((await store.read(['T_LOCK'])).get('T_LOCK')?.value ?? '')?.note).toBe(intent);
      expect(await store.extendLock('T_LOCK', 'holder', 30_000, 'persisted')).toBe(true);
      expect(parseLease((await store.read(['T_LOCK'])).get('T_LOCK')?.value ?? '')?.note).toBe('persisted');
    });

    it('lease: an expired lease is still read, with its note', async () => {
      const { clock, store, leaseOf } = await setup();
      expect(await store.tryLock('T_LOCK', 'crashed', 30_000, 'spend in flight')).toBe(true);
      clock.advance(60_000);
      const lease = await leaseOf();
      expect(lease).toMatchObject({ owner: 'crashed', note: 'spend in flight' });
      expect(isLive(lease, clock.now())).toBe(false);
    });

    it('fence: a write lands only while the lease names its owner', async () => {
      const { clock, store, other } = await setup();
      const fence = { lock: 'T_LOCK', owner: 'holder' };
      await expect(store.write('T_REFRESH_TOKEN', 'rt-unheld', { fence })).rejects.toMatchObject({
        kind: 'conflict',
      });
      expect(await store.tryLock('T_LOCK', 'holder', 30_000)).toBe(true);
      const v1 = await store.write('T_REFRESH_TOKEN', 'rt-1', { fence });
      const v2 = await store.write('T_REFRESH_TOKEN', 'rt-2', { fence, expectedVersion: v1 });
      // Lost: expired, then taken over by another instance.
      clock.advance(31_000);
      await expect(
        store.write('T_REFRESH_TOKEN', 'rt-expired', { fence, expectedVersion: v2 }),
      ).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/lease/) });
      expect(await other().tryLock('T_LOCK', 'successor', 30_000)).toBe(true);
      await expect(store.write('T_REFRESH_TOKEN', 'rt-lost', { fence })).rejects.toMatchObject({
        kind: 'conflict',
      });
      await expect(
        store.write('T_REFRESH_TOKEN', 'rt-lost', { fence, expectedVersion: v2 }),
      ).rejects.toMatchObject({ kind: 'conflict' });
      expect((await store.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN')).toEqual({
        value: 'rt-2',
        version: v2,
      });
    });
  });
}
