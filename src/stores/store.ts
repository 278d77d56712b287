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
   * Durably writes one value and returns its new version. With `expectedVersion`, a store that
   * supports compare-and-swap fails with StoreConflictError when the current version differs.
   */
  write(name: string, value: string, opts?: { expectedVersion?: string }): Promise<string>;
  /**
   * Takes the fleet lock `name` for `owner` if it is free or its holder's TTL has passed.
   * Returns false (without waiting) when someone else holds it.
   */
  tryLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if `owner` still holds it; never releases someone else's. */
  unlock(name: string, owner: string): Promise<void>;
  /** Frees clients/agents (CLI exits, tests). */
  close?(): Promise<void>;
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
