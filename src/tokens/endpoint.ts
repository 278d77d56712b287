import { TokenEndpointError, type TokenGrant } from './atlassian';
import { backoff, retrying, TOKEN_ENDPOINT } from './retry';

/**
 * The retries of one refresh against the token endpoint. Re-sending is safe: an answered 429/5xx
 * did not spend the refresh token, and after an ambiguous failure (timeout, dropped connection,
 * which may have rotated it) the token is re-sent only within `deadlineMs`, far inside Atlassian's
 * 10-minute reuse leeway. A rejection or a client refusal is never retried, and neither is a
 * Retry-After longer than the deadline: the caller's pacing (pacing.ts) waits for it instead.
 * `attempt` makes one call; it may refuse to start one (no time left), which ends the retries.
 */
export function callTokenEndpoint(
  attempt: () => Promise<TokenGrant>,
  o: { now: () => number; deadlineMs: number },
): Promise<TokenGrant> {
  const firstSent = o.now();
  return retrying(TOKEN_ENDPOINT, attempt, {
    retryable: (err) =>
      err instanceof TokenEndpointError && (err.kind === 'transient' || err.kind === 'ambiguous'),
    // Retry-After (429, 503) wins over our own backoff when it is longer.
    delayMs: (err, n) => Math.max((err as TokenEndpointError).retryAfterMs ?? 0, backoff(TOKEN_ENDPOINT, n)),
    worthWaiting: (delay) => o.now() - firstSent + delay <= o.deadlineMs,
  });
}
