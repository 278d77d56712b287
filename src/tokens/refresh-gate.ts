import type { ProxyError } from '../errors';
import { logger, metric } from '../log';
import { METRIC } from '../metric-names';
import type { TokenEndpointError } from './atlassian';
import {
  CLIENT_RETRY_MS,
  REJECTED_RECHECK_MS,
  type RefreshOutcome,
  standingVerdict,
  UPSTREAM_HOLD_MS,
} from './outcome';
import { clientRefused, familyExpired, upstreamRejected } from './problems';
import type { StoreState, TokenStore } from './token-store';
import type { AccessToken } from './values';

/**
 * When a refresh cannot help, and what the fleet recorded about it: a dead family or refused
 * client credentials block refreshing until the store changes (a bootstrap) or the verdict is
 * old enough to check again (REJECTED_RECHECK_MS, CLIENT_RETRY_MS: one token call per period for
 * the fleet, since the check is recorded like the verdict); a token issued in answer to Jira's rejection that Jira rejects again holds
 * rejection-driven refreshes for UPSTREAM_HOLD_MS. Each verdict is recorded in REFRESH_OUTCOME,
 * so other instances learn it from their next store read instead of from Atlassian.
 */

interface Block {
  kind: 'rejected' | 'client_refused';
  refreshVersion: string | undefined;
  clientVersion: string | undefined;
  until: number;
  cause: string;
  checkedAt: number;
}

/** While a verdict stands, look at the store (for a new bootstrap) at most this often. */
export const RECHECK_MS = 5_000;
const REPEAT_MS = 60_000;

export class RefreshGate {
  #block: Block | undefined;
  /** A token issued by a refresh that answered an upstream rejection. */
  #answered: { token: string; at: number } | undefined;
  /** Jira rejected `token` though it was just issued: no rejection-driven refresh until `until`. */
  #hold: { token: string; until: number; checkedAt: number } | undefined;
  #outcome: RefreshOutcome | undefined;
  /** The stored record and its version as last read: the next write is a compare-and-swap on it. */
  #stored: { stored?: RefreshOutcome; version?: string } = {};
  #unwritten: RefreshOutcome | undefined;

  constructor(private readonly o: { tokens: TokenStore; now: () => number }) {}

  get outcome(): RefreshOutcome | undefined {
    return this.#outcome;
  }

  /** The standing verdict, without touching the store, if it was checked moments ago. */
  blockedNow(): ProxyError | undefined {
    const b = this.#block;
    return b && this.o.now() - b.checkedAt < RECHECK_MS ? blockError(b) : undefined;
  }

  get blocked(): boolean {
    return this.#block !== undefined;
  }

  /** For a held `used`: 'refuse' at once, 'recheck' the store for another token, or undefined (not held). */
  held(used: string): 'refuse' | 'recheck' | undefined {
    const h = this.#hold;
    const now = this.o.now();
    if (h?.token !== used || now >= h.until) return undefined;
    metric(METRIC.upstreamRejected, 1);
    if (now - h.checkedAt < RECHECK_MS) return 'refuse';
    h.checkedAt = now;
    return 'recheck';
  }

  /** What a store read teaches: another instance's verdict, or a new bootstrap lifting one. */
  learn(state: StoreState): void {
    this.#outcome = state.outcome;
    this.#stored = { stored: state.outcome, version: state.outcomeVersion };
    const now = this.o.now();
    const b = this.#block;
    const v = state.versions;
    if (
      b &&
      (b.refreshVersion !== v.refreshToken ||
        now >= b.until ||
        (b.kind === 'client_refused' && b.clientVersion !== v.client))
    ) {
      this.#block = undefined;
      logger.info(
        'the store holds a new refresh token or client credentials, or the verdict is due a re-check',
      );
    }
    if (this.#block) return;
    const verdict = standingVerdict(state.outcome, v);
    const at = state.outcome?.at ?? now;
    if (verdict && now < at + blockMs(verdict))
      this.#setBlock(verdict, state, state.outcome?.cause ?? '', at);
  }

  /**
   * Before a refresh: throws the caller's error while a block stands; 'hold' when the refresh
   * would answer a rejection of a token Jira already rejected fresh (here or, per the record, elsewhere).
   */
  check(state: StoreState, rejected: string | undefined, mayRefresh: boolean): 'refresh' | 'hold' {
    const now = this.o.now();
    if (this.#block) {
      this.#block.checkedAt = now;
      throw blockError(this.#block);
    }
    if (rejected === undefined) return 'refresh';
    if (mayRefresh && !(state.access?.token === rejected && this.#fleetHolds(state.access))) return 'refresh';
    const until = Math.max((this.#outcome?.at ?? now) + UPSTREAM_HOLD_MS, this.#hold?.until ?? 0);
    this.#hold = { token: rejected, until, checkedAt: now };
    metric(METRIC.upstreamRejected, 1);
    return 'hold';
  }

  refreshed(token: string, rejected: string | undefined): void {
    this.#block = undefined;
    this.#hold = undefined;
    this.#answered = rejected === undefined ? undefined : { token, at: this.o.now() };
  }

  /**
   * One failed refresh (after its retries) that started at `at`: one metric, one recorded outcome,
   * the caller's error (undefined: the endpoint is failing, paced until `retry.at`).
   */
  failed(
    e: TokenEndpointError,
    state: StoreState,
    at: number,
    retry: { at: number; failures: number },
  ): ProxyError | undefined {
    metric(METRIC.refreshFailure, 1, { cause: e.kind, status: e.status ?? 0 });
    const base = {
      at,
      cause: e.message,
      refreshTokenVersion: state.versions.refreshToken,
      clientVersion: state.versions.client,
    };
    if (e.kind !== 'rejected' && e.kind !== 'client') {
      logger.warn('token refresh failed; no instance calls the token endpoint again before retryAt', {
        cause: e.message,
        retryAt: new Date(retry.at).toISOString(),
      });
      this.record({ ...base, result: 'failed', retryAt: retry.at, failures: retry.failures });
      return undefined;
    }
    const kind = e.kind === 'rejected' ? 'rejected' : 'client_refused';
    if (kind === 'rejected') metric(METRIC.refreshRejected, 1);
    logger.error(
      kind === 'rejected'
        ? 'token family expired: Atlassian rejected the stored refresh token; checking again in 20 minutes'
        : 'Atlassian refused the client credentials; not trying them again for 5 minutes',
      { cause: e.message, action: 'run `npx jira-token-proxy bootstrap`' },
    );
    const block = this.#setBlock(kind, state, e.message, at);
    this.record({ ...base, result: kind });
    return blockError(block);
  }

  /** The retry with `access` was rejected too; a token just issued for a rejection starts a hold. */
  async rejectedAgain(used: string, access: AccessToken | undefined): Promise<ProxyError> {
    metric(METRIC.upstreamRejected, 1);
    const now = this.o.now();
    const answered = this.#answered?.token === used && now - this.#answered.at < UPSTREAM_HOLD_MS;
    if ((answered || this.#fleetHolds(access)) && this.#hold?.token !== used) {
      this.#hold = { token: used, until: now + UPSTREAM_HOLD_MS, checkedAt: now };
      logger.error('Jira rejects a freshly issued access token; no refresh on its rejections for 5 minutes', {
        action: "check the consenting account's access to the site and the app's scopes",
      });
      if (answered) {
        this.record({
          at: now,
          result: 'upstream_rejected',
          cause: 'Jira rejected the access token issued in answer to its previous rejection',
          refreshTokenVersion: this.#outcome?.refreshTokenVersion,
          accessIssuedAt: access?.issuedAt,
        });
        await this.flush();
      }
    }
    return upstreamRejected();
  }

  /** Jira accepted `token`: a hold on it ends. */
  accepted(token: string): void {
    if (this.#hold?.token !== token) return;
    this.#hold = undefined;
    logger.info('Jira accepts the access token again');
  }

  state(): 'family_expired' | 'client_refused' | 'upstream_rejected' | undefined {
    if (this.#block) return this.#block.kind === 'rejected' ? 'family_expired' : 'client_refused';
    if (this.#hold && this.o.now() < this.#hold.until) return 'upstream_rejected';
    return undefined;
  }

  /**
   * Records `outcome` (written by `flush`: a refresh's under its lease, so the next holder reads
   * it). The same verdict on the same versions is written at most once a minute; a `failed` always
   * is, since it carries the fleet's next retry time (and failures are paced: pacing.ts).
   */
  record(outcome: RefreshOutcome): void {
    const last = this.#outcome;
    const repeat =
      outcome.result !== 'failed' &&
      last?.result === outcome.result &&
      last.refreshTokenVersion === outcome.refreshTokenVersion &&
      outcome.at - last.at < REPEAT_MS;
    if (repeat) return;
    this.#outcome = outcome;
    this.#unwritten = outcome;
  }

  async flush(): Promise<void> {
    const outcome = this.#unwritten;
    this.#unwritten = undefined;
    if (outcome) await this.o.tokens.writeOutcome(outcome, this.#stored);
  }

  #setBlock(kind: Block['kind'], state: StoreState, cause: string, at: number): Block {
    this.#block = {
      kind,
      refreshVersion: state.versions.refreshToken,
      clientVersion: state.versions.client,
      until: at + blockMs(kind),
      cause,
      checkedAt: this.o.now(),
    };
    return this.#block;
  }

  /** The recorded outcome says Jira rejected this very token moments after it was issued. */
  #fleetHolds(access: AccessToken | undefined): boolean {
    const o = this.#outcome;
    return (
      o?.result === 'upstream_rejected' &&
      access?.issuedAt !== undefined &&
      o.accessIssuedAt === access.issuedAt &&
      this.o.now() < o.at + UPSTREAM_HOLD_MS
    );
  }
}

function blockMs(kind: Block['kind']): number {
  return kind === 'rejected' ? REJECTED_RECHECK_MS : CLIENT_RETRY_MS;
}

function blockError(b: Block): ProxyError {
  return b.kind === 'rejected' ? familyExpired() : clientRefused(b.cause);
}
