import { ProxyError } from './errors';

// Fetch's Request refuses CONNECT, TRACE and TRACK, and upper-cases DELETE, GET, HEAD, OPTIONS,
// POST and PUT written in any case: either way the core would not see the method as sent.
const FORBIDDEN = /^(connect|trace|track)$/i;
const NORMALISED = /^(delete|get|head|options|post|put)$/i;

/** Refuses, as the rules would, a method that cannot reach the core unchanged. */
export function checkMethod(method: string): void {
  if (FORBIDDEN.test(method) || (NORMALISED.test(method) && method !== method.toUpperCase())) {
    throw new ProxyError(
      'blocked_by_rules',
      `method ${method} is not allowed (method names are case-sensitive)`,
    );
  }
}
