import { randomUUID } from 'node:crypto';
import { StoreError } from './store';

/**
 * The fleet lock's lease, in the one format every store writes and reports: the file store keeps
 * it in its JSON, SSM and Secrets Manager in the lock's value, GCP in the lock secret's
 * annotations. Times are ISO strings on the wire so an operator can read them in a console;
 * `parseLease` also reads the claims older releases wrote (`{owner, expiresAt}` and the AWS stores'
 * `{owner, nonce, acquiredAt, expiresAt}`), so a rolling deploy sees the lock it must respect.
 */
export interface Lease {
  owner: string;
  /** Distinct for every acquisition: a takeover or an extension can name the exact instance. */
  nonce: string;
  /** Epoch ms. */
  acquiredAt: number;
  /** Epoch ms. */
  expiresAt: number;
  /** The holder's note: opaque to stores (the lifecycle's spend intent), never a secret. */
  note?: string;
}

/** A note above this would crowd the stores' value limits (SSM's String tier: 4 KB). */
export const MAX_NOTE_BYTES = 1024;

/** A fresh acquisition by `owner` until now + ttlMs. */
export function newLease(owner: string, ttlMs: number, now: number, note?: string): Lease {
  checkNote(note);
  return {
    owner,
    nonce: randomUUID().slice(0, 8),
    acquiredAt: now,
    expiresAt: now + ttlMs,
    ...(note === undefined ? {} : { note }),
  };
}

/** The same acquisition moved to now + ttlMs; `note` replaces the note, undefined keeps it. */
export function extendedLease(lease: Lease, ttlMs: number, now: number, note?: string): Lease {
  checkNote(note);
  return { ...lease, expiresAt: now + ttlMs, ...(note === undefined ? {} : { note }) };
}

/** A lease within its TTL at `now`. */
export function isLive(lease: Lease | undefined, now: number): lease is Lease {
  return lease !== undefined && lease.expiresAt > now;
}

/** The lease as the plain object the stores keep (the file store nests it in its JSON). */
export function leaseRecord(lease: Lease): Record<string, string> {
  return {
    owner: lease.owner,
    nonce: lease.nonce,
    acquiredAt: new Date(lease.acquiredAt).toISOString(),
    expiresAt: new Date(lease.expiresAt).toISOString(),
    ...(lease.note === undefined ? {} : { note: lease.note }),
  };
}

export function serializeLease(lease: Lease): string {
  return JSON.stringify(leaseRecord(lease));
}

/**
 * The lease in a stored value, or undefined when it holds none (free: `{}`, a placeholder,
 * garbage). A lease never holds a secret, so nothing is lost by treating garbage as free.
 */
export function parseLease(value: string): Lease | undefined {
  try {
    return leaseFromRecord(JSON.parse(value));
  } catch {
    return undefined;
  }
}

/** The lease in an already parsed record (see `leaseRecord`), or undefined. */
export function leaseFromRecord(v: unknown): Lease | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const expiresAt = typeof r.expiresAt === 'string' ? Date.parse(r.expiresAt) : Number.NaN;
  if (typeof r.owner !== 'string' || r.owner === '' || Number.isNaN(expiresAt)) return undefined;
  const acquiredAt = typeof r.acquiredAt === 'string' ? Date.parse(r.acquiredAt) : Number.NaN;
  return {
    owner: r.owner,
    nonce: typeof r.nonce === 'string' ? r.nonce : '',
    acquiredAt: Number.isNaN(acquiredAt) ? expiresAt : acquiredAt,
    expiresAt,
    ...(typeof r.note === 'string' ? { note: r.note } : {}),
  };
}

function checkNote(note: string | undefined): void {
  if (note !== undefined && Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) {
    throw new StoreError('invalid', `a lease note is at most ${MAX_NOTE_BYTES} bytes`);
  }
}
