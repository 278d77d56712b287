import type { ProxyError } from '../errors';

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
  family: { bootstrappedAt: string; expiresAt: string; daysLeft: number; cloudId: string } | undefined;
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
