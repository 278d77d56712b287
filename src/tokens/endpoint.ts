import { type ClientCredentials, type TokenClient, TokenEndpointError, type TokenGrant } from './atlassian';
import { backoff, retrying, TOKEN_ENDPOINT } from './retry';

/**
 * One refresh against the token endpoint, with the retry policy. Re-sending is safe: an answered
 * 429/5xx did not spend the refresh token, and after an ambiguous failure (timeout, dropped
 * connection, which may have rotated it) the token is re-sent only within `deadlineMs`, far inside
 * Atlassian's 10-minute reuse leeway. A rejection or a client refusal is never retried.
 */
export function callTokenEndpoint(
  client: TokenClient,
  credentials: ClientCredentials,
  refreshToken: string,
  o: { now: () => number; deadlineMs: number },
): Promise<TokenGrant> {
  const firstSent = o.now();
  return retrying(TOKEN_ENDPOINT, () => client.refresh(credentials, refreshToken), {
    retryable: (err) =>
      err instanceof TokenEndpointError && (err.kind === 'transient' || err.kind === 'ambiguous'),
    // Retry-After (429, 503) wins over our own backoff when it is longer.
    delayMs: (err, attempt) =>
      Math.max((err as TokenEndpointError).retryAfterMs ?? 0, backoff(TOKEN_ENDPOINT, attempt)),
    worthWaiting: (delay) => o.now() - firstSent + delay <= o.deadlineMs,
  });
}
