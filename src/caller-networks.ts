import { BlockList, isIP } from 'node:net';
import type { ProxyCall } from './call';
import { ProxyError } from './errors';

/**
 * ALLOWED_CALLER_IP_RANGES: the networks a caller may call from, checked against the client
 * address the platform itself reports (ProxyCall.clientAddress, filled by the adapters from
 * requestContext.http.sourceIp, the socket, or the entry Google's front end added), never a header
 * a caller sets. The IAM condition of the stacks enforces the same list a second time on AWS.
 * node:net's BlockList matches IPv4 and IPv6 ranges, and an IPv4-mapped IPv6 address
 * (`::ffff:10.1.2.3`) against the IPv4 ones.
 */

const CIDR = /^([^/\s]+)\/(\d{1,3})$/;

/** One `address/prefix` range, normalised; throws a message saying what a range looks like. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const m = CIDR.exec(text.trim());
  const version = m ? isIP(m[1] as string) : 0;
  const prefix = Number(m?.[2]);
  if (!m || version === 0 || prefix > (version === 4 ? 32 : 128))
    throw new Error(
      `${JSON.stringify(text.slice(0, 60))} is not a CIDR range such as 203.0.113.0/24 or 2001:db8::/32`,
    );
  return { address: m[1] as string, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** True when `address` (an IPv4 or IPv6 literal) is inside one of `ranges`; false for anything else. */
export type CallerNetworkCheck = (address: string | undefined) => boolean;

export function callerNetworks(ranges: readonly string[]): CallerNetworkCheck {
  const list = new BlockList();
  for (const r of ranges) {
    const { address, prefix, family } = parseCidr(r);
    list.addSubnet(address, prefix, family);
  }
  return (address) => {
    const version = address ? isIP(address) : 0;
    return version !== 0 && list.check(address as string, version === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The refusal of a call from outside the listed networks (403, the contract's JSON error). An
 * empty list allows every address. Cloud Scheduler's `POST /_refresh` on GCP comes from Google's
 * own addresses, not the callers' networks: it is let through, since it returns no Jira data (only
 * the token's expiry) and run.invoker still guards it.
 */
export function checkCallerNetwork(check: CallerNetworkCheck | undefined, call: ProxyCall): void {
  if (!check || check(call.clientAddress)) return;
  if (call.method === 'POST' && call.target.split('?', 1)[0] === '/_refresh') return;
  throw new ProxyError(
    'caller_not_allowed',
    call.clientAddress
      ? `calls from ${call.clientAddress} are not allowed: the address is outside ALLOWED_CALLER_IP_RANGES`
      : 'the platform gave no client address to check against ALLOWED_CALLER_IP_RANGES',
  );
}
