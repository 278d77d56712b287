import { ProxyError } from '../errors';
import type { TokenFamily } from './values';

/**
 * A token family belongs to the authorization server that issued it: its refresh token means
 * nothing anywhere else, and sending it there leaks it to a server that has no business with it
 * and records a failed refresh against a family that is fine. The bootstrap records the issuer
 * (ATLASSIAN_AUTH_URL) in TOKEN_FAMILY; a family bootstrapped before that was recorded carries
 * none and is refreshed at the configured ATLASSIAN_AUTH_URL, as it always was.
 */

/** The comparable form of an auth URL: origin and path, without a trailing slash. */
function normalized(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url.trim().replace(/\/+$/, '');
  }
}

/** The one line saying the family belongs elsewhere, or undefined when `authUrl` may refresh it. */
export function familyIssuerMismatch(
  family: Pick<TokenFamily, 'authUrl'> | undefined,
  authUrl: string,
): string | undefined {
  const issuer = family?.authUrl;
  if (!issuer || normalized(issuer) === normalized(authUrl)) return undefined;
  return (
    `the token family was issued by ${issuer} but ATLASSIAN_AUTH_URL is ${authUrl}, so its refresh token ` +
    `is not sent there: set ATLASSIAN_AUTH_URL (and ATLASSIAN_API_URL) to the store's servers, ` +
    'or run `npx jira-token-proxy bootstrap` against the configured one'
  );
}

/** Throws `not_configured` before a refresh token would go to a server that did not issue it. */
export function assertFamilyIssuer(family: TokenFamily | undefined, authUrl: string): void {
  const mismatch = familyIssuerMismatch(family, authUrl);
  if (mismatch) throw new ProxyError('not_configured', mismatch);
}
