/**
 * The spend intent: what a refresher is about to spend, written durably as its fleet lease's note
 * before the refresh token is sent (src/tokens/refresh.ts). It is the only trace of a spend whose
 * answer never reached the store, so whoever reads it (any instance's batch read, the scheduled
 * run) can finish that spend inside Atlassian's reuse leeway. It holds no secret: a store version,
 * a time and an owner.
 */

export interface SpendIntent {
  /** The REFRESH_TOKEN store version being spent. */
  version: string;
  /** Epoch ms, no later than the first send: the leeway is counted from here (conservatively). */
  at: number;
  /** The lease owner that wrote it. */
  owner: string;
}

/** Atlassian's reuse leeway for a spent refresh token (shared/ATLASSIAN.md). */
export const LEEWAY_MS = 10 * 60_000;

export function formatIntent(i: SpendIntent): string {
  return JSON.stringify({ spend: i.version, at: i.at, owner: i.owner });
}

/** Undefined for anything that is not an intent (a bootstrap's lease has no note). */
export function parseIntent(note: string | undefined): SpendIntent | undefined {
  if (!note) return undefined;
  try {
    const j = JSON.parse(note) as { spend?: unknown; at?: unknown; owner?: unknown };
    if (typeof j.spend !== 'string' || typeof j.at !== 'number' || typeof j.owner !== 'string')
      return undefined;
    return { version: j.spend, at: j.at, owner: j.owner };
  } catch {
    return undefined;
  }
}

/**
 * What an intent found in the store asks of the reader:
 * - `finish`: its holder is gone (lease expired, or it is our own unfinished spend) and the stored
 *   refresh token is still the one it names, inside the leeway: refresh with it now, whatever the
 *   stored access token says. The token may be spent at Atlassian; reusing it inside the leeway
 *   continues the family, waiting past the leeway would revoke it.
 * - `stale`: the same, but too late to finish inside the leeway. It is NOT re-spent at once: the
 *   family is refreshed when next due (or on Jira's 401), as if there were no intent. Either the
 *   spend never reached Atlassian (the stored token is unspent: nothing is urgent, the next due
 *   refresh works), or Atlassian rotated it more than ten minutes ago. Then the holder is dead
 *   (the new token died with it: the family is lost whatever anyone does, and the next refresh
 *   says so with `rejected`) or alive, holding the only copy through a store outage, and writing
 *   it back as soon as the store answers (its fenced write lands if nobody took the lease). A
 *   re-spend now would revoke the family in that one case where it can still be saved, and gains
 *   nothing in the others; waiting lets a living holder land its token until the stored access
 *   token is due (most of an hour after a 401-driven refresh, none after a time-based one).
 *   The finding is logged and reported by /_health.
 * - undefined: nothing to do (no intent, a live holder, or the store moved on: the spend landed).
 *
 * `budgetMs` is what one token call plus the write-back may take: an intent is finished only if
 * that still fits inside the leeway.
 */
export function intentVerdict(
  lease: { owner: string; expiresAt: number; note?: string } | undefined,
  storedVersion: string | undefined,
  o: { now: number; self: string; budgetMs: number },
): { kind: 'finish' | 'stale'; intent: SpendIntent } | undefined {
  const intent = parseIntent(lease?.note);
  if (!lease || !intent || intent.version !== storedVersion) return undefined;
  if (lease.owner !== o.self && lease.expiresAt > o.now) return undefined;
  return { kind: o.now + o.budgetMs < intent.at + LEEWAY_MS ? 'finish' : 'stale', intent };
}
