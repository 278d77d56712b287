import { describe, expect, it, vi } from 'vitest';
import { type SecretStore, StoreError } from '../../src/stores/store';

/**
 * The behaviour every SecretStore owes the token lifecycle, run against each implementation
 * over its real protocol. `make` returns a store on a fresh, empty backend each time.
 */
export function describeStoreContract(
  label: string,
  make: () => Promise<SecretStore>,
  opts: { atomicCompareAndSwap: boolean },
): void {
  describe(`${label}: store contract`, () => {
    it('reads nothing for names never written', async () => {
      const store = await make();
      expect((await store.read(['T_CLIENT_ID', 'T_REFRESH_TOKEN'])).size).toBe(0);
    });

    it('writes durably and versions every write', async () => {
      const store = await make();
      const v1 = await store.write('T_REFRESH_TOKEN', 'rt-one');
      const v2 = await store.write('T_REFRESH_TOKEN', 'rt-two');
      expect(v2).not.toBe(v1);
      const got = await store.read(['T_REFRESH_TOKEN', 'T_MISSING']);
      expect(got.get('T_REFRESH_TOKEN')).toEqual({ value: 'rt-two', version: v2 });
      expect(got.has('T_MISSING')).toBe(false);
    });

    it('keeps values byte for byte (JSON, unicode, long tokens)', async () => {
      const store = await make();
      const json = JSON.stringify({ token: 'a'.repeat(3000), expirationDate: 1_700_000_000_000, note: 'é✓' });
      await store.write('T_ACCESS_TOKEN', json);
      expect((await store.read(['T_ACCESS_TOKEN'])).get('T_ACCESS_TOKEN')?.value).toBe(json);
    });

    it('treats Psoxy placeholders as missing', async () => {
      const store = await make();
      await store.write('T_CLIENT_SECRET', 'TODO: fill me');
      expect((await store.read(['T_CLIENT_SECRET'])).has('T_CLIENT_SECRET')).toBe(false);
    });

    it('compare-and-swap: the expected version wins, a stale one is a conflict', async () => {
      const store = await make();
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

    if (opts.atomicCompareAndSwap) {
      it('compare-and-swap: of concurrent writers from one version, exactly one lands', async () => {
        const store = await make();
        const v1 = await store.write('T_REFRESH_TOKEN', 'rt-base');
        const results = await Promise.allSettled(
          [0, 1, 2, 3, 4].map((i) => store.write('T_REFRESH_TOKEN', `rt-${i}`, { expectedVersion: v1 })),
        );
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(won).toHaveLength(1);
        const current = (await store.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN');
        expect(current?.value).toBe(`rt-${won[0]}`);
      });
    }

    it('lock: one owner at a time, released only by its owner', async () => {
      const store = await make();
      expect(await store.tryLock('T_LOCK', 'owner-a', 30_000)).toBe(true);
      expect(await store.tryLock('T_LOCK', 'owner-b', 30_000)).toBe(false);
      await store.unlock('T_LOCK', 'owner-b');
      expect(await store.tryLock('T_LOCK', 'owner-b', 30_000)).toBe(false);
      await store.unlock('T_LOCK', 'owner-a');
      expect(await store.tryLock('T_LOCK', 'owner-b', 30_000)).toBe(true);
    });

    it('lock: concurrent contenders, exactly one wins', async () => {
      const store = await make();
      const wins = await Promise.all(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((o) => store.tryLock('T_LOCK', `owner-${o}`, 30_000)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('lock: a holder past its TTL is taken over, and cannot then release the new holder', async () => {
      const store = await make();
      expect(await store.tryLock('T_LOCK', 'crashed', 30_000)).toBe(true);
      expect(await store.tryLock('T_LOCK', 'next', 30_000)).toBe(false);
      // Past the holder's TTL on the clock the store reads (Date), moved rather than waited for.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000, shouldAdvanceTime: true });
      try {
        expect(await store.tryLock('T_LOCK', 'next', 30_000)).toBe(true);
        await store.unlock('T_LOCK', 'crashed');
        expect(await store.tryLock('T_LOCK', 'third', 30_000)).toBe(false);
      } finally {
        vi.useRealTimers();
      }
    });
  });
}
