import type { SandboxClient, SandboxSite } from './constants';
import type { SandboxRateLimit } from './rate-limit';

export interface SandboxOptions {
  /** Default 0 (ephemeral); the host is always 127.0.0.1. */
  port?: number;
  /** Injectable clock, epoch ms; default Date.now. `advance()` adds to it. */
  now?: () => number;
  /** `expires_in` of access tokens; default 3600. */
  accessTokenLifetimeSeconds?: number;
  /** Refresh-token reuse interval; default 600; 0 = any reuse revokes the family. */
  leewaySeconds?: number;
  /** An access token dies this long after a newer pair is issued from its family; default = leewaySeconds. */
  accessTokenGraceSeconds?: number;
  /** Default 90. */
  inactivityDays?: number;
  /** Default 365. */
  absoluteDays?: number;
  clients?: SandboxClient[];
  sites?: SandboxSite[];
  /** A dead refresh token's answer: `invalid_grant` (default) or `unauthorized_client` (seen in the wild). */
  deadRefreshTokenError?: 'invalid_grant' | 'unauthorized_client';
  /** Artificial delay before every API answer (benchmarks). */
  latencyMs?: number;
  /** Limits enforced on API calls, as Atlassian does (`SANDBOX_RATE_LIMIT`, src/sandbox/rate-limit.ts); default none. */
  rateLimits?: SandboxRateLimit[];
}

export interface RecordedRequest {
  method: string;
  /** The request-target exactly as received, never normalised. */
  rawPath: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Sandbox clock, epoch ms. */
  at: number;
}

export interface SandboxStats {
  codeExchanges: number;
  refreshes: number;
  reuseWithinLeeway: number;
  reuseAfterLeeway: number;
  familiesRevoked: number;
  invalidGrants: number;
  apiCalls: number;
  api401: number;
}

export type InjectedFailure =
  /** 401/403/404: how Atlassian answers a dead token at times (observed), without touching the family. */
  | {
      status: 401 | 403 | 404 | 429 | 500 | 502 | 503;
      retryAfterSeconds?: number;
      body?: string;
      /** A 429's `RateLimit-Reason`; default `jira-burst-based`. */
      reason?: string;
    }
  | { delayMs: number }
  | { drop: true };

export type FailureTarget = 'token' | 'api';

export interface Sandbox {
  /** http://127.0.0.1:PORT: both ATLASSIAN_AUTH_URL and ATLASSIAN_API_URL. */
  url: string;
  requests: RecordedRequest[];
  stats(): SandboxStats;
  /** The consent shortcut: a code as if a person had approved the authorize page. */
  mintCode(opts?: { clientId?: string; scopes?: string[]; redirectUri?: string; siteIds?: string[] }): string;
  advance(ms: number): void;
  /** Queued per target, consumed one per request, in order. */
  failNext(target: FailureTarget, failures: InjectedFailure[]): void;
  /** The next successful refresh answers without refresh_token and does not rotate. */
  omitRefreshTokenNext(): void;
  /** An admin revocation of the family the token belongs to (any token of it, spent or not). */
  revokeFamily(refreshToken: string): void;
  close(): Promise<void>;
}
