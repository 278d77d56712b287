import { ProxyError } from '../errors';
import { logger, metric } from '../log';
import { METRIC } from '../metric-names';
import type { SecretNames } from '../secrets';
import type { SecretStore } from '../stores/store';
import { type TokenClient, TokenEndpointError, type TokenGrant } from './atlassian';
import { assertFamilyIssuer } from './family-issuer';
import { lockOwner } from './fleet-lock';
import { intentVerdict, LEEWAY_MS, type SpendIntent } from './intent';
import { invocationLeftMs } from './invocation';
import {
  errorState,
  type LifecycleState,
  type LifecycleStatus,
  type RefreshReport,
  statusOf,
} from './lifecycle-state';
import { Pacing } from './pacing';
import { endpointUnavailable, notConfigured, upstreamRejected } from './problems';
import { NoTimeToSpend, Refresher } from './refresh';
import { RefreshGate } from './refresh-gate';
import { realTimers, type Timers } from './timers';
import { type StoreState, TokenStore } from './token-store';
import { type AccessToken, familyDaysLeft, type TokenFamily } from './values';

export type { LifecycleState, LifecycleStatus, RefreshReport } from './lifecycle-state';

/**
 * The token lifecycle: the one owner of access and refresh tokens, deciding WHEN to refresh; how
 * one refresh runs, step by step with its crash points, is refresh.ts. Invariants (argued in
 * docs/ARCHITECTURE.md):
 * - a warm request costs no I/O: the access token is cached until the refresh margin;
 * - one refresh per instance at a time (single-flight) and per fleet (the store's lease, with a
 *   double-check after taking it, so a second refresher uses the first one's token);
 * - a spend intent found in the batch read whose holder is gone is finished at once, inside the
 *   leeway, whatever the stored access token says (intent.ts);
 * - refreshing stops while it cannot help (refresh-gate.ts) and is paced while the token endpoint
 *   fails (pacing.ts); every instance learns both from the recorded outcome (outcome.ts);
 * - /_health and /_refresh read the store at most every STORE_READ_MS.
 *
 * Longer than the ~300 lines a file here aims for, on purpose: when a refresh happens (cache,
 * batch read, intent, gate, pace, spend, fallback) is the argument of the invariants above and
 * reads best as one sequence; each step's mechanics live in the file it names.
 */

export interface LifecycleOptions {
  store: SecretStore;
  names: SecretNames;
  client: TokenClient;
  refreshMarginSeconds: number;
  now?: () => number;
  /** Fleet lock TTL: well under the 10-minute leeway. A spend's lease covers at least one call and its write. */
  lockTtlMs?: number;
  /** How long a request waits for another instance's refresh before giving up. */
  lockWaitMs?: number;
  pollMs?: number;
  /** Bounds all retries of one spend (far inside the leeway). */
  refreshDeadlineMs?: number;
  /** When a spend was left ambiguous, this process finishes it after this long (well within a minute). */
  finishAfterMs?: number;
  /** The background timers (heartbeat, write-back loop, finisher); tests drive them with their clock. */
  timers?: Timers;
}

const DEFAULT_LIFETIME_MS = 3_600_000;
/** A token closer than this to expiry is not handed out while another instance refreshes or the endpoint fails. */
const MIN_VALIDITY_MS = 30_000;
/** /_health and POST /_refresh read the store at most this often per instance. */
export const STORE_READ_MS = 5_000;

export class TokenLifecycle {
  readonly #o: Required<Omit<LifecycleOptions, 'now'>> & { now: () => number };
  readonly #tokens: TokenStore;
  readonly #refresher: Refresher;
  readonly #pacing: Pacing;
  readonly #owner = lockOwner('proxy');
  #cached: AccessToken | undefined;
  #scopes: Set<string> | undefined;
  #family: TokenFamily | undefined;
  readonly #gate: RefreshGate;
  #inflight: Promise<AccessToken> | undefined;
  #lastError: LifecycleState | undefined;
  #refreshes = 0;
  /** When the store was last read (any path): /_health and /_refresh skip reads closer than STORE_READ_MS. */
  #readAt = Number.NEGATIVE_INFINITY;
  /** The token a 403/404 made us look for a replacement of (once per token). */
  #forbiddenChecked: string | undefined;
  /** Cancels the pending finisher; undefined while none is scheduled. */
  #finisher: (() => void) | undefined;
  /** This process left a spend ambiguous and has not finished it yet. */
  #unfinished = false;
  #staleIntent: SpendIntent | undefined;

  constructor(opts: LifecycleOptions) {
    const lockTtlMs = opts.lockTtlMs ?? 60_000;
    this.#o = {
      ...opts,
      now: opts.now ?? Date.now,
      lockWaitMs: opts.lockWaitMs ?? 10_000,
      pollMs: opts.pollMs ?? 200,
      refreshDeadlineMs: opts.refreshDeadlineMs ?? 30_000,
      finishAfterMs: opts.finishAfterMs ?? 20_000,
      timers: opts.timers ?? realTimers,
      lockTtlMs,
    };
    this.#tokens = new TokenStore(opts.store, opts.names);
    this.#gate = new RefreshGate({ tokens: this.#tokens, now: this.#o.now });
    this.#pacing = new Pacing(this.#o.now);
    this.#refresher = new Refresher({
      tokens: this.#tokens,
      client: opts.client,
      owner: this.#owner,
      now: this.#o.now,
      lockTtlMs,
      lockWaitMs: this.#o.lockWaitMs,
      pollMs: this.#o.pollMs,
      deadlineMs: this.#o.refreshDeadlineMs,
      invocationLeftMs,
      onUnfinished: () => {
        this.#unfinished = true;
        this.#finishSoon();
      },
      onSettled: (access) => {
        if (access) this.#use(access);
      },
      timers: this.#o.timers,
    });
  }

  /** Refreshes performed by this instance (tests and benchmarks). */
  get refreshCount(): number {
    return this.#refreshes;
  }

  /** Scopes the current token family was granted; undefined until known. */
  get grantedScopes(): ReadonlySet<string> | undefined {
    return this.#scopes;
  }

  /** A live access token. The warm path is synchronous work only. */
  accessToken(): Promise<AccessToken> {
    const cached = this.#cached;
    if (cached && this.#fresh(cached)) return Promise.resolve(cached);
    const blocked = this.#gate.blockedNow();
    if (blocked) return Promise.reject(blocked);
    return this.#single(() => this.#obtain(undefined, true));
  }

  /**
   * Upstream rejected `used`: returns a different live token (another instance's newer one from
   * the store, or a refresh). The caller retries once with it and never loops.
   */
  async replaceRejected(used: string): Promise<AccessToken> {
    const held = this.#gate.held(used);
    if (held === 'refuse') throw upstreamRejected();
    // Held: only a different token in the store (a bootstrap, another instance) can help.
    if (held === 'recheck') return this.#single(() => this.#obtain(used, false));
    if (this.#cached?.token === used) this.#cached = undefined;
    const token = await this.#single(() => this.#obtain(used, true));
    // The flight we joined may have started before the rejection and returned the same token.
    return token.token === used ? this.#single(() => this.#obtain(used, true)) : token;
  }

  /**
   * Jira answered 403/404 with `used` while it looks valid: Atlassian answers a revoked token that
   * way at times, e.g. after another instance's refresh. The store is read once per token; a
   * different, unexpired token there is returned for one retry, else undefined (Jira's answer stands).
   */
  async replacedElsewhere(used: string): Promise<AccessToken | undefined> {
    if (this.#forbiddenChecked === used) return undefined;
    this.#forbiddenChecked = used;
    // A store that fails here leaves Jira's answer standing: the caller is not the one to hear of it.
    const state = await this.#read().catch(() => undefined);
    const stored = state?.access;
    if (!stored || stored.token === used || stored.expiresAt <= this.#o.now()) return undefined;
    return this.#use(stored);
  }

  /**
   * The retry with `used` (from `replaceRejected`) was rejected too: the caller's error. If `used`
   * was issued in answer to a rejection moments ago, refreshing again would not help either: no
   * rejection-driven refresh on this instance, and (through the recorded outcome) the fleet, for a while.
   */
  rejectedAgain(used: string): Promise<ProxyError> {
    return this.#gate.rejectedAgain(used, this.#cached?.token === used ? this.#cached : undefined);
  }

  /** Jira accepted `token`: a hold on it ends (the warm path pays one comparison). */
  accepted(token: string): void {
    this.#gate.accepted(token);
  }

  /** True when `token` is the cached one and is past its expiry (Jira's 403/404 then mean 401). */
  isExpired(token: string): boolean {
    return this.#cached?.token !== token || this.#cached.expiresAt <= this.#o.now();
  }

  /**
   * The scheduled path (and POST /_refresh): finish an interrupted spend, refresh if due, report the
   * family's days left (also when the refresh fails). When all is well it reads the store and
   * nothing else. A read closer than STORE_READ_MS to the last one is skipped while the cache is fresh.
   */
  async refreshIfDue(): Promise<RefreshReport> {
    const before = this.#refreshes;
    try {
      const cached = this.#cached;
      const token =
        cached && this.#fresh(cached) && this.#o.now() - this.#readAt < STORE_READ_MS
          ? cached
          : await this.#single(() => this.#obtain(undefined, true));
      return {
        refreshed: this.#refreshes > before,
        accessTokenExpiresAt: token.expiresAt,
        familyDaysLeft: this.#family ? familyDaysLeft(this.#family, this.#o.now()) : undefined,
      };
    } finally {
      if (this.#family) metric(METRIC.daysLeft, familyDaysLeft(this.#family, this.#o.now()));
    }
  }

  /**
   * What /_health reports. It reads the store (at most every STORE_READ_MS): a verdict another
   * instance recorded, or a newer family a bootstrap stored, shows here at once. With no fresh
   * token cached, or an orphaned intent in the read, it refreshes (paced like any refresh), so the
   * state is what a request would meet.
   */
  async status(): Promise<LifecycleStatus> {
    let storeDown = false;
    if (this.#o.now() - this.#readAt >= STORE_READ_MS) {
      try {
        const state = await this.#read();
        const c = this.#cached;
        // Health is a reader of the store like any other: an orphaned intent it sees is finished now.
        const act = this.#orphan(state) !== undefined || !c || !this.#fresh(c);
        if (act && !this.#gate.blocked)
          await this.#single(() => this.#obtain(undefined, true)).catch(() => undefined);
      } catch {
        // The next refresh would fail the same way, however good the cached token is.
        storeDown = true;
      }
    }
    return statusOf({
      state: this.#gate.state() ?? (storeDown ? 'store_unavailable' : this.#state()),
      cached: this.#cached,
      outcome: this.#gate.outcome,
      family: this.#family,
      scopes: this.#scopes,
      pendingWriteBack: this.#refresher.pending,
      staleIntent: this.#staleIntent,
      now: this.#o.now(),
    });
  }

  /** Stops the background timers (process exit, tests). */
  close(): void {
    this.#refresher.close();
    this.#finisher?.();
    this.#finisher = undefined;
  }

  /** Healthy only while this instance holds a token that has not expired, whatever it cached once. */
  #state(): LifecycleState {
    if (this.#refresher.pending) return 'store_unavailable';
    const c = this.#cached;
    if (c && c.expiresAt > this.#o.now()) return 'ok';
    return this.#lastError ?? (c ? 'refresh_failing' : 'unknown');
  }

  #single(work: () => Promise<AccessToken>): Promise<AccessToken> {
    this.#inflight ??= work().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  #fresh(t: AccessToken): boolean {
    const lifetime = t.issuedAt ? t.expiresAt - t.issuedAt : DEFAULT_LIFETIME_MS;
    const margin = Math.min(this.#o.refreshMarginSeconds * 1000, lifetime / 2);
    return t.expiresAt - this.#o.now() > margin;
  }

  /** Still good for a while: served while another instance refreshes or the endpoint is paced. */
  #usable(t: AccessToken | undefined, rejected: string | undefined): t is AccessToken {
    return t !== undefined && t.token !== rejected && t.expiresAt - this.#o.now() > MIN_VALIDITY_MS;
  }

  #use(t: AccessToken): AccessToken {
    this.#cached = t;
    this.#lastError = undefined;
    return t;
  }

  async #read(): Promise<StoreState> {
    const state = await this.#tokens.read();
    this.#readAt = this.#o.now();
    this.#learn(state);
    return state;
  }

  /** What a store read teaches: the family and its scopes, and the fleet's verdicts and pace. */
  #learn(state: StoreState): void {
    // A new bootstrap brings new scopes; a refresh's answer is newer than the family's record.
    if (state.family && state.family.bootstrappedAt !== this.#family?.bootstrappedAt) {
      this.#scopes = new Set(state.family.scopes);
      // A re-bootstrap: the new family's token replaces the old family's at this store read.
      if (this.#family && state.access && this.#fresh(state.access)) this.#use(state.access);
    }
    if (state.family) this.#family = state.family;
    this.#gate.learn(state);
    this.#pacing.learn(state.outcome, state.versions.refreshToken);
  }

  /** An intent left by a holder that is gone (or by us), still naming the stored refresh token. */
  #orphan(state: StoreState): SpendIntent | undefined {
    const found = intentVerdict(state.lease, state.versions.refreshToken, {
      now: this.#o.now(),
      self: this.#owner,
      budgetMs: this.#refresher.budgetMs,
    });
    if (found?.kind === 'stale' && this.#staleIntent?.at !== found.intent.at)
      logger.error('an interrupted refresh was found too late to finish inside the 10-minute leeway', {
        since: new Date(found.intent.at).toISOString(),
        owner: found.intent.owner,
        action:
          'the family is refreshed when next due; if Atlassian then rejects it, run `npx jira-token-proxy bootstrap`',
      });
    this.#staleIntent = found?.kind === 'stale' ? found.intent : undefined;
    return found?.kind === 'finish' ? found.intent : undefined;
  }

  async #obtain(rejected: string | undefined, mayRefresh: boolean): Promise<AccessToken> {
    try {
      // A held refresh token is the only copy: it lands before anything else reads the store.
      await this.#refresher.flush();
      const state = await this.#read();
      const orphan = this.#orphan(state);
      if (orphan?.owner !== this.#owner) this.#unfinished = false;
      const stored = state.access;
      if (!orphan && stored && stored.token !== rejected && this.#fresh(stored)) return this.#use(stored);
      // Nothing to refresh with: say so without taking (or creating) the fleet lock.
      if (!state.client || !state.refresh) throw notConfigured(state);
      // An orphaned intent is finished whatever held this caller's refresh back (a dead family still stops it).
      if (orphan) this.#mayRefresh(state, undefined, true);
      else this.#mayRefresh(state, rejected, mayRefresh);
      const paced = this.#paced(state, rejected, orphan);
      if (paced) return paced;
      return await this.#refresh(state, rejected, orphan);
    } catch (err) {
      if (err instanceof ProxyError) this.#lastError = errorState(err);
      throw err;
    }
  }

  /** Throws when a refresh cannot help now (refresh-gate.ts). */
  #mayRefresh(state: StoreState, rejected: string | undefined, mayRefresh: boolean): void {
    if (this.#gate.check(state, rejected, mayRefresh) === 'refresh') return;
    // Keep trying the held token on the warm path: Jira accepting it again ends the hold at once.
    if (state.access && state.access.token === rejected) this.#cached = state.access;
    throw upstreamRejected();
  }

  /**
   * While the token endpoint is paced (pacing.ts): a token that still works, or the contract's 503
   * with Retry-After; no token call. An orphaned intent honours only Atlassian's Retry-After, and
   * only while the leeway outlasts it.
   */
  #paced(
    state: StoreState,
    rejected: string | undefined,
    orphan: SpendIntent | undefined,
  ): AccessToken | undefined {
    const wait = this.#pacing.waitMs(orphan !== undefined);
    if (wait === 0) return undefined;
    if (orphan && this.#o.now() + wait + this.#refresher.budgetMs >= orphan.at + LEEWAY_MS) return undefined;
    if (this.#usable(state.access, rejected)) return this.#use(state.access);
    if (this.#usable(this.#cached, rejected)) return this.#cached;
    throw endpointUnavailable('refreshes are paused after failures', wait);
  }

  async #refresh(
    state: StoreState,
    rejected: string | undefined,
    orphan: SpendIntent | undefined,
  ): Promise<AccessToken> {
    // A family is refreshed only at the authorization server that issued it.
    assertFamilyIssuer(state.family, this.#o.client.authUrl);
    let refused: ProxyError | undefined;
    try {
      const result = await this.#refresher.run({
        state,
        carry: orphan,
        meanwhile: (seen) => {
          // Waiting only needs the access token; the full read comes after taking the lease.
          const stored = seen ? seen.access : state.access;
          // The holder's new token (fresh), or one that still works for a while.
          if (
            !stored ||
            stored.token === rejected ||
            !(this.#fresh(stored) || this.#usable(stored, rejected))
          )
            return undefined;
          return this.#use(stored);
        },
        recheck: (s) => {
          this.#readAt = this.#o.now();
          this.#learn(s);
          // Finishing an intent spends whatever the access token says, while it still names the stored token.
          const finishing = orphan !== undefined && orphan.version === s.versions.refreshToken;
          if (!finishing && s.access && s.access.token !== rejected && this.#fresh(s.access))
            return this.#use(s.access);
          if (!s.client || !s.refresh) throw notConfigured(s);
          this.#mayRefresh(s, rejected, true);
          return this.#paced(s, rejected, finishing ? orphan : undefined);
        },
        conclude: async (r) => {
          if (r.grant) this.#refreshed(r.grant, r.attemptAt, r.version, rejected);
          else refused = this.#failed(r.error, r.state, r.attemptAt);
          await this.#gate.flush();
        },
      });
      if (result.waitedMs > 0) metric(METRIC.lockWaitMs, result.waitedMs);
      if (result.kind === 'used') return result.access;
      this.#refreshes++;
      this.#staleIntent = undefined;
      this.#unfinished = false;
      if (result.grant.scopes.length) this.#scopes = new Set(result.grant.scopes);
      return this.#use(result.access);
    } catch (err) {
      if (refused) throw refused;
      if (!(err instanceof NoTimeToSpend || err instanceof TokenEndpointError)) throw err;
      // Nothing refused the family: a token that still works serves meanwhile.
      if (this.#usable(state.access, rejected)) return this.#use(state.access);
      if (this.#usable(this.#cached, rejected)) return this.#cached;
      if (err instanceof NoTimeToSpend) throw endpointUnavailable(err.message, 1000);
      throw endpointUnavailable(
        `Atlassian's token endpoint is unavailable (${err.message})`,
        this.#pacing.waitMs(),
      );
    }
  }

  #refreshed(
    grant: TokenGrant,
    attemptAt: number,
    version: string | undefined,
    rejected: string | undefined,
  ): void {
    const now = this.#o.now();
    this.#pacing.succeeded();
    this.#gate.refreshed(grant.accessToken, rejected);
    metric(METRIC.refresh, 1);
    if (this.#family) metric(METRIC.daysLeft, familyDaysLeft(this.#family, now));
    // A success after a success changes nothing worth a store write (ACCESS_TOKEN says when).
    if (this.#gate.outcome?.result !== 'refreshed')
      this.#gate.record({
        at: attemptAt,
        result: 'refreshed',
        cause: `Atlassian issued a token valid for ${grant.expiresInSeconds} s`,
        refreshTokenVersion: version,
      });
  }

  /** Records a failed spend (paced for the fleet) and returns the caller's error for a verdict. */
  #failed(err: unknown, state: StoreState, attemptAt: number): ProxyError | undefined {
    if (!(err instanceof TokenEndpointError)) return undefined;
    const transient = err.kind === 'transient' || err.kind === 'ambiguous';
    const retryAt = transient ? this.#pacing.failed(err.retryAfterMs) : this.#o.now();
    return this.#gate.failed(err, state, attemptAt, { at: retryAt, failures: this.#pacing.failures });
  }

  /**
   * A spend was left ambiguous: this process finishes it itself (a timer that does not keep it
   * alive), without waiting for a caller or the schedule. The intent is its own, so its own lease
   * does not hold it back.
   */
  #finishSoon(): void {
    if (this.#finisher) return;
    this.#finisher = this.#o.timers.after(this.#o.finishAfterMs, () => {
      this.#finisher = undefined;
      return this.#single(() => this.#obtain(undefined, true))
        .catch((err: unknown) =>
          logger.warn('finishing an interrupted refresh failed; it is tried again', {
            cause: (err as Error).message,
          }),
        )
        .finally(() => {
          // Paced by a Retry-After, or the store still down: the intent is still ours to finish.
          if (this.#unfinished) this.#finishSoon();
        });
    });
  }
}
