/**
 * The one interface every secret store implements. Stores know nothing of OAuth: they hold
 * named string values with versions, and offer one fleet-wide lock built on the store's own
 * strongest primitive (exclusive create, compare-and-swap, or an etag-guarded update).
 */

export interface StoredValue {
  value: string;
  /** Opaque, store-specific version of this value (file counter, SSM Version, SM VersionId, GCP version). */
  version: string;
}

export interface SecretStore {
  /** e.g. `file:/path/secrets.json`, `aws-ssm`: for logs and status, never a value. */
  readonly description: string;
  /**
   * Reads the current values, strongly consistent (never a stale cached alias). Missing names
   * are absent from the result. Psoxy's "fill me" placeholders count as missing.
   */
  read(names: readonly string[]): Promise<Map<string, StoredValue>>;
  /**
   * Durably writes one value and returns its new version. Both options fail with StoreError kind
   * 'conflict', whose message says which (the version moved, or the lease was lost), and change
   * nothing. How atomic each store makes them: docs/STORES.md.
   */
  write(name: string, value: string, opts?: WriteOptions): Promise<string>;
  /**
   * Takes the fleet lock `name` for `owner` if it is free or its holder's lease has expired
   * (atomically: of concurrent takers one wins). Held live by someone else: false, without
   * waiting. Held live by `owner` already: the same as `extendLock`. The lock's name may be
   * passed to `read`: its value is then the lease (`serializeLease`, src/stores/lease.ts), read in
   * the same calls as the other names wherever the store allows, absent when the lock is free, and
   * still there once expired (the lifecycle must see an expired holder's note).
   */
  tryLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean>;
  /**
   * A compare-and-swap on the lock's own version: true only when the current lease is `owner`'s
   * and still live; it then moves its expiry to now + ttlMs and, when `note` is given, replaces the
   * note (undefined keeps it). Expired, taken over, released or missing: false, and nothing changes.
   */
  extendLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean>;
  /** Releases the lock if `owner` still holds it; never releases someone else's. */
  unlock(name: string, owner: string): Promise<void>;
  /** Frees clients/agents (CLI exits, tests). */
  close?(): Promise<void>;
}

export interface WriteOptions {
  /** A compare-and-swap: the write lands only if the value is still at this version. */
  expectedVersion?: string;
  /** The write lands only while the lease `lock` is live and held by `owner`. */
  fence?: { lock: string; owner: string };
}

/** Options every store takes beside its own. */
export interface StoreClock {
  /** The time leases are taken, extended and judged by (default Date.now): tests move it. */
  now?: () => number;
}

export type StoreErrorKind = 'unavailable' | 'access_denied' | 'conflict' | 'corrupt' | 'invalid';

/** Every store failure surfaces as one of these; `message` names the secret, never its value. */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** Worth retrying with backoff (throttling, timeouts, 5xx). */
  get retryable(): boolean {
    return this.kind === 'unavailable';
  }
}

/** Placeholder values (Psoxy's Terraform seeds a "fill me" text) mean "not set yet": no bootstrap has run. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return v === '' || /fill me/i.test(v) || v === '__PLACEHOLDER__';
}

/** For stores without a batch read: one `get` per distinct name, in parallel; placeholders count as missing. */
export async function readEach(
  names: readonly string[],
  get: (name: string) => Promise<StoredValue | undefined>,
): Promise<Map<string, StoredValue>> {
  const unique = [...new Set(names)];
  const values = await Promise.all(unique.map(get));
  const out = new Map<string, StoredValue>();
  unique.forEach((name, i) => {
    const stored = values[i];
    if (stored && !isPlaceholder(stored.value)) out.set(name, stored);
  });
  return out;
}
