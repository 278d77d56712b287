import type { RefreshOutcome } from './outcome';
import { backoff, type RetryPolicy } from './retry';

/**
 * How often the token endpoint may be called while it fails, across requests and across the
 * fleet: Atlassian's Retry-After when it sends one, else an exponential backoff with jitter over
 * the consecutive failures. The instance keeps its own time; the fleet learns it from the `failed`
 * outcome's `retryAt` in the batch read every instance does anyway. So callers set no pace: they
 * get a still-valid token or a 503 with Retry-After meanwhile, never a token call each. It also
 * spares the fleet lock (and Secrets Manager's lock versions) the contention of an outage.
 */

/** 5 s, 10 s, 20 s ... up to 5 minutes between refresh attempts while they fail. */
export const FAILURE_BACKOFF: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseMs: 5_000,
  capMs: 5 * 60_000,
};

export class Pacing {
  #failures = 0;
  #notBefore = 0;
  /** The part of the wait Atlassian asked for (Retry-After): even an unfinished spend honours it. */
  #asked = 0;

  constructor(private readonly now: () => number) {}

  /** Consecutive failed refreshes (this instance's or, learned from the record, the fleet's). */
  get failures(): number {
    return this.#failures;
  }

  /** A refresh failed (answered 429/5xx, or no answer): when the next may start. */
  failed(retryAfterMs: number | undefined): number {
    this.#failures++;
    const wait = retryAfterMs ?? backoff(FAILURE_BACKOFF, this.#failures);
    this.#notBefore = Math.max(this.#notBefore, this.now() + wait);
    if (retryAfterMs !== undefined) this.#asked = Math.max(this.#asked, this.now() + retryAfterMs);
    return this.#notBefore;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#notBefore = 0;
    this.#asked = 0;
  }

  /** The fleet's record: a `failed` about the refresh token still stored paces this instance too. */
  learn(o: RefreshOutcome | undefined, refreshVersion: string | undefined): void {
    if (o?.result !== 'failed' || o.refreshTokenVersion !== refreshVersion || o.retryAt === undefined) return;
    this.#notBefore = Math.max(this.#notBefore, o.retryAt);
    this.#failures = Math.max(this.#failures, o.failures ?? 1);
  }

  /**
   * Milliseconds until a token call may start; 0 when it may start now. Finishing an interrupted
   * spend (`unfinished`) skips our own backoff, which only spares Atlassian, but honours its Retry-After.
   */
  waitMs(unfinished = false): number {
    return Math.max(0, (unfinished ? this.#asked : this.#notBefore) - this.now());
  }
}
