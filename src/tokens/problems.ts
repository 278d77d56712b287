import { ProxyError } from '../errors';
import type { StoreState } from './token-store';

/** The lifecycle's answers to a caller when no token can be had: each names its fix. */

const BOOTSTRAP = '`npx jira-token-proxy bootstrap`';

export function notConfigured(state: StoreState): ProxyError {
  const missing = !state.client ? 'client credentials' : 'refresh token';
  return new ProxyError('not_configured', `the store holds no ${missing}; run ${BOOTSTRAP}`);
}

export function familyExpired(): ProxyError {
  return new ProxyError(
    'token_family_expired',
    'Atlassian rejected the refresh token: the token family has expired or was revoked. ' +
      `Run ${BOOTSTRAP} to consent again; the proxy picks up the new family by itself.`,
  );
}

export function clientRefused(cause: string): ProxyError {
  return new ProxyError(
    'not_configured',
    `${cause}. Copy both from the app's Settings in developer.atlassian.com and run ${BOOTSTRAP} ` +
      'with --client-id and --client-secret; the proxy tries the stored ones again every 5 minutes.',
  );
}

export function upstreamRejected(): ProxyError {
  return new ProxyError(
    'upstream_rejected_token',
    'Jira rejected a freshly issued access token, so refreshing again would not help. Likely causes: ' +
      "the consenting account lost access to the site, the site was removed from the app's grant, or " +
      `the app lost Jira scopes. Check them, and run ${BOOTSTRAP} if the grant changed; requests go ` +
      'through again as soon as Jira accepts the token.',
  );
}

export function lockBusy(): ProxyError {
  return new ProxyError(
    'token_endpoint_unavailable',
    'another proxy instance is refreshing the access token and has not finished; retry shortly',
    { 'retry-after': '5' },
  );
}

/** The token endpoint failed or is paced (or no time was left to call it): retry after `retryAfterMs`. */
export function endpointUnavailable(message: string, retryAfterMs: number): ProxyError {
  return new ProxyError('token_endpoint_unavailable', message, {
    'retry-after': String(Math.ceil(Math.max(retryAfterMs, 1000) / 1000)),
  });
}
