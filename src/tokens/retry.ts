import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one retry policy of the token lifecycle: the token endpoint and the background write-back
 * back off the same way (exponential, jittered over the upper half so instances spread out).
 *
 * Store calls are retried by the store layer alone, never again here: the AWS SDK's standard
 * mode (3 attempts, throttling-aware, src/stores/aws-client.ts) and google-gax for GCP reads.
 * GCP writes are deliberately not retried there (a lost answer would add a second version). A
 * write-back the store still refuses is held in memory and retried by the background loop below,
 * so one write-back costs at most the SDK's 3 calls before it is held (it used to be 3 x 4).
 */

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

/** Answered 429/5xx or no answer; bounded further by the refresh deadline. */
export const TOKEN_ENDPOINT: RetryPolicy = { attempts: 4, baseMs: 200, capMs: 10_000 };
/** The background write-back of a held refresh token: until it lands, at most every 30 s. */
export const WRITE_BACK_LOOP: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseMs: 1_000,
  capMs: 30_000,
};

/** Delay before retry number `attempt` (1-based): 200, 400, 800 ms ... (upper half jittered). */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  return cap / 2 + Math.random() * (cap / 2);
}

export interface RetryHooks {
  /** Whether this failure is worth another attempt at all. */
  retryable(err: unknown): boolean;
  /** The wait before the next attempt; default `backoff`. (A server's Retry-After can raise it.) */
  delayMs?(err: unknown, attempt: number): number;
  /** A last say, knowing the delay (e.g. a deadline); false gives up with `err`. */
  worthWaiting?(delayMs: number): boolean;
  onRetry?(err: unknown, attempt: number): void;
}

/** Runs `op` until it succeeds, a failure is not retryable, or the policy's attempts are spent. */
export async function retrying<T>(policy: RetryPolicy, op: () => Promise<T>, hooks: RetryHooks): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= policy.attempts || !hooks.retryable(err)) throw err;
      const delay = hooks.delayMs?.(err, attempt) ?? backoff(policy, attempt);
      if (hooks.worthWaiting && !hooks.worthWaiting(delay)) throw err;
      hooks.onRetry?.(err, attempt);
      await sleep(delay);
    }
  }
}
