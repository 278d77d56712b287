import { ProxyError } from '../errors';
import { metric, registerSecret } from '../log';
import { METRIC } from '../metric-names';
import type { SecretNames } from '../secrets';
import type { SecretStore } from '../stores/store';
import { type TokenClient, TokenEndpointError } from './atlassian';
import { callTokenEndpoint } from './endpoint';
import { assertFamilyIssuer } from './family-issuer';
import { lockOwner, releaseFleetLock, withFleetLock } from './fleet-lock';
import { errorState, type LifecycleState, type LifecycleStatus, type RefreshReport } from './lifecycle-state';
import { lockBusy, notConfigured, upstreamRejected } from './problems';
import { RefreshGate } from './refresh-gate';
import { type StoreState, storeUnavailable, TokenStore } from './token-store';
import { type AccessToken, familyDaysLeft, familyExpiresAt, type TokenFamily } from './values';
import { WriteBack } from './write-back';

export type { LifecycleState, LifecycleStatus, RefreshReport } from './lifecycle-state';

/**
 * The token lifecycle: the one owner of access and refresh tokens. Invariants (argued in
 * docs/ARCHITECTURE.md):
 * - a warm request costs no I/O: the access token is cached until the refresh margin;
 * - one refresh per instance at a time (single-flight) and per fleet (the store's lock, with a
 *   double-check after taking it, so a second refresher uses the first one's token);
 * - the rotated refresh token is durably stored before the new access token is used (write-back.ts);
 * - a refresh token is re-sent only when it was certainly not spent or well inside the leeway (endpoint.ts);
 * - refreshing stops while it cannot help (refresh-gate.ts), and every instance learns why from
 *   the recorded outcome (outcome.ts) instead of asking Atlassian again.
 *
 * Longer than the ~300 lines a file here aims for, on purpose: the order of one refresh (cache,
 * store, lock wait, double-check, gate, endpoint, write-back) is the argument of the invariants
 * above and reads best as one sequence; each step's mechanics live in the file it names.
 */

export interface LifecycleOptions {
  store: SecretStore;
  names: SecretNames;
  client: TokenClient;
  refreshMarginSeconds: number;
  now?: () => number;
  /** Fleet lock TTL: well under the 10-minute leeway, above the refresh deadline. */
  lockTtlMs?: number;
  /** How long a request waits for another instance's refresh before giving up. */
  lockWaitMs?: number;
  pollMs?: number;
  /** Bounds all retries of one refresh (far inside the leeway). */
  refreshDeadlineMs?: number;
}

const DEFAULT_LIFETIME_MS = 3_600_000;
/** A token closer than this to expiry is not handed out while another instance refreshes. */
const MIN_VALIDITY_MS = 30_000;

export class TokenLifecycle {
  readonly #o: Required<Omit<LifecycleOptions, 'now'>> & { now: () => number };
  readonly #tokens: TokenStore;
  readonly #writeBack: WriteBack;
  readonly #owner = lockOwner('proxy');
  #cached: AccessToken | undefined;
  #scopes: Set<string> | undefined;
  #family: TokenFamily | undefined;
  readonly #gate: RefreshGate;
  #inflight: Promise<AccessToken> | undefined;
  #lastError: LifecycleState | undefined;
  #refreshes = 0;

  constructor(opts: LifecycleOptions) {
    const lockTtlMs = opts.lockTtlMs ?? 60_000;
    this.#o = {
      ...opts,
      now: opts.now ?? Date.now,
      lockWaitMs: opts.lockWaitMs ?? 10_000,
      pollMs: opts.pollMs ?? 200,
      // A refresh must end well before its lock expires, or a second refresher could start.
      refreshDeadlineMs: opts.refreshDeadlineMs ?? Math.min(30_000, lockTtlMs / 2),
      lockTtlMs,
    };
    this.#tokens = new TokenStore(opts.store, opts.names);
    this.#gate = new RefreshGate({ tokens: this.#tokens, now: this.#o.now });
    this.#writeBack = new WriteBack({
      tokens: this.#tokens,
      extendLock: () => opts.store.tryLock(opts.names.LOCK, this.#owner, lockTtlMs),
      releaseLock: () => releaseFleetLock(opts.store, opts.names.LOCK, this.#owner),
      onSettled: (access) => {
        if (access) this.#use(access);
      },
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

  /** The scheduled path: refresh if due, report the family's days left (also when the refresh fails). */
  async refreshIfDue(): Promise<RefreshReport> {
    const before = this.#refreshes;
    try {
      const token = await this.#single(() => this.#obtain(undefined, true));
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
   * What /_health reports. It reads the store once (never on the request path): a verdict another
   * instance recorded, or a newer family a bootstrap stored, shows here at once.
   */
  async status(): Promise<LifecycleStatus> {
    let storeDown = false;
    try {
      this.#learn(await this.#tokens.read());
      if (!this.#cached && !this.#gate.blocked) await this.accessToken().catch(() => undefined);
    } catch {
      // The next refresh would fail the same way, however good the cached token is.
      storeDown = true;
    }
    const f = this.#family;
    const now = this.#o.now();
    const o = this.#gate.outcome;
    return {
      state: this.#gate.state() ?? (storeDown ? 'store_unavailable' : this.#state()),
      accessTokenExpiresAt: this.#cached?.expiresAt,
      lastRefreshAt: this.#cached?.issuedAt,
      lastRefreshOutcome: o
        ? { at: new Date(o.at).toISOString(), result: o.result, cause: o.cause }
        : undefined,
      family: f
        ? {
            bootstrappedAt: f.bootstrappedAt,
            expiresAt: new Date(familyExpiresAt(f)).toISOString(),
            daysLeft: familyDaysLeft(f, now),
            cloudId: f.cloudId,
            authUrl: f.authUrl,
          }
        : undefined,
      grantedScopes: this.#scopes ? [...this.#scopes] : undefined,
      pendingWriteBack: this.#writeBack.pending,
    };
  }

  /** Stops the background write-back loop (process exit, tests). */
  close(): void {
    this.#writeBack.close();
  }

  #state(): LifecycleState {
    if (this.#writeBack.pending) return 'store_unavailable';
    return this.#cached ? 'ok' : (this.#lastError ?? 'unknown');
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

  #use(t: AccessToken): AccessToken {
    this.#cached = t;
    this.#lastError = undefined;
    return t;
  }

  /** What a store read teaches: the family and its scopes, and the fleet's verdicts. */
  #learn(state: StoreState): void {
    // A new bootstrap brings new scopes; a refresh's answer is newer than the family's record.
    if (state.family && state.family.bootstrappedAt !== this.#family?.bootstrappedAt) {
      this.#scopes = new Set(state.family.scopes);
      // A re-bootstrap: the new family's token replaces the old family's at this store read.
      if (this.#family && state.access && this.#fresh(state.access)) this.#use(state.access);
    }
    if (state.family) this.#family = state.family;
    this.#gate.learn(state);
  }

  async #obtain(rejected: string | undefined, mayRefresh: boolean): Promise<AccessToken> {
    try {
      await this.#writeBack.flush();
      const state = await this.#tokens.read();
      this.#learn(state);
      const stored = state.access;
      if (stored && stored.token !== rejected && this.#fresh(stored)) return this.#use(stored);
      // Nothing to refresh with: say so without taking (or creating) the fleet lock.
      if (!state.client || !state.refresh) throw notConfigured(state);
      this.#mayRefresh(state, rejected, mayRefresh);
      return await this.#refreshUnderLock(state, rejected);
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

  async #refreshUnderLock(initial: StoreState, rejected: string | undefined): Promise<AccessToken> {
    const { store, names } = this.#o;
    const started = this.#o.now();
    let polled = false;
    try {
      return await withFleetLock(
        store,
        names.LOCK,
        {
          ttlMs: this.#o.lockTtlMs,
          waitMs: this.#o.lockWaitMs,
          pollMs: this.#o.pollMs,
          owner: this.#owner,
          now: this.#o.now,
          busy: lockBusy,
          // Another instance is refreshing: a token that still works serves meanwhile.
          meanwhile: async () => {
            // Waiting only needs the access token; the full read comes after taking the lock.
            const stored = polled ? await this.#tokens.readAccessToken() : initial.access;
            polled = true;
            // The holder's new token (fresh), or one that still works for a while.
            const usable =
              stored &&
              stored.token !== rejected &&
              (this.#fresh(stored) || stored.expiresAt - this.#o.now() > MIN_VALIDITY_MS);
            if (!usable) return undefined;
            if (this.#o.now() > started) metric(METRIC.lockWaitMs, this.#o.now() - started);
            return this.#use(stored);
          },
        },
        async (lock) => {
          if (lock.waitedMs > 0) metric(METRIC.lockWaitMs, lock.waitedMs);
          // Double-check under the lock: the instance that held it may have refreshed already.
          const state = await this.#tokens.read();
          this.#learn(state);
          const stored = state.access;
          if (stored && stored.token !== rejected && this.#fresh(stored)) return this.#use(stored);
          if (!state.client || !state.refresh) throw notConfigured(state);
          this.#mayRefresh(state, rejected, true);
          const token = await this.#refresh(state, rejected);
          // A pending write-back keeps the lock: others must not refresh with the spent token.
          if (this.#writeBack.pending) lock.keep();
          return token;
        },
      );
    } catch (err) {
      // The lock's own store calls fail as the store's errors.
      if (err instanceof ProxyError) throw err;
      throw storeUnavailable(err);
    } finally {
      await this.#gate.flush();
    }
  }

  async #refresh(state: StoreState, rejected: string | undefined): Promise<AccessToken> {
    const client = state.client as NonNullable<StoreState['client']>;
    const refresh = state.refresh as NonNullable<StoreState['refresh']>;
    assertFamilyIssuer(state.family, this.#o.client.authUrl);
    const grant = await callTokenEndpoint(this.#o.client, client, refresh.value, {
      now: this.#o.now,
      deadlineMs: this.#o.refreshDeadlineMs,
    }).catch((err: unknown) => this.#failed(err, state));
    const now = this.#o.now();
    const access: AccessToken = {
      token: grant.accessToken,
      expiresAt: now + grant.expiresInSeconds * 1000,
      issuedAt: now,
    };
    registerSecret(grant.accessToken);
    registerSecret(grant.refreshToken);
    this.#refreshes++;
    this.#gate.refreshed(access.token, rejected);
    if (grant.scopes.length) this.#scopes = new Set(grant.scopes);
    metric(METRIC.refresh, 1);
    if (this.#family) metric(METRIC.daysLeft, familyDaysLeft(this.#family, now));
    let version = refresh.version;
    if (grant.refreshToken) {
      // Durable first: this refresh token is now the only one that works.
      version =
        (await this.#writeBack.save({
          refreshToken: grant.refreshToken,
          expectedVersion: refresh.version,
          access,
        })) ?? version;
    } else {
      await this.#tokens.writeAccessToken(access);
    }
    // A success after a success changes nothing worth a store write (ACCESS_TOKEN says when).
    if (this.#gate.outcome?.result !== 'refreshed')
      this.#gate.record({
        at: now,
        result: 'refreshed',
        cause: `Atlassian issued a token valid for ${grant.expiresInSeconds} s`,
        refreshTokenVersion: version,
      });
    return this.#use(access);
  }

  #failed(err: unknown, state: StoreState): never {
    if (!(err instanceof TokenEndpointError)) throw err;
    throw (
      this.#gate.failed(err, state) ??
      new ProxyError(
        'token_endpoint_unavailable',
        `Atlassian's token endpoint is unavailable (${err.message})`,
        {
          'retry-after': String(Math.ceil(Math.max(err.retryAfterMs ?? 0, 1000) / 1000)),
        },
      )
    );
  }
}
