import { ProxyError } from '../errors';
import { logger, metric, registerSecret } from '../log';
import { METRIC } from '../metric-names';
import { StoreError } from '../stores/store';
import { type TokenClient, TokenEndpointError, type TokenGrant } from './atlassian';
import { callTokenEndpoint } from './endpoint';
import { releaseFleetLock, withFleetLock } from './fleet-lock';
import { formatIntent, parseIntent, type SpendIntent } from './intent';
import { lockBusy } from './problems';
import { backoff, WRITE_BACK_LOOP } from './retry';
import type { Timers } from './timers';
import { type Fence, type StoreState, storeUnavailable, type TokenStore, type Waiting } from './token-store';
import type { AccessToken } from './values';

/**
 * One refresh, start to end, as one state machine: LEASE + INTENT, CHECK, SPEND, PERSIST, RELEASE.
 * Each step says what the store holds if the process dies (or freezes) there, and who finishes
 * the refresh. The lease's note is the spend intent (intent.ts): written in the same store call
 * that takes the lease, so no refresh token is ever sent without a durable trace of it.
 *
 * LEASE + INTENT  tryLock(LOCK, owner, ttl, intent{version, at, owner}).
 *   Dies here: the token is unspent; the lease expires (ttl); the next reader of the store (any
 *   request that reads it, the scheduled run) finds the intent and refreshes at once, which is an
 *   ordinary refresh of an unspent token.
 * CHECK  re-read under the lease: another holder may have refreshed (use its token, spend nothing);
 *   if the stored refresh token moved, the intent is rewritten (extendLock) before any spend.
 *   Dies here: as above.
 * SPEND  the token call, retried (endpoint.ts) only while the lease and, on Lambda, the invocation
 *   outlast one call plus the write-back (`budgetMs`); the lease is heartbeated meanwhile.
 *   Dies here, or the answer never comes (timeout: ambiguous): Atlassian may have rotated the
 *   token. The store still holds it and the intent names it: whoever finds the intent after the
 *   lease expires re-spends it inside the 10-minute leeway (Atlassian continues the family), and a
 *   living `serve` does so itself within a minute (the lifecycle's finisher timer). The lease is
 *   kept, not released, so the intent survives until then.
 * PERSIST  REFRESH_TOKEN written with compare-and-swap on the spent version and fenced on the
 *   lease, then ACCESS_TOKEN (fenced). A fence lost to an expired lease nobody took is re-taken
 *   once (nobody can have spent since); a moved version or a lease someone else holds means a
 *   newer token is (or will be) stored: ours is dropped, never written over it.
 *   Dies before the REFRESH_TOKEN write: as in SPEND. The store refuses the write (outage): the
 *   new token is the only copy; it is held in memory, the lease kept and heartbeated, and a
 *   background loop writes it as soon as the store answers (`pending`). An outage longer than the
 *   lease (the heartbeat fails too) lets another instance finish the intent inside the leeway; our
 *   late write then fails its fence and is dropped, so the store never goes back to an older token.
 *   Dies after the REFRESH_TOKEN write: the stored version moved, the intent no longer applies;
 *   the stored access token is the old one, so the next due or 401-driven refresh spends the new,
 *   unspent refresh token as usual.
 * RELEASE  unlock, and the outcome recorded (compare-and-swap, never back in time): a failure's
 *   before the unlock, so the next holder reads it (and holds off: refresh-gate.ts, pacing.ts); a
 *   success's after it, so the lease is held no longer than the spend needs. Dies here: the lease
 *   expires by itself; its intent names a version the store no longer holds, so nobody acts on it.
 */

/** The longest the write-back may take (the store client's own retries included). */
export const WRITE_BUDGET_MS = 5_000;
/** What a fresh lease allows beyond one spend: the double-check read before it. */
const LEASE_SLACK_MS = 5_000;

export interface RefresherDeps {
  tokens: TokenStore;
  client: TokenClient;
  owner: string;
  now: () => number;
  lockTtlMs: number;
  lockWaitMs: number;
  pollMs: number;
  /** Bounds all attempts of one spend (far inside the leeway). */
  deadlineMs: number;
  /** Time left in the current invocation (Lambda's getRemainingTimeInMillis); undefined elsewhere. */
  invocationLeftMs: () => number | undefined;
  /** A spend was left ambiguous (the intent stays): finish it soon. */
  onUnfinished: () => void;
  /** A held refresh token finally landed (or was dropped for a newer one) in the background. */
  onSettled: (access: AccessToken | undefined) => void;
  /** The heartbeat and the held write-back's loop run on these (timers.ts). */
  timers: Timers;
}

export interface SpendRequest {
  /** The read that decided on this refresh. */
  state: StoreState;
  /** Finishing an orphaned intent: its first-send time carries over, the leeway counts from it. */
  carry?: SpendIntent;
  /**
   * While another holder has the lease (`polled`: its access token and lease as read now, else
   * undefined for the first look, which reuses the deciding read): a token that serves meanwhile
   * ends the wait.
   */
  meanwhile: (polled: Waiting | undefined) => AccessToken | undefined;
  /**
   * After taking the lease, on a fresh read: a token to use instead of spending, or undefined to
   * spend; throws the caller's error when no refresh may happen (refresh-gate.ts).
   */
  recheck: (state: StoreState, attemptAt: number) => AccessToken | undefined;
  /** Records the spend's outcome (a failure's still under the lease: the next holder reads it). */
  conclude: (r: {
    grant?: TokenGrant;
    error?: unknown;
    state: StoreState;
    attemptAt: number;
    version?: string;
  }) => Promise<void>;
}

export type SpendResult =
  | { kind: 'used'; access: AccessToken; waitedMs: number }
  | { kind: 'refreshed'; access: AccessToken; grant: TokenGrant; waitedMs: number };

/** No time to finish a spend: the lease or the invocation would end before the call and the write. */
export class NoTimeToSpend extends Error {
  override name = 'NoTimeToSpend';
}

interface Held {
  refreshToken: string;
  expectedVersion: string | undefined;
  access: AccessToken;
  intent: SpendIntent;
}

export class Refresher {
  #leaseUntil = 0;
  /** Stops the heartbeat; undefined while none runs. */
  #heartbeat: (() => void) | undefined;
  #held: Held | undefined;
  /** Cancels the write-back loop's next round; undefined while none is scheduled. */
  #loop: (() => void) | undefined;
  #rounds = 0;

  constructor(private readonly d: RefresherDeps) {}

  /** One token call plus the write-back: what must be left of the lease and the invocation. */
  get budgetMs(): number {
    return this.d.client.timeoutMs + WRITE_BUDGET_MS;
  }

  /** A rotated refresh token the store has not taken yet (this process holds the only copy). */
  get pending(): boolean {
    return this.#held !== undefined;
  }

  get #ttl(): number {
    // A fresh lease covers the double-check and one call with its write-back, whatever
    // LOCK_TTL_SECONDS says, so the first attempt needs no extension.
    return Math.max(this.d.lockTtlMs, this.budgetMs + LEASE_SLACK_MS);
  }

  get #fence(): Fence {
    return { lock: this.d.tokens.names.LOCK, owner: this.d.owner };
  }

  async run(req: SpendRequest): Promise<SpendResult> {
    const { tokens, owner, now } = this.d;
    const LOCK = tokens.names.LOCK;
    const attemptAt = now();
    let intent: SpendIntent = {
      version: req.state.versions.refreshToken ?? '',
      at: req.carry?.at ?? attemptAt,
      owner,
    };
    let polled = false;
    let success: Parameters<SpendRequest['conclude']>[0] | undefined;
    // LEASE + INTENT: one store call takes the lease and records what is about to be spent.
    const result = await withFleetLock<SpendResult>(
      tokens.store,
      LOCK,
      {
        ttlMs: this.#ttl,
        note: () => formatIntent(intent),
        waitMs: this.d.lockWaitMs,
        pollMs: this.d.pollMs,
        owner,
        now,
        busy: lockBusy,
        meanwhile: async () => {
          // The first look reuses the read that decided; later ones read the token and the lease.
          const seen = polled ? await tokens.readWaiting() : undefined;
          polled = true;
          const access = req.meanwhile(seen);
          if (access) return { result: { kind: 'used', access, waitedMs: now() - attemptAt } };
          const lease = seen ? seen.lease : req.state.lease;
          // A holder whose lease ran out while we waited may have spent what we are about to: our
          // take replaces its note, so our intent keeps its (earlier) time, and the leeway with it.
          const theirs = parseIntent(lease?.note);
          if (theirs?.version === intent.version) intent = { ...intent, at: Math.min(intent.at, theirs.at) };
          return { held: lease !== undefined && lease.owner !== owner && lease.expiresAt > now() };
        },
      },
      async (lock) => {
        // Counted from when the take was sent, not from its answer (HeldLock.takenAt says why).
        this.#leaseUntil = lock.takenAt + this.#ttl;
        // CHECK: the previous holder usually refreshed already.
        const state = await tokens.read();
        const instead = req.recheck(state, attemptAt);
        if (instead) return { kind: 'used', access: instead, waitedMs: lock.waitedMs };
        const version = state.versions.refreshToken ?? '';
        if (version !== intent.version) {
          // The intent must name what is spent: rewrite it before sending anything.
          intent = { version, at: attemptAt, owner };
          const sentAt = now();
          if (!(await tokens.store.extendLock(LOCK, owner, this.#ttl, formatIntent(intent))))
            throw lockBusy();
          this.#leaseUntil = sentAt + this.#ttl;
        }
        this.#beat();
        let keep = false;
        try {
          const grant = await this.#spend(state, () => {
            keep = true;
          });
          const access = accessOf(grant, now());
          // PERSIST, then RELEASE (below, by withFleetLock unless the token is held).
          const stored = await this.#persist(grant, state, access, intent);
          success = { grant, state, attemptAt, version: stored };
          return { kind: 'refreshed', access, grant, waitedMs: lock.waitedMs };
        } catch (err) {
          if (this.#held) {
            lock.keep();
            throw err;
          }
          if (keep) {
            // An ambiguous spend: the intent must outlive this call (see SPEND above).
            lock.keep();
            this.d.onUnfinished();
          }
          if (!(err instanceof NoTimeToSpend)) await req.conclude({ error: err, state, attemptAt });
          throw err;
        } finally {
          if (!this.#held) this.#stopBeat();
        }
      },
    ).catch((err) => {
      // The lock's own store calls fail as the store's errors.
      throw err instanceof StoreError ? storeUnavailable(err) : err;
    });
    if (success) await req.conclude(success);
    return result;
  }

  /** A held token is written (and the lease released) before anything else uses the store. */
  async flush(): Promise<void> {
    if (this.#held) await this.#land();
  }

  close(): void {
    this.#loop?.();
    this.#loop = undefined;
    this.#stopBeat();
  }

  /** SPEND: the token call and its retries, each only with time to finish it. */
  async #spend(state: StoreState, ambiguous: () => void): Promise<TokenGrant> {
    const client = state.client as NonNullable<StoreState['client']>;
    const refresh = state.refresh as NonNullable<StoreState['refresh']>;
    return callTokenEndpoint(
      async () => {
        await this.#mayStart();
        try {
          return await this.d.client.refresh(client, refresh.value);
        } catch (err) {
          if (err instanceof TokenEndpointError && err.kind === 'ambiguous') ambiguous();
          throw err;
        }
      },
      { now: this.d.now, deadlineMs: this.d.deadlineMs },
    );
  }

  /** No token call starts unless the lease and the invocation outlast it and its write-back. */
  async #mayStart(): Promise<void> {
    const left = this.d.invocationLeftMs();
    if (left !== undefined && left < this.budgetMs)
      throw new NoTimeToSpend(`only ${left} ms of the invocation left; a refresh needs ${this.budgetMs} ms`);
    if (this.#leaseUntil - this.d.now() >= this.budgetMs) return;
    if (!(await this.#extend()))
      throw new NoTimeToSpend('the fleet lease was lost before the token call; another instance finishes it');
  }

  async #extend(): Promise<boolean> {
    const until = this.d.now() + this.#ttl;
    const ok = await this.d.tokens.store.extendLock(this.d.tokens.names.LOCK, this.d.owner, this.#ttl);
    // Lost (expired or taken over): no further attempt may start on this lease.
    this.#leaseUntil = ok ? until : 0;
    return ok;
  }

  /** While a spend or a held write-back is in flight the lease is extended every third of its TTL. */
  #beat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = this.d.timers.every(this.#ttl / 3, () => this.#extend().catch(() => false));
  }

  #stopBeat(): void {
    this.#heartbeat?.();
    this.#heartbeat = undefined;
  }

  /** PERSIST: the stored version of the new refresh token, or undefined when none was written. */
  async #persist(
    grant: TokenGrant,
    state: StoreState,
    access: AccessToken,
    intent: SpendIntent,
  ): Promise<string | undefined> {
    registerSecret(grant.accessToken);
    registerSecret(grant.refreshToken);
    if (!grant.refreshToken) {
      // Not rotated (observed): the stored refresh token stays valid; only the cache changes.
      await this.d.tokens.writeAccessToken(access, this.#fence);
      return state.versions.refreshToken;
    }
    this.#held = {
      refreshToken: grant.refreshToken,
      expectedVersion: state.refresh?.version,
      access,
      intent,
    };
    return this.#writeHeld();
  }

  /** Writes the held token; throws `store_unavailable` while the store refuses (the loop keeps trying). */
  async #writeHeld(): Promise<string | undefined> {
    const held = this.#held;
    if (!held) return undefined;
    const { tokens } = this.d;
    let version: string | undefined;
    try {
      version = await this.#fencedWrite(held);
    } catch (err) {
      metric(this.#rounds === 0 ? METRIC.writeBackFailure : METRIC.writeBackRetry, 1, {
        round: this.#rounds,
      });
      this.#schedule();
      logger.error('rotated refresh token could not be saved; holding it in memory and retrying', {
        name: tokens.names.REFRESH_TOKEN,
        cause: (err as Error).message,
      });
      throw new ProxyError(
        'store_unavailable',
        `the secret store refused the rotated refresh token (${(err as Error).message}); retrying in the background`,
        { 'retry-after': '5' },
      );
    }
    this.#held = undefined;
    this.#rounds = 0;
    this.#loop?.();
    this.#loop = undefined;
    this.#stopBeat();
    if (version !== undefined) await tokens.writeAccessToken(held.access, this.#fence);
    return version;
  }

  /**
   * The compare-and-swap, fenced on the lease. A conflict is either a lease that expired (re-taken
   * once if nobody else took it: nobody can have spent since) or a newer token: then ours is
   * dropped (undefined) and the stored one kept. Other failures (outage) throw.
   */
  async #fencedWrite(held: Held): Promise<string | undefined> {
    const { tokens, owner } = this.d;
    for (let round = 0; ; round++) {
      try {
        return await tokens.writeRefreshToken(held.refreshToken, held.expectedVersion, this.#fence);
      } catch (err) {
        if (!(err instanceof StoreError && err.kind === 'conflict')) throw err;
        const retake =
          round === 0 &&
          (await tokens.store.tryLock(tokens.names.LOCK, owner, this.#ttl, formatIntent(held.intent)));
        if (retake) continue;
        logger.error('rotated refresh token not saved: another instance holds the lease or a newer token', {
          name: tokens.names.REFRESH_TOKEN,
          cause: err.message,
        });
        return undefined;
      }
    }
  }

  /** The held token written, the lease released, the lifecycle told. */
  async #land(): Promise<void> {
    const access = this.#held?.access;
    const version = await this.#writeHeld();
    await releaseFleetLock(this.d.tokens.store, this.d.tokens.names.LOCK, this.d.owner);
    this.d.onSettled(version === undefined ? undefined : access);
  }

  #schedule(): void {
    if (this.#loop) return;
    this.#beat();
    this.#loop = this.d.timers.after(backoff(WRITE_BACK_LOOP, ++this.#rounds), () => {
      this.#loop = undefined;
      return this.#land().catch(() => undefined); // a failed round has already scheduled the next one
    });
  }
}

function accessOf(grant: TokenGrant, now: number): AccessToken {
  return { token: grant.accessToken, expiresAt: now + grant.expiresInSeconds * 1000, issuedAt: now };
}
