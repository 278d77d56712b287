import { isIP } from 'node:net';

/**
 * The client's address as each platform reports it, for ALLOWED_CALLER_IP_RANGES and the audit
 * line. Never a header the caller controls:
 * - Lambda: `requestContext.http.sourceIp` (payload 2.0) or `requestContext.identity.sourceIp`
 *   (1.0), set by the function URL / API Gateway front end from the TCP connection.
 * - `serve`: the socket's peer address.
 * - Cloud Functions (2nd gen, a Cloud Run service): the socket's peer is Google's front end, not
 *   the caller. The front end appends the address it received the connection from to
 *   X-Forwarded-For, after whatever the caller put there: only the LAST entry is Google's, every
 *   earlier one is the caller's to invent. A load balancer in front adds its own address after
 *   the client's; the last entry is then the balancer's, no range matches it, and every call is
 *   refused rather than a spoofed one allowed (docs/OPERATORS.md#caller-networks).
 */

/** The last X-Forwarded-For entry, the one Google's front end appended; the socket's peer when there is none. */
export function frontEndClientAddress(
  forwardedFor: string | string[] | undefined,
  socketAddress: string | undefined,
): string | undefined {
  const joined = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  if (joined === undefined || joined.trim() === '') return socketAddress;
  const last = joined.split(',').at(-1)?.trim() ?? '';
  // Not an address (a caller cannot make the last entry, but a misconfigured proxy could): none.
  return isIP(last) ? last : undefined;
}
