import type { ProxyError } from '../errors';
import type { SpendIntent } from './intent';
import type { RefreshOutcome } from './outcome';
import { type AccessToken, familyDaysLeft, familyExpiresAt, type TokenFamily } from './values';

/** What the token lifecycle reports: its state (/_health), its status, a scheduled run's report. */

export type LifecycleState =
  | 'ok'
  | 'unknown'
  | 'not_configured'
  | 'family_expired'
  | 'client_refused'
  | 'upstream_rejected'
  | 'store_unavailable'
  | 'refresh_failing';

export interface LifecycleStatus {
  state: LifecycleState;
  accessTokenExpiresAt: number | undefined;
  lastRefreshAt: number | undefined;
  /** The fleet's last refresh attempt, as recorded in the store. */
  lastRefreshOutcome: { at: string; result: string; cause: string } | undefined;
  family:
    | { bootstrappedAt: string; expiresAt: string; daysLeft: number; cloudId: string; authUrl?: string }
    | undefined;
  grantedScopes: string[] | undefined;
  pendingWriteBack: boolean;
  /** A spend intent found too late to finish inside the leeway (intent.ts): the family may be lost. */
  unfinishedSpend: { since: string; owner: string } | undefined;
}

export interface RefreshReport {
  refreshed: boolean;
  accessTokenExpiresAt: number;
  familyDaysLeft: number | undefined;
}

export function errorState(err: ProxyError): LifecycleState {
  switch (err.code) {
    case 'store_unavailable':
      return 'store_unavailable';
    case 'not_configured':
      return 'not_configured';
    case 'token_family_expired':
      return 'family_expired';
    case 'upstream_rejected_token':
      return 'upstream_rejected';
    default:
      return 'refresh_failing';
  }
}

/** The status /_health shows, from what the lifecycle knows (no I/O). */
export function statusOf(k: {
  state: LifecycleState;
  cached: AccessToken | undefined;
  outcome: RefreshOutcome | undefined;
  family: TokenFamily | undefined;
  scopes: ReadonlySet<string> | undefined;
  pendingWriteBack: boolean;
  staleIntent: SpendIntent | undefined;
  now: number;
}): LifecycleStatus {
  const { family: f, outcome: o, staleIntent: i } = k;
  return {
    state: k.state,
    accessTokenExpiresAt: k.cached?.expiresAt,
    lastRefreshAt: k.cached?.issuedAt,
    lastRefreshOutcome: o
      ? { at: new Date(o.at).toISOString(), result: o.result, cause: o.cause }
      : undefined,
    family: f
      ? {
          bootstrappedAt: f.bootstrappedAt,
          expiresAt: new Date(familyExpiresAt(f)).toISOString(),
          daysLeft: familyDaysLeft(f, k.now),
          cloudId: f.cloudId,
          authUrl: f.authUrl,
        }
      : undefined,
    grantedScopes: k.scopes ? [...k.scopes] : undefined,
    pendingWriteBack: k.pendingWriteBack,
    unfinishedSpend: i ? { since: new Date(i.at).toISOString(), owner: i.owner } : undefined,
  };
}
