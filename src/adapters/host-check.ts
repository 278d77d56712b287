import { ProxyError } from '../errors';

/**
 * DNS rebinding: a web page whose name the attacker re-points at 127.0.0.1 can have the operator's
 * browser call a proxy on loopback, and read Jira through it. The browser still sends the page's
 * own name in Host, so a proxy bound to loopback answers only loopback names and the names the
 * operator lists in ALLOWED_HOSTS.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** A Host header's name part, lower-case (`[::1]:8787` -> `[::1]`, `Example.com:80` -> `example.com`). */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

function isLoopbackName(name: string): boolean {
  return LOOPBACK_NAMES.includes(name) || name.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(name);
}

/** True for a listen address only this machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127(\.\d{1,3}){3}$/.test(address);
}

/** Throws 421 for a Host that is neither a loopback name nor one of `allowed`. */
export function hostChecker(allowed: readonly string[]): (host: string | undefined) => void {
  const names = new Set(allowed.map((a) => a.toLowerCase()));
  return (host) => {
    // HTTP/1.0 may omit Host (node:http refuses an HTTP/1.1 request without one); browsers always send it.
    if (host === undefined) return;
    const name = hostName(host);
    if (isLoopbackName(name) || names.has(name)) return;
    throw new ProxyError(
      'misdirected_request',
      `Host ${JSON.stringify(name.slice(0, 253))} is not served here: this proxy listens on loopback and answers only loopback names and those in ALLOWED_HOSTS`,
    );
  };
}
