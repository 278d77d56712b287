/**
 * The recorded outcome of the last refresh attempt (the `REFRESH_OUTCOME` secret, which holds no
 * secret): written under the fleet lock by whichever instance refreshed, read by every instance,
 * `/_health` and `status`. So a rejection one instance saw is known to all of them and to the
 * CLI, and no other instance spends a call on the token endpoint to learn it again.
 *
 * It is written when the result changes: a success after a success writes nothing (the stored
 * ACCESS_TOKEN's issuedAt says when), so a healthy fleet pays no extra store write. Every write is
 * a compare-and-swap that never goes back in time (token-store.ts `writeOutcome`): records are
 * ordered by `at`, the start of the attempt they describe.
 *
 * A rejection is tied to the store versions it concerns: once a bootstrap stores a new refresh
 * token (or new client credentials), the old verdict no longer applies, without anyone rewriting it.
 */

export type OutcomeResult =
  /** The refresh token rotated and was stored. */
  | 'refreshed'
  /** invalid_grant or unauthorized_client "refresh_token is invalid": the family is dead. */
  | 'rejected'
  /** The client id or secret was refused. */
  | 'client_refused'
  /** 429/5xx or no answer, after the retries: nothing lost, the next request tries again. */
  | 'failed'
  /** The refresh went through, but Jira rejected its fresh token too (site access, scopes). */
  | 'upstream_rejected';

export interface RefreshOutcome {
  /** Epoch ms. */
  at: number;
  result: OutcomeResult;
  /** What Atlassian or Jira answered; never a value. */
  cause: string;
  /** The REFRESH_TOKEN version the attempt spent (or, for `refreshed`, stored). */
  refreshTokenVersion: string | undefined;
  /** CLIENT_ID/CLIENT_SECRET versions the attempt used (`client_refused`). */
  clientVersion?: string;
  /** `issuedAt` of the access token Jira rejected (`upstream_rejected`). */
  accessIssuedAt?: number;
  /**
   * `failed`: no instance calls the token endpoint again before this (epoch ms): Atlassian's
   * Retry-After, or the fleet's exponential backoff. Callers meanwhile get a still-valid token or
   * a 503 with Retry-After.
   */
  retryAt?: number;
  /** `failed`: how many refreshes in a row have failed, for the fleet's backoff. */
  failures?: number;
}

/** The versions in the store now, to tell whether a recorded verdict still applies. */
export interface StoredVersions {
  refreshToken: string | undefined;
  client: string | undefined;
}

/** A client refusal is tried again after this, in case Atlassian's answer was a hiccup. */
export const CLIENT_RETRY_MS = 5 * 60_000;
/**
 * A rejected family is tried again after this (one token call per 20 minutes for the fleet), so a
 * single spurious rejection does not stop a live family until a bootstrap.
 */
export const REJECTED_RECHECK_MS = 20 * 60_000;
/** No rejection-driven refresh for this long after Jira rejected a token issued in answer to one. */
export const UPSTREAM_HOLD_MS = 5 * 60_000;

const RESULTS: readonly OutcomeResult[] = [
  'refreshed',
  'rejected',
  'client_refused',
  'failed',
  'upstream_rejected',
];

export function formatOutcome(o: RefreshOutcome): string {
  return JSON.stringify({ ...o, at: new Date(o.at).toISOString() });
}

export function parseOutcome(raw: string | undefined): RefreshOutcome | undefined {
  if (!raw) return undefined;
  try {
    const json = JSON.parse(raw) as Record<string, unknown>;
    const at = Date.parse(String(json.at));
    const result = json.result as OutcomeResult;
    if (Number.isNaN(at) || !RESULTS.includes(result)) return undefined;
    return {
      at,
      result,
      cause: typeof json.cause === 'string' ? json.cause : '',
      refreshTokenVersion:
        typeof json.refreshTokenVersion === 'string' ? json.refreshTokenVersion : undefined,
      clientVersion: typeof json.clientVersion === 'string' ? json.clientVersion : undefined,
      accessIssuedAt: typeof json.accessIssuedAt === 'number' ? json.accessIssuedAt : undefined,
      retryAt: typeof json.retryAt === 'number' ? json.retryAt : undefined,
      failures: typeof json.failures === 'number' ? json.failures : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * What the recorded outcome says about refreshing with what the store holds now: the family is
 * dead, or the client credentials were refused (the same ones are still stored). Undefined when
 * the verdict is about tokens or credentials that have since been replaced. (How long a verdict
 * holds is refresh-gate.ts's: REJECTED_RECHECK_MS, CLIENT_RETRY_MS.)
 */
export function standingVerdict(
  o: RefreshOutcome | undefined,
  v: StoredVersions,
): 'rejected' | 'client_refused' | undefined {
  if (!o || o.refreshTokenVersion === undefined || o.refreshTokenVersion !== v.refreshToken) return undefined;
  if (o.result === 'rejected') return 'rejected';
  if (o.result === 'client_refused' && o.clientVersion === v.client) return 'client_refused';
  return undefined;
}
