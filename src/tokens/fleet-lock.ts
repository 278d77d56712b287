import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../log';
import type { SecretStore } from '../stores/store';

/**
 * The fleet lock around a refresh or a bootstrap: one holder across every instance and the CLI,
 * on the store's own lock (`LOCK`), released in `finally` unless the work keeps it. Its TTL
 * (LOCK_TTL_SECONDS) is what frees the lock of a holder that died; a refresher's lease carries
 * its spend intent as the note (src/tokens/refresh.ts, docs/ARCHITECTURE.md "Why a crash cannot
 * lose the family").
 */

export interface FleetLockOptions<T> {
  ttlMs: number;
  /** The lease's note, written with each take itself (a refresher's spend intent, as it stands then). */
  note?: () => string;
  /** How long to wait for another holder before `busy()` is thrown. */
  waitMs: number;
  pollMs?: number;
  /** Who holds it: the same owner re-taking its own live lock extends it. */
  owner?: string;
  now?: () => number;
  /**
   * Asked after each refused attempt, then every `pollMs`: `result` ends the wait without the lock
   * (the holder's result); `held` says the holder's lease is still live, so the next round only
   * looks again instead of trying to take it (on Secrets Manager every take is a secret version).
   */
  meanwhile?: () => Promise<{ result: T } | { held: boolean }>;
  busy: () => Error;
}

export interface HeldLock {
  readonly owner: string;
  /** Time spent waiting for another holder (0 when the lock was free). */
  readonly waitedMs: number;
  /**
   * When the take that succeeded was sent: the lease runs at least until takenAt + ttlMs. Counted
   * from the answer instead, a holder slowed or frozen while the take was answered would believe
   * in time its lease no longer has.
   */
  readonly takenAt: number;
  /** Leave the lock held after the work (its TTL or a later `releaseFleetLock` frees it). */
  keep(): void;
}

export function lockOwner(kind: string): string {
  return `${kind}:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Store failures of the lock itself propagate as the store's errors; the caller maps them. */
export async function withFleetLock<T>(
  store: SecretStore,
  name: string,
  o: FleetLockOptions<T>,
  work: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const owner = o.owner ?? lockOwner('proxy');
  const now = o.now ?? Date.now;
  const started = now();
  let takenAt = started;
  const take = () => {
    takenAt = now();
    return store.tryLock(name, owner, o.ttlMs, o.note?.());
  };
  while (!(await take())) {
    // Look (reads only) until the holder is done or its lease is gone; only then try again.
    for (;;) {
      const seen = await o.meanwhile?.();
      if (seen && 'result' in seen) return seen.result;
      if (now() - started >= o.waitMs) throw o.busy();
      await sleep(o.pollMs ?? 200);
      if (!seen?.held) break;
    }
  }
  let keep = false;
  try {
    return await work({
      owner,
      waitedMs: now() - started,
      takenAt,
      keep: () => {
        keep = true;
      },
    });
  } finally {
    if (!keep) await releaseFleetLock(store, name, owner);
  }
}

/** Never throws: a lock that cannot be released expires by itself. */
export async function releaseFleetLock(store: SecretStore, name: string, owner: string): Promise<void> {
  await store
    .unlock(name, owner)
    .catch((err) =>
      logger.warn('fleet lock release failed; it expires by itself', { cause: (err as Error).message }),
    );
}
