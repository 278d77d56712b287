import type { ProxyCall } from './call';
import { ProxyError } from './errors';
import type { Allowed } from './proxy';
import { checkBody } from './rules/body';

/**
 * The request body of an allowed call. GET and HEAD never read it (the fast path; nothing of it
 * would go upstream). A POST with a body rule must send a JSON body that passes it, and what goes
 * upstream is the re-serialized checked value (src/rules/body.ts says why). Any other method the
 * rules allow takes no body: one that comes with one is refused rather than silently dropped.
 */
export async function withRequestBody(call: ProxyCall, decision: Allowed): Promise<Allowed> {
  if (call.method === 'GET' || call.method === 'HEAD') return decision;
  const gate = decision.body;
  if (!gate) {
    const raw = call.body ? await call.body(0) : new Uint8Array();
    if (raw === undefined)
      throw new ProxyError('blocked_by_rules', `${call.method} takes no request body here`);
    return decision;
  }
  const raw = call.body ? await call.body(gate.rule.maxBytes) : new Uint8Array();
  const checked = checkBody(
    gate.rule,
    call.header('content-type'),
    call.header('content-encoding'),
    raw,
    gate.what,
  );
  if (!checked.ok) throw new ProxyError(checked.code, checked.message);
  return { ...decision, upstreamBody: checked.body };
}
