import { randomBytes } from 'node:crypto';
import { callFromRequest, checkMethod, type ProxyCall, type Reply, toResponse } from './call';
import type { Config } from './config';
import { errorResponse, ProxyError } from './errors';
import { Upstream, type UpstreamResponse } from './forward';
import { createHealth } from './health';
import { debugEnabled, logger, metric, registerSecret } from './log';
import { METRIC } from './metric-names';
import type { Decision, Rules } from './rules';
import { type SecretNames, secretNames } from './secrets';
import type { SecretStore } from './stores/store';
import { TokenClient } from './tokens/atlassian';
import { type RefreshReport, TokenLifecycle } from './tokens/lifecycle';
import type { CompiledTransform } from './transforms';

/**
 * The platform-neutral core. Adapters (src/adapters/) call `handle` with a `ProxyCall` read from
 * their platform's request and send the `Reply` (src/call.ts); `fetch` is the same core for
 * standard Request/Response callers. The scheduled refresh calls `refresh`.
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
  readonly tokens: TokenLifecycle;
  close(): Promise<void>;
}

export interface AppDeps {
  config: Config;
  store: SecretStore;
  /** Compiled rules; undefined when JIRA_CLOUD_ID is not configured. */
  rules: Rules | undefined;
  now?: () => number;
}

// Jira's answer when the token is valid but the grant lacks the endpoint's scope.
const SCOPE_MISMATCH = /scope does not match/i;
const REQUEST_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;
// Unique per process (random prefix) and cheap per request (a counter).
const ID_PREFIX = randomBytes(6).toString('base64url');
let requestCounter = 0;

export function createApp({ config, store, rules, now }: AppDeps): App {
  const names: SecretNames = secretNames(config.secretPrefix);
  const tokens = new TokenLifecycle({
    store,
    names,
    client: new TokenClient(config.authUrl),
    refreshMarginSeconds: config.refreshMarginSeconds,
    lockTtlMs: config.lockTtlMs,
    now,
  });
  const upstream = new Upstream(config.upstreamTimeoutMs, config.maxResponseBytes);
  let salt: Promise<string> | undefined;

  /** The pseudonymization salt, read once; never logged, only its hash is shown. */
  function loadSalt(): Promise<string> {
    salt ??= store.read([names.SALT]).then(
      (got) => {
        const value = got.get(names.SALT)?.value;
        if (!value) {
          salt = undefined;
          throw new ProxyError(
            'not_configured',
            `the secret ${names.SALT} (pseudonymization salt) is missing`,
          );
        }
        registerSecret(value);
        return value;
      },
      (err) => {
        salt = undefined;
        throw new ProxyError(
          'store_unavailable',
          `secret store: ${(err as Error).message}`,
          {},
          { cause: err },
        );
      },
    );
    return salt;
  }

  const health = createHealth({ config, store, rules, tokens, loadSalt });

  async function proxy(
    call: ProxyCall,
    decision: Extract<Decision, { ok: true }>,
    requestId: string,
  ): Promise<Reply> {
    const transform = decision.transform;
    if (transform && call.method === 'HEAD') {
      // The GET it stands for, less the body: only GET's body shows what the transform makes of
      // it (and Jira need not answer HEAD at all).
      const asGet: ProxyCall = {
        method: 'GET',
        target: call.target,
        header: (name) => call.header(name),
        requestId: call.requestId,
      };
      const get = toResponse(await proxy(asGet, decision, requestId));
      await get.body?.cancel();
      return new Response(null, { status: get.status, headers: get.headers });
    }
    const path = decision.upstreamPath + decision.upstreamQuery;
    const send = (accessToken: string) =>
      upstream.send({
        method: call.method,
        base: config.apiUrl,
        path,
        accessToken,
        requestId,
        accept: call.header('accept'),
        acceptEncoding: transform ? null : call.header('accept-encoding'),
      });

    // A transformed endpoint without its salt fails before anything is fetched.
    const salt = transform ? await loadSalt() : '';
    let token = await tokens.accessToken();
    let res = await send(token.token);
    if (isRejection(res, token.token)) {
      const scope = await scopeMismatch(res);
      if (scope) return scope;
      // One retry with a newer token (another instance's, or a refresh); never a loop.
      token = await tokens.replaceRejected(token.token);
      res = await send(token.token);
      if (isRejection(res, token.token)) {
        const again = await scopeMismatch(res);
        if (again) return again;
        throw await tokens.rejectedAgain(token.token);
      }
    }
    tokens.accepted(token.token);
    res.headers['x-request-id'] = requestId;
    if (!transform) {
      if (call.method === 'HEAD') {
        res.body.resume();
        return new Response(null, { status: res.status, headers: res.headers });
      }
      // The fast path: status, headers and the Node stream go to the adapter as they are.
      return { status: res.status, headers: res.headers, body: upstream.bounded(res.body) };
    }
    res.headers['content-type'] = 'application/json';
    delete res.headers['content-encoding'];
    if (res.status < 200 || res.status >= 300) {
      // Error bodies are not shaped like the data the transform knows: withhold them, keep the
      // status and the rate-limit headers.
      res.body.resume();
      const error = {
        code: 'upstream_error',
        message: `Jira answered ${res.status}; the body is withheld on a transformed endpoint`,
      };
      return new Response(JSON.stringify({ error }), { status: res.status, headers: res.headers });
    }
    const body = await upstream.buffer(res.body);
    const output = applyTransform(transform, parseJson(body, res.status), salt);
    return new Response(JSON.stringify(output), { status: res.status, headers: res.headers });

    function isRejection(r: UpstreamResponse, used: string): boolean {
      return r.status === 401 || ((r.status === 403 || r.status === 404) && tokens.isExpired(used));
    }

    /**
     * Jira's 401 when the token is fine but the grant lacks the endpoint's scope: passed back, since
     * a refresh would not help, and refreshing on every such call would hammer the token endpoint.
     */
    async function scopeMismatch(r: UpstreamResponse): Promise<Response | undefined> {
      const body = await upstream.buffer(r.body);
      if (r.status === 401 && SCOPE_MISMATCH.test(body.toString('utf8')))
        return new Response(new Uint8Array(body), { status: 401, headers: r.headers });
      return undefined;
    }
  }

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
        response = await proxy(call, decision, requestId);
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
    return response;
  }

  return {
    handle,
    fetch: async (req, ctx = {}) =>
      toResponse(await handle(callFromRequest(req, ctx.rawTarget, ctx.requestId))),
    refresh: () => tokens.refreshIfDue(),
    tokens,
    async close() {
      tokens.close();
      await upstream.close();
      await store.close?.();
    },
  };
}

function validRequestId(id: string | null | undefined): string | undefined {
  return id && REQUEST_ID.test(id) ? id : undefined;
}

function applyTransform(transform: CompiledTransform, body: unknown, salt: string): unknown {
  try {
    return transform.apply(body, salt);
  } catch (err) {
    throw new ProxyError(
      'transform_failed',
      `the response could not be transformed (${(err as Error).message}); it was withheld`,
    );
  }
}

function parseJson(body: Buffer, status: number): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // A transformed endpoint never passes an unparsed body on: it could hold what the rules remove.
    throw new ProxyError(
      'transform_failed',
      `Jira answered ${status} with a body that is not JSON; it was withheld`,
    );
  }
}
