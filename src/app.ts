import { randomBytes } from 'node:crypto';
import { audited } from './audit';
import { callFromRequest, checkMethod, type ProxyCall, type Reply, toResponse } from './call';
import { type CallerNetworkCheck, checkCallerNetwork } from './caller-networks';
import { errorResponse, ProxyError } from './errors';
import { debugEnabled, logger, metric } from './log';
import { METRIC } from './metric-names';
import type { ProxyStep } from './proxy';
import { withRequestBody } from './request-body';
import type { Rules } from './rules';
import type { RefreshReport, TokenLifecycle } from './tokens/lifecycle';

/**
 * The platform-neutral core, a tiny one in the manner of middy's: request id, routing (health,
 * refresh, the rules' decision), error responses and the access log; everything else is a part it
 * is given, built once by src/runtime.ts. Adapters (src/adapters/) call `handle` with a
 * `ProxyCall` read from their platform's request and send the `Reply` (src/call.ts); `fetch` is the
 * same core for standard Request/Response callers. The scheduled refresh calls `refresh`.
 */

export interface RequestContext {
  /** The request-target exactly as received; WHATWG URL parsing would already have normalised it. */
  rawTarget?: string;
  requestId?: string;
}

export interface App {
  handle(call: ProxyCall): Promise<Reply>;
  fetch(req: Request, ctx?: RequestContext): Promise<Response>;
  refresh(): Promise<RefreshReport>;
  close(): Promise<void>;
}

/** What the core is given, built (src/runtime.ts). */
export interface AppParts {
  /** Compiled rules; undefined when JIRA_CLOUD_ID is not configured. */
  rules: Rules | undefined;
  tokens: TokenLifecycle;
  /** The allowed call to Jira (src/proxy.ts). */
  proxy: ProxyStep;
  /** `GET /_health` (src/health.ts). */
  health: (requestId: string) => Promise<Response>;
  /** Releases what the parts hold: agents, timers, the store client. */
  close: () => Promise<void>;
  /** ALLOWED_CALLER_IP_RANGES (src/caller-networks.ts); undefined: every address. */
  callerNetworks?: CallerNetworkCheck;
  /** One audit line per request (src/audit.ts). */
  audit?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;
// Unique per process (random prefix) and cheap per request (a counter).
const ID_PREFIX = randomBytes(6).toString('base64url');
let requestCounter = 0;

export function createApp({ rules, tokens, proxy, health, close, callerNetworks, audit }: AppParts): App {
  async function handle(call: ProxyCall): Promise<Reply> {
    const requestId =
      validRequestId(call.requestId) ??
      validRequestId(call.header('x-request-id')) ??
      `${ID_PREFIX}-${(++requestCounter).toString(36)}`;
    const target = call.target;
    const started = performance.now();
    let response: Reply;
    let endpoint: string | undefined;
    try {
      checkCallerNetwork(callerNetworks, call);
      checkMethod(call.method);
      const path = target.split('?', 1)[0];
      if (path === '/_health' || call.header('x-psoxy-health-check') !== null) {
        response = await health(requestId);
      } else if (path === '/_refresh') {
        if (call.method !== 'POST') throw new ProxyError('method_not_allowed', 'use POST /_refresh');
        response = Response.json(await tokens.refreshIfDue(), { headers: { 'x-request-id': requestId } });
      } else {
        if (!rules) {
          throw new ProxyError(
            'not_configured',
            'JIRA_CLOUD_ID is not set; run `npx jira-token-proxy bootstrap`',
          );
        }
        let decision = rules.decide(call.method, target, tokens.grantedScopes);
        if (decision.ok && !tokens.grantedScopes) {
          // A cold instance learns the granted scopes with its first token; decide again with them.
          await tokens.accessToken();
          decision = rules.decide(call.method, target, tokens.grantedScopes);
        }
        if (!decision.ok)
          throw new ProxyError(decision.status === 414 ? 'uri_too_long' : decision.code, decision.message);
        endpoint = decision.endpointId;
        response = await proxy(call, await withRequestBody(call, decision), requestId);
      }
    } catch (err) {
      if (!(err instanceof ProxyError)) logger.error('request failed', { requestId, err });
      else if (err.code === 'store_unavailable') metric(METRIC.storeUnavailable, 1);
      response = errorResponse(err, requestId);
    }
    // Every request at debug; at info only what went wrong, so a busy pipeline costs no log volume.
    // Only the core's own Responses carry an error; a streamed reply is the upstream's answer.
    const error = response instanceof Response ? response.headers.get('x-psoxy-error') : null;
    if (error || debugEnabled()) {
      logger[error ? 'info' : 'debug']('request', {
        requestId,
        method: call.method,
        endpoint: endpoint ?? null,
        status: response.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        error: error ?? undefined,
      });
    }
    return audit ? audited(call, response, { requestId, endpoint, started }) : response;
  }

  return {
    handle,
    fetch: async (req, ctx = {}) =>
      toResponse(await handle(callFromRequest(req, ctx.rawTarget, ctx.requestId))),
    refresh: () => tokens.refreshIfDue(),
    close,
  };
}

function validRequestId(id: string | null | undefined): string | undefined {
  return id && REQUEST_ID.test(id) ? id : undefined;
}
