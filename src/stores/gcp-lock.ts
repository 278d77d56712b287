import { type Lease, leaseFromRecord, parseLease, serializeLease } from './lease';

/**
 * The two claims the GCP store writes into a secret's annotations, each guarded by the secret's
 * etag: the fleet lock's lease (`jtp-lease` on the lock's own secret, `serializeLease`) and the
 * compare-and-swap claim (`jtp-cas-base`, `jtp-cas-at`, `jtp-cas-claim` on the secret being
 * replaced). Other annotations are carried over untouched. Why the claim makes the swap safe:
 * docs/STORES.md, "Why the GCP compare-and-swap is one".
 */

type Annotations = Record<string, string>;

const LEASE = 'jtp-lease';
/** What releases before leases wrote; read so a rolling deploy respects the lock, dropped on the next change. */
const LEGACY_OWNER = 'lock-owner';
const LEGACY_EXPIRES = 'lock-expires';
const CAS_BASE = 'jtp-cas-base';
const CAS_AT = 'jtp-cas-at';
const CAS_CLAIM = 'jtp-cas-claim';
/**
 * How long a compare-and-swap claim blocks other writers from the same base version. A writer
 * adds its version within one RPC timeout of claiming, so a claim older than this belongs to a
 * writer that died between its claim and its version.
 */
const CLAIM_TTL_MS = 30_000;

/** The lease in a lock secret's annotations, if any (expired or not). */
export function leaseIn(annotations: Annotations): Lease | undefined {
  const lease = annotations[LEASE];
  if (lease !== undefined) return parseLease(lease);
  const owner = annotations[LEGACY_OWNER];
  const expires = Number(annotations[LEGACY_EXPIRES]);
  if (owner === undefined || !Number.isFinite(expires)) return undefined;
  return leaseFromRecord({ owner, expiresAt: new Date(expires).toISOString() });
}

/** The annotations holding `lease` (none: the lock released). */
export function withLease(annotations: Annotations, lease: Lease | undefined): Annotations {
  const { [LEASE]: _, [LEGACY_OWNER]: __, [LEGACY_EXPIRES]: ___, ...rest } = annotations;
  return lease ? { ...rest, [LEASE]: serializeLease(lease) } : rest;
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
  now: number,
): boolean {
  const age = now - Number(annotations[CAS_AT]);
  return annotations[CAS_BASE] === String(base) && age < CLAIM_TTL_MS && !abandoned.has(claimId(annotations));
}

/** The annotations with our claim on the successor of `base`. */
export const casClaim = (annotations: Annotations, base: number, id: string, now: number): Annotations => ({
  ...annotations,
  [CAS_BASE]: String(base),
  [CAS_AT]: String(now),
  [CAS_CLAIM]: id,
});
