import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyError } from '../errors';
import { logger, metric, registerSecret } from '../log';
import type { SecretNames } from '../secrets';
import { type SecretStore, type StoredValue, StoreError } from '../stores/store';
import { type ClientCredentials, type TokenClient, TokenEndpointError, type TokenGrant } from './atlassian';
import {
  type AccessToken,
  familyDaysLeft,
  familyExpiresAt,
  formatAccessToken,
  parseAccessToken,
  parseFamily,
  type TokenFamily,
} from './values';

/**
 * The token lifecycle: the one owner of access and refresh tokens. Invariants (argued in
 * docs/ARCHITECTURE.md):
 * - a warm request costs no I/O: the access token is cached until the refresh margin;
 * - one refresh per instance at a time (single-flight) and per fleet (the store's lock, with a
 *   double-check after taking it, so a second refresher uses the first one's token);
 * - the rotated refresh token is durably stored (compare-and-swap on the version read) before
 *   the new access token is used; if the store refuses, it stays in memory, the lock stays held,
 *   and a background loop keeps trying: it is the only copy;
 * - a refresh token is re-sent only when it was certainly not spent (429/5xx answered) or, after
 *   an ambiguous failure, well inside Atlassian's 10-minute reuse leeway.
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

export interface LifecycleStatus {
  state: 'ok' | 'unknown' | 'not_configured' | 'family_expired' | 'store_unavailable' | 'refresh_failing';
  accessTokenExpiresAt: number | undefined;
  lastRefreshAt: number | undefined;
  family: { bootstrappedAt: string; expiresAt: string; daysLeft: number; cloudId: string } | undefined;
  grantedScopes: string[] | undefined;
  pendingWriteBack: boolean;
}

export interface RefreshReport {
  refreshed: boolean;
  accessTokenExpiresAt: number;
  familyDaysLeft: number | undefined;
}

interface StoreState {
  access: AccessToken | undefined;
  refresh: StoredValue | undefined;
  client: ClientCredentials | undefined;
  family: TokenFamily | undefined;
}

interface PendingWriteBack {
  refreshToken: string;
  expectedVersion: string | undefined;
  access: AccessToken;
}

const DEFAULT_LIFETIME_MS = 3_600_000;
/** While the family is known dead, look at the store (for a new bootstrap) at most this often. */
const DEAD_RECHECK_MS = 5_000;
/** A token closer than this to expiry is not handed out while another instance refreshes. */
const MIN_VALIDITY_MS = 30_000;
const TOKEN_ATTEMPTS = 4;
const WRITE_ATTEMPTS = 4;

export class TokenLifecycle {
  readonly #o: Required<Omit<LifecycleOptions, 'now'>> & { now: () => number };
  readonly #owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  #cached: AccessToken | undefined;
  #scopes: Set<string> | undefined;
  #family: TokenFamily | undefined;
  #inflight: Promise<AccessToken> | undefined;
  #pending: PendingWriteBack | undefined;
  #persistTimer: NodeJS.Timeout | undefined;
  #persistAttempts = 0;
  #dead: { refreshVersion: string; checkedAt: number } | undefined;
  #lastError: LifecycleStatus['state'] | undefined;
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
    if (this.#dead && this.#o.now() - this.#dead.checkedAt < DEAD_RECHECK_MS) {
      return Promise.reject(familyExpired());
    }
    return this.#single(() => this.#obtain(undefined));
  }

  /**
   * Upstream rejected `used`: returns a different live token (another instance's newer one from
   * the store, or a refresh). The caller retries once with it and never loops.
   */
  async replaceRejected(used: string): Promise<AccessToken> {
    if (this.#cached?.token === used) this.#cached = undefined;
    const token = await this.#single(() => this.#obtain(used));
    // The flight we joined may have started before the rejection and returned the same token.
    return token.token === used ? this.#single(() => this.#obtain(used)) : token;
  }

  /** True when `token` is the cached one and is past its expiry (Jira's 403/404 then mean 401). */
  isExpired(token: string): boolean {
    return this.#cached?.token !== token || this.#cached.expiresAt <= this.#o.now();
  }

  /** The scheduled path: refresh if due, report the family's days left. */
  async refreshIfDue(): Promise<RefreshReport> {
    const before = this.#refreshes;
    const token = await this.#single(() => this.#obtain(undefined));
    const daysLeft = this.#family ? familyDaysLeft(this.#family, this.#o.now()) : undefined;
    if (daysLeft !== undefined) metric('tokenFamilyDaysLeft', daysLeft);
    return {
      refreshed: this.#refreshes > before,
      accessTokenExpiresAt: token.expiresAt,
      familyDaysLeft: daysLeft,
    };
  }

  /** What /_health and `status` report; reads the store only when nothing is cached. */
  async status(): Promise<LifecycleStatus> {
    if (!this.#cached && !this.#dead) {
      try {
        await this.accessToken();
      } catch {
        // The state below says what went wrong.
      }
    }
    const f = this.#family;
    const now = this.#o.now();
    return {
      state: this.#dead ? 'family_expired' : this.#cached ? 'ok' : (this.#lastError ?? 'unknown'),
      accessTokenExpiresAt: this.#cached?.expiresAt,
      lastRefreshAt: this.#cached?.issuedAt,
      family: f
        ? {
            bootstrappedAt: f.bootstrappedAt,
            expiresAt: new Date(familyExpiresAt(f)).toISOString(),
            daysLeft: familyDaysLeft(f, now),
            cloudId: f.cloudId,
          }
        : undefined,
      grantedScopes: this.#scopes ? [...this.#scopes] : undefined,
      pendingWriteBack: this.#pending !== undefined,
    };
  }

  /** Stops the background write-back loop (process exit, tests). */
  close(): void {
    clearTimeout(this.#persistTimer);
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

  async #obtain(rejected: string | undefined): Promise<AccessToken> {
    try {
      if (this.#pending) {
        await this.#persistPending();
        await this.#unlock();
      }
      const state = await this.#read();
      const stored = state.access;
      if (stored && stored.token !== rejected && this.#fresh(stored)) return this.#use(stored);
      // Nothing to refresh with: say so without taking (or creating) the fleet lock.
      if (!state.client || !state.refresh) throw notConfigured(state);
      return await this.#refreshUnderLock(state, rejected);
    } catch (err) {
      if (err instanceof ProxyError) {
        this.#lastError =
          err.code === 'store_unavailable'
            ? 'store_unavailable'
            : err.code === 'not_configured'
              ? 'not_configured'
              : err.code === 'token_family_expired'
                ? 'family_expired'
                : 'refresh_failing';
      }
      throw err;
    }
  }

  async #refreshUnderLock(initial: StoreState, rejected: string | undefined): Promise<AccessToken> {
    const { store, names } = this.#o;
    const started = this.#o.now();
    let state = initial;
    while (!(await this.#guard(() => store.tryLock(names.LOCK, this.#owner, this.#o.lockTtlMs)))) {
      // Another instance is refreshing: a token that still works serves meanwhile.
      const stored = state.access;
      if (stored && stored.token !== rejected && stored.expiresAt - this.#o.now() > MIN_VALIDITY_MS) {
        return this.#use(stored);
      }
      if (this.#o.now() - started >= this.#o.lockWaitMs) {
        throw new ProxyError(
          'token_endpoint_unavailable',
          'another proxy instance is refreshing the access token and has not finished; retry shortly',
          { 'retry-after': '5' },
        );
      }
      await sleep(this.#o.pollMs);
      // Waiting only needs the access token; the full read comes after taking the lock.
      state = { ...state, access: await this.#readAccessToken() };
      const fresh = state.access;
      if (fresh && fresh.token !== rejected && this.#fresh(fresh)) {
        metric('lockWaitMs', this.#o.now() - started);
        return this.#use(fresh);
      }
    }
    if (this.#o.now() > started) metric('lockWaitMs', this.#o.now() - started);
    let keepLock = false;
    try {
      // Double-check under the lock: the instance that held it may have refreshed already.
      state = await this.#read();
      const stored = state.access;
      if (stored && stored.token !== rejected && this.#fresh(stored)) return this.#use(stored);
      const result = await this.#refresh(state);
      keepLock = this.#pending !== undefined;
      return result;
    } finally {
      // A pending write-back keeps the lock: others must not refresh with the spent token.
      if (!keepLock) await this.#unlock();
    }
  }

  async #refresh(state: StoreState): Promise<AccessToken> {
    const { client, refresh } = state;
    if (!client || !refresh) throw notConfigured(state);
    if (this.#dead?.refreshVersion === refresh.version) {
      this.#dead.checkedAt = this.#o.now();
      throw familyExpired();
    }
    const grant = await this.#callTokenEndpoint(client, refresh);
    const now = this.#o.now();
    const access: AccessToken = {
      token: grant.accessToken,
      expiresAt: now + grant.expiresInSeconds * 1000,
      issuedAt: now,
    };
    registerSecret(grant.accessToken);
    registerSecret(grant.refreshToken);
    this.#refreshes++;
    this.#dead = undefined;
    if (grant.scopes.length) this.#scopes = new Set(grant.scopes);
    metric('tokenRefresh', 1);
    if (this.#family) metric('tokenFamilyDaysLeft', familyDaysLeft(this.#family, now));
    if (grant.refreshToken) {
      // Durable first: this refresh token is now the only one that works.
      this.#pending = { refreshToken: grant.refreshToken, expectedVersion: refresh.version, access };
      await this.#persistPending();
    } else {
      await this.#writeAccessToken(access);
    }
    return this.#use(access);
  }

  async #callTokenEndpoint(client: ClientCredentials, refresh: StoredValue): Promise<TokenGrant> {
    const firstSent = this.#o.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#o.client.refresh(client, refresh.value);
      } catch (err) {
        if (!(err instanceof TokenEndpointError)) throw err;
        metric('tokenRefreshFailure', 1, { cause: err.kind, status: err.status ?? 0 });
        if (err.kind === 'rejected') {
          this.#dead = { refreshVersion: refresh.version, checkedAt: this.#o.now() };
          logger.error('token family expired: Atlassian rejected the stored refresh token', {
            cause: err.message,
            action: 'run `npx jira-token-proxy bootstrap`',
          });
          throw familyExpired();
        }
        if (err.kind === 'client') throw new ProxyError('not_configured', err.message);
        const elapsed = this.#o.now() - firstSent;
        const delay = Math.max(err.retryAfterMs ?? 0, backoff(attempt));
        // Re-sending is safe: answered errors did not spend the token, and an ambiguous one is
        // re-sent only within this deadline, far inside the 10-minute reuse leeway.
        if (attempt >= TOKEN_ATTEMPTS || elapsed + delay > this.#o.refreshDeadlineMs) {
          logger.warn('token refresh failed; giving up for this request', { cause: err.message, attempt });
          throw new ProxyError(
            'token_endpoint_unavailable',
            `Atlassian's token endpoint is unavailable (${err.message})`,
            {
              'retry-after': String(Math.ceil(Math.max(delay, 1000) / 1000)),
            },
          );
        }
        await sleep(delay);
      }
    }
  }

  /** Stores the pending refresh token (then the access token); on failure keeps it and retries. */
  async #persistPending(): Promise<void> {
    const pending = this.#pending;
    if (!pending) return;
    const { store, names } = this.#o;
    try {
      await this.#withRetries('REFRESH_TOKEN', () =>
        store.write(names.REFRESH_TOKEN, pending.refreshToken, { expectedVersion: pending.expectedVersion }),
      );
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'conflict') {
        // The store moved on (a newer family or a refresh by an instance that outlived our lock):
        // the stored token is the one to keep; ours is dropped rather than overwrite it.
        logger.error('rotated refresh token not saved: the store holds a newer one', {
          name: names.REFRESH_TOKEN,
        });
        this.#settlePending();
        return;
      }
      this.#lastError = 'store_unavailable';
      this.#schedulePersist();
      logger.error('rotated refresh token could not be saved; holding it in memory and retrying', {
        name: names.REFRESH_TOKEN,
        cause: (err as Error).message,
      });
      throw new ProxyError(
        'store_unavailable',
        `the secret store refused the rotated refresh token (${(err as Error).message}); retrying in the background`,
        { 'retry-after': '5' },
      );
    }
    this.#settlePending();
    await this.#writeAccessToken(pending.access);
    this.#use(pending.access);
  }

  #settlePending(): void {
    this.#pending = undefined;
    this.#persistAttempts = 0;
    clearTimeout(this.#persistTimer);
    this.#persistTimer = undefined;
  }

  async #unlock(): Promise<void> {
    await this.#o.store
      .unlock(this.#o.names.LOCK, this.#owner)
      .catch((err) =>
        logger.warn('fleet lock release failed; it expires by itself', { cause: (err as Error).message }),
      );
  }

  /** Background retries of the pending write-back, backing off to every 30 s. */
  #schedulePersist(): void {
    if (this.#persistTimer) return;
    const delay = Math.min(30_000, 1000 * 2 ** this.#persistAttempts++);
    this.#persistTimer = setTimeout(() => {
      this.#persistTimer = undefined;
      // Keep the fleet lock while we hold the only copy (the same owner extends it).
      void this.#o.store
        .tryLock(this.#o.names.LOCK, this.#owner, this.#o.lockTtlMs)
        .catch(() => false)
        .then(() => this.#persistPending())
        .then(() => this.#unlock())
        .catch(() => undefined); // a failed attempt has already scheduled the next one
    }, delay);
    this.#persistTimer.unref();
  }

  /** The access token is a cache for other instances: failing to store it costs them a refresh, no more. */
  async #writeAccessToken(access: AccessToken): Promise<void> {
    try {
      await this.#withRetries('ACCESS_TOKEN', () =>
        this.#o.store.write(this.#o.names.ACCESS_TOKEN, formatAccessToken(access)),
      );
    } catch (err) {
      logger.warn('new access token not saved to the store; other instances will refresh again', {
        cause: (err as Error).message,
      });
    }
  }

  async #withRetries<T>(what: string, op: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!(err instanceof StoreError) || !err.retryable || attempt >= WRITE_ATTEMPTS) throw err;
        metric('writeBackRetry', 1, { secret: what, attempt });
        await sleep(backoff(attempt));
      }
    }
  }

  async #read(): Promise<StoreState> {
    const n = this.#o.names;
    const got = await this.#guard(() =>
      this.#o.store.read([n.ACCESS_TOKEN, n.REFRESH_TOKEN, n.CLIENT_ID, n.CLIENT_SECRET, n.TOKEN_FAMILY]),
    );
    for (const v of got.values()) registerSecret(v.value);
    const family = got.get(n.TOKEN_FAMILY);
    if (family) {
      const parsed = parseFamily(family.value);
      // A new bootstrap brings new scopes; a refresh's answer is newer than the family's record.
      if (parsed && parsed.bootstrappedAt !== this.#family?.bootstrappedAt)
        this.#scopes = new Set(parsed.scopes);
      this.#family = parsed;
    }
    const id = got.get(n.CLIENT_ID)?.value;
    const secret = got.get(n.CLIENT_SECRET)?.value;
    const accessRaw = got.get(n.ACCESS_TOKEN)?.value;
    const access = accessRaw ? parseAccessToken(accessRaw) : undefined;
    // The stored value is JSON around the token: the token itself must be known to the redactor.
    registerSecret(access?.token);
    return {
      access,
      refresh: got.get(n.REFRESH_TOKEN),
      client: id && secret ? { clientId: id.trim(), clientSecret: secret.trim() } : undefined,
      family: this.#family,
    };
  }

  async #readAccessToken(): Promise<AccessToken | undefined> {
    const name = this.#o.names.ACCESS_TOKEN;
    const raw = (await this.#guard(() => this.#o.store.read([name]))).get(name)?.value;
    const access = raw ? parseAccessToken(raw) : undefined;
    registerSecret(access?.token);
    return access;
  }

  /** Store failures become the contract's `store_unavailable`, naming the store's own message. */
  async #guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof StoreError) {
        throw new ProxyError(
          'store_unavailable',
          `secret store: ${err.message}`,
          { 'retry-after': '5' },
          { cause: err },
        );
      }
      throw err;
    }
  }
}

function notConfigured(state: StoreState): ProxyError {
  const missing = !state.client ? 'client credentials' : 'refresh token';
  return new ProxyError(
    'not_configured',
    `the store holds no ${missing}; run \`npx jira-token-proxy bootstrap\``,
  );
}

function familyExpired(): ProxyError {
  return new ProxyError(
    'token_family_expired',
    'Atlassian rejected the refresh token: the token family has expired or was revoked. ' +
      'Run `npx jira-token-proxy bootstrap` to consent again; the proxy picks up the new family by itself.',
  );
}

/** Exponential backoff with full jitter: 200 ms, 400 ms, 800 ms ... */
function backoff(attempt: number): number {
  const cap = 200 * 2 ** (attempt - 1);
  return cap / 2 + Math.random() * (cap / 2);
}
