/**
 * The two claims the GCP store writes into a secret's annotations, each guarded by the secret's
 * etag: the fleet lock (`lock-owner`, `lock-expires` on the lock's own secret) and the
 * compare-and-swap claim (`jtp-cas-base`, `jtp-cas-at`, `jtp-cas-claim` on the secret being
 * replaced). Other annotations are carried over untouched. Why the claim makes the swap safe:
 * docs/STORES.md, "Why the GCP compare-and-swap is one".
 */

type Annotations = Record<string, string>;

const LOCK_OWNER = 'lock-owner';
const LOCK_EXPIRES = 'lock-expires';
const CAS_BASE = 'jtp-cas-base';
const CAS_AT = 'jtp-cas-at';
const CAS_CLAIM = 'jtp-cas-claim';
/**
 * How long a compare-and-swap claim blocks other writers from the same base version. A writer
 * adds its version within one RPC timeout of claiming, so a claim older than this belongs to a
 * writer that died between its claim and its version.
 */
const CLAIM_TTL_MS = 30_000;

export const lockClaim = (owner: string, ttlMs: number, now = Date.now()): Annotations => ({
  [LOCK_OWNER]: owner,
  [LOCK_EXPIRES]: String(now + ttlMs),
});

/** Who holds the lock within its TTL, if anyone. */
export function liveHolder(annotations: Annotations, now = Date.now()): string | undefined {
  const holder = annotations[LOCK_OWNER];
  return holder && Number(annotations[LOCK_EXPIRES]) > now ? holder : undefined;
}

/** The lock's holder, whether or not its TTL has passed, and the annotations without the lock. */
export function releaseLock(annotations: Annotations): { holder?: string; rest: Annotations } {
  const { [LOCK_OWNER]: holder, [LOCK_EXPIRES]: _, ...rest } = annotations;
  return holder === undefined ? { rest } : { holder, rest };
}

/** The id of the latest compare-and-swap claim on the secret ('' when none). */
export const claimId = (annotations: Annotations): string => annotations[CAS_CLAIM] ?? '';

/**
 * Whether a fresh claim of another writer already names `base`. A claim whose id is in
 * `abandoned` is our own whose version add failed: its writer never landed, so it blocks nothing.
 */
export function claimedBy(
  annotations: Annotations,
  base: number,
  abandoned: ReadonlySet<string>,
  now = Date.now(),
): boolean {
  const age = now - Number(annotations[CAS_AT]);
  return annotations[CAS_BASE] === String(base) && age < CLAIM_TTL_MS && !abandoned.has(claimId(annotations));
}

/** The annotations with our claim on the successor of `base`. */
export const casClaim = (
  annotations: Annotations,
  base: number,
  id: string,
  now = Date.now(),
): Annotations => ({
  ...annotations,
  [CAS_BASE]: String(base),
  [CAS_AT]: String(now),
  [CAS_CLAIM]: id,
});
