import { randomUUID } from 'node:crypto';

/**
 * The fleet lock's value in the AWS stores: who holds it and until when, readable in the
 * console. `nonce` makes every acquisition distinct, so a takeover can name the exact instance
 * it replaces.
 */
export interface LockClaim {
  owner: string;
  nonce: string;
  acquiredAt: string;
  expiresAt: string;
}

export function newClaim(owner: string, ttlMs: number, now = Date.now()): LockClaim {
  return {
    owner,
    nonce: randomUUID().slice(0, 8),
    acquiredAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ttlMs).toISOString(),
  };
}

/** The claim in a lock value, or undefined when the value holds none (free, `{}`, a placeholder, garbage). */
export function parseClaim(value: string): LockClaim | undefined {
  try {
    const v = JSON.parse(value) as Partial<LockClaim> | null;
    if (typeof v?.owner !== 'string' || typeof v.expiresAt !== 'string') return undefined;
    if (Number.isNaN(Date.parse(v.expiresAt))) return undefined;
    return {
      owner: v.owner,
      nonce: typeof v.nonce === 'string' ? v.nonce : '',
      acquiredAt: typeof v.acquiredAt === 'string' ? v.acquiredAt : '',
      expiresAt: v.expiresAt,
    };
  } catch {
    return undefined;
  }
}

/** A claim whose holder is still within its TTL. */
export function isLive(claim: LockClaim | undefined, now = Date.now()): claim is LockClaim {
  return claim !== undefined && Date.parse(claim.expiresAt) > now;
}
